import DroverProtocol
import Foundation

/// One attempt's own directory under the command root: `ROOT/.drover-attempts/job-J/attempt-A/`
/// with `in/` (inputs), `out/` (`$DROVER_OUTPUT_DIR`), `tmp/` (`$TMPDIR`), `metrics.jsonl`
/// (`$DROVER_METRICS`), `stdout.log` and `stderr.log`. Blocking file calls: use off the pool.
struct AttemptDirectory: Sendable {
    let path: String

    init(root: String, jobID: JobID, attempt: UInt32) {
        path = "\(root)/.drover-attempts/job-\(jobID)/attempt-\(attempt)"
    }

    var inputs: String { path + "/in" }
    var outputs: String { path + "/out" }
    var temporary: String { path + "/tmp" }
    var metrics: String { path + "/metrics.jsonl" }
    var stdoutLog: String { path + "/stdout.log" }
    var stderrLog: String { path + "/stderr.log" }

    /// Makes the directory afresh (a leftover from an earlier worker run is removed first).
    func create() throws(JobFailure) {
        let fm = FileManager.default
        do {
            if fm.fileExists(atPath: path) { try fm.removeItem(atPath: path) }
            for dir in [inputs, outputs, temporary] { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            _ = fm.createFile(atPath: metrics, contents: nil)
        } catch {
            throw JobFailure("command: cannot prepare the attempt directory \(path): \(error)")
        }
    }

    /// Copies an input into `in/NAME` (a copy, not a link: the job must not write into the cache).
    /// Copies one artifact to `in/NAME`, or concatenates several (CSV shards: the header line of
    /// every part after the first is skipped).
    func materialise(_ sources: [String], as name: String) throws(JobFailure) {
        let target = inputs + "/" + name
        do {
            guard sources.count > 1 else {
                try FileManager.default.copyItem(atPath: sources[0], toPath: target)
                return
            }
            guard FileManager.default.createFile(atPath: target, contents: nil), let out = FileHandle(forWritingAtPath: target) else {
                throw JobFailure("command: cannot create input '\(name)' in \(inputs)")
            }
            defer { try? out.close() }
            for (i, source) in sources.enumerated() {
                guard let data = FileManager.default.contents(atPath: source) else { throw JobFailure("command: cannot read a part of input '\(name)'") }
                var part = data[...]
                if i > 0, let newline = part.firstIndex(of: UInt8(ascii: "\n")) { part = part[(newline + 1)...] }
                try out.write(contentsOf: part)
            }
        } catch let failure as JobFailure {
            throw failure
        } catch {
            throw JobFailure("command: cannot place input '\(name)' in \(inputs): \(error)")
        }
    }

    /// The regular files under `out/` (relative names, sorted) and their total size; symlinks
    /// and other special files are refused (they could point anywhere on the worker).
    func outputFiles() throws(JobFailure) -> OutputFiles {
        let fm = FileManager.default
        guard let walker = fm.enumerator(atPath: outputs) else { return OutputFiles(files: [], bytes: 0) }
        var files: [String] = []
        var total: Int64 = 0
        while let name = walker.nextObject() as? String {
            let full = outputs + "/" + name
            var st = stat()
            guard lstat(full, &st) == 0 else { continue }
            switch st.st_mode & S_IFMT {
            case S_IFDIR: continue
            case S_IFREG:
                files.append(name)
                total += Int64(st.st_size)
            default:
                throw JobFailure("command: output '\(name)' is not a regular file (symlinks and devices are not uploaded)")
            }
        }
        return OutputFiles(files: files.sorted(), bytes: total)
    }
}

/// The files an attempt left in `out/` (relative names, sorted) and their total size.
struct OutputFiles: Sendable {
    var files: [String]
    var bytes: Int64
}
