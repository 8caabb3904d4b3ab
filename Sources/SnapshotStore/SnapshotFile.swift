import Glibc

/// Atomic replacement of a file: write a temporary file beside it, fsync it, rename it over the
/// target, fsync the directory. A reader sees the old bytes or the new ones, never a part; on
/// any failure the temporary file is removed and the target is untouched.
public struct SnapshotFile: Sendable {
    public let directory: String
    public let name: String
    let syscalls: Syscalls

    public init(directory: String, name: String, syscalls: Syscalls = .live) {
        self.directory = directory
        self.name = name
        self.syscalls = syscalls
    }

    public var path: String { directory + "/" + name }
    var temporaryPath: String { path + ".tmp" }

    /// Replaces the file's contents with `bytes`, durably.
    public func replace(with bytes: [UInt8]) throws(StoreError) {
        let temporary = temporaryPath
        let fd = try syscalls.check("open", temporary) { syscalls.open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600) }
        do {
            try syscalls.writeAll(fd, bytes, path: temporary)
            _ = try syscalls.check("fsync", temporary) { syscalls.fsync(fd) }
        } catch {
            _ = syscalls.close(fd)
            _ = syscalls.unlink(temporary)
            throw error
        }
        do {
            _ = try syscalls.check("close", temporary) { syscalls.close(fd) }
            _ = try syscalls.check("rename", path) { syscalls.rename(temporary, path) }
        } catch {
            _ = syscalls.unlink(temporary)
            throw error
        }
        // The rename is in place; make it durable.
        let directoryFD = try syscalls.check("open", directory) { syscalls.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0) }
        defer { _ = syscalls.close(directoryFD) }
        _ = try syscalls.check("fsync", directory) { syscalls.fsync(directoryFD) }
    }
}

/// The data directory's single-instance lock: `flock(LOCK_EX | LOCK_NB)` on `msid.lock`, held
/// while the value lives (the kernel drops it if the process dies).
public final class DataDirectoryLock: Sendable {
    public let path: String
    private let fd: Int32
    private let syscalls: Syscalls

    public init(directory: String, syscalls: Syscalls = .live) throws(StoreError) {
        let path = directory + "/msid.lock"
        let fd = try syscalls.check("open", path) { syscalls.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600) }
        guard syscalls.flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            _ = syscalls.close(fd)
            if code == EWOULDBLOCK { throw .locked(path: directory) }
            throw .systemCall(name: "flock", path: path, errno: code)
        }
        self.path = path
        self.fd = fd
        self.syscalls = syscalls
    }

    deinit { _ = syscalls.close(fd) }
}
