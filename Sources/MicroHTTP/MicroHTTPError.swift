/// Why a server could not start.
public enum MicroHTTPError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The bind address is not an IPv4 dotted quad.
    case invalidBindAddress(String)
    /// A TLS file could not be read.
    case unreadableTLSFile(path: String, errno: Int32)
    /// A certificate was given without a key, or the other way round.
    case incompleteTLSConfiguration
    /// libmicrohttpd refused to start; `log` holds what it said.
    case startFailed(address: String, port: UInt16, log: [String])

    public var description: String {
        switch self {
        case .invalidBindAddress(let address): "bind address \(address) is not an IPv4 address"
        case .unreadableTLSFile(let path, let errno): "cannot read TLS file \(path) (errno \(errno))"
        case .incompleteTLSConfiguration: "TLS needs both a certificate file and a key file"
        case .startFailed(let address, let port, let log):
            "cannot listen on \(address):\(port)" + (log.isEmpty ? "" : ": " + log.joined(separator: "; "))
        }
    }
}
