import Foundation

/// One parse of one CSV buffer (see `CSVReader` for the rules). Pass 1 parses every column as
/// numbers in parallel; pass 2 re-reads only the columns that turned out to hold text.
struct CSVParser {
    let bytes: UnsafeBufferPointer<UInt8>
    let source: String
    let options: CSVOptions

    /// Rows per parallel chunk below which parsing stays on one thread.
    static let parallelThreshold = 20_000

    /// Rows between two looks at `options.cancellation` (a power of two: the check is a mask).
    static let cancellationStride = 1 << 16

    func parse() throws(DataError) -> Table {
        guard let base = bytes.baseAddress, bytes.contains(where: { !Self.isSpace($0) }) else {
            throw DataError(.emptyFile, "the file is empty", source: source,
                            hint: "a CSV needs a header row and at least one data row")
        }
        try checkCancelled()
        let rows = try CSVRows.split(bytes, source: source)
        try checkCancelled()
        let names = try header(base, rows)
        let dataCount = rows.count - 1
        if dataCount == 0 {
            throw DataError(.noDataRows, "the file has a header but no data rows", source: source, line: 2,
                            hint: "add data rows below the header")
        }
        let wanted = options.rowRange.map { $0.clamped(to: 0..<dataCount) } ?? 0..<dataCount
        // Record index = data row + 1 (record 0 is the header).
        let records = (wanted.lowerBound + 1)..<(wanted.upperBound + 1)
        var forced = [ColumnType?](repeating: nil, count: names.count)
        for (name, type) in options.columnTypes {
            guard let j = names.firstIndex(of: name) else {
                if options.ignoresUnknownColumnTypes { continue }
                throw DataError(.unknownColumn, "a column type is given for a column the file does not have",
                                source: source, column: name,
                                hint: "columns are: \(names.joined(separator: ", "))")
            }
            forced[j] = type
        }
        let numeric = try numericPass(base, rows, records, names, forced)
        try checkCancelled()
        var columns = numeric.columns
        let textIndices = names.indices.filter { numeric.isText[$0] }
        let encoded = textPass(textIndices, base, rows, records)
        try checkCancelled()
        for (k, j) in textIndices.enumerated() {
            columns[j] = try textColumn(encoded[k], base, rows, records, names[j], forced[j])
        }
        return Table(columns: columns, rowCount: records.count)
    }

    private func checkCancelled() throws(DataError) {
        if options.cancellation?.isCancelled == true { throw Self.cancelled(source) }
    }

    private static func cancelled(_ source: String) -> DataError {
        DataError(.cancelled, "reading stopped: the attempt was cancelled", source: source)
    }

    private static func isSpace(_ c: UInt8) -> Bool {
        c == UInt8(ascii: " ") || c == UInt8(ascii: "\n") || c == UInt8(ascii: "\r") || c == UInt8(ascii: "\t")
    }

    private func header(_ base: UnsafePointer<UInt8>, _ rows: CSVRows) throws(DataError) -> [String] {
        var cursor = CSVFieldCursor(base: base, start: rows.starts[0], end: rows.ends[0], delimiter: options.delimiter)
        var names: [String] = []
        var seen: Set<String> = []
        while let f = cursor.next() {
            var name = cursor.string(f.start, f.end, escaped: f.escaped).trimmingCharacters(in: .whitespaces)
            if names.isEmpty && name.hasPrefix("\u{FEFF}") { name.removeFirst() }
            if name.isEmpty { name = "column_\(names.count + 1)" }
            if !seen.insert(name).inserted {
                throw DataError(.duplicateColumn, "the header names this column twice", source: source, line: 1,
                                column: name, hint: "give every column a unique name")
            }
            names.append(name)
        }
        return names
    }

    private struct NumericResult {
        var columns: [Column]
        var isText: [Bool]
    }

    /// Per-chunk outcome of pass 1, written by one worker only.
    private struct ChunkResult {
        var isText: [Bool]
        var error: DataError?
    }

