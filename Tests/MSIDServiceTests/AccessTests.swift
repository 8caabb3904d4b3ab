import Foundation
import Logging
@testable import MSIDService
import MicroHTTP
import Testing

/// Bearer tokens and roles, the comparison they rest on, request ids, metrics and state caps,
/// all in process.
@Suite("Access, metrics and limits")
struct AccessTests {
    static let readToken = "read-token-0123456789"
    static let writeToken = "write-token-0123456789"
    static let adminToken = "admin-token-0123456789"
    static let tokenFile = """
        # role token
        read  \(readToken)
        write \(writeToken)

        admin\t\(adminToken)
        """

    static func tokens() throws -> AccessTokens { try AccessTokens(parsing: tokenFile) }

    static func send(_ responder: ServiceResponder, _ method: HTTPMethod, _ path: String, token: String? = nil, json: String? = nil,
                     headers extra: [(String, String)] = []) -> HTTPResponse {
        var headers: HTTPHeaders = [:]
        if let token { headers.add(name: "Authorization", value: "Bearer \(token)") }
        if json != nil { headers.add(name: "Content-Type", value: "application/json") }
        for (name, value) in extra { headers.add(name: name, value: value) }
        return responder.respond(to: HTTPRequest(method: method, path: path, headers: headers, body: Array((json ?? "").utf8)))
    }

    static func text(_ response: HTTPResponse) -> String { String(decoding: response.body, as: UTF8.self) }

    // MARK: The comparison

    /// Bytes that count how often they are read.
    final class CountingBytes: RandomAccessCollection {
        let bytes: [UInt8]
        var reads = 0
        init(_ text: String) { bytes = Array(text.utf8) }
        var startIndex: Int { 0 }
        var endIndex: Int { bytes.count }
        subscript(position: Int) -> UInt8 {
            reads += 1
            return bytes[position]
        }
    }

    @Test("the token comparison reads every byte whatever the guess, and answers exactly")
    func constantTimeComparison() {
        let secret = "s3cret-token-ABCDEFGH"
        var work: [Int] = []
        for guess in [secret, "X" + secret.dropFirst(), secret.dropLast() + "X", "short", "", secret + "-longer-than-the-secret"] {
            let counted = CountingBytes(secret)
            let guessed = CountingBytes(String(guess))
            let equal = ConstantTime.equals(counted, guessed)
            #expect(equal == (guess == secret), "\(guess)")
            #expect(counted.reads == secret.utf8.count, "every byte of the secret is read for \(guess)")
            work.append(counted.reads + guessed.reads)
        }
        // A mismatch in the first byte costs the same reads as one in the last, or none at all.
        #expect(work[0] == work[1] && work[1] == work[2])
        #expect(Set(work.dropLast(2)).count == 1)
    }

    @Test("a token file: comments, blank lines and tabs; every refusal names the line, never the token")
    func tokenFileParsing() throws {
        let tokens = try AccessTests.tokens()
        #expect(tokens.summary == "1 read, 1 write, 1 admin")
        #expect(tokens.role(of: ArraySlice(Self.writeToken.utf8)) == .write)
        #expect(tokens.role(of: ArraySlice("write-token-012345678X".utf8)) == nil)

        let secret = "hunter2hunter2hunter2"
        let refused: [(String, String)] = [
            ("root \(secret)", "line 1: unknown role \"root\" (read, write or admin)"),
            ("read short", "line 1: a token has 16 to 512 characters, this one 5"),
            ("# c\nread \(secret) extra", "line 2: expected `ROLE TOKEN`, found 3 fields"),
            ("read \(secret)\nadmin \(secret)", "line 2: this token is already listed"),
            ("read tok€n-with-a-euro-sign", "line 1: a token has only the characters A-Z a-z 0-9 - . _ ~ + / and trailing ="),
            ("read abc=def0123456789abcdef", "line 1: a token has only the characters A-Z a-z 0-9 - . _ ~ + / and trailing ="),
            ("# nothing\n\n", "the token file lists no token"),
        ]
        for (file, reason) in refused {
            #expect(throws: AccessTokens.Failure.self) { try AccessTokens(parsing: file) }
            do {
                _ = try AccessTokens(parsing: file)
            } catch {
                #expect(error.description == reason)
                #expect(!error.description.contains(secret))
            }
        }
        #expect(try AccessTokens(parsing: "admin abcdefghijklmnop==\r\n").summary == "0 read, 0 write, 1 admin")
    }

