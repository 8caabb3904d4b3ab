import Foundation
import Logging
@testable import MSIDService
import MicroHTTP
import Testing

/// `POST /v1/systems/{system}/plan` through the responder, in process: the answer's shape, the
/// problems it shares with the allocate endpoint, strict decoding, the read role, and that
/// nothing changes or is journaled.
@Suite("Plan endpoint")
struct PlanEndpointTests {
    static func x86(_ service: Service, cpus: Int = 2) {
        service.send(.post, "/v1/systems", #"{"name":"x86","arch":"x86_64","cpus":\#(cpus)}"#)
        service.send(.post, "/v1/systems/x86/domains", #"{"name":"vector","kind":"x86-vector"}"#)
        service.send(.post, "/v1/systems/x86/domains", #"{"name":"nic","kind":"pci-msi","parent":"vector","device":"0000:00:03.0"}"#)
    }

    static func text(_ response: HTTPResponse) -> String { String(decoding: response.body, as: UTF8.self) }

    /// A member of a JSON answer, parsed.
    static func json(_ response: HTTPResponse) throws -> JSONValue { try JSONParser.parse(response.body) }

    @Test("a plan answers fits, each request's virqs and CPUs, and CPU and domain pressure before and after")
    func answerShape() throws {
        let service = Service.inMemory
        PlanEndpointTests.x86(service)
        service.send(.post, "/v1/systems/x86/domains/nic/irqs", #"{"count":1,"type":"msix"}"#)
        let response = service.send(.post, "/v1/systems/x86/plan", #"""
            {"requests":[{"domain":"nic","count":2,"type":"msix"},
                         {"device":"0000:00:04.0","parent":"vector","msixTableSize":4,"count":1,"type":"msix","activate":false}]}
            """#)
        #expect(response.status == .ok)
        #expect(response.headers["Content-Type"] == "application/json")
        #expect(PlanEndpointTests.text(response) == """
            {"cpus":[\
            {"after":{"allocated":2,"available":200,"managed":0,"managedAllocated":0},"before":{"allocated":1,"available":201,"managed":0,"managedAllocated":0},"cpu":0,"online":true},\
            {"after":{"allocated":1,"available":201,"managed":0,"managedAllocated":0},"before":{"allocated":0,"available":202,"managed":0,"managedAllocated":0},"cpu":1,"online":true}],\
            "domains":[\
            {"after":{"free":401,"used":3},"before":{"free":403,"used":1},"kind":"x86-vector","name":"vector","unit":"vectors"},\
            {"after":{"free":2045,"used":3},"before":{"free":2047,"used":1},"kind":"pci-msi","name":"nic","unit":"msix-entries"},\
            {"after":{"free":3,"used":1},"before":null,"kind":"pci-msi","name":"plan-0000-00-04-0","unit":"msix-entries"}],\
            "firstFailure":null,"fits":true,\
            "requests":[\
            {"allocated":2,"cpus":"0-1","device":"0000:00:03.0","domain":"nic","fits":true,"index":0,"problem":null,"virqs":[25,26]},\
            {"allocated":1,"cpus":"","device":"0000:00:04.0","domain":"plan-0000-00-04-0","fits":true,"index":1,"problem":null,"virqs":[27]}]}
            """)
    }

    @Test("the first failure carries the problem the allocate endpoint then answers, type, title, status and detail")
    func failureMatchesAllocate() throws {
        let service = Service.inMemory
        PlanEndpointTests.x86(service, cpus: 1)
        service.send(.post, "/v1/systems/x86/domains", #"{"name":"gpu","kind":"pci-msi","parent":"vector","device":"0000:00:05.0"}"#)
        let requests = [#"{"domain":"nic","count":150,"type":"msix"}"#, #"{"domain":"gpu","count":100,"type":"msix"}"#,
                        #"{"domain":"gpu","count":8,"type":"msi"}"#]
        let plan = service.send(.post, "/v1/systems/x86/plan", #"{"requests":[\#(requests.joined(separator: ","))]}"#)
        #expect(plan.status == .ok)
        let answer = try PlanEndpointTests.json(plan)
        #expect(answer.member("fits") == .bool(false))
        let failure = try #require(answer.member("firstFailure"))
        #expect(failure.member("index") == .integer(1))
        let problem = try #require(failure.member("problem"))
        #expect(problem.member("type") == .string("/problems/vectors-exhausted"))
        #expect(problem.member("status") == .integer(409))
        guard case .array(let outcomes)? = answer.member("requests") else {
            Issue.record("no requests in \(PlanEndpointTests.text(plan))")
            return
        }
        #expect(outcomes.map { $0.member("fits") } == [.bool(true), .bool(false), .bool(false)])
        // The same requests for real: each answer is what the plan said, problem for problem.
        for (index, request) in requests.enumerated() {
            let domain = index == 0 ? "nic" : "gpu"
            let body = request.replacingOccurrences(of: #""domain":"\#(domain)","#, with: "")
            let real = service.send(.post, "/v1/systems/x86/domains/\(domain)/irqs", body)
            let planned = outcomes[index].member("problem")
            if real.status == .created {
                #expect(planned == .null)
            } else {
                #expect(real.headers["Content-Type"] == "application/problem+json")
                #expect(planned == (try PlanEndpointTests.json(real)))
            }
        }
    }

    @Test("a plan changes nothing, journals nothing and records no event")
    func changesNothing() throws {
        let directory = try scratch("plan")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (service, _) = try Service.recovered(from: directory)
        PlanEndpointTests.x86(service)
        service.send(.post, "/v1/systems/x86/domains/nic/irqs", #"{"count":3,"type":"msix"}"#)
        let state = service.state
        let events = PlanEndpointTests.text(service.send(.get, "/v1/systems/x86/events"))
        let sequence = service.send(.get, "/healthz").headers[ServiceResponder.appliedSequenceHeader]
        #expect(sequence != nil)
        let plan = service.send(.post, "/v1/systems/x86/plan", #"""
            {"requests":[{"domain":"nic","count":400,"type":"msix"},{"device":"0000:00:07.0","parent":"vector","count":4,"type":"msi"},
                         {"domain":"nic","count":4,"type":"msix","managed":true,"preVectors":1}]}
            """#)
        #expect(plan.status == .ok)
        #expect(plan.headers[ServiceResponder.appliedSequenceHeader] == sequence)
        #expect(service.send(.get, "/healthz").headers[ServiceResponder.appliedSequenceHeader] == sequence)
        #expect(service.state == state)
        #expect(PlanEndpointTests.text(service.send(.get, "/v1/systems/x86/events")) == events)
        #expect(service.send(.get, "/v1/systems/x86/domains/plan-0000-00-07-0").status == .notFound)
    }

    @Test("strict decoding names the bad member by JSON pointer", arguments: [
        (#"{"requests":[{"domain":"nic","count":1,"type":"msix","colour":1}]}"#, "/requests/0/colour", "is not a known member"),
        (#"{"requests":[],"dryRun":true}"#, "/dryRun", "is not a known member"),
        (#"{}"#, "/requests", "is required"),
        (#"{"requests":{}}"#, "/requests", "must be array"),
        (#"{"requests":[]}"#, "/requests", "at least one request"),
        (#"{"requests":[{"count":1,"type":"msix"}]}"#, "/requests/0", "names neither domain"),
        (#"{"requests":[{"domain":"nic","device":"0000:00:04.0","count":1,"type":"msix"}]}"#, "/requests/0/device", "either domain"),
        (#"{"requests":[{"device":"0000:00:04.0","count":1,"type":"msix"}]}"#, "/requests/0/parent", "is required"),
        (#"{"requests":[{"device":"00:04","parent":"vector","count":1,"type":"msix"}]}"#, "/requests/0/device", "/requests/0/device:"),
        (#"{"requests":[{"domain":"nic","count":0,"type":"msix"}]}"#, "/requests/0/count", "out of range"),
        (#"{"requests":[{"domain":"nic","count":1,"type":"msix"},{"domain":"nic","count":2,"type":"msix","preVectors":1}]}"#,
         "/requests/1/preVectors", "applies to managed vectors"),
        (#"{"requests":[{"domain":"nic","count":4,"type":"msix","managed":true,"setSizes":[1,"2"]}]}"#, "/requests/0/setSizes/1", "must be integer"),
    ])
    func strictDecoding(body: String, pointer: String, detail: String) throws {
        let service = Service.inMemory
        PlanEndpointTests.x86(service)
        let response = service.send(.post, "/v1/systems/x86/plan", body)
        #expect(response.status == .badRequest)
        #expect(response.headers["Content-Type"] == "application/problem+json")
        let problem = try PlanEndpointTests.json(response)
        #expect(problem.member("pointer") == .string(pointer))
        guard case .string(let text)? = problem.member("detail") else {
            Issue.record("no detail in \(PlanEndpointTests.text(response))")
            return
        }
        #expect(text.contains(detail))
    }

    @Test("more than 256 requests are refused, saying why; 256 are planned")
    func requestBound() throws {
        let service = Service.inMemory
        PlanEndpointTests.x86(service)
        let one = #"{"domain":"nic","count":1,"type":"msix","activate":false}"#
        let tooMany = service.send(.post, "/v1/systems/x86/plan", #"{"requests":[\#(Array(repeating: one, count: 257).joined(separator: ","))]}"#)
        #expect(tooMany.status == .badRequest)
        #expect(PlanEndpointTests.text(tooMany).contains("257 requests; a plan takes at most 256"))
        let enough = service.send(.post, "/v1/systems/x86/plan", #"{"requests":[\#(Array(repeating: one, count: 256).joined(separator: ","))]}"#)
        #expect(enough.status == .ok)
        #expect(try PlanEndpointTests.json(enough).member("fits") == .bool(true))
    }

    @Test("an unknown system is a 404 problem, a body of another type a 415, a query parameter a 400")
    func refusals() {
        let service = Service.inMemory
        let body = #"{"requests":[{"domain":"nic","count":1,"type":"msix"}]}"#
        let missing = service.send(.post, "/v1/systems/ghost/plan", body)
        #expect(missing.status == .notFound)
        #expect(PlanEndpointTests.text(missing).contains(#""type":"/problems/system-not-found""#))
        PlanEndpointTests.x86(service)
        let text = service.responder.respond(to: HTTPRequest(method: .post, path: "/v1/systems/x86/plan",
                                                             headers: ["Content-Type": "text/plain"], body: Array(body.utf8)))
        #expect(text.status == .unsupportedMediaType)
        #expect(service.send(.post, "/v1/systems/x86/plan", body, query: [("dryRun", "true")]).status == .badRequest)
        #expect(service.send(.get, "/v1/systems/x86/plan").status == .methodNotAllowed)
    }

    @Test("a read token may plan, as it may decode; allocating still needs write")
    func readRole() throws {
        let responder = ServiceResponder(logger: Logger(label: "test"), options: ServiceOptions(tokens: try AccessTests.tokens()))
        let write = AccessTests.writeToken
        _ = AccessTests.send(responder, .post, "/v1/systems", token: write, json: #"{"name":"x86","arch":"x86_64","cpus":2}"#)
        _ = AccessTests.send(responder, .post, "/v1/systems/x86/domains", token: write, json: #"{"name":"vector","kind":"x86-vector"}"#)
        _ = AccessTests.send(responder, .post, "/v1/systems/x86/domains", token: write,
                             json: #"{"name":"nic","kind":"pci-msi","parent":"vector","device":"0000:00:03.0"}"#)
        let body = #"{"requests":[{"domain":"nic","count":1,"type":"msix"}]}"#
        let planned = AccessTests.send(responder, .post, "/v1/systems/x86/plan", token: AccessTests.readToken, json: body)
        #expect(planned.status == .ok)
        let allocate = AccessTests.send(responder, .post, "/v1/systems/x86/domains/nic/irqs", token: AccessTests.readToken,
                                        json: #"{"count":1,"type":"msix"}"#)
        #expect(allocate.status == .forbidden)
        #expect(Role.required(method: .post, path: "/v1/systems/x86/plan") == .read)
        #expect(Role.required(method: .post, path: "/v1/systems//plan") == .write)
        #expect(Role.required(method: .post, path: "/v1/systems/x86/plan/x") == .write)
        #expect(Role.required(method: .put, path: "/v1/systems/x86/plan") == .write)
    }
}
