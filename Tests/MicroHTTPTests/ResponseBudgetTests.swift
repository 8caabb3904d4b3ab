import Foundation
import MSIDTestSupport
import MicroHTTP
import Testing

/// Large answers held for clients that do not read them count against a budget.
@Suite("response budget: slow readers cannot pin unbounded memory")
struct ResponseBudgetTests {
    @Test("a large answer over the budget while another is held gets 503; once that one is read, large answers flow again")
    func budget() throws {
        let server = try HTTPServerTests.server { $0.responseBufferLimit = 32 << 20 }
        defer { server.stop() }
        let size = 20_000_000  // more than loopback's socket buffers can absorb
        let stalled = try RawHTTPClient(port: server.boundPort, timeout: .seconds(20))
        try stalled.send("GET /big?bytes=\(size) HTTP/1.1\r\nHost: x\r\n\r\n")
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(10)
        while server.responseBytesHeld == 0 && clock.now < deadline { usleep(10_000) }
        #expect(server.responseBytesHeld >= size)

        let refused = try RawHTTPClient(port: server.boundPort, timeout: .seconds(20)).request("GET", "/big?bytes=\(size)")
        #expect(refused.status == 503)
        #expect(refused.header("Retry-After") == "5")
        #expect(server.responseBudgetRefusals == 1)
        // Small answers are not counted and keep flowing.
        #expect(try RawHTTPClient(port: server.boundPort).request("GET", "/small").status == 200)

        let whole = try stalled.readResponse()
        #expect(whole.status == 200)
        #expect(whole.body.count == size)
        #expect(stride(from: 0, to: size, by: 9_973).allSatisfy { whole.body[$0] == UInt8(truncatingIfNeeded: $0 &* 31) })
        while server.responseBytesHeld != 0 && clock.now < deadline + .seconds(10) { usleep(10_000) }
        #expect(server.responseBytesHeld == 0)
        #expect(try RawHTTPClient(port: server.boundPort, timeout: .seconds(20)).request("GET", "/big?bytes=\(size)").body.count == size)
    }
}
