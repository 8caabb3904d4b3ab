import Glibc
import SnapshotStore

/// A small blocking HTTP/1.1 client for msid's own commands (`healthcheck`, `ctl`): one
/// request per connection (`Connection: close`), plain HTTP only, answers read to the end
/// (Content-Length or chunked). It exists so that the runtime image and an operator's shell
/// need no other HTTP client, and knows only what msid's server sends.
struct HTTPClient {
    /// Why a request failed, as one sentence.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    struct Answer {
        let status: Int
        let headers: [(name: String, value: String)]
        let body: [UInt8]

        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    let address: BindAddress
    let port: UInt16
    /// Seconds to wait for the connection and for each read.
    var timeout = 3

    var shown: String { address.urlHost + ":" + String(port) }

    /// `http://HOST[:PORT]` (the default port is 8080, msid's); nil for anything else, with https
    /// refused by the caller's message.
    static func parse(url: String) -> (address: BindAddress, port: UInt16)? {
        guard url.hasPrefix("http://") else { return nil }
        var rest = String(url.dropFirst("http://".count))
        while rest.hasSuffix("/") { rest.removeLast() }
        var host = rest
        var port: UInt16 = 8080
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") {
                guard let value = UInt16(after.dropFirst()) else { return nil }
                port = value
            } else if !after.isEmpty {
                return nil
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            guard let value = UInt16(rest[rest.index(after: colon)...]) else { return nil }
            port = value
        }
        guard let address = BindAddress(parsing: host) else { return nil }
        return (address, port)
    }

    /// Sends one request and reads the whole answer.
    func request(_ method: String, _ target: String, body: [UInt8]? = nil, headers: [(String, String)] = []) throws(Failure) -> Answer {
        let socket = Glibc.socket(address.family, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "cannot create a socket: \(StoreError.text(of: errno))") }
        defer { close(socket) }
        var time = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        guard address.connect(socket, port: port) == 0 else {
            let code = errno
            throw Failure(description: "cannot connect to \(shown): \(StoreError.text(of: code)) (is msid running on this port?)")
        }
        var head = "\(method) \(target) HTTP/1.1\r\nHost: \(shown)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        let bytes = Array(head.utf8) + (body ?? [])
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw Failure(description: "cannot send the request to \(shown): \(StoreError.text(of: errno))") }
            sent += count
        }
        var reply: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(socket, &chunk, chunk.count, 0)
            if count < 0 && errno == EINTR { continue }
            if count < 0 {
                let code = errno
                if reply.isEmpty {
                    throw Failure(description: code == EAGAIN || code == EWOULDBLOCK
                                  ? "\(shown) accepted the connection but sent no answer within \(timeout) s"
                                  : "no answer from \(shown): \(StoreError.text(of: code))")
                }
                break
            }
            if count == 0 { break }
            reply.append(contentsOf: chunk[0..<count])
        }
        return try HTTPClient.parseAnswer(reply, from: shown)
    }

    /// Status line, headers and body (chunked bodies joined).
    static func parseAnswer(_ reply: [UInt8], from shown: String) throws(Failure) -> Answer {
        guard let end = reply.firstRange(of: [13, 10, 13, 10]) else {
            throw Failure(description: reply.isEmpty ? "\(shown) closed the connection without an answer"
                                                     : "\(shown) sent an incomplete answer")
        }
        let lines = String(decoding: reply[..<end.lowerBound], as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: false)
        let parts = (lines.first ?? "").split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let status = Int(parts[1]) else {
            throw Failure(description: "\(shown) did not answer with HTTP (\"\((lines.first ?? "").prefix(60))\")")
        }
        let headers = lines.dropFirst().compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingSpaces)
        }
        var body = Array(reply[end.upperBound...])
        let answer = Answer(status: status, headers: headers, body: body)
        if answer.header("Transfer-Encoding")?.lowercased() == "chunked" {
            body = try dechunk(body, from: shown)
        } else if let length = answer.header("Content-Length").flatMap({ Int($0) }), length <= body.count {
            body = Array(body.prefix(length))
        }
        return Answer(status: status, headers: headers, body: body)
    }

    private static func dechunk(_ bytes: [UInt8], from shown: String) throws(Failure) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while let lineEnd = bytes[index...].firstRange(of: [13, 10]) {
            let sizeText = String(decoding: bytes[index..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingSpaces, radix: 16) else { throw Failure(description: "\(shown) sent a bad chunk") }
            if size == 0 { return out }
            let start = lineEnd.upperBound
            guard start + size <= bytes.count else { throw Failure(description: "\(shown) sent a truncated chunk") }
            out.append(contentsOf: bytes[start..<start + size])
            index = start + size + 2
            guard index <= bytes.count else { break }
        }
        return out
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return String(text)
    }
}