    @Test("Authorization: Bearer is read case-insensitively and nothing else is a bearer token")
    func bearerHeader() {
        #expect(Authenticator.bearerToken("Bearer abc").map { Array($0) } == Array("abc".utf8))
        #expect(Authenticator.bearerToken("bEaReR   abc  ").map { Array($0) } == Array("abc".utf8))
        #expect(Authenticator.bearerToken("Basic YWxhZGRpbjpvcGVuc2VzYW1l") == nil)
        #expect(Authenticator.bearerToken("Bearer") == nil)
        #expect(Authenticator.bearerToken("Bearer    ") == nil)
        #expect(Authenticator.bearerToken("Bearer\u{0}abc") == nil)
    }

    // MARK: Every route

    /// A request path for a route template, parameters filled with plausible values.
    static func path(for template: String) -> String {
        template.replacingOccurrences(of: "{system}", with: "s").replacingOccurrences(of: "{domain}", with: "d")
            .replacingOccurrences(of: "{virq}", with: "1").replacingOccurrences(of: "{cpu}", with: "0")
    }

    @Test("every /v1 route refuses no token, an unknown token and a role too small; open routes stay open")
    func everyRoute() throws {
        let responder = ServiceResponder(logger: Logger(label: "test"), options: ServiceOptions(tokens: try AccessTests.tokens()))
        var checked = 0
        for route in ServiceResponder.routes {
            let path = AccessTests.path(for: route.pattern.description)
            guard path.hasPrefix("/v1/") else {
                #expect(AccessTests.send(responder, route.method, path).status == .ok, "\(path) is open")
                continue
            }
            let missing = AccessTests.send(responder, route.method, path)
            #expect(missing.status == .unauthorized, "\(route.method) \(path)")
            #expect(missing.headers["WWW-Authenticate"] == #"Bearer realm="msid""#)
            #expect(AccessTests.text(missing).contains(#""type":"/problems/unauthorized""#))
            // Same length as a real token, one byte off.
            let wrong = AccessTests.send(responder, route.method, path, token: String(AccessTests.adminToken.dropLast()) + "X")
            #expect(wrong.status == .unauthorized, "\(route.method) \(path)")
            #expect(wrong.headers["WWW-Authenticate"] == #"Bearer realm="msid", error="invalid_token""#)

            let required = Role.required(method: route.method, path: path)
            for (role, token) in [(Role.read, AccessTests.readToken), (.write, AccessTests.writeToken), (.admin, AccessTests.adminToken)] {
                let response = AccessTests.send(responder, route.method, path, token: token)
                if role < required {
                    #expect(response.status == .forbidden, "\(role) \(route.method) \(path)")
                    #expect(AccessTests.text(response).contains(#""required":"\#(required.rawValue)","role":"\#(role.rawValue)""#))
                } else {
                    #expect(response.status != .unauthorized && response.status != .forbidden, "\(role) \(route.method) \(path)")
                }
            }
            checked += 1
        }
        #expect(checked >= 20)
        #expect(Role.required(method: .get, path: "/v1/snapshot") == .read)
        #expect(Role.required(method: .post, path: "/v1/snapshot") == .write)
        #expect(Role.required(method: .put, path: "/v1/snapshot") == .admin)
        #expect(Role.required(method: .put, path: "/v1/systems/s/irqs/1/affinity") == .write)
        #expect(Role.required(method: .delete, path: "/v1/systems/s") == .write)
    }

