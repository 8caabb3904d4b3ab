import ArgumentParser
import Glibc

/// `msid healthcheck`: GET /healthz on a local msid and exit 0 on 200 (for container
/// HEALTHCHECKs, so the runtime image needs no HTTP client). Plain HTTP only.
struct HealthCheck: ParsableCommand {
    // Named explicitly: ArgumentParser would call the type `health-check`.
    static let configuration = CommandConfiguration(commandName: "healthcheck",
                                                    abstract: "Exit 0 when a local msid answers GET /healthz with 200.")

    @Option(help: "Port of the msid to check (env MSID_PORT).")
    var port: UInt16?

    func run() throws {
        let port = port ?? Environment.current["MSID_PORT"].flatMap { UInt16($0) } ?? Settings.defaultPort
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw ExitCode.failure }
        defer { close(socket) }
        var timeout = timeval(tv_sec: 3, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw ExitCode.failure }
        let request = Array("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else {
            throw ExitCode.failure
        }
        var reply = [UInt8](repeating: 0, count: 64)
        let count = recv(socket, &reply, reply.count, 0)
        guard count >= 12, String(decoding: reply[0..<12], as: UTF8.self).hasSuffix(" 200") else { throw ExitCode.failure }
    }
}
