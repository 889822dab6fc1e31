import DroverCore
import Foundation
import Testing
@testable import DroverPipelines

/// The run files: a whole record plus a log of what changed (`RunFiles`).
@Suite final class RunFilesTests {
    let dir: String
    let path: String

    init() throws {
        dir = NSTemporaryDirectory() + "runfiles-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        path = dir + "/demo-1.json"
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    func record() -> RunRecord {
        RunRecord(id: "demo-1", number: 1, file: "p.yaml", yaml: "name: demo\n", overrides: [:],
                  inputs: RunInputs(runID: "demo-1", spans: [:], champion: nil, codeVersion: "test"), startedAtMs: 1)
    }

    func event(_ n: Int) -> RunRecord.StampedEvent {
        .init(atMs: Int64(n), event: .jobSucceeded(key: "train#\(n)", metrics: ["auc": Double(n) / 10], outputs: [:]))
    }

    func save(_ record: RunRecord, _ mark: inout RunFiles.Mark?) throws {
        try RunFiles.save(record, to: path, mark: &mark, durable: false)
    }

    func logLines() throws -> [String] {
        try String(contentsOfFile: RunFiles.logPath(path), encoding: .utf8).split(separator: "\n").map(String.init)
    }

    @Test func appendedChangesLoadAsTheWholeRecord() throws {
        var r = record()
        var mark: RunFiles.Mark?
        try save(r, &mark)
        for n in 0..<5 {
            r.events.append(event(n))
            r.jobIDs["train#\(n)"] = UInt64(100 + n)
            try save(r, &mark)
        }
        r.jobIDs["train#2"] = 999 // a re-assigned shard's new job
        try save(r, &mark)
        try save(r, &mark) // nothing new: nothing written
        #expect(try logLines().count == 6)
        let loaded = try #require(try RunFiles.load(path))
        #expect(loaded.events.map(\.atMs) == [0, 1, 2, 3, 4])
        #expect(loaded.events.last?.event == r.events.last?.event)
        #expect(loaded.jobIDs == r.jobIDs)
        // The whole record stays as first written: only the log grew.
        #expect(try #require(try JSONFiles.read(RunRecord.self, from: path)).events.isEmpty)
    }

    @Test func aWholeWriteFoldsTheLogAndRemovesIt() throws {
        var r = record()
        var mark: RunFiles.Mark?
        try save(r, &mark)
        r.events.append(event(0))
        try save(r, &mark)
        r.outcome = .promoted
        try RunFiles.save(r, to: path, mark: &mark, durable: true)
        #expect(!FileManager.default.fileExists(atPath: RunFiles.logPath(path)))
        let loaded = try #require(try RunFiles.load(path))
        #expect(loaded.events.count == 1)
        #expect(loaded.outcome == .promoted)
    }

    @Test func aLogLeftBesideAWholeWriteAddsNoEventTwice() throws {
        var r = record()
        var mark: RunFiles.Mark?
        try save(r, &mark)
        r.events += [event(0), event(1)]
        try save(r, &mark)
        let log = try Data(contentsOf: URL(fileURLWithPath: RunFiles.logPath(path)))
        r.events.append(event(2))
        try RunFiles.writeWhole(r, to: path, durable: false)
        // A crash between replacing the record and removing the log leaves both.
        try log.write(to: URL(fileURLWithPath: RunFiles.logPath(path)))
        let loaded = try #require(try RunFiles.load(path))
        #expect(loaded.events.map(\.atMs) == [0, 1, 2])
    }

    @Test func aLastLineCutByACrashIsIgnored() throws {
        var r = record()
        var mark: RunFiles.Mark?
        try save(r, &mark)
        r.events.append(event(0))
        try save(r, &mark)
        r.events.append(event(1))
        try save(r, &mark)
        let logPath = RunFiles.logPath(path)
        var log = try Data(contentsOf: URL(fileURLWithPath: logPath))
        log.removeLast(10)
        try log.write(to: URL(fileURLWithPath: logPath))
        let loaded = try #require(try RunFiles.load(path))
        #expect(loaded.events.map(\.atMs) == [0])
    }

    @Test func aDamagedLineBeforeTheLastIsAnErrorNamingFileAndLine() throws {
        var r = record()
        var mark: RunFiles.Mark?
        try save(r, &mark)
        r.events.append(event(0))
        try save(r, &mark)
        let logPath = RunFiles.logPath(path)
        let good = try String(contentsOfFile: logPath, encoding: .utf8)
        try ("{\"from\": oops\n" + good).write(toFile: logPath, atomically: true, encoding: .utf8)
        #expect {
            _ = try RunFiles.load(path)
        } throws: { error in
            "\(error)".contains("\(logPath) line 1 is damaged")
        }
    }

    @Test func aGapInTheEventsIsAnError() throws {
        try RunFiles.writeWhole(record(), to: path, durable: false)
        try RunFiles.append(.init(from: 3, events: [event(3)], jobIDs: [:]), recordPath: path)
        #expect {
            _ = try RunFiles.load(path)
        } throws: { error in
            "\(error)".contains("starts at event 3 but the run has 0")
        }
    }
}
