import Foundation

/// Reads CSV files into a columnar `Table`.
///
/// - Format: RFC 4180 (quoted fields, `""` escapes, line breaks inside quotes), `\n` or `\r\n`
///   line endings, a header row, blank lines skipped.
/// - Missing values: see `MissingValues.tokens` (empty field, `NA`, `NaN`, `null`, …).
/// - Inference: a column is **numeric** when every present field parses as a number (`inf`
///   allowed), **boolean** when every present value is true/false or yes/no (any case), else
///   **categorical**. 0/1 columns stay numeric. `CSVOptions.columnTypes` overrides inference.
/// - Speed: the file is read in one go; records are found with `memchr`; numbers are parsed from
///   bytes (`FastDouble`) on all cores, each thread writing its own row slice.
public enum CSVReader {
    public static func read(path: String, options: CSVOptions = .init()) throws -> Table {
        if let mapped = try MappedFile(path: path) {
            defer { mapped.unmap() }
            return try CSVParser(bytes: mapped.bytes, source: path, options: options).parse()
        }
        let bytes = try readFile(path)
        return try read(data: bytes, source: path, options: options)
    }

    public static func read(data: [UInt8], source: String, options: CSVOptions = .init()) throws -> Table {
        try data.withUnsafeBufferPointer { buffer throws(DataError) -> Table in
            try CSVParser(bytes: buffer, source: source, options: options).parse()
        }
    }

    /// The whole file as bytes, read with one `open` + `read` loop.
    static func readFile(_ path: String) throws(DataError) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        if fd < 0 {
            let reason = String(cString: strerror(errno))
            throw DataError(.fileUnreadable, "cannot open the file: \(reason)", source: path,
                            hint: "check the path and permissions")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw DataError(.fileUnreadable, "cannot stat the file", source: path)
        }
        let size = Int(info.st_size)
        var failure: String? = nil
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            var done = 0
            while done < size {
                let got = Foundation.read(fd, buffer.baseAddress! + done, size - done)
                if got < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    break
                }
                if got == 0 { break }
                done += got
            }
            initialized = done
        }
        if let failure {
            throw DataError(.fileUnreadable, "cannot read the file: \(failure)", source: path)
        }
        return bytes
    }
}
