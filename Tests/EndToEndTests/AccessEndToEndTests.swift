import Foundation
import MSIDTestSupport
import Testing

/// Tokens, SIGHUP and the safe default, on the real binary.
@Suite("Access, end to end")
struct AccessEndToEndTests {
    static let readToken = "e2e-read-token-0123456789"
    static let writeToken = "e2e-write-token-0123456789"
    static let rotatedToken = "e2e-rotated-token-0123456789"

    static func status(_ port: UInt16, _ method: String, _ path: String, token: String?, json: String? = nil) throws -> Int {
        var headers: [(String, String)] = []
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        if json != nil { headers.append(("Content-Type", "application/json")) }
        return try RawHTTPClient(port: port).request(method, path, headers: headers, body: Array((json ?? "").utf8)).status
    }

    @Test("with --token-file: 401 without a token, 403 for a small role, 200 with the right one; SIGHUP swaps the tokens; no token in the log")
    func tokensAndReload() throws {
        let files = try TemporaryDirectory(prefix: "msid-e2e-tokens")
        defer { files.remove() }
        let tokenPath = files.path + "/tokens"
        try "read \(AccessEndToEndTests.readToken)\nwrite \(AccessEndToEndTests.writeToken)\n".write(toFile: tokenPath, atomically: true, encoding: .utf8)
        let server = try ServerProcess(arguments: ["--token-file", tokenPath])
        defer {
            server.stop()
            server.dataDirectory.remove()
        }
        let port = server.port
        #expect(try AccessEndToEndTests.status(port, "GET", "/v1/systems", token: nil) == 401)
        #expect(try AccessEndToEndTests.status(port, "GET", "/healthz", token: nil) == 200)
        #expect(try AccessEndToEndTests.status(port, "GET", "/v1/systems", token: AccessEndToEndTests.readToken) == 200)
        let system = #"{"name":"e2e","arch":"arm64","cpus":2}"#
        #expect(try AccessEndToEndTests.status(port, "POST", "/v1/systems", token: AccessEndToEndTests.readToken, json: system) == 403)
        #expect(try AccessEndToEndTests.status(port, "POST", "/v1/systems", token: AccessEndToEndTests.writeToken, json: system) == 201)

        try "admin \(AccessEndToEndTests.rotatedToken)\n".write(toFile: tokenPath, atomically: true, encoding: .utf8)
        kill(server.pid, SIGHUP)
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(10)
        while try AccessEndToEndTests.status(port, "GET", "/v1/systems", token: AccessEndToEndTests.rotatedToken) != 200 && clock.now < deadline {
            usleep(20_000)
        }
        #expect(try AccessEndToEndTests.status(port, "GET", "/v1/systems", token: AccessEndToEndTests.rotatedToken) == 200)
        #expect(try AccessEndToEndTests.status(port, "GET", "/v1/systems", token: AccessEndToEndTests.writeToken) == 401)

        // A broken file on SIGHUP keeps the tokens in force.
        try "superuser \(AccessEndToEndTests.readToken)\n".write(toFile: tokenPath, atomically: true, encoding: .utf8)
        kill(server.pid, SIGHUP)
        let logged = clock.now + .seconds(10)
        while !server.standardError.contains("the previous tokens stay in force") && clock.now < logged { usleep(20_000) }
        #expect(server.standardError.contains("line 1: unknown role \"superuser\""))
        #expect(try AccessEndToEndTests.status(port, "GET", "/v1/systems", token: AccessEndToEndTests.rotatedToken) == 200)

        #expect(server.stop().status == 0)
        for token in [AccessEndToEndTests.readToken, AccessEndToEndTests.writeToken, AccessEndToEndTests.rotatedToken] {
            #expect(!server.standardError.contains(token), "a token reached the log")
        }
        #expect(server.standardError.contains("route=/v1/systems status=401"))
    }

    @Test("a non-loopback address without tokens is refused in one line (exit 2); --allow-unauthenticated overrides")
    func safeDefault() throws {
        do {
            let refused = try ServerProcess(arguments: ["--host", "0.0.0.0"])
            refused.stop()
            refused.dataDirectory.remove()
            Issue.record("msid listened on 0.0.0.0 without tokens")
        } catch let failure as ServerProcess.StartFailure {
            #expect(failure.status == 2)
            #expect(failure.standardError.contains("refusing to listen on 0.0.0.0 without tokens"))
            #expect(failure.standardError.split(separator: "\n").count == 1)
        }
        let allowed = try ServerProcess(arguments: ["--host", "0.0.0.0", "--allow-unauthenticated"])
        defer { allowed.dataDirectory.remove() }
        #expect(try AccessEndToEndTests.status(allowed.port, "GET", "/v1/systems", token: nil) == 200)
        #expect(allowed.stop().status == 0)
    }

    @Test("an unreadable or invalid token file stops the start with exit 2 and the reason")
    func badTokenFile() throws {
        let files = try TemporaryDirectory(prefix: "msid-e2e-badtokens")
        defer { files.remove() }
        try "read short\n".write(toFile: files.path + "/tokens", atomically: true, encoding: .utf8)
        for (path, reason) in [(files.path + "/tokens", "line 1: a token has 16 to 512 characters, this one 5"),
                               (files.path + "/missing", "cannot read the token file \(files.path)/missing: No such file or directory")] {
            do {
                let server = try ServerProcess(arguments: ["--token-file", path])
                server.stop()
                server.dataDirectory.remove()
                Issue.record("msid started with token file \(path)")
            } catch let failure as ServerProcess.StartFailure {
                #expect(failure.status == 2)
                #expect(failure.standardError.contains(reason), "\(failure.standardError)")
            }
        }
    }
}
