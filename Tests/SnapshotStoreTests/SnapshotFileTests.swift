import Foundation
import SnapshotStore
import Synchronization
import Testing

/// `Syscalls.live` with one named call made to fail (EIO) the `n`th time it is made.
func failing(_ name: String, at n: Int) -> Syscalls {
    let counter = Mutex(0)
    let fail: @Sendable (String) -> Bool = { called in
        guard called == name else { return false }
        return counter.withLock { count in
            count += 1
            return count == n
        }
    }
    let live = Syscalls.live
    return Syscalls(
        open: { path, flags, mode in if fail("open") { errno = EIO; return -1 }; return live.open(path, flags, mode) },
        write: { fd, bytes in if fail("write") { errno = EIO; return -1 }; return live.write(fd, bytes) },
        fsync: { fd in if fail("fsync") { errno = EIO; return -1 }; return live.fsync(fd) },
        close: { fd in if fail("close") { _ = live.close(fd); errno = EIO; return -1 }; return live.close(fd) },
        rename: { from, to in if fail("rename") { errno = EIO; return -1 }; return live.rename(from, to) },
        unlink: { path in live.unlink(path) },
        flock: { fd, operation in live.flock(fd, operation) })
}

@Suite("Snapshot files")
struct SnapshotFileTests {
    func read(_ path: String) -> [UInt8]? { FileManager.default.contents(atPath: path).map { Array($0) } }

    @Test("a replacement is read back whole, and leaves no temporary file")
    func roundTrip() throws {
        let directory = NSTemporaryDirectory() + "msid-snapshot-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = SnapshotFile(directory: directory, name: "snapshot.json")
        try file.replace(with: Array(#"{"version":1}"#.utf8))
        try file.replace(with: Array(#"{"version":2}"#.utf8))
        #expect(read(file.path) == Array(#"{"version":2}"#.utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["snapshot.json"])
    }

    @Test("every system call failing in turn leaves the old snapshot, never a partial one",
          arguments: [("open", 1), ("write", 1), ("fsync", 1), ("close", 1), ("rename", 1), ("open", 2), ("fsync", 2)])
    func faultInjection(call: String, occurrence: Int) throws {
        let directory = NSTemporaryDirectory() + "msid-snapshot-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let old = Array(#"{"version":1}"#.utf8)
        let new = Array((#"{"version":2,"pad":""#  + String(repeating: "x", count: 100_000) + #""}"#).utf8)
        try SnapshotFile(directory: directory, name: "snapshot.json").replace(with: old)
        let file = SnapshotFile(directory: directory, name: "snapshot.json", syscalls: failing(call, at: occurrence))
        #expect(throws: StoreError.self) { try file.replace(with: new) }
        let contents = read(file.path)
        // Failing after the rename (the directory's open or fsync) leaves the new file in place
        // but not yet durable; before it, the old one. Never anything else.
        #expect(contents == old || (occurrence == 2 && contents == new))
        #expect(!FileManager.default.fileExists(atPath: file.path + ".tmp"))
    }

    @Test("a second lock on the same data directory is refused")
    func lock() throws {
        let directory = NSTemporaryDirectory() + "msid-lock-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try DataDirectoryLock(directory: directory)
        #expect(throws: StoreError.locked(path: directory)) { try DataDirectoryLock(directory: directory) }
        _ = first
    }
}
