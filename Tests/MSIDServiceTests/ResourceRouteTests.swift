import Foundation
import Logging
@testable import MSIDService
import MicroHTTP
import Testing

/// Domains, IRQs, messages, affinity, decode and events through the responder, in process.
@Suite("Resource routes")
struct ResourceRouteTests {
    let responder = ServiceResponder(logger: Logger(label: "test"))

    @discardableResult
    func send(_ method: HTTPMethod, _ path: String, _ json: String? = nil) -> (status: Int, text: String, headers: HTTPHeaders) {
        let headers: HTTPHeaders = json == nil ? [:] : ["Content-Type": "application/json"]
        // libmicrohttpd hands the responder the path and the decoded query items apart.
        let parts = path.split(separator: "?", maxSplits: 1)
        let query = parts.count > 1 ? parts[1].split(separator: "&").map { item -> (name: String, value: String?) in
            let pair = item.split(separator: "=", maxSplits: 1)
            return (String(pair[0]), pair.count > 1 ? String(pair[1]) : nil)
        } : []
        let request = HTTPRequest(method: method, path: String(parts[0]), query: query, headers: headers, body: Array((json ?? "").utf8))
        let response = responder.respond(to: request)
        return (response.status.rawValue, String(decoding: response.body, as: UTF8.self), response.headers)
    }

