import Foundation

/// A one-line progress bar on stderr, drawn only when stderr is a terminal and at most
/// ten times a second.
struct ProgressLine {
    let total: Int
    let label: String
    private var lastDraw = ContinuousClock.now - .seconds(1)
    private let enabled = Output.isTerminal

    init(total: Int, label: String) {
        self.total = total
        self.label = label
    }

    mutating func update(_ done: Int, detail: String = "", force: Bool = false) {
        guard enabled, force || ContinuousClock.now - lastDraw >= .milliseconds(100) else { return }
        lastDraw = ContinuousClock.now
        let width = 30
        let filled = total > 0 ? min(width, done * width / total) : width
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        FileHandle.standardError.write(Data("\r\(bar) \(done)/\(total) \(label) \(detail)\u{1B}[K".utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
