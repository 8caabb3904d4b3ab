import Foundation
import SnapshotStore
import Testing

@Suite("Whole-file reads")
struct FileSystemTests {
    /// Sizes around the 4 KiB read that looks for bytes past the size fstat gave, and one of
    /// several megabytes (read in one go into uninitialized memory).
    @Test("a file reads back byte for byte, whatever its size", arguments: [0, 1, 4095, 4096, 4097, 3 << 20])
    func readsWholeFile(size: Int) throws {
        let path = NSTemporaryDirectory() + "msid-read-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        #expect(try FileSystem.read(path) == bytes)
    }

    @Test("a missing file is nil, a directory is an error")
    func missingAndDirectory() throws {
        #expect(try FileSystem.read(NSTemporaryDirectory() + "msid-missing-\(UUID().uuidString)") == nil)
        #expect(throws: StoreError.self) { try FileSystem.read(NSTemporaryDirectory()) }
    }

    /// A file in /proc reports size 0 to fstat and has content: the bytes past the announced
    /// size are read too, as they would be for a file that grew between fstat and read.
    @Test("bytes past the size fstat gave are read too")
    func readsPastAnnouncedSize() throws {
        let bytes = try #require(try FileSystem.read("/proc/self/status"))
        #expect(String(decoding: bytes, as: UTF8.self).hasPrefix("Name:"))
    }
}