    private func numericPass(_ base: UnsafePointer<UInt8>, _ rows: CSVRows, _ records: Range<Int>,
                             _ names: [String], _ forced: [ColumnType?]) throws(DataError) -> NumericResult {
        let n = records.count
        let width = names.count
        let candidate = forced.map { $0 == nil || $0 == .numeric }
        let buffer = HugePageBuffer<Double>(capacity: n * width)
        defer { buffer.free() }
        let output = buffer.pointer
        let cores = options.threads > 0 ? options.threads : ProcessInfo.processInfo.activeProcessorCount
        let chunks = n < Self.parallelThreshold ? 1 : max(1, min(cores, n / Self.parallelThreshold))
        let results = UnsafeMutablePointer<ChunkResult>.allocate(capacity: chunks)
        results.initialize(repeating: ChunkResult(isText: candidate.map { !$0 }, error: nil), count: chunks)
        defer { results.deinitialize(count: chunks); results.deallocate() }
        let shared = (bytes: SharedPointer(base), out: SharedPointer(output), results: SharedPointer(results))
        let starts = rows.starts, ends = rows.ends
        let delimiter = options.delimiter, source = self.source
        let bytesCount = bytes.count
        let quoted = rows.hasQuotes
        let cancellation = options.cancellation
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let lo = records.lowerBound + n * chunk / chunks
            let hi = records.lowerBound + n * (chunk + 1) / chunks
            var result = shared.results.base[chunk]
            Self.parseChunk(UnsafePointer(shared.bytes.base), bytesCount: bytesCount, starts: starts, ends: ends,
                            records: lo..<hi, firstRecord: records.lowerBound, rowCount: n, width: width,
                            delimiter: delimiter, candidate: candidate, forced: forced, names: names,
                            source: source, quoted: quoted, out: shared.out.base, cancellation: cancellation,
                            result: &result)
            shared.results.base[chunk] = result
        }
        var isText = candidate.map { !$0 }
        for c in 0..<chunks {
            if let error = results[c].error { throw error }
            for j in 0..<width where results[c].isText[j] { isText[j] = true }
        }
        var columns: [Column] = []
        columns.reserveCapacity(width)
        for j in 0..<width {
            let numbers = isText[j] ? [] : Array(UnsafeBufferPointer(start: output + j * n, count: n))
            columns.append(Column(name: names[j], numbers: numbers))
        }
        return NumericResult(columns: columns, isText: isText)
    }

    private static func parseChunk(_ base: UnsafePointer<UInt8>, bytesCount: Int, starts: [Int], ends: [Int],
                                   records: Range<Int>, firstRecord: Int, rowCount n: Int, width: Int,
                                   delimiter: UInt8, candidate: [Bool], forced: [ColumnType?], names: [String],
                                   source: String, quoted: Bool, out: UnsafeMutablePointer<Double>,
                                   cancellation: CancellationToken?, result: inout ChunkResult) {
        var isText = result.isText
        let space = UInt8(ascii: " ")
        /// Parses one field the careful way (trim, missing tokens, quotes); false = stop (error set).
        func general(_ j: Int, _ fs: Int, _ fe: Int, escaped: Bool, _ r: Int, _ row: Int) -> Bool {
            var s = fs, e = fe
            while s < e && base[s] == space { s += 1 }
            while e > s && base[e - 1] == space { e -= 1 }
            if MissingValues.isMissing(base + s, e - s) {
                out[j * n + row] = .nan
            } else if !escaped, let value = FastDouble.parse(base + s, count: e - s) {
                out[j * n + row] = value
            } else if forced[j] == .numeric {
                let all = UnsafeBufferPointer(start: base, count: bytesCount)
                result.error = DataError(
                    .notNumeric, "the column is declared numeric but this field is not a number",
                    source: source, line: CSVRows.lineNumber(all, offset: starts[r]), column: names[j],
                    field: String(decoding: UnsafeBufferPointer(start: base + fs, count: fe - fs), as: UTF8.self),
                    hint: "fix the value, leave the field empty for a missing value, or drop the numeric type")
                return false
            } else {
                isText[j] = true
            }
            return true
        }
        for r in records {
            if r & (cancellationStride - 1) == 0, cancellation?.isCancelled == true {
                result.error = cancelled(source)
                return
            }
            let row = r - firstRecord
            let end = ends[r]
            var j = 0
            if quoted {
                var cursor = CSVFieldCursor(base: base, start: starts[r], end: end, delimiter: delimiter)
                while let f = cursor.next() {
                    if j < width && !isText[j] && !general(j, f.start, f.end, escaped: f.escaped, r, row) { return }
                    j += 1
                }
            } else {
                // No quotes anywhere: parse each number in place and expect a delimiter after it.
                var position = starts[r]
                while true {
                    var fieldEnd = position
                    if j < width && !isText[j] {
                        let (value, used) = FastDouble.parsePrefix(base + position, count: end - position)
                        let after = position + used
                        if used > 0, let value, after == end || base[after] == delimiter {
                            out[j * n + row] = value
                            fieldEnd = after
                        } else {
                            while fieldEnd < end && base[fieldEnd] != delimiter { fieldEnd += 1 }
                            if !general(j, position, fieldEnd, escaped: false, r, row) { return }
                        }
                    } else {
                        while fieldEnd < end && base[fieldEnd] != delimiter { fieldEnd += 1 }
                    }
                    j += 1
                    if fieldEnd >= end { break }
                    position = fieldEnd + 1
                }
            }
            if j != width {
                let all = UnsafeBufferPointer(start: base, count: bytesCount)
                result.error = DataError(
                    .raggedRow, "the row has \(j) field\(j == 1 ? "" : "s") but the header has \(width)",
                    source: source, line: CSVRows.lineNumber(all, offset: starts[r]),
                    hint: "every row needs one field per header column; quote fields that contain '\(Character(UnicodeScalar(delimiter)))'")
                return
            }
        }
        result.isText = isText
    }

    /// Pass 2: one walk over the records dictionary-encodes every text column at once.
    private func textPass(_ columns: [Int], _ base: UnsafePointer<UInt8>, _ rows: CSVRows,
                          _ records: Range<Int>) -> [(codes: [Int32], categories: [String])] {
        guard let last = columns.last else { return [] }
        var slotOf = [Int](repeating: -1, count: last + 1)
        for (k, j) in columns.enumerated() { slotOf[j] = k }
        var interners = [ByteInterner](repeating: ByteInterner(), count: columns.count)
        var codes = [[Int32]](repeating: [], count: columns.count)
        for k in codes.indices { codes[k].reserveCapacity(records.count) }
        var unescaped: [UInt8] = []
        for r in records {
            if r & (Self.cancellationStride - 1) == 0, options.cancellation?.isCancelled == true { break }
            var cursor = CSVFieldCursor(base: base, start: rows.starts[r], end: rows.ends[r], delimiter: options.delimiter)
            var j = 0
            while j <= last, let f = cursor.next() {
                let k = slotOf[j]
                j += 1
                guard k >= 0 else { continue }
                if !f.escaped && MissingValues.isMissing(base + f.start, f.end - f.start) {
                    codes[k].append(-1)
                } else if f.escaped {
                    unescaped = Array(cursor.string(f.start, f.end, escaped: true).utf8)
                    let n = unescaped.count
                    codes[k].append(unescaped.withUnsafeBufferPointer { b in
                        b.baseAddress.map { interners[k].code($0, n) } ?? -1
                    })
                } else {
                    codes[k].append(interners[k].code(base + f.start, f.end - f.start))
                }
            }
        }
        return codes.indices.map { (codes[$0], interners[$0].values) }
    }

    /// Decides categorical vs boolean for one dictionary-encoded text column.
    private func textColumn(_ encoded: (codes: [Int32], categories: [String]), _ base: UnsafePointer<UInt8>,
                            _ rows: CSVRows, _ records: Range<Int>, _ name: String,
                            _ forced: ColumnType?) throws(DataError) -> Column {
        let (codes, categories) = encoded
        if forced == .categorical { return Column(name: name, codes: codes, categories: categories) }
        let parsed = categories.map(MissingValues.boolean)
        let pairs = Set(parsed.compactMap { $0?.pair })
        let allBoolean = !categories.isEmpty && parsed.allSatisfy { $0 != nil } && pairs.count == 1
        if forced == .boolean && !parsed.allSatisfy({ $0 != nil }) {
            let bad = parsed.firstIndex { $0 == nil } ?? 0
            let row = codes.firstIndex(of: Int32(bad)) ?? 0
            throw DataError(.notBoolean, "the column is declared boolean but this field is not true/false or yes/no",
                            source: source, line: CSVRows.lineNumber(bytes, offset: rows.starts[records.lowerBound + row]),
                            column: name, field: categories[bad],
                            hint: "use true/false or yes/no (any case), or leave the field empty for missing")
        }
        guard allBoolean || forced == .boolean else {
            return Column(name: name, codes: codes, categories: categories)
        }
        let values = parsed.map { $0.map { $0.value ? 1.0 : 0.0 } ?? .nan }
        return Column(name: name, numbers: codes.map { $0 < 0 ? .nan : values[Int($0)] }, type: .boolean)
    }
}
