import Glibc

/// Why a store operation failed: the system call, the path, the errno.
public enum StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    case systemCall(name: String, path: String, errno: Int32)
    /// Another process holds the data directory's lock.
    case locked(path: String)
    /// A journal record that is damaged (not just torn off at the end) or missing.
    case corruptJournal(path: String, offset: Int, reason: String)

    public var description: String {
        switch self {
        case .systemCall(let name, let path, let code): "\(name) \(path) failed: \(StoreError.text(of: code)) (errno \(code))"
        case .locked(let path): "the data directory \(path) is in use by another msid process"
        case .corruptJournal(let path, let offset, let reason): "the journal \(path) is damaged at byte \(offset): \(reason)"
        }
    }

    /// The system's text for an errno value (strerror_r, thread-safe), e.g. "Permission denied".
    public static func text(of code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        // Swift sees the XSI strerror_r: 0 and the text in `buffer`, NUL-terminated.
        guard strerror_r(code, &buffer, buffer.count) == 0 else { return "error \(code)" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