    @Test("new tokens replace the old ones at once; /metrics needs a token only when protected")
    func reloadAndProtectedMetrics() throws {
        let responder = ServiceResponder(logger: Logger(label: "test"),
                                         options: ServiceOptions(tokens: try AccessTests.tokens(), protectMetrics: true))
        #expect(AccessTests.send(responder, .get, "/v1/systems", token: AccessTests.readToken).status == .ok)
        #expect(AccessTests.send(responder, .get, "/metrics").status == .unauthorized)
        #expect(AccessTests.send(responder, .get, "/metrics", token: AccessTests.readToken).status == .ok)
        #expect(AccessTests.send(responder, .get, "/healthz").status == .ok)

        responder.reloadTokens(try AccessTokens(parsing: "read fresh-token-0123456789"))
        #expect(AccessTests.send(responder, .get, "/v1/systems", token: AccessTests.readToken).status == .unauthorized)
        #expect(AccessTests.send(responder, .get, "/v1/systems", token: "fresh-token-0123456789").status == .ok)

        let open = ServiceResponder(logger: Logger(label: "test"), options: ServiceOptions(tokens: try AccessTests.tokens()))
        #expect(AccessTests.send(open, .get, "/metrics").status == .ok)
    }

    @Test("an Idempotency-Key is scoped by token: another caller's same key runs its own request")
    func idempotencyPerCaller() throws {
        let tokens = try AccessTokens(parsing: "write \(AccessTests.writeToken)\nadmin \(AccessTests.adminToken)")
        let responder = ServiceResponder(logger: Logger(label: "test"), options: ServiceOptions(tokens: tokens))
        let body = #"{"name":"k","arch":"arm64","cpus":1}"#
        let first = AccessTests.send(responder, .post, "/v1/systems", token: AccessTests.writeToken, json: body, headers: [("Idempotency-Key", "same")])
        let replay = AccessTests.send(responder, .post, "/v1/systems", token: AccessTests.writeToken, json: body, headers: [("Idempotency-Key", "same")])
        let other = AccessTests.send(responder, .post, "/v1/systems", token: AccessTests.adminToken, json: body, headers: [("Idempotency-Key", "same")])
        #expect(first.status == .created && replay.status == .created)
        #expect(other.status == .conflict, "the other caller's request ran (and found the system)")
        #expect(AccessTests.text(other).contains("system-exists"))
    }

    // MARK: Request ids

    @Test("X-Request-ID: a usable one is echoed, anything else is replaced by a fresh id")
    func requestIDs() {
        let responder = ServiceResponder(logger: Logger(label: "test"))
        let echoed = AccessTests.send(responder, .get, "/healthz", headers: [("X-Request-ID", "trace-42")])
        #expect(echoed.headers["X-Request-ID"] == "trace-42")
        var made = Set<String>()
        for bad in ["", "has space", String(repeating: "x", count: 129), "caf\u{e9}"] {
            let response = AccessTests.send(responder, .get, "/healthz", headers: [("X-Request-ID", bad)])
            let id = response.headers["X-Request-ID"] ?? ""
            #expect(!id.isEmpty && id != bad)
            made.insert(id)
        }
        made.insert(AccessTests.send(responder, .get, "/v1/nothing").headers["X-Request-ID"] ?? "")
        #expect(made.count == 5, "generated ids are distinct")
    }

    // MARK: Metrics

