import Foundation
import MSIDTestSupport
import MicroHTTP
import Testing

extension HTTPServerTests {
    @Test("while draining, a new connection is closed unanswered, the held request is still answered, and nothing aborts")
    func newConnectionsWhileDraining() throws {
        let gate = GatedResponder()
        var configuration = ServerConfiguration()
        configuration.threads = 2
        let server = try HTTPServer(configuration: configuration, responder: gate)
        let held = try RawHTTPClient(port: server.boundPort, timeout: .seconds(20))
        try held.send("GET /gated HTTP/1.1\r\nHost: x\r\n\r\n")
        let stopped = stopWhileHeld(server, gate: gate, releasing: 0)
        // The held request keeps the drain going, so this connection arrives mid-drain.
        #expect(throws: RawHTTPClient.Failure.closed) {
            try RawHTTPClient(port: server.boundPort, timeout: .seconds(20)).request("GET", "/late")
        }
        gate.release.signal()
        #expect(try held.readResponse().status == 200)
        #expect(stopped.wait(timeout: .now() + 20) == .success)
        #expect(server.currentConnections == 0)
    }

    @Test("the path reaches the responder percent-decoded by libmicrohttpd, %2F included, and so do query items")
    func percentDecoding() throws {
        let server = try HTTPServerTests.server()
        defer { server.stop() }
        let response = try RawHTTPClient(port: server.boundPort).request("GET", "/a%20b/c%2Fd?k%20y=v%26w")
        #expect(response.text == "GET /a b/c/d?k y=v&w\n")
    }
}
