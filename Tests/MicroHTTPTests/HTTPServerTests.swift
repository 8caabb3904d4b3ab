import Foundation
import MSIDTestSupport
import MicroHTTP
import Synchronization
import Testing

@Suite("HTTP server on a real socket")
struct HTTPServerTests {
    static func server(_ adjust: (inout ServerConfiguration) -> Void = { _ in }) throws -> HTTPServer {
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.threads = 2
        adjust(&configuration)
        return try HTTPServer(configuration: configuration, responder: ToyResponder())
    }

    @Test("port 0 binds an ephemeral port that is read back")
    func ephemeralPort() throws {
        let server = try HTTPServerTests.server()
        defer { server.stop() }
        #expect(server.boundPort != 0)
    }

    @Test("GET, POST, PUT and DELETE reach the responder with path, query, headers and body",
          arguments: ["GET", "POST", "PUT", "DELETE"])
    func methods(method: String) throws {
        let server = try HTTPServerTests.server()
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.boundPort)
        let body = method == "GET" ? [] : Array("payload-\(method)".utf8)
        let response = try client.request(method, "/items/7?color=red&size=", headers: [("X-Echo", "hello")], body: body)
        #expect(response.status == 200)
        #expect(response.text == "\(method) /items/7?color=red&size=\n" + String(decoding: body, as: UTF8.self))
        #expect(response.header("X-Echoed") == "hello")
    }

    @Test("a body sent in many pieces arrives whole")
    func bodyInPieces() throws {
        let server = try HTTPServerTests.server()
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.boundPort)
        let body = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        try client.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.count)\r\n\r\n")
        var offset = 0
        while offset < body.count {
            let end = min(body.count, offset + 7_919)
            try client.send(Array(body[offset..<end]))
            offset = end
        }
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.header("X-Body-Length") == String(body.count))
        #expect(Array(response.body.dropFirst("POST /upload\n".utf8.count)) == body)
    }

    @Test("a chunked body arrives whole")
    func chunkedBody() throws {
        let server = try HTTPServerTests.server()
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.boundPort)
        try client.send("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.text == "POST /c\nhello world")
    }

    @Test("an oversize body gets 413, declared or chunked, and the server keeps serving")
    func oversizeBody() throws {
        let server = try HTTPServerTests.server { $0.maximumBodyBytes = 1024 }
        defer { server.stop() }
        let declared = try RawHTTPClient(port: server.boundPort)
        try declared.send("POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 3000000\r\n\r\n")
        let first = try declared.readResponse()
        #expect(first.status == 413)
        #expect(first.header("Content-Type") == "application/problem+json")

        let chunked = try RawHTTPClient(port: server.boundPort)
        let chunk = String(repeating: "x", count: 1000)
        try chunked.send("POST /big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        for _ in 0..<5 { try chunked.send("3e8\r\n\(chunk)\r\n") }
        try chunked.send("0\r\n\r\n")
        #expect(try chunked.readResponse().status == 413)

        #expect(try RawHTTPClient(port: server.boundPort).request("GET", "/after").status == 200)
    }

    /// libmicrohttpd answers 400 and closes with the client's input unread; without a
    /// lingering close the kernel then sends RST, which can destroy the 400 on its way (the
    /// flaky failure of issue 14). A tail larger than libmicrohttpd's read buffer makes the
    /// unread input certain, every round.
    @Test("a malformed request line is refused with 400 and the server keeps serving")
    func malformedRequestLine() throws {
        let server = try HTTPServerTests.server()
        defer { server.stop() }
        let tail = [UInt8](repeating: UInt8(ascii: "x"), count: 128 << 10)
        for round in 0..<20 {
            let client = try RawHTTPClient(port: server.boundPort)
            try client.send(Array("THIS IS NOT HTTP\r\n\r\n".utf8) + (round % 2 == 0 ? tail : []))
            let response = try client.readResponse()
            #expect(response.status == 400, "round \(round)")
            #expect(client.ending() == .endOfFile, "round \(round): the connection was reset, not closed")
        }
        #expect(try RawHTTPClient(port: server.boundPort).request("GET", "/ok").status == 200)
    }

    @Test("keep-alive serves several requests on one connection")
    func keepAlive() throws {
        let server = try HTTPServerTests.server()
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.boundPort)
        for index in 0..<20 {
            let response = try client.request("GET", "/k/\(index)")
            #expect(response.status == 200)
            #expect(response.text == "GET /k/\(index)\n")
            #expect(response.header("Connection")?.lowercased() != "close")
        }
    }

    @Test("64 concurrent clients are all answered correctly")
    func concurrentClients() async throws {
        let server = try HTTPServerTests.server()
        defer { server.stop() }
        let port = server.boundPort
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for client in 0..<64 {
                group.addTask {
                    let connection = try RawHTTPClient(port: port)
                    for request in 0..<10 {
                        let body = Array("c\(client)r\(request)".utf8)
                        let response = try connection.request("POST", "/c/\(client)", body: body)
                        guard response.status == 200, response.text == "POST /c/\(client)\nc\(client)r\(request)" else { return false }
                    }
                    return true
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.count == 64)
        #expect(results.allSatisfy { $0 })
    }

    @Test("stopping with requests in flight answers each (or closes its connection cleanly), then refuses new connections")
    func stopWithRequestsInFlight() throws {
        let gate = GatedResponder()
        var configuration = ServerConfiguration()
        configuration.threads = 4
        let server = try HTTPServer(configuration: configuration, responder: gate)
        let port = server.boundPort
        let clients = try (0..<8).map { _ in try RawHTTPClient(port: port, timeout: .seconds(20)) }
        for client in clients { try client.send("GET /gated HTTP/1.1\r\nHost: x\r\n\r\n") }
        // Stop only once a request is inside the responder; release them all while draining.
        let stopped = stopWhileHeld(server, gate: gate, releasing: clients.count)
        var answered = 0
        for client in clients {
            do {
                let response = try client.readResponse()
                #expect(response.status == 200)
                answered += 1
            } catch let failure as RawHTTPClient.Failure {
                guard case .closed = failure else {
                    Issue.record("a request in flight neither got an answer nor a clean close: \(failure)")
                    continue
                }
            }
        }
        #expect(answered >= 1)
        #expect(stopped.wait(timeout: .now() + 20) == .success)
        #expect(throws: RawHTTPClient.Failure.self) { try RawHTTPClient(port: port).request("GET", "/late") }
    }

    @Test("responses sent while draining carry Connection: close")
    func drainingClosesConnections() throws {
        let gate = GatedResponder()
        var configuration = ServerConfiguration()
        configuration.threads = 2
        let server = try HTTPServer(configuration: configuration, responder: gate)
        let client = try RawHTTPClient(port: server.boundPort, timeout: .seconds(20))
        try client.send("GET /gated HTTP/1.1\r\nHost: x\r\n\r\n")
        let stopped = stopWhileHeld(server, gate: gate, releasing: 1)
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.header("Connection")?.lowercased() == "close")
        #expect(stopped.wait(timeout: .now() + 20) == .success)
    }

    @Test("TLS: a self-signed certificate made in the test serves HTTPS over TLS 1.3 and 1.2, and TLS 1.0 and 1.1 are refused")
    func tls() throws {
        let directory = try TemporaryDirectory(prefix: "msid-tls")
        defer { directory.remove() }
        let certificate = directory.file("cert.pem")
        let key = directory.file("key.pem")
        #expect(try run("/usr/bin/env", ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                                         "-nodes", "-keyout", key, "-out", certificate, "-days", "1", "-subj", "/CN=127.0.0.1",
                                         "-addext", "subjectAltName=IP:127.0.0.1"]).status == 0)
        let server = try HTTPServerTests.server {
            $0.tlsCertificatePath = certificate
            $0.tlsKeyPath = key
        }
        defer { server.stop() }
        let url = "https://127.0.0.1:\(server.boundPort)/secure?x=1"
        for (versions, negotiated) in [(["--tlsv1.3"], "TLSv1.3"), (["--tlsv1.2", "--tls-max", "1.2"], "TLSv1.2")] {
            let result = try run("/usr/bin/env", ["curl", "-sS", "-v", "--cacert", certificate] + versions + [url])
            #expect(result.status == 0, "curl \(versions): \(result.errors)")
            #expect(result.output == "GET /secure?x=1\n")
            #expect(result.errors.contains("SSL connection using \(negotiated)"), "curl \(versions): \(result.errors)")
        }
        // curl's OpenSSL 3 refuses TLS 1.0 and 1.1 on its own at its default security level
        // (it aborts with "legacy sigalg disallowed" even against a server that agrees to 1.1),
        // so a plain `curl --tls-max 1.1` would fail whatever the server did. SECLEVEL=0 lets it
        // finish such a handshake (checked against `gnutls-serv --priority NORMAL`: TLSv1.1 /
        // ECDHE-ECDSA-AES256-SHA, and against this server built with plain "NORMAL"), so here the
        // refusal is the server's: curl sent its client hello and no TLS connection came of it.
        for versions in [["--tlsv1.0", "--tls-max", "1.1"], ["--tlsv1.1", "--tls-max", "1.1"], ["--tlsv1.0", "--tls-max", "1.0"]] {
            let result = try run("/usr/bin/env", ["curl", "-sS", "-v", "--cacert", certificate, "--ciphers", "DEFAULT@SECLEVEL=0"]
                                 + versions + [url])
            #expect(result.status == 35, "curl \(versions) should fail the handshake (exit 35): \(result.errors)")
            #expect(result.errors.contains("Client hello"), "curl \(versions) never offered: \(result.errors)")
            #expect(!result.errors.contains("SSL connection using"), "curl \(versions): \(result.errors)")
            #expect(result.output.isEmpty)
        }
        // The refused handshakes leave the server serving.
        #expect(try run("/usr/bin/env", ["curl", "-sS", "--cacert", certificate, url]).output == "GET /secure?x=1\n")
    }

    @Test("a TLS file that cannot be read is a typed error, not a crash")
    func unreadableTLSFile() {
        #expect(throws: MicroHTTPError.unreadableTLSFile(path: "/nonexistent/cert.pem", errno: ENOENT)) {
            try HTTPServerTests.server {
                $0.tlsCertificatePath = "/nonexistent/cert.pem"
                $0.tlsKeyPath = "/nonexistent/key.pem"
            }
        }
        #expect(throws: MicroHTTPError.incompleteTLSConfiguration) {
            try HTTPServerTests.server { $0.tlsCertificatePath = "/nonexistent/cert.pem" }
        }
        #expect(throws: MicroHTTPError.invalidBindAddress("localhost")) {
            try HTTPServerTests.server { $0.host = "localhost" }
        }
    }

    /// Once a request is held inside `gate`, stops `server` on another thread and, as soon as
    /// it is draining, releases `count` held requests. Signals the returned semaphore when the
    /// stop has finished.
    func stopWhileHeld(_ server: HTTPServer, gate: GatedResponder, releasing count: Int) -> DispatchSemaphore {
        #expect(gate.entered.wait(timeout: .now() + 20) == .success)
        let stopped = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            server.stop(drainTimeout: .seconds(20))
            stopped.signal()
        }
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(20)
        while !server.isDraining && clock.now < deadline { usleep(1_000) }
        for _ in 0..<count { gate.release.signal() }
        return stopped
    }

    /// Runs a program to its end: exit status, standard output, standard error (read on its
    /// own thread, so neither pipe can fill up and stall the program).
    private func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let errorText = Mutex("")
        let errorsRead = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let data = errors.fileHandleForReading.readDataToEndOfFile()
            errorText.withLock { $0 = String(decoding: data, as: UTF8.self) }
            errorsRead.signal()
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        errorsRead.wait()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self), errorText.withLock { $0 })
    }
}

/// Holds each request until the test releases it, and says when one has entered.
final class GatedResponder: HTTPResponder, @unchecked Sendable {
    // @unchecked Sendable: only DispatchSemaphores, which are thread-safe.
    let entered = DispatchSemaphore(value: 0)
    let release = DispatchSemaphore(value: 0)

    func respond(to request: HTTPRequest) -> HTTPResponse {
        entered.signal()
        _ = release.wait(timeout: .now() + 30)
        return HTTPResponse(status: .ok, contentType: "text/plain", body: Array("released".utf8))
    }
}
