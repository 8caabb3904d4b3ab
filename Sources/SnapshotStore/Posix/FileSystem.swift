import Glibc

/// The read side of the store: whole files, directory listings, and the data directory itself.
/// Reads are not part of the fault-injection seam (a failed read changes nothing on disk).
public enum FileSystem {
    /// The bytes of `path`, or nil when it does not exist.
    public static func read(_ path: String) throws(StoreError) -> [UInt8]? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw .systemCall(name: "open", path: path, errno: errno)
        }
        defer { _ = Glibc.close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw .systemCall(name: "fstat", path: path, errno: errno) }
        // The size fstat gives is read straight into uninitialized memory (a snapshot is tens
        // of megabytes: zero-filling it first, or growing the array to find the end of the
        // file, cost as much as the read); then small reads find whether the file grew since.
        let size = Int(status.st_size)
        var failure: StoreError?
        var bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            guard let base = buffer.baseAddress else { return }
            while initialized < size {
                let count = Glibc.read(fd, base + initialized, size - initialized)
                if count < 0 {
                    if errno == EINTR { continue }
                    failure = .systemCall(name: "read", path: path, errno: errno)
                    return
                }
                if count == 0 { return }
                initialized += count
            }
        }
        if let failure { throw failure }
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .systemCall(name: "read", path: path, errno: errno)
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[..<count])
        }
    }

    /// The names in `directory` (without `.` and `..`), sorted.
    public static func list(_ directory: String) throws(StoreError) -> [String] {
        guard let handle = opendir(directory) else { throw .systemCall(name: "opendir", path: directory, errno: errno) }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Whether `path` exists.
    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Creates `directory` with mode 0700 when it does not exist (its parent must).
    public static func ensureDirectory(_ directory: String, syscalls: Syscalls = .live) throws(StoreError) {
        if syscalls.mkdir(directory, 0o700) == 0 || errno == EEXIST { return }
        throw .systemCall(name: "mkdir", path: directory, errno: errno)
    }
}
