import Foundation
import Glibc
import MSIDTestSupport
import MicroHTTP
import Synchronization
import Testing

/// Answers `/later?ms=N` later: delivered from another thread N ms after the request (0:
/// before `start` even returns); `/never` is never delivered; anything else at once.
private struct LaterResponder: HTTPResponder {
    func respond(to request: HTTPRequest) -> HTTPResponse {
        HTTPResponse(status: .ok, contentType: "text/plain", body: Array("now \(request.path)".utf8))
    }

    func answer(to request: HTTPRequest) -> HTTPAnswer {
        switch request.path {
        case "/never":
            return .later { _ in }
        case "/later":
            let milliseconds = Int(request.queryValue("ms") ?? "") ?? 100
            let body = Array("later \(request.queryValue("id") ?? "")".utf8)
            return .later { deliver in
                let response = HTTPResponse(status: .ok, contentType: "text/plain", body: body)
                guard milliseconds > 0 else { return deliver(response) }
                DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(milliseconds)) { deliver(response) }
            }
        default:
            return .now(respond(to: request))
        }
    }
}

@Suite("Deferred answers (suspend and resume)")
struct DeferredAnswerTests {
    static func server(threads: Int = 1) throws -> HTTPServer {
        var configuration = ServerConfiguration()
        configuration.threads = threads
        return try HTTPServer(configuration: configuration, responder: LaterResponder())
    }

    @Test("one worker thread keeps 32 deferred requests in flight at once: 32 answers of 300 ms each take about 300 ms, not 9.6 s")
    func workerIsNotHeld() throws {
        let server = try DeferredAnswerTests.server(threads: 1)
        defer { server.stop() }
        let clients = try (0..<32).map { _ in try RawHTTPClient(port: server.boundPort, timeout: .seconds(20)) }
        let clock = ContinuousClock()
        let started = clock.now
        for (index, client) in clients.enumerated() { try client.send("GET /later?ms=300&id=\(index) HTTP/1.1\r\nHost: x\r\n\r\n") }
        // While they wait, the same single worker answers other requests at once.
        #expect(try RawHTTPClient(port: server.boundPort).request("GET", "/now").text == "now /now")
        for (index, client) in clients.enumerated() {
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.text == "later \(index)")
        }
        #expect(clock.now - started < .seconds(3))
    }

    @Test("an answer delivered before the connection could be suspended is sent, and keep-alive goes on", arguments: [0, 5])
    func deliveredEarly(milliseconds: Int) throws {
        let server = try DeferredAnswerTests.server(threads: 2)
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.boundPort)
        for round in 0..<50 {
            let response = try client.request("GET", "/later?ms=\(milliseconds)&id=\(round)")
            #expect(response.text == "later \(round)")
            #expect(response.header("Connection")?.lowercased() != "close")
        }
    }

    @Test("stopping with an answer never delivered sends it a 503 and stops cleanly")
    func stopResumesPending() throws {
        let server = try DeferredAnswerTests.server(threads: 2)
        let client = try RawHTTPClient(port: server.boundPort, timeout: .seconds(20))
        try client.send("GET /never HTTP/1.1\r\nHost: x\r\n\r\n")
        usleep(100_000)
        #expect(server.requestsInFlight == 1)
        let clock = ContinuousClock()
        let started = clock.now
        server.stop(drainTimeout: .milliseconds(200))
        #expect(clock.now - started < .seconds(3))
        #expect(try client.readResponse().status == 503)
        #expect(server.currentConnections == 0)
    }
}
