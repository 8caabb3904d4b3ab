import Foundation

/// A blocking HTTP/1.1 client over a plain TCP socket to 127.0.0.1, for tests: it sends any
/// bytes (malformed requests included), reads responses with `Content-Length` or chunked
/// bodies, keeps the connection open between requests (keep-alive), and gives up after a
/// read deadline.
public final class RawHTTPClient {
    public struct Response: Sendable {
        public let status: Int
        public let headers: [(name: String, value: String)]
        public let body: [UInt8]
        public var text: String { String(decoding: body, as: UTF8.self) }
        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case connect(Int32)
        case closed
        case timeout
        case malformed(String)
        public var description: String {
            switch self {
            case .connect(let code): "connect failed: \(String(cString: strerror(code)))"
            case .closed: "the server closed the connection"
            case .timeout: "no complete response before the deadline"
            case .malformed(let why): "malformed response: \(why)"
            }
        }
    }

    private let socket: Int32
    private var buffer: [UInt8] = []
    private let timeout: Duration

    /// Connects to 127.0.0.1:`port` from `source` (any 127.0.0.0/8 address: loopback accepts
    /// them all, which lets a test play clients at different addresses).
    public init(port: UInt16, timeout: Duration = .seconds(10), source: String? = nil) throws {
        self.timeout = timeout
        socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure.connect(errno) }
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else {
                let code = errno
                close(socket)
                throw Failure.connect(code)
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let code = errno
            close(socket)
            throw Failure.connect(code)
        }
    }

    deinit { close(socket) }

    /// Sends raw bytes as they are.
    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Foundation.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 && errno == EINTR { continue }
            guard sent > 0 else { throw Failure.closed }
            offset += sent
        }
    }

    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// A well-formed request on this connection.
    public func request(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8] = []) throws -> Response {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || ["POST", "PUT", "PATCH"].contains(method) { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        try send(Array(head.utf8) + body)
        return try readResponse()
    }

    public func request(_ method: String, _ path: String, json: String) throws -> Response {
        try request(method, path, headers: [("Content-Type", "application/json")], body: Array(json.utf8))
    }

    /// Reads one response.
    public func readResponse() throws -> Response {
        let headEnd = try readUntil([13, 10, 13, 10])
        let head = String(decoding: buffer[..<headEnd], as: UTF8.self)
        buffer.removeFirst(headEnd + 4)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw Failure.malformed("status line \(statusLine)")
        }
        let headers = lines.compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name }?.value }
        var body: [UInt8] = []
        if header("transfer-encoding")?.lowercased() == "chunked" {
            while true {
                let lineEnd = try readUntil([13, 10])
                let sizeText = String(decoding: buffer[..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
                buffer.removeFirst(lineEnd + 2)
                guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else { throw Failure.malformed("chunk size") }
                try fill(size + 2)
                body += buffer[..<size]
                buffer.removeFirst(size + 2)
                if size == 0 { break }
            }
        } else if let length = header("content-length").flatMap({ Int($0) }) {
            try fill(length)
            body = Array(buffer[..<length])
            buffer.removeFirst(length)
        } else if status != 204 && status != 304 && !(100..<200).contains(status) {
            while (try? receive()) != nil {}
            body = buffer
            buffer = []
        }
        return Response(status: status, headers: headers, body: body)
    }

    /// Whether the server closed the connection (reads until EOF or the deadline).
    public func isClosedByServer() -> Bool {
        do {
            while true { try receive() }
        } catch Failure.closed {
            return true
        } catch {
            return false
        }
    }

    /// How the server ended the connection, reading (and dropping) until it does.
    public enum Ending: Equatable, Sendable {
        /// FIN: every byte the server sent was delivered.
        case endOfFile
        /// RST: the server closed with input unread, and data in flight may have been lost.
        case reset
        /// Still open at the deadline.
        case open
    }

    public func ending() -> Ending {
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            guard poll(&descriptor, 1, milliseconds) > 0 else { return .open }
            let count = recv(socket, &chunk, chunk.count, 0)
            if count > 0 { continue }
            return count == 0 ? .endOfFile : .reset
        }
    }

    private func readUntil(_ marker: [UInt8]) throws -> Int {
        var searchFrom = 0
        while true {
            if buffer.count >= marker.count {
                for index in searchFrom...(buffer.count - marker.count) where buffer[index..<index + marker.count].elementsEqual(marker) {
                    return index
                }
                searchFrom = buffer.count - marker.count + 1
            }
            try receive()
        }
    }

    private func fill(_ count: Int) throws {
        while buffer.count < count { try receive() }
    }

    /// One read, waiting with poll(2) up to the timeout.
    private func receive() throws {
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        guard poll(&descriptor, 1, milliseconds) > 0 else { throw Failure.timeout }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = recv(socket, &chunk, chunk.count, 0)
        guard count > 0 else { throw Failure.closed }
        buffer.append(contentsOf: chunk[0..<count])
    }
}
