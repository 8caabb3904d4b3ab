import Foundation
import MSIDTestSupport
import MicroHTTP
import Testing

/// A route's own body limit (chosen from method and path before the body is read) beside the
/// general one, and the addresses a server binds.
@Suite("per-route body limits and bind addresses")
struct BodyLimitAndAddressTests {
    /// General limit 1 KiB; `PUT /upload` may send 8 KiB and has its own 413.
    static func server() throws -> HTTPServer {
        try HTTPServerTests.server { configuration in
            configuration.maximumBodyBytes = 1024
            let upload = ServerConfiguration.BodyLimit(bytes: 8192) {
                HTTPResponse(status: .contentTooLarge, contentType: "text/plain", body: Array("upload over 8192".utf8))
            }
            configuration.bodyLimit = { method, path in method == .put && path == "/upload" ? upload : nil }
        }
    }

    @Test("the route with its own limit takes a body over the general limit; other routes keep the general one")
    func ownLimitAllowsMore() throws {
        let server = try BodyLimitAndAddressTests.server()
        defer { server.stop() }
        let body = [UInt8](repeating: UInt8(ascii: "x"), count: 4096)
        let accepted = try RawHTTPClient(port: server.boundPort).request("PUT", "/upload", body: body)
        #expect(accepted.status == 200)
        #expect(accepted.body.count == "PUT /upload\n".utf8.count + 4096)
        for (method, path) in [("POST", "/upload"), ("PUT", "/other"), ("PUT", "/upload/x")] {
            let refused = try RawHTTPClient(port: server.boundPort).request(method, path, body: body)
            #expect(refused.status == 413, "\(method) \(path)")
            #expect(refused.header("Content-Type") == "application/problem+json", "\(method) \(path): the general 413")
        }
    }

    @Test("over its own limit the route gets its own 413, declared or chunked")
    func ownLimitRefuses() throws {
        let server = try BodyLimitAndAddressTests.server()
        defer { server.stop() }
        let declared = try RawHTTPClient(port: server.boundPort)
        try declared.send("PUT /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 9000\r\n\r\n")
        let first = try declared.readResponse()
        #expect(first.status == 413)
        #expect(first.text == "upload over 8192")

        let chunked = try RawHTTPClient(port: server.boundPort)
        let chunk = String(repeating: "x", count: 1000)
        try chunked.send("PUT /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        for _ in 0..<9 { try chunked.send("3e8\r\n\(chunk)\r\n") }
        try chunked.send("0\r\n\r\n")
        let second = try chunked.readResponse()
        #expect(second.status == 413)
        #expect(second.text == "upload over 8192")
    }

    @Test("a host that is not an IPv4 or IPv6 literal is refused before anything starts, saying what is accepted")
    func invalidHost() {
        for host in ["localhost", "msid.example", "1.2.3", "::g"] {
            #expect(throws: MicroHTTPError.invalidBindAddress(host)) {
                try HTTPServerTests.server { $0.host = host }
            }
        }
        #expect(MicroHTTPError.invalidBindAddress("x").description == "bind address x is not an IPv4 or IPv6 literal")
        #expect(MicroHTTPError.unreadableTLSFile(path: "/k", errno: ENOENT).description
                == "cannot read TLS file /k: No such file or directory (errno 2)")
    }

    @Test("an IPv6 literal binds, and a request over IPv6 is answered", .enabled(if: FileManager.default.fileExists(atPath: "/proc/net/if_inet6")))
    func ipv6() throws {
        let server = try HTTPServerTests.server { $0.host = "::1" }
        defer { server.stop() }
        #expect(server.boundPort != 0)
        let socket = Foundation.socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        #expect(socket >= 0)
        defer { close(socket) }
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_port = server.boundPort.bigEndian
        _ = inet_pton(AF_INET6, "::1", &address.sin6_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
        }
        #expect(connected == 0)
        let request = Array("GET /v6 HTTP/1.1\r\nHost: [::1]\r\nConnection: close\r\n\r\n".utf8)
        #expect(request.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, 0) } == request.count)
        var reply: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(socket, &chunk, chunk.count, 0)
            if count <= 0 { break }
            reply += chunk[0..<count]
        }
        let text = String(decoding: reply, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 200"))
        #expect(text.hasSuffix("GET /v6\n"))
    }
}
