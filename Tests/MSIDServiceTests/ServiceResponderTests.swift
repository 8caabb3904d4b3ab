import Foundation
import Logging
@testable import MSIDService
import MicroHTTP
import Testing

/// The responder called in process, without a socket: every route, its problems, the contract.
@Suite("Service responder")
struct ServiceResponderTests {
    let responder = ServiceResponder(logger: Logger(label: "test"))

    func send(_ method: HTTPMethod, _ path: String, json: String? = nil, contentType: String = "application/json") -> HTTPResponse {
        var headers: HTTPHeaders = [:]
        if json != nil { headers.add(name: "Content-Type", value: contentType) }
        return responder.respond(to: HTTPRequest(method: method, path: path, headers: headers, body: Array((json ?? "").utf8)))
    }

    func text(_ response: HTTPResponse) -> String { String(decoding: response.body, as: UTF8.self) }

    @Test("GET /healthz and /readyz answer 200")
    func health() {
        let response = send(.get, "/healthz")
        #expect(response.status == .ok)
        #expect(response.headers["content-type"] == "application/json")
        #expect(text(response) == #"{"status":"ok"}"#)
        #expect(text(send(.get, "/readyz")) == #"{"status":"ready"}"#)
    }

    @Test("an unknown path is a 404 problem naming the path")
    func unknownPath() {
        let response = send(.get, "/v9/\"quoted\"")
        #expect(response.status == .notFound)
        #expect(response.headers["Content-Type"] == "application/problem+json")
        #expect(text(response) == #"{"detail":"no resource at /v9/\"quoted\"","status":404,"title":"Resource not found","type":"/problems/not-found"}"#)
    }

    @Test("a wrong method is a 405 problem with Allow")
    func wrongMethod() {
        let response = send(.delete, "/healthz")
        #expect(response.status == .methodNotAllowed)
        #expect(response.headers["Allow"] == "GET, HEAD")
        #expect(text(response) == #"{"allowed":["GET","HEAD"],"detail":"DELETE is not allowed on /healthz; allowed: GET, HEAD","status":405,"title":"Method not allowed","type":"/problems/method-not-allowed"}"#)
        #expect(send(.put, "/v1/systems/vm1").headers["Allow"] == "GET, DELETE, HEAD")
    }

