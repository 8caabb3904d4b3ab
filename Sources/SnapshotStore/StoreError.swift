/// Why a store operation failed: the system call, the path, the errno.
public enum StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    case systemCall(name: String, path: String, errno: Int32)
    /// Another process holds the data directory's lock.
    case locked(path: String)
    /// A journal record that is damaged (not just torn off at the end) or missing.
    case corruptJournal(path: String, offset: Int, reason: String)

    public var description: String {
        switch self {
        case .systemCall(let name, let path, let code): "\(name) \(path) failed with errno \(code)"
        case .locked(let path): "the data directory \(path) is in use by another msid process"
        case .corruptJournal(let path, let offset, let reason): "the journal \(path) is damaged at byte \(offset): \(reason)"
        }
    }
}
