import Glibc

/// Why a server could not start.
public enum MicroHTTPError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The bind address is neither an IPv4 nor an IPv6 literal.
    case invalidBindAddress(String)
    /// A TLS file could not be read.
    case unreadableTLSFile(path: String, errno: Int32)
    /// A certificate was given without a key, or the other way round.
    case incompleteTLSConfiguration
    /// libmicrohttpd refused to start; `log` holds what it said.
    case startFailed(address: String, port: UInt16, log: [String])

    public var description: String {
        switch self {
        case .invalidBindAddress(let address): "bind address \(address) is not an IPv4 or IPv6 literal"
        case .unreadableTLSFile(let path, let errno): "cannot read TLS file \(path): \(MicroHTTPError.text(of: errno)) (errno \(errno))"
        case .incompleteTLSConfiguration: "TLS needs both a certificate file and a key file"
        case .startFailed(let address, let port, let log):
            "cannot listen on \(address):\(port)" + (log.isEmpty ? "" : ": " + log.joined(separator: "; "))
        }
    }

    /// The system's text for an errno value (strerror_r, thread-safe).
    static func text(of code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        // Swift sees the XSI strerror_r: 0 and the text in `buffer`, NUL-terminated.
        guard strerror_r(code, &buffer, buffer.count) == 0 else { return "error \(code)" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
