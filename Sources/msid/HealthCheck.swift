import ArgumentParser
import Glibc
import SnapshotStore

/// `msid healthcheck`: GET /healthz on a local msid and exit 0 on 200 (for container
/// HEALTHCHECKs, so the runtime image needs no HTTP client). Plain HTTP only. On failure it
/// prints one line on standard error saying why (no connection, with the system's reason; no
/// answer in time; another status, with the answer's first line) and exits 1.
struct HealthCheck: ParsableCommand {
    // Named explicitly: ArgumentParser would call the type `health-check`.
    static let configuration = CommandConfiguration(commandName: "healthcheck",
                                                    abstract: "Exit 0 when a local msid answers GET /healthz with 200; otherwise say why and exit 1.")

    @Option(help: "Port of the msid to check (env MSID_PORT).")
    var port: UInt16?
    @Option(help: "Address of the msid to check, as given to serve: an IPv4 or IPv6 literal or localhost; a wildcard (0.0.0.0, ::) checks loopback (env MSID_HOST; default 127.0.0.1).")
    var host: String?

    func run() throws {
        let environment = Environment.current
        let port = port ?? environment["MSID_PORT"].flatMap { UInt16($0) } ?? Settings.defaultPort
        let given = host ?? environment["MSID_HOST"] ?? "127.0.0.1"
        do {
            try HealthCheck.check(host: given, port: port)
        } catch {
            StandardError.writeLine("msid healthcheck: \(error)")
            throw ExitCode.failure
        }
    }

    /// Why a check failed, as one sentence.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// GET /healthz on `host`:`port`; throws a `Failure` saying why unless the answer is 200.
    static func check(host given: String, port: UInt16) throws(Failure) {
        guard let address = BindAddress(parsing: given) else { throw Failure(description: BindAddress.accepted(given)) }
        let target = address.loopbackIfWildcard
        let shown = target.urlHost + ":" + String(port)
        let socket = Glibc.socket(target.family, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "cannot create a socket: \(StoreError.text(of: errno))") }
        defer { close(socket) }
        var timeout = timeval(tv_sec: 3, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard target.connect(socket, port: port) == 0 else {
            let code = errno
            throw Failure(description: "cannot connect to \(shown): \(StoreError.text(of: code)) (is msid running on this port?)")
        }
        let request = Array("GET /healthz HTTP/1.1\r\nHost: \(shown)\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else {
            throw Failure(description: "cannot send the request to \(shown): \(StoreError.text(of: errno))")
        }
        var reply: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while reply.count < 16 << 10 {
            let count = recv(socket, &chunk, chunk.count, 0)
            if count < 0 && errno == EINTR { continue }
            if count < 0 {
                let code = errno
                if reply.isEmpty {
                    throw Failure(description: code == EAGAIN || code == EWOULDBLOCK
                                  ? "\(shown) accepted the connection but sent no answer within 3 s"
                                  : "no answer from \(shown): \(StoreError.text(of: code))")
                }
                break
            }
            if count == 0 { break }
            reply.append(contentsOf: chunk[0..<count])
        }
        let text = String(decoding: reply, as: UTF8.self)
        let statusLine = text.split(separator: "\r\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let status = Int(parts[1]) else {
            throw Failure(description: reply.isEmpty ? "\(shown) closed the connection without an answer"
                                                     : "\(shown) did not answer with HTTP (\"\(statusLine.prefix(60))\")")
        }
        guard status == 200 else {
            let body = text.split(separator: "\r\n\r\n", maxSplits: 1).dropFirst().first.map { String($0.prefix(300)) } ?? ""
            throw Failure(description: "GET /healthz on \(shown) answered \(status)" + (body.isEmpty ? "" : ": \(body)"))
        }
    }
}