    func arm64() {
        send(.post, "/v1/systems", #"{"name":"arm","arch":"arm64","cpus":4}"#)
        send(.post, "/v1/systems/arm/domains", #"{"name":"gic","kind":"gicv3","distributorBase":"0x08000000"}"#)
        send(.post, "/v1/systems/arm/domains", #"{"name":"vpci","kind":"hyperv-vpci","parent":"gic","activatePolicy":"round-robin"}"#)
        send(.post, "/v1/systems/arm/domains", #"{"name":"nvme0","kind":"pci-msi","parent":"vpci","device":"0000:00:00.0"}"#)
    }

    @Test("domains are created with Location, listed parents first, shown with occupancy, and removed only when idle")
    func domains() {
        arm64()
        let list = send(.get, "/v1/systems/arm/domains").text
        #expect(list.hasPrefix(#"{"domains":[{"allocatedIrqs":0,"children":["vpci"],"distributorBase":"0x0000000008000000","kind":"gicv3","mbi":[],"name":"gic""#))
        #expect(send(.get, "/v1/systems/arm/domains/vpci").text.contains(#""activatePolicy":"round-robin""#))
        #expect(send(.delete, "/v1/systems/arm/domains/vpci").status == 409)
        #expect(send(.delete, "/v1/systems/arm/domains/nvme0").status == 204)
        #expect(send(.delete, "/v1/systems/arm/domains/nvme0").status == 404)
        let created = send(.post, "/v1/systems/arm/domains", #"{"name":"nic","kind":"pci-msi","parent":"vpci","device":"0000:00:01.0"}"#)
        #expect(created.status == 201)
        #expect(created.headers["Location"] == "/v1/systems/arm/domains/nic")
    }

    @Test("kind members are checked: other kinds' members and bad values are refused with a pointer", arguments: [
        (#"{"name":"its","kind":"gicv3-its","parent":"gic","itsBase":"0x0808","frameBase":1}"#, 400, "/frameBase"),
        (#"{"name":"its","kind":"gicv3-its","parent":"gic"}"#, 400, "/itsBase"),
        (#"{"name":"its","kind":"gicv3-its","parent":"gic","itsBase":"808"}"#, 400, "/itsBase"),
        (#"{"name":"dev","kind":"pci-msi","parent":"vpci","device":"0000:00:20.0"}"#, 400, "/device"),
        (#"{"name":"v2m","kind":"gicv2m","parent":"gic","frameBase":1,"spiBase":100,"spiCount":8}"#, 409, "spi-range-conflict"),
        (#"{"name":"vec","kind":"x86-vector"}"#, 422, "wrong-parent"),
    ])
    func domainValidation(body: String, status: Int, mention: String) {
        arm64()
        let answer = send(.post, "/v1/systems/arm/domains", body)
        #expect(answer.status == status)
        #expect(answer.text.contains(mention))
    }

    @Test("IRQs: allocate, show, message with the host request, affinity through the GIC, decode, events, free")
    func irqs() {
        arm64()
        let allocated = send(.post, "/v1/systems/arm/domains/nvme0/irqs", #"{"count":2,"type":"msix"}"#)
        #expect(allocated.status == 201)
        #expect(allocated.headers["Location"] == "/v1/systems/arm/irqs/1")
        let message = send(.get, "/v1/systems/arm/irqs/1/msi").text
        #expect(message.contains(#""hypervCreateInterrupt":{"bytes":"1b00494200000000400000000000010001000100"#))
        #expect(message.contains(#""processor":1"#))
        let affinity = send(.put, "/v1/systems/arm/irqs/1/affinity", #"{"cpus":"3"}"#).text
        #expect(affinity.contains(#""effective":"3""#) && affinity.contains(#""kind":"route-written""#))
        let decoded = send(.post, "/v1/systems/arm/msi/decode", #"{"addressHi":0,"addressLo":134217792,"data":65}"#).text
        #expect(decoded == #"{"cpu":0,"device":"0000:00:00.0","hwirq":65,"index":1,"vector":null,"virq":2}"#)
        #expect(send(.post, "/v1/systems/arm/msi/decode", #"{"addressHi":0,"addressLo":1,"data":65}"#).status == 404)
        let events = send(.get, "/v1/systems/arm/events?after=0&limit=2").text
        #expect(events.hasPrefix(#"{"events":[{"#) && events.contains(#""next":2"#))
        #expect(send(.get, "/v1/systems/arm/events?limit=0").status == 400)
        #expect(send(.post, "/v1/systems/arm/irqs/1/mask").text.contains(#""masked":true"#))
        #expect(send(.get, "/v1/systems/arm/irqs?device=0000:00:00.0").text.contains(#""virq":2"#))
        #expect(send(.delete, "/v1/systems/arm/irqs/1").text == #"{"freed":[1]}"#)
        #expect(send(.get, "/v1/systems/arm/irqs/1").status == 404)
        #expect(send(.post, "/v1/systems/arm/irqs/2/deactivate").text.contains(#""activated":false"#))
        #expect(send(.get, "/v1/systems/arm/irqs/2/msi").status == 409)
    }

    @Test("allocation problems: exhaustion with requested and available, bad counts, multi-MSI on x86")
    func allocationProblems() {
        send(.post, "/v1/systems", #"{"name":"x","arch":"x86_64","cpus":1}"#)
        send(.post, "/v1/systems/x/domains", #"{"name":"vector","kind":"x86-vector"}"#)
        send(.post, "/v1/systems/x/domains", #"{"name":"nic","kind":"pci-msi","parent":"vector","device":"0000:00:03.0"}"#)
        let multi = send(.post, "/v1/systems/x/domains/nic/irqs", #"{"count":4,"type":"msi"}"#)
        #expect(multi.status == 422 && multi.text.contains("multi-msi-unsupported"))
        #expect(send(.post, "/v1/systems/x/domains/nic/irqs", #"{"count":3,"type":"msi"}"#).status == 422)
        #expect(send(.post, "/v1/systems/x/domains/nic/irqs", #"{"count":202,"type":"msix"}"#).status == 201)
        let exhausted = send(.post, "/v1/systems/x/domains/nic/irqs", #"{"count":1,"type":"msix"}"#)
        #expect(exhausted.status == 409)
        #expect(exhausted.text == #"{"available":0,"cpus":"0","detail":"no free vector on CPUs 0 (0 available)","requested":1,"status":409,"title":"Vectors exhausted","type":"/problems/vectors-exhausted"}"#)
        #expect(send(.post, "/v1/systems/x/domains/vector/irqs", #"{"count":1,"type":"msix"}"#).status == 422)
    }
}

@Suite("Idempotency-Key")
struct IdempotencyTests {
    let responder = ServiceResponder(logger: Logger(label: "test"))

    func post(_ path: String, _ json: String, key: String?) -> HTTPResponse {
        var headers: HTTPHeaders = ["Content-Type": "application/json"]
        if let key { headers.add(name: "Idempotency-Key", value: key) }
        return responder.respond(to: HTTPRequest(method: .post, path: path, headers: headers, body: Array(json.utf8)))
    }

    @Test("a repeat with the same key and body returns the first answer and does nothing again; another body is 422")
    func repeats() {
        let body = #"{"name":"vm1","arch":"arm64","cpus":2}"#
        let first = post("/v1/systems", body, key: "k1")
        #expect(first.status == .created)
        let again = post("/v1/systems", body, key: "k1")
        #expect(again.status == .created)
        #expect(again.body == first.body)
        #expect(post("/v1/systems", body, key: nil).status == .conflict)
        let other = post("/v1/systems", #"{"name":"vm2","arch":"arm64","cpus":2}"#, key: "k1")
        #expect(other.status == .unprocessableContent)
        #expect(String(decoding: other.body, as: UTF8.self).contains("/problems/idempotency-key-reused"))
        let listed = responder.respond(to: HTTPRequest(method: .get, path: "/v1/systems"))
        #expect(String(decoding: listed.body, as: UTF8.self).components(separatedBy: #""name":"#).count == 2)
    }
}
