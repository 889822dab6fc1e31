import DroverArtifacts
import Foundation
import Testing

/// A full disk, for real: a 1 MiB tmpfs. Needs root (mount); skipped with a message otherwise.
@Suite("Artifact store on a full disk")
struct FullDiskTests {
    static let mountable: Bool = {
        guard getuid() == 0 else { return false }
        let probe = FileManager.default.temporaryDirectory.appendingPathComponent("drover-tmpfs-probe-\(getpid())").path
        try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: probe) }
        guard mount("tmpfs", probe, "tmpfs", 0, "size=64k") == 0 else { return false }
        umount(probe)
        return true
    }()

    @Test(.enabled(if: mountable, "needs root and mount(2) for a small tmpfs; run the tests as root to cover a full disk"))
    func fullDiskIsATypedErrorAndKeepsWhatIsStored() throws {
        let dir = try ScratchDir()
        defer { umount(dir.path); dir.cleanup() }
        #expect(mount("tmpfs", dir.path, "tmpfs", 0, "size=1m") == 0)
        let store = try ArtifactStore(root: dir.path + "/artifacts")
        let small = try store.put(bytes: randomBytes(300_000, seed: 1))
        #expect {
            try store.put(bytes: randomBytes(2_000_000, seed: 2))
        } throws: { error in
            guard case .diskFull(let path) = error as? ArtifactError else { return false }
            return path.hasPrefix(store.root + "/tmp/") && "\(error)".contains("no space left")
        }
        #expect(files(in: store.root + "/tmp").isEmpty)
        try store.verify(small.digest)
        #expect(store.list() == [small])
        // Space came back: the store works again.
        let next = try store.put(bytes: randomBytes(200_000, seed: 3))
        try store.verify(next.digest)
    }
}
