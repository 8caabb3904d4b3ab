import Glibc

/// How an `HTTPServer` listens and what it tolerates.
public struct ServerConfiguration: Sendable {
    /// IPv4 or IPv6 literal to bind (default loopback only). An IPv6 wildcard (`::`) takes IPv6
    /// connections only (libmicrohttpd sets IPV6_V6ONLY without MHD_USE_DUAL_STACK).
    public var host: String = "127.0.0.1"
    /// TCP port; 0 asks the kernel for a free one (read it back from `HTTPServer.boundPort`).
    public var port: UInt16 = 0
    /// Worker threads of libmicrohttpd's epoll pool (default: one per online core).
    public var threads: Int = ServerConfiguration.onlineCores
    /// Largest accepted request body; larger ones get 413 without being kept in memory.
    public var maximumBodyBytes: Int = 1 << 20
    /// Another body limit for some requests, chosen from the method and path alone (before the
    /// body is read): nil keeps `maximumBodyBytes` and `bodyTooLarge`. How a server lets one
    /// route (say, the upload of a whole state) take more than the rest without raising the
    /// limit of every other request.
    public var bodyLimit: @Sendable (HTTPMethod, String) -> BodyLimit? = { _, _ in nil }
    /// Connections at once (0: libmicrohttpd's default, bounded by the file-descriptor limit).
    /// When every regular slot is taken, libmicrohttpd stops accepting and further connections
    /// wait in the kernel's listen backlog, except for `reservedConnections` more.
    public var connectionLimit: Int = 0
    /// Connections accepted beyond `connectionLimit` (when it is set) that may ask only for
    /// `reservedPaths` (health checks): anything else gets 503, every answer closes the
    /// connection, and the whole request must arrive within `reservedRequestSeconds`.
    public var reservedConnections: Int = 0
    /// The paths a reserve connection may ask for (exact match, e.g. `/healthz`).
    public var reservedPaths: Set<String> = []
    /// Seconds a reserve connection has to deliver its request.
    public var reservedRequestSeconds: Int = 2
    /// Connections at once from one IP address (0: unlimited). libmicrohttpd accepts and
    /// closes at once, without an answer, a connection over it.
    public var perIPConnectionLimit: Int = 0
    /// Seconds a connection may stay idle (nothing received or sent) before it is cut (0:
    /// never). Restarts with every byte, so it does not stop a client that trickles.
    public var connectionTimeoutSeconds: Int = 30
    /// Seconds a request has to arrive whole, request line, headers and body, before its
    /// connection is cut (0: no deadline). Counted from the connection's accept for its first
    /// request; for a later request on a keep-alive connection, from the end of the previous
    /// answer plus `connectionTimeoutSeconds` of idle allowance. Sending the answer is not
    /// counted.
    public var requestTimeoutSeconds: Int = 60
    /// Bytes of large response bodies (`largeResponseBytes` or more each) that may be held at
    /// once for clients still reading them. A large answer that would go over it, while others
    /// are held, is replaced by 503 with `Retry-After: 5`; one larger than the whole limit is
    /// still sent when it is alone. Bounds what slow or stalled readers can pin in memory.
    public var responseBufferLimit: Int = 128 << 20
    /// From this size a response body is sent from the responder's bytes without a copy and
    /// counts against `responseBufferLimit`; smaller ones are copied and not counted.
    public var largeResponseBytes: Int = 64 << 10
    /// Per-connection memory for headers and buffers (0: libmicrohttpd's 32 KiB, which accepts
    /// headers of about 16 KB; larger get 431).
    public var connectionMemoryBytes: Int = 0
    /// PEM certificate and key files; both or neither. With them the server speaks HTTPS only,
    /// TLS 1.3 or TLS 1.2: a client offering only TLS 1.0 or 1.1 (or SSL 3) gets its connection
    /// closed during the handshake, before any HTTP. Ciphers and key exchanges are GnuTLS's
    /// `NORMAL` set (the priority string is `MHD_SHIM_TLS_PRIORITIES` in the CMicroHTTPD shim).
    /// The files are read once, at start; the key must not be encrypted. Prefer an ECDSA P-256
    /// certificate: its handshakes cost about a third of RSA-2048's.
    public var tlsCertificatePath: String?
    public var tlsKeyPath: String?
    /// Where libmicrohttpd's own error log goes, one line at a time.
    public var logSink: @Sendable (String) -> Void = { _ in }
    /// The answer to a body over `maximumBodyBytes` (the argument is the limit).
    public var bodyTooLarge: @Sendable (Int) -> HTTPResponse = ServerConfiguration.defaultBodyTooLarge

    /// The answer to a request refused before the responder sees it (a smuggling check of
    /// `RequestFraming`, a request over its deadline): status and a one-line reason.
    /// `Connection: close` is added to it.
    public var refusal: @Sendable (HTTPStatus, String) -> HTTPResponse = ServerConfiguration.defaultRefusal

    public init() {}

    /// A request's own body limit and the 413 answer over it.
    public struct BodyLimit: Sendable {
        public var bytes: Int
        public var tooLarge: @Sendable () -> HTTPResponse

        public init(bytes: Int, tooLarge: @escaping @Sendable () -> HTTPResponse) {
            self.bytes = bytes
            self.tooLarge = tooLarge
        }
    }

    public static var onlineCores: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// An RFC 9457 problem with the generic `about:blank` type.
    public static let defaultRefusal: @Sendable (HTTPStatus, String) -> HTTPResponse = { status, reason in
        let title = switch status.rawValue {
        case 400: "Bad Request"
        case 408: "Request Timeout"
        case 501: "Not Implemented"
        case 503: "Service Unavailable"
        default: "Refused"
        }
        return HTTPResponse(status: status, contentType: "application/problem+json",
                            body: Array(#"{"detail":"\#(jsonEscaped(reason))","status":\#(status.rawValue),"title":"\#(title)","type":"about:blank"}"#.utf8))
    }

    /// `text` as the inside of a JSON string.
    static func jsonEscaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// An RFC 9457 problem with the generic `about:blank` type.
    public static let defaultBodyTooLarge: @Sendable (Int) -> HTTPResponse = { limit in
        HTTPResponse(status: .contentTooLarge, contentType: "application/problem+json",
                     body: Array(#"{"detail":"the request body exceeds the limit of \#(limit) bytes","status":413,"title":"Content Too Large","type":"about:blank"}"#.utf8))
    }
}