    static func sample(_ exposition: String, _ prefix: String) -> Double? {
        exposition.split(separator: "\n").first { $0.hasPrefix(prefix + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    @Test("request counters move, histograms count, domain gauges follow the state")
    func metrics() {
        let responder = ServiceResponder(logger: Logger(label: "test"))
        _ = AccessTests.send(responder, .post, "/v1/systems", json: #"{"name":"m","arch":"arm64","cpus":2}"#)
        _ = AccessTests.send(responder, .post, "/v1/systems/m/domains", json: #"{"name":"gic","kind":"gicv3","distributorBase":"0x8000000"}"#)
        for _ in 0..<3 { _ = AccessTests.send(responder, .get, "/v1/systems/m") }
        _ = AccessTests.send(responder, .get, "/v1/systems/nope")
        _ = AccessTests.send(responder, .get, "/no/such/path")

        let first = AccessTests.text(AccessTests.send(responder, .get, "/metrics"))
        #expect(AccessTests.sample(first, #"msid_http_requests_total{route="/v1/systems/{system}",method="GET",status="200"}"#) == 3)
        #expect(AccessTests.sample(first, #"msid_http_requests_total{route="/v1/systems/{system}",method="GET",status="404"}"#) == 1)
        #expect(AccessTests.sample(first, #"msid_http_requests_total{route="unmatched",method="GET",status="404"}"#) == 1)
        #expect(AccessTests.sample(first, #"msid_http_request_duration_seconds_count{route="/v1/systems/{system}",method="GET"}"#) == 4)
        #expect(AccessTests.sample(first, #"msid_domain_irqs{system="m",domain="gic",kind="gicv3"}"#) == 0)
        #expect(AccessTests.sample(first, #"msid_domain_free{system="m",domain="gic",kind="gicv3",unit="spis"}"#) == 988)
        #expect(first.contains("# TYPE msid_journal_fsync_duration_seconds histogram"))

        _ = AccessTests.send(responder, .get, "/v1/systems/m")
        _ = AccessTests.send(responder, .delete, "/v1/systems/m/domains/gic")
        let second = AccessTests.text(AccessTests.send(responder, .get, "/metrics"))
        #expect(AccessTests.sample(second, #"msid_http_requests_total{route="/v1/systems/{system}",method="GET",status="200"}"#) == 4)
        #expect(AccessTests.sample(second, #"msid_http_requests_total{route="/metrics",method="GET",status="200"}"#) == 1)
        #expect(!second.contains(#"domain="gic""#), "a deleted domain's gauges go")
    }

    // MARK: State caps

    @Test("caps on systems, domains and IRQs: 507 with the facts, and nothing changes")
    func stateLimits() {
        let limits = StateLimits(systems: 1, domains: 3, irqs: 4)
        let responder = ServiceResponder(logger: Logger(label: "test"), options: ServiceOptions(limits: limits))
        #expect(AccessTests.send(responder, .post, "/v1/systems", json: #"{"name":"x","arch":"x86_64","cpus":2}"#).status == .created)
        let second = AccessTests.send(responder, .post, "/v1/systems", json: #"{"name":"y","arch":"x86_64","cpus":2}"#)
        #expect(second.status == .insufficientStorage)
        #expect(AccessTests.text(second) == #"{"current":1,"detail":"this msid holds at most 1 systems (--max-systems); it holds 1 and the request adds 1","limit":1,"requested":1,"resource":"systems","status":507,"title":"State limit reached","type":"/problems/state-limit-reached"}"#)

        #expect(AccessTests.send(responder, .post, "/v1/systems/x/domains", json: #"{"name":"vector","kind":"x86-vector"}"#).status == .created)
        #expect(AccessTests.send(responder, .post, "/v1/systems/x/domains", json: #"{"name":"dev","kind":"pci-msi","parent":"vector","device":"0000:00:01.0","msixTableSize":16}"#).status == .created)
        #expect(AccessTests.send(responder, .post, "/v1/systems/x/domains", json: #"{"name":"dev2","kind":"pci-msi","parent":"vector","device":"0000:00:02.0","msixTableSize":16}"#).status == .created)
        #expect(AccessTests.send(responder, .post, "/v1/systems/x/domains", json: #"{"name":"dev3","kind":"pci-msi","parent":"vector","device":"0000:00:03.0"}"#).status == .insufficientStorage)

        #expect(AccessTests.send(responder, .post, "/v1/systems/x/domains/dev/irqs", json: #"{"count":3,"type":"msix"}"#).status == .created)
        let before = AccessTests.text(AccessTests.send(responder, .get, "/v1/snapshot"))
        let over = AccessTests.send(responder, .post, "/v1/systems/x/domains/dev2/irqs", json: #"{"count":2,"type":"msix"}"#)
        #expect(over.status == .insufficientStorage)
        #expect(AccessTests.text(over).contains(#""current":3"#) && AccessTests.text(over).contains(#""resource":"irqs""#))
        #expect(AccessTests.text(AccessTests.send(responder, .get, "/v1/snapshot")) == before)
        #expect(AccessTests.send(responder, .post, "/v1/systems/x/domains/dev2/irqs", json: #"{"count":1,"type":"msix"}"#).status == .created)

        // A replacement must fit too.
        let small = ServiceResponder(logger: Logger(label: "test"), options: ServiceOptions(limits: StateLimits(systems: 8, domains: 8, irqs: 2)))
        let replaced = AccessTests.send(small, .put, "/v1/snapshot", json: before)
        #expect(replaced.status == .insufficientStorage)
        #expect(AccessTests.text(AccessTests.send(small, .get, "/v1/systems")).contains(#""systems":[]"#))
    }
}
