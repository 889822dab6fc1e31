/// Events of one type published together (per-job events arrive by the thousand): rendered once
/// as server-sent-event frames and shared, never copied, by every subscriber that reads them.
public final class EventBatch: Sendable {
    public let type: String
    public let firstID: UInt64
    /// The frames, each `id: N\nevent: TYPE\ndata: JSON\n\n`.
    public let text: [UInt8]
    /// Where each frame's JSON starts, and where the frame ends, in `text`.
    let dataStarts: [Int32]
    let frameEnds: [Int32]

    public var count: Int { frameEnds.count }
    public var lastID: UInt64 { firstID + UInt64(count) - 1 }

    init(type: String, firstID: UInt64, text: [UInt8], dataStarts: [Int32], frameEnds: [Int32]) {
        self.type = type
        self.firstID = firstID
        self.text = text
        self.dataStarts = dataStarts
        self.frameEnds = frameEnds
    }

    /// Renders `data` (JSON objects back to back, `ends[i]` the end of the i-th) as frames whose
    /// ids count from `firstID`.
    convenience init(type: String, firstID: UInt64, data: [UInt8], ends: [Int]) {
        var text: [UInt8] = []
        text.reserveCapacity(data.count + ends.count * (type.utf8.count + 36))
        var starts: [Int32] = [], frameEnds: [Int32] = []
        starts.reserveCapacity(ends.count)
        frameEnds.reserveCapacity(ends.count)
        var from = 0
        for (i, end) in ends.enumerated() {
            text.append(contentsOf: "id: ".utf8)
            SSEText.appendDecimal(firstID + UInt64(i), to: &text)
            text.append(contentsOf: "\nevent: ".utf8)
            text.append(contentsOf: type.utf8)
            text.append(contentsOf: "\ndata: ".utf8)
            starts.append(Int32(text.count))
            text.append(contentsOf: data[from..<end])
            text.append(contentsOf: "\n\n".utf8)
            frameEnds.append(Int32(text.count))
            from = end
        }
        self.init(type: type, firstID: firstID, text: text, dataStarts: starts, frameEnds: frameEnds)
    }

    /// The events after `id` (a resuming client's `Last-Event-ID`), or nil when there are none.
    func suffix(after id: UInt64) -> EventBatch? {
        guard id >= firstID else { return self }
        guard id < lastID else { return nil }
        let skip = Int(id - firstID) + 1
        let cut = Int(frameEnds[skip - 1])
        return EventBatch(type: type, firstID: id + 1, text: Array(text[cut...]),
                          dataStarts: dataStarts[skip...].map { $0 - Int32(cut) }, frameEnds: frameEnds[skip...].map { $0 - Int32(cut) })
    }

    /// One by one (webhooks post each event on its own).
    public var events: [DroverEvent] {
        (0..<count).map { i in
            let data = String(decoding: text[Int(dataStarts[i])..<Int(frameEnds[i]) - 2], as: UTF8.self)
            return DroverEvent(id: firstID + UInt64(i), type: type, data: data)
        }
    }
}

enum SSEText {
    static func appendDecimal(_ value: UInt64, to out: inout [UInt8]) {
        var n = value, digits = 1
        while n >= 10 { n /= 10; digits += 1 }
        let start = out.count
        out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: digits))
        var v = value
        for i in stride(from: start + digits - 1, through: start, by: -1) {
            out[i] = UInt8(ascii: "0") + UInt8(v % 10)
            v /= 10
        }
    }
}
