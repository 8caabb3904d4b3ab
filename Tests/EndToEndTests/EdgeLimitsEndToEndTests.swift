import Foundation
import MSIDTestSupport
import Testing

/// msid's default edge limits, through the real binary. The "attacker" and the well-behaved
/// client use different loopback addresses (127.0.0.0/8 all reach 127.0.0.1), as they would in
/// a deployment: a per-address cap cannot tell two clients of one address apart.
@Suite("edge limits, end to end")
struct EdgeLimitsEndToEndTests {
    @Test("by default one address gets 64 connections, the rest are closed at once, and another address is still served")
    func perAddressCap() throws {
        let server = try ServerProcess()
        defer {
            server.stop()
            server.dataDirectory.remove()
        }
        let flood = try (0..<72).map { _ in try RawHTTPClient(port: server.port, timeout: .milliseconds(20), source: "127.0.0.2") }
        // msid closes the 8 over the cap unanswered at once; the 64 it keeps stay open and silent.
        usleep(1_000_000)
        let closed = flood.filter { $0.ending() != .open }.count
        #expect(closed == 8)
        let fresh = try RawHTTPClient(port: server.port, timeout: .seconds(2), source: "127.0.0.1")
        #expect(try fresh.request("GET", "/healthz").status == 200)
        #expect(try fresh.request("GET", "/v1/systems").status == 200)
    }

    @Test("with every regular slot taken, /healthz and /readyz answer through the reserve and other paths get 503")
    func reserveForHealthChecks() throws {
        let server = try ServerProcess(arguments: ["--max-connections", "8"])
        defer {
            server.stop()
            server.dataDirectory.remove()
        }
        let holders = try (0..<8).map { _ in try RawHTTPClient(port: server.port, source: "127.0.0.3") }
        usleep(300_000)  // msid accepts them
        for path in ["/healthz", "/readyz"] {
            let response = try RawHTTPClient(port: server.port, timeout: .seconds(2)).request("GET", path)
            #expect(response.status == 200, "\(path)")
            #expect(response.header("Connection")?.lowercased() == "close")
        }
        let other = try RawHTTPClient(port: server.port, timeout: .seconds(2)).request("GET", "/v1/systems")
        #expect(other.status == 503)
        #expect(other.header("Content-Type") == "application/problem+json")
        withExtendedLifetime(holders) {}
    }

    @Test("a request with Content-Length and Transfer-Encoding gets a 400 problem with Connection: close")
    func smuggling() throws {
        let server = try ServerProcess()
        defer {
            server.stop()
            server.dataDirectory.remove()
        }
        let client = try RawHTTPClient(port: server.port)
        try client.send("POST /v1/systems HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /v1/systems HTTP/1.1\r\nHost: x\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 400)
        #expect(response.header("Connection")?.lowercased() == "close")
        #expect(response.header("Content-Type") == "application/problem+json")
        #expect(client.ending() == .endOfFile)
    }

    @Test("--help says what each connection limit does")
    func help() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ServerProcess.binaryPath)
        process.arguments = ["serve", "--help"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        for flag in ["--request-timeout", "--connection-timeout", "--reserved-connections", "--max-connections-per-ip", "--max-response-buffer"] {
            #expect(text.contains(flag), "\(flag) missing from --help")
        }
        #expect(text.contains("every byte"))
    }
}
