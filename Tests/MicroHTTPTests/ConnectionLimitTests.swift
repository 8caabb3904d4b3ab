import Foundation
import MSIDTestSupport
import MicroHTTP
import Testing

/// Deadlines, reserve slots and lingering close, on a real socket.
@Suite("connection limits: request deadline, reserve, lingering close")
struct ConnectionLimitTests {
    /// Sends `bytes` one every 250 ms, watching for the server to end the connection between
    /// two; the seconds until it did, or nil when it held the connection through all of them.
    static func trickle(_ bytes: [UInt8], to client: RawHTTPClient) -> Double? {
        let start = Date()
        for byte in bytes {
            if (try? client.send([byte])) == nil { return Date().timeIntervalSince(start) }
            if client.ending() != .open { return Date().timeIntervalSince(start) }
        }
        return nil
    }

    @Test("a client trickling its headers a byte at a time is cut at the request deadline, though it is never idle")
    func trickledHeadersAreCut() throws {
        let server = try HTTPServerTests.server {
            $0.connectionTimeoutSeconds = 30
            $0.requestTimeoutSeconds = 2
        }
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.boundPort, timeout: .milliseconds(250))
        try client.send("GET /held HTTP/1.1\r\nHost: x\r\n")
        let cutAfter = ConnectionLimitTests.trickle(Array(String(repeating: "X-Pad: abcdefgh\r\n", count: 3).utf8), to: client)
        #expect(cutAfter != nil, "the trickling client was held for 13 s")
        #expect((1.5...4.5).contains(cutAfter ?? 99))
        #expect(server.requestsCutAtDeadline == 1)
        #expect(try RawHTTPClient(port: server.boundPort).request("GET", "/after").status == 200)
    }

    @Test("a client trickling its body is cut at the request deadline")
    func trickledBodyIsCut() throws {
        let server = try HTTPServerTests.server {
            $0.connectionTimeoutSeconds = 30
            $0.requestTimeoutSeconds = 2
        }
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.boundPort, timeout: .milliseconds(250))
        try client.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
        let cutAfter = ConnectionLimitTests.trickle(Array(repeating: UInt8(ascii: "x"), count: 50), to: client)
        #expect((1.5...4.5).contains(cutAfter ?? 99), "cut after \(String(describing: cutAfter)) s")
    }

    @Test("a keep-alive client idle between requests keeps its idle allowance on top of the request deadline")
    func keepAliveIdleAllowance() throws {
        let server = try HTTPServerTests.server {
            $0.connectionTimeoutSeconds = 5
            $0.requestTimeoutSeconds = 1
        }
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.boundPort)
        #expect(try client.request("GET", "/one").status == 200)
        usleep(2_000_000)
        #expect(try client.request("GET", "/two").status == 200)
        #expect(server.requestsCutAtDeadline == 0)
    }

    @Test("when every regular slot is taken, a reserve slot answers the health path at once and refuses others with 503")
    func reserveSlots() throws {
        let server = try HTTPServerTests.server {
            $0.connectionLimit = 4
            $0.reservedConnections = 2
            $0.reservedPaths = ["/healthz"]
            $0.connectionTimeoutSeconds = 30
        }
        defer { server.stop() }
        let holders = try (0..<4).map { _ in try RawHTTPClient(port: server.boundPort) }
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(5)
        while server.currentConnections < holders.count && clock.now < deadline { usleep(10_000) }
        #expect(server.currentConnections == holders.count)

        let health = try RawHTTPClient(port: server.boundPort, timeout: .seconds(2)).request("GET", "/healthz")
        #expect(health.status == 200)
        #expect(health.header("Connection")?.lowercased() == "close")
        let other = try RawHTTPClient(port: server.boundPort, timeout: .seconds(2)).request("GET", "/v1/anything")
        #expect(other.status == 503)
        #expect(other.header("Retry-After") == "1")

        // A silent reserve connection gives its slot back within the reserve deadline (2 s).
        let silent = try RawHTTPClient(port: server.boundPort, timeout: .seconds(5))
        let started = Date()
        #expect(silent.ending() != .open)
        #expect(Date().timeIntervalSince(started) < 4)
        withExtendedLifetime(holders) {}
    }

    @Test("a refusal sent while the client still sends reaches it, then a clean FIN and no reset (lingering close), 20 times")
    func lingeringClose() throws {
        let server = try HTTPServerTests.server()
        defer { server.stop() }
        let tail = [UInt8](repeating: UInt8(ascii: "x"), count: 256 << 10)
        for round in 0..<20 {
            let client = try RawHTTPClient(port: server.boundPort)
            try client.send(Array("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n".utf8) + tail)
            let response = try client.readResponse()
            #expect(response.status == 400, "round \(round)")
            #expect(client.ending() == .endOfFile, "round \(round)")
        }
        #expect(server.lingeringCloses >= 20)
    }
}