    @Test("systems: create with Location, show, list, duplicate, delete")
    func systemLifecycle() {
        let created = send(.post, "/v1/systems", json: #"{"name":"vm1","arch":"arm64","cpus":4}"#)
        #expect(created.status == .created)
        #expect(created.headers["Location"] == "/v1/systems/vm1")
        #expect(text(created) == #"{"arch":"arm64","cpus":4,"domains":0,"extendedDestinationId":false,"firstVirq":1,"irqs":0,"name":"vm1","numaNodes":1,"online":"0-3"}"#)
        #expect(text(send(.get, "/v1/systems/vm1")) == text(created))
        #expect(text(send(.get, "/v1/systems")) == #"{"next":null,"systems":[\#(text(created))]}"#)
        let duplicate = send(.post, "/v1/systems", json: #"{"name":"vm1","arch":"x86_64","cpus":1}"#)
        #expect(duplicate.status == .conflict)
        #expect(text(duplicate) == #"{"detail":"a system named vm1 exists already","status":409,"system":"vm1","title":"System already exists","type":"/problems/system-exists"}"#)
        #expect(send(.delete, "/v1/systems/vm1").status == .noContent)
        #expect(send(.get, "/v1/systems/vm1").status == .notFound)
    }

    @Test("CPUs: list, hotplug with its report, the last CPU stays")
    func cpus() {
        _ = send(.post, "/v1/systems", json: #"{"name":"vm2","arch":"x86_64","cpus":[{"id":1,"hwid":7},{"id":0,"hwid":3}]}"#)
        #expect(text(send(.get, "/v1/systems/vm2/cpus")) == #"{"cpus":[{"hwid":3,"id":0,"node":0,"online":true},{"hwid":7,"id":1,"node":0,"online":true}]}"#)
        let offline = send(.patch, "/v1/systems/vm2/cpus/1", json: #"{"online":false}"#)
        #expect(text(offline) == #"{"cpu":1,"migrated":[],"online":false,"shutDown":[],"started":[]}"#)
        let last = send(.patch, "/v1/systems/vm2/cpus/0", json: #"{"online":false}"#)
        #expect(last.status == .conflict)
        #expect(text(last).contains(#""type":"/problems/cpu-unplug-refused""#))
        #expect(text(last).contains("x86 boot CPU"))
        #expect(send(.patch, "/v1/systems/vm2/cpus/7", json: #"{"online":true}"#).status == .notFound)
        #expect(send(.patch, "/v1/systems/vm2/cpus/x", json: #"{"online":true}"#).status == .badRequest)
    }

    @Test("strict decoding names the bad field by JSON pointer", arguments: [
        (#"{"name":"vm3","arch":"x86_64","cpus":2,"colour":1}"#, "/colour", "is not a known member"),
        (#"{"arch":"x86_64","cpus":2}"#, "/name", "is required"),
        (#"{"name":"vm3","arch":"sparc","cpus":2}"#, "/arch", "is not one of"),
        (#"{"name":"Bad Name","arch":"x86_64","cpus":2}"#, "/name", "a name is 1-63 characters"),
        (#"{"name":"vm3","arch":"x86_64","cpus":"2"}"#, "/cpus", "must be integer or array"),
        (#"{"name":"vm3","arch":"x86_64","cpus":5000}"#, "/cpus", "out of range"),
        (#"{"name":"vm3","arch":"x86_64","cpus":[{"id":0}]}"#, "/cpus/0/hwid", "is required"),
        (#"{"name":"vm3","arch":"x86_64","cpus":[{"id":0,"hwid":1},{"id":0,"hwid":2}]}"#, "/cpus/1/id", "listed twice"),
        (#"{"name":"vm3","arch":"x86_64","cpus":2,"firstVirq":1.5}"#, "/firstVirq", "must be integer"),
        (#"{"name":"vm3","name":"vm4","arch":"x86_64","cpus":2}"#, "/name", "appears more than once"),
        (#"[1,2]"#, "/", "must be object"),
    ])
    func strictDecoding(body: String, pointer: String, reason: String) {
        let response = send(.post, "/v1/systems", json: body)
        #expect(response.status == .badRequest)
        #expect(text(response).contains(#""pointer":"\#(pointer)""#) || pointer == "/")
        #expect(text(response).contains(reason))
    }

    @Test("a body that is not JSON or not application/json is refused")
    func mediaTypeAndSyntax() {
        #expect(send(.post, "/v1/systems", json: "{}", contentType: "text/plain").status == .unsupportedMediaType)
        #expect(send(.post, "/v1/systems", json: "{}", contentType: "application/json; charset=utf-8").status == .badRequest)
        let malformed = send(.post, "/v1/systems", json: #"{"name":"#)
        #expect(malformed.status == .badRequest)
        #expect(text(malformed).contains(#""type":"/problems/malformed-json""#))
    }

    @Test("every problem type has a distinct slug, a title and an error status")
    func problemTypes() {
        let slugs = ProblemType.allCases.map(\.rawValue)
        #expect(Set(slugs).count == slugs.count)
        for type in ProblemType.allCases {
            #expect(!type.title.isEmpty)
            #expect((400...599).contains(type.status.rawValue))
            #expect(text(Problem(type, "d").response()) == #"{"detail":"d","status":\#(type.status.rawValue),"title":"\#(type.title)","type":"/problems/\#(type.rawValue)"}"#)
        }
    }
}

/// The contract and the code agree, in both directions.
@Suite("Contract")
struct ContractTests {
    static let contractPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../openapi/msid.yaml").standardizedFileURL.path

    static func documentedPaths() throws -> Set<String> {
        let text = try String(contentsOfFile: contractPath, encoding: .utf8)
        var inPaths = false
        var paths = Set<String>()
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" { inPaths = true; continue }
            if inPaths && !line.isEmpty && !line.hasPrefix(" ") { inPaths = false }
            if inPaths && line.hasPrefix("  /") && line.hasSuffix(":") && !line.hasPrefix("   ") {
                paths.insert(String(line.dropFirst(2).dropLast()))
            }
        }
        return paths
    }

    @Test("every routed path is documented and every documented path is routed")
    func pathsAgree() throws {
        let routed = Set(ServiceResponder(logger: Logger(label: "test")).routedPaths)
        #expect(routed == (try ContractTests.documentedPaths()))
    }

    @Test("every problem type is documented with its title and status")
    func problemTypesDocumented() throws {
        let text = try String(contentsOfFile: ContractTests.contractPath, encoding: .utf8)
        for type in ProblemType.allCases {
            #expect(text.contains("{slug: \(type.rawValue), title: \"\(type.title)\", status: \(type.status.rawValue)}"), "\(type.rawValue)")
        }
    }

    @Test("GET /openapi.yaml serves the contract file byte for byte")
    func servedContract() throws {
        let served = ServiceResponder(logger: Logger(label: "test")).respond(to: HTTPRequest(method: .get, path: "/openapi.yaml"))
        #expect(served.body == Array(try Data(contentsOf: URL(fileURLWithPath: ContractTests.contractPath))))
    }
}
