import Glibc

/// `flock(2)`; named through its function type because Glibc's `struct flock` shares the name.
private let cFlock: @convention(c) (Int32, Int32) -> Int32 = flock

/// The POSIX calls the store makes, as values: the seam through which tests make any call fail
/// (swift-system's mocking idea). `live` is the real thing; every store type takes a
/// `Syscalls` and calls nothing else. Each returns the C result; errno is read right after.
public struct Syscalls: Sendable {
    public var open: @Sendable (_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32
    public var write: @Sendable (_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int
    public var fsync: @Sendable (_ fd: Int32) -> Int32
    public var close: @Sendable (_ fd: Int32) -> Int32
    public var rename: @Sendable (_ from: String, _ to: String) -> Int32
    public var unlink: @Sendable (_ path: String) -> Int32
    public var flock: @Sendable (_ fd: Int32, _ operation: Int32) -> Int32
    public var fdatasync: @Sendable (_ fd: Int32) -> Int32
    public var ftruncate: @Sendable (_ fd: Int32, _ length: Int) -> Int32
    public var mkdir: @Sendable (_ path: String, _ mode: mode_t) -> Int32

    public init(open: @escaping @Sendable (String, Int32, mode_t) -> Int32, write: @escaping @Sendable (Int32, UnsafeRawBufferPointer) -> Int,
                fsync: @escaping @Sendable (Int32) -> Int32, close: @escaping @Sendable (Int32) -> Int32,
                rename: @escaping @Sendable (String, String) -> Int32, unlink: @escaping @Sendable (String) -> Int32,
                flock: @escaping @Sendable (Int32, Int32) -> Int32,
                fdatasync: @escaping @Sendable (Int32) -> Int32 = { Glibc.fdatasync($0) },
                ftruncate: @escaping @Sendable (Int32, Int) -> Int32 = { Glibc.ftruncate($0, off_t($1)) },
                mkdir: @escaping @Sendable (String, mode_t) -> Int32 = { Glibc.mkdir($0, $1) }) {
        self.open = open
        self.write = write
        self.fsync = fsync
        self.close = close
        self.rename = rename
        self.unlink = unlink
        self.flock = flock
        self.fdatasync = fdatasync
        self.ftruncate = ftruncate
        self.mkdir = mkdir
    }

    public static let live = Syscalls(
        open: { path, flags, mode in Glibc.open(path, flags, mode) },
        write: { fd, bytes in Glibc.write(fd, bytes.baseAddress, bytes.count) },
        fsync: { fd in Glibc.fsync(fd) },
        close: { fd in Glibc.close(fd) },
        rename: { from, to in Glibc.rename(from, to) },
        unlink: { path in Glibc.unlink(path) },
        flock: { fd, operation in cFlock(fd, operation) })

    /// Writes every byte, retrying short writes and EINTR.
    func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(StoreError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0) }
            if written < 0 {
                if errno == EINTR { continue }
                throw .systemCall(name: "write", path: path, errno: errno)
            }
            offset += written
        }
    }

    /// Runs `call`, retrying EINTR, throwing with the call's name on failure.
    func check(_ name: String, _ path: String, _ call: () -> Int32) throws(StoreError) -> Int32 {
        while true {
            let result = call()
            if result >= 0 { return result }
            if errno == EINTR && name != "close" { continue }
            throw .systemCall(name: name, path: path, errno: errno)
        }
    }
}
