import Foundation
import MicroHTTP
@testable import MSIDService
import Testing

/// The whole-system views: the interrupt table, one CPU, the domain tree, and the vector or
/// INTID in the IRQ answer.
@Suite("Whole-system views")
struct ViewTests {
    static func x86() -> Service {
        let service = Service.inMemory
        service.send(.post, "/v1/systems", #"{"name":"x","arch":"x86_64","cpus":4}"#)
        service.send(.post, "/v1/systems/x/domains", #"{"name":"vector","kind":"x86-vector"}"#)
        service.send(.post, "/v1/systems/x/domains", #"{"name":"vpci","kind":"hyperv-vpci","parent":"vector"}"#)
        service.send(.post, "/v1/systems/x/domains", #"{"name":"nvme","kind":"pci-msi","parent":"vpci","device":"0000:00:04.0"}"#)
        service.send(.post, "/v1/systems/x/domains/nvme/irqs", #"{"count":5,"type":"msix","managed":true,"preVectors":1}"#)
        service.send(.post, "/v1/systems/x/irqs/25/mask")
        return service
    }

    static func text(_ response: HTTPResponse) -> String { String(decoding: response.body, as: UTF8.self) }

    @Test("the interrupt table for people: spread managed queues (CPUs 1, 3, 2, 0), the admin vector on 0x21")
    func interruptTable() {
        let response = Self.x86().send(.get, "/v1/systems/x/interrupts")
        #expect(response.headers["Content-Type"] == "text/plain; charset=utf-8")
        #expect(Self.text(response) == """
            VIRQ  CPU  VECTOR  DEVICE        TYPE  INDEX  CHIPS                               FLAGS
              24    0  0x21    0000:00:04.0  msix      0  PCI-MSIX > Hyper-V PCIe MSI > APIC  -
              25    1  0x20    0000:00:04.0  msix      1  PCI-MSIX > Hyper-V PCIe MSI > APIC  masked,managed
              26    3  0x20    0000:00:04.0  msix      2  PCI-MSIX > Hyper-V PCIe MSI > APIC  managed
              27    2  0x20    0000:00:04.0  msix      3  PCI-MSIX > Hyper-V PCIe MSI > APIC  managed
              28    0  0x20    0000:00:04.0  msix      4  PCI-MSIX > Hyper-V PCIe MSI > APIC  managed

            """)
    }

    @Test("the interrupt table as JSON, filtered by device; unknown query parameters are refused by name")
    func interruptJSON() {
        let service = Self.x86()
        var headers: HTTPHeaders = [:]
        headers.add(name: "Accept", value: "application/json")
        let response = service.responder.respond(to: HTTPRequest(method: .get, path: "/v1/systems/x/interrupts",
                                                                 query: [("device", "0000:00:04.0")], headers: headers, body: []))
        #expect(Self.text(response).hasPrefix(#"{"interrupts":[{"activated":true,"affinityBroken":false,"chips":["PCI-MSIX","Hyper-V PCIe MSI","APIC"],"cpu":0,"device":"0000:00:04.0","hwirqs":[0,24,24],"index":0,"managed":false,"managedShutdown":false,"masked":false,"type":"msix","vector":33,"virq":24}"#))
        let unknown = service.responder.respond(to: HTTPRequest(method: .get, path: "/v1/systems/x/interrupts",
                                                                query: [("cpu", "1")], headers: [:], body: []))
        #expect(unknown.status == .badRequest)
        #expect(Self.text(unknown).contains(#""parameter":"cpu""#))
    }

    @Test("one CPU: its counters, reserved managed vectors and the IRQs routed to it")
    func cpuView() {
        let service = Self.x86()
        #expect(Self.text(service.send(.get, "/v1/systems/x/cpus/2")) == #"{"counts":{"interrupts":1,"lpis":0,"managed":1,"spis":0},"hwid":2,"id":2,"interrupts":[{"managed":true,"vector":32,"virq":27}],"node":0,"online":true,"vectors":{"allocated":1,"available":201,"managed":1,"managedAllocated":1,"reservedManaged":[]}}"#)
        #expect(service.send(.get, "/v1/systems/x/cpus/4").status == .notFound)
    }

    @Test("the domain tree, as JSON and as text")
    func tree() {
        let service = Self.x86()
        let json = service.responder.respond(to: HTTPRequest(method: .get, path: "/v1/systems/x/domains", query: [("view", "tree")],
                                                             headers: [:], body: []))
        #expect(Self.text(json) == #"{"tree":[{"allocatedIrqs":5,"children":[{"allocatedIrqs":5,"children":[{"allocatedIrqs":5,"children":[],"device":"0000:00:04.0","kind":"pci-msi","name":"nvme"}],"kind":"hyperv-vpci","name":"vpci"}],"kind":"x86-vector","name":"vector"}]}"#)
        var headers: HTTPHeaders = [:]
        headers.add(name: "Accept", value: "text/plain")
        let text = service.responder.respond(to: HTTPRequest(method: .get, path: "/v1/systems/x/domains", query: [("view", "tree")],
                                                             headers: headers, body: []))
        #expect(Self.text(text) == "vector (x86-vector): 5 IRQs\n  vpci (hyperv-vpci): 5 IRQs\n    nvme (pci-msi 0000:00:04.0): 5 IRQs\n")
        let bad = service.responder.respond(to: HTTPRequest(method: .get, path: "/v1/systems/x/domains", query: [("view", "forest")],
                                                            headers: [:], body: []))
        #expect(bad.status == .badRequest)
    }

    @Test("the IRQ answer names its vector (x86) or INTID (arm64)")
    func irqTarget() {
        #expect(Self.text(Self.x86().send(.get, "/v1/systems/x/irqs/24")).contains(#""vector":33,"virq":24"#))
        let arm = Service.inMemory
        arm.send(.post, "/v1/systems", #"{"name":"a","arch":"arm64","cpus":2}"#)
        arm.send(.post, "/v1/systems/a/domains", #"{"name":"gic","kind":"gicv3","distributorBase":"0x08000000"}"#)
        arm.send(.post, "/v1/systems/a/domains", #"{"name":"its","kind":"gicv3-its","parent":"gic","itsBase":"0x08080000"}"#)
        arm.send(.post, "/v1/systems/a/domains", #"{"name":"nic","kind":"pci-msi","parent":"its","device":"0000:01:00.0"}"#)
        arm.send(.post, "/v1/systems/a/domains/nic/irqs", #"{"count":1,"type":"msix"}"#)
        let answer = Self.text(arm.send(.get, "/v1/systems/a/irqs/1"))
        #expect(answer.contains(#""index":0,"intid":8192,"#))
        #expect(answer.contains(#""deviceId":"0x0100""#))
    }
}

/// Paged lists: `limit`, an opaque `cursor`, `next` and `Link: rel="next"`; filters; strict
/// query parameters.
@Suite("Pagination")
struct PaginationTests {
    static func get(_ service: Service, _ path: String, _ query: [(String, String?)]) -> HTTPResponse {
        service.responder.respond(to: HTTPRequest(method: .get, path: path, query: query, headers: [:], body: []))
    }

    static func json(_ response: HTTPResponse) throws -> JSONValue { try JSONParser.parse(response.body) }

    @Test("IRQs page by page: every IRQ once, in virq order, the last page without next")
    func irqPages() throws {
        let service = Service.inMemory
        service.send(.post, "/v1/systems", #"{"name":"x","arch":"x86_64","cpus":4}"#)
        service.send(.post, "/v1/systems/x/domains", #"{"name":"vector","kind":"x86-vector"}"#)
        service.send(.post, "/v1/systems/x/domains", #"{"name":"a","kind":"pci-msi","parent":"vector","device":"0000:00:01.0"}"#)
        service.send(.post, "/v1/systems/x/domains/a/irqs", #"{"count":250,"type":"msix","activate":false}"#)
        service.send(.delete, "/v1/systems/x/irqs/30")
        var seen: [Int64] = []
        var cursor: String?
        var pages = 0
        repeat {
            var query: [(String, String?)] = [("limit", "100")]
            if let cursor { query.append(("cursor", cursor)) }
            let response = Self.get(service, "/v1/systems/x/irqs", query)
            #expect(response.status == .ok)
            let body = try Self.json(response)
            guard case .array(let irqs)? = body.member("irqs") else { Issue.record("no irqs"); return }
            for irq in irqs { if case .number(let text)? = irq.member("virq"), let virq = Int64(text) { seen.append(virq) } }
            if case .string(let next)? = body.member("next") {
                cursor = next
                #expect(response.headers["Link"]?.hasSuffix("cursor=\(next)>; rel=\"next\"") == true)
            } else {
                cursor = nil
                #expect(response.headers["Link"] == nil)
            }
            pages += 1
        } while cursor != nil && pages < 10
        #expect(pages == 3)
        #expect(seen == Array(24...273).filter { $0 != 30 })
    }

    @Test("IRQ filters by cpu, managed and masked; bad values and unknown parameters are 400s naming them")
    func filters() throws {
        let service = ViewTests.x86()
        let managed = try Self.json(Self.get(service, "/v1/systems/x/irqs", [("managed", "true"), ("masked", "false")]))
        guard case .array(let irqs)? = managed.member("irqs") else { Issue.record("no irqs"); return }
        #expect(irqs.count == 3)
        let onCPU1 = try Self.json(Self.get(service, "/v1/systems/x/irqs", [("cpu", "1")]))
        guard case .array(let one)? = onCPU1.member("irqs") else { Issue.record("no irqs"); return }
        #expect(one.count == 1 && one.first?.member("virq") == .number("25"))
        for (name, value) in [("managed", "yes"), ("cursor", "bm90LWEtY3Vyc29y"), ("limit", "0"), ("colour", "red")] {
            let response = Self.get(service, "/v1/systems/x/irqs", [(name, value)])
            #expect(response.status == .badRequest)
            #expect(ViewTests.text(response).contains(#""parameter":"\#(name)""#))
        }
    }

    @Test("every /v1 GET refuses a query parameter it does not take, and takes consistency", arguments: [
        "/v1/systems/x", "/v1/systems/x/cpus", "/v1/systems/x/domains/vector", "/v1/systems/x/irqs/24", "/v1/systems/x/irqs/24/msi",
        "/v1/snapshot", "/v1/systems/x/cpus/1", "/v1/systems/x/interrupts",
    ])
    func strictEverywhere(path: String) {
        let service = ViewTests.x86()
        let refused = Self.get(service, path, [("fields", "all")])
        #expect(refused.status == .badRequest)
        #expect(ViewTests.text(refused).contains(#""parameter":"fields""#))
        #expect(Self.get(service, path, [("consistency", "applied")]).status == .ok)
    }

    @Test("systems and domains page with cursors; events filter by virq and kind")
    func otherLists() throws {
        let service = ViewTests.x86()
        for name in ["b", "c", "d"] { service.send(.post, "/v1/systems", #"{"name":"\#(name)","arch":"arm64","cpus":1}"#) }
        let first = try Self.json(Self.get(service, "/v1/systems", [("limit", "2")]))
        guard case .string(let next)? = first.member("next") else { Issue.record("no next"); return }
        let second = try Self.json(Self.get(service, "/v1/systems", [("limit", "2"), ("cursor", next)]))
        guard case .array(let rest)? = second.member("systems") else { Issue.record("no systems"); return }
        #expect(rest.map { $0.member("name") } == [.string("d"), .string("x")])
        #expect(second.member("next") == .null)
        // A cursor of another list is refused.
        #expect(Self.get(service, "/v1/systems/x/domains", [("cursor", next)]).status == .badRequest)
        let domains = try Self.json(Self.get(service, "/v1/systems/x/domains", [("limit", "1")]))
        guard case .string(let domainCursor)? = domains.member("next") else { Issue.record("no next"); return }
        let more = try Self.json(Self.get(service, "/v1/systems/x/domains", [("limit", "5"), ("cursor", domainCursor)]))
        guard case .array(let later)? = more.member("domains") else { Issue.record("no domains"); return }
        #expect(later.map { $0.member("name") } == [.string("vpci"), .string("nvme")])
        let masks = try Self.json(Self.get(service, "/v1/systems/x/events", [("kind", "masked"), ("virq", "25")]))
        guard case .array(let events)? = masks.member("events") else { Issue.record("no events"); return }
        #expect(events.count == 1 && events.first?.member("kind") == .string("masked"))
        #expect(Self.get(service, "/v1/systems/x/events", [("kind", "bogus")]).status == .badRequest)
    }
}

/// Bulk operations over HTTP: cascades, a device's IRQs, a cpulist hotplug; one journal record each.
@Suite("Bulk operations")
struct BulkOperationTests {
    @Test("cascading deletes answer what they freed; without cascade a busy domain is still 409")
    func cascades() {
        let service = ViewTests.x86()
        #expect(service.send(.delete, "/v1/systems/x/domains/vpci").status == .conflict)
        let domain = service.responder.respond(to: HTTPRequest(method: .delete, path: "/v1/systems/x/domains/vpci",
                                                               query: [("cascade", "true")], headers: [:], body: []))
        #expect(ViewTests.text(domain) == #"{"domains":["nvme","vpci"],"freed":[24,25,26,27,28]}"#)
        let bad = service.responder.respond(to: HTTPRequest(method: .delete, path: "/v1/systems/x", query: [("cascade", "maybe")],
                                                            headers: [:], body: []))
        #expect(bad.status == .badRequest)
        let system = service.responder.respond(to: HTTPRequest(method: .delete, path: "/v1/systems/x", query: [("cascade", "true")],
                                                               headers: [:], body: []))
        #expect(ViewTests.text(system) == #"{"domains":["vector"],"freed":[]}"#)
        #expect(service.send(.get, "/v1/systems/x").status == .notFound)
    }

    @Test("a device's IRQs freed in one call; a cpulist hotplug answers reports and the events caused")
    func deviceAndCPUs() {
        let service = ViewTests.x86()
        #expect(ViewTests.text(service.send(.delete, "/v1/systems/x/domains/nvme/irqs")) == #"{"freed":[24,25,26,27,28]}"#)
        let service2 = ViewTests.x86()
        let answer = ViewTests.text(service2.send(.patch, "/v1/systems/x/cpus", #"{"cpus":"2-3","online":false}"#))
        #expect(answer.hasPrefix(#"{"cpus":[{"cpu":2,"#))
        #expect(answer.contains(#""kind":"cpu-offline""#) && answer.contains(#""kind":"managed-shutdown""#))
        let refused = service2.send(.patch, "/v1/systems/x/cpus", #"{"cpus":"0-1","online":false}"#)
        #expect(refused.status == .conflict)
        #expect(ViewTests.text(service2.send(.get, "/v1/systems/x")).contains(#""online":"0-1""#))
    }

    @Test("bulk commands are journaled as one record each and replay")
    func journaled() throws {
        let directory = try scratch("bulk")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let before: String
        do {
            let (service, _) = try Service.recovered(from: directory)
            service.send(.post, "/v1/systems", #"{"name":"x","arch":"x86_64","cpus":4}"#)
            service.send(.post, "/v1/systems/x/domains", #"{"name":"vector","kind":"x86-vector"}"#)
            service.send(.post, "/v1/systems/x/domains", #"{"name":"a","kind":"pci-msi","parent":"vector","device":"0000:00:01.0"}"#)
            #expect(service.send(.post, "/v1/systems/x/domains/a/irqs", #"{"count":4,"type":"msix","managed":true}"#).status == .created)
            service.send(.patch, "/v1/systems/x/cpus", #"{"cpus":"1-3","online":false}"#)
            service.send(.delete, "/v1/systems/x/domains/a/irqs")
            before = service.state
        }
        let (again, report) = try Service.recovered(from: directory)
        #expect(report.replayedRecords == 6)
        #expect(again.state == before)
    }
}
