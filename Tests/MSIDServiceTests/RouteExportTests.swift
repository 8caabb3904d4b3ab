import Foundation
import Logging
@testable import MSIDService
import MicroHTTP
import Testing

/// `GET /v1/systems/{system}/irqs/{virq}/routes`: the answers per format, exact, and every
/// refusal with its status and problem type.
@Suite("Route export answers")
struct RouteExportServiceTests {
    let responder = ServiceResponder(logger: Logger(label: "test"))

    @discardableResult
    func send(_ method: HTTPMethod, _ path: String, json: String? = nil, query: [(name: String, value: String?)] = []) -> HTTPResponse {
        var headers: HTTPHeaders = [:]
        if json != nil { headers.add(name: "Content-Type", value: "application/json") }
        return responder.respond(to: HTTPRequest(method: method, path: path, query: query, headers: headers, body: Array((json ?? "").utf8)))
    }

    func routes(_ system: String, _ virq: Int, _ query: [(name: String, value: String?)]) -> (HTTPStatus, String) {
        let response = send(.get, "/v1/systems/\(system)/irqs/\(virq)/routes", query: query)
        return (response.status, String(decoding: response.body, as: UTF8.self))
    }

    /// x86: three MSI-X vectors pinned to CPU 3 (APIC ID 3); virq 26 has vector 0x22.
    func x86() {
        send(.post, "/v1/systems", json: #"{"name":"x86","arch":"x86_64","cpus":4}"#)
        send(.post, "/v1/systems/x86/domains", json: #"{"name":"vector","kind":"x86-vector"}"#)
        send(.post, "/v1/systems/x86/domains", json: #"{"name":"nic","kind":"pci-msi","parent":"vector","device":"0000:00:03.0","msixTableSize":8}"#)
        send(.post, "/v1/systems/x86/domains/nic/irqs", json: #"{"count":3,"type":"msix","affinity":"3"}"#)
    }

    @Test("kvm on x86: the entry's fields under the kernel's names, 48 bytes in hex, the gsi defaulting to the virq")
    func kvmX86() {
        x86()
        let (status, body) = routes("x86", 26, [("format", "kvm")])
        #expect(status == .ok)
        let zeros = String(repeating: "00", count: 16)
        #expect(body == #"{"bytes":"1a000000020000000000000000000000"# + "0030e0fe000000002200000000000000" + zeros + #"","#
            + #""entry":{"flags":0,"gsi":26,"pad":0,"type":2,"typeName":"KVM_IRQ_ROUTING_MSI","u":{"msi":{"address_hi":0,"address_lo":4276105216,"data":34,"devid":0}}},"#
            + #""format":"kvm","gsi":26,"notes":["gsi is the virq (no gsi given)","x86 KVM reads neither flags nor devid of an MSI entry (kvm_set_routing_entry): both are 0"],"#
            + #""size":48,"virq":26}"#)
        let (_, given) = routes("x86", 26, [("format", "kvm"), ("gsi", "5")])
        #expect(given.contains(#""gsi":5,"#))
        #expect(given.hasPrefix(#"{"bytes":"05000000"#))
    }

    @Test("mshv on x86: 16 bytes, gsi, address_lo, address_hi, data")
    func mshvX86() {
        x86()
        let (status, body) = routes("x86", 26, [("format", "mshv"), ("gsi", "26")])
        #expect(status == .ok)
        #expect(body == #"{"bytes":"1a0000000030e0fe0000000022000000","entry":{"address_hi":0,"address_lo":4276105216,"data":34,"gsi":26},"#
            + #""format":"mshv","gsi":26,"notes":["mshv_user_irq_entry has no flags or device id, and address_lo comes before address_hi"],"#
            + #""size":16,"virq":26}"#)
    }

    @Test("the extended destination id: kvm refuses with a problem naming x2apicApi, and exports with it")
    func extendedDestinationID() {
        send(.post, "/v1/systems", json: #"{"name":"ext","arch":"x86_64","cpus":[{"id":0,"hwid":421},{"id":1,"hwid":1}],"extendedDestinationId":true}"#)
        send(.post, "/v1/systems/ext/domains", json: #"{"name":"vector","kind":"x86-vector"}"#)
        send(.post, "/v1/systems/ext/domains", json: #"{"name":"nic","kind":"pci-msi","parent":"vector","device":"0000:00:03.0","msixTableSize":8}"#)
        send(.post, "/v1/systems/ext/domains/nic/irqs", json: #"{"count":1,"type":"msix","affinity":"0"}"#)
        let (status, body) = routes("ext", 24, [("format", "kvm")])
        #expect(status == .unprocessableContent)
        #expect(body.contains(#""type":"/problems/route-not-expressible""#))
        #expect(body.contains(#""apicId":421"#))
        #expect(body.contains("x2apicApi=true"))
        let (okStatus, ok) = routes("ext", 24, [("format", "kvm"), ("x2apicApi", "true")])
        #expect(okStatus == .ok)
        #expect(ok.contains(#""address_hi":256"#))
        #expect(ok.contains("kvm_swizzle_msi_ext_dest_id"))
        let (mshvStatus, mshv) = routes("ext", 24, [("format", "mshv")])
        #expect(mshvStatus == .unprocessableContent)
        #expect(mshv.contains("8 bits of APIC ID"))
    }

    @Test("arm64 ITS: kvm carries KVM_MSI_VALID_DEVID and the DeviceID; mshv is refused for want of it")
    func its() {
        send(.post, "/v1/systems", json: #"{"name":"arm","arch":"arm64","cpus":4}"#)
        send(.post, "/v1/systems/arm/domains", json: #"{"name":"gic","kind":"gicv3","distributorBase":"0x08000000"}"#)
        send(.post, "/v1/systems/arm/domains", json: #"{"name":"its","kind":"gicv3-its","parent":"gic","itsBase":"0x08080000"}"#)
        send(.post, "/v1/systems/arm/domains", json: #"{"name":"gpu","kind":"pci-msi","parent":"its","device":"0000:00:02.0","msixTableSize":8}"#)
        send(.post, "/v1/systems/arm/domains/gpu/irqs", json: #"{"count":1,"type":"msix"}"#)
        let (status, body) = routes("arm", 1, [("format", "kvm")])
        #expect(status == .ok)
        #expect(body.contains(#""flags":1,"#))
        #expect(body.contains(#""devid":16"#))
        #expect(body.contains(#""bytes":"010000000200000001000000000000004000090800000000000000001000000000"#))
        let (refused, problem) = routes("arm", 1, [("format", "mshv")])
        #expect(refused == .unprocessableContent)
        #expect(problem.contains(#""deviceId":"0x0010""#))
        let (x2apic, misplaced) = routes("arm", 1, [("format", "kvm"), ("x2apicApi", "true")])
        #expect(x2apic == .badRequest)
        #expect(misplaced.contains("x86_64 systems only"))
    }

    @Test("hyperv: the create-interrupt and retarget bytes are the ones the IRQ's events show")
    func hyperV() {
        send(.post, "/v1/systems", json: #"{"name":"hv","arch":"x86_64","cpus":4}"#)
        send(.post, "/v1/systems/hv/domains", json: #"{"name":"vector","kind":"x86-vector"}"#)
        send(.post, "/v1/systems/hv/domains", json: #"{"name":"vpci","kind":"hyperv-vpci","parent":"vector","protocolVersion":"1.4","instanceId":"abee639e-0b9d-49b7-9a07-c54ba8cd5734"}"#)
        send(.post, "/v1/systems/hv/domains", json: #"{"name":"nic","kind":"pci-msi","parent":"vpci","device":"0b9d:00:02.0","msixTableSize":8}"#)
        send(.post, "/v1/systems/hv/domains/nic/irqs", json: #"{"count":1,"type":"msix","affinity":"1"}"#)
        send(.post, "/v1/systems/hv/irqs/24/unmask")
        let (status, body) = routes("hv", 24, [("format", "hyperv")])
        #expect(status == .ok)
        let events = String(decoding: send(.get, "/v1/systems/hv/events", query: [("virq", "24")]).body, as: UTF8.self)
        let msi = String(decoding: send(.get, "/v1/systems/hv/irqs/24/msi").body, as: UTF8.self)
        // The create-interrupt bytes are those of GET .../msi; the retarget members those of its event.
        guard let createBytes = Self.member("bytes", after: #""hypervCreateInterrupt":{"#, in: msi),
              let controlWord = Self.member("control", after: #""kind":"hyperv-create-interrupt""#, in: events) else {
            Issue.record("no Hyper-V request in the IRQ's answers: \(msi) \(events)")
            return
        }
        #expect(body.contains(#""bytes":"\#(createBytes)""#))
        #expect(body.contains(#""control":"\#(controlWord)""#))
        #expect(body.contains(#""retarget":{"#))
        #expect(body.contains(#""size":82"#))
        #expect(!body.contains(#""gsi""#))
        #expect(routes("x86-none", 24, [("format", "hyperv")]).0 == .notFound)
        let (gsiStatus, _) = routes("hv", 24, [("format", "hyperv"), ("gsi", "1")])
        #expect(gsiStatus == .badRequest)
    }

    @Test("hyperv for an IRQ without a Hyper-V level is a route-not-expressible problem")
    func notHyperV() {
        x86()
        let (status, body) = routes("x86", 26, [("format", "hyperv")])
        #expect(status == .unprocessableContent)
        #expect(body.contains("has no hyperv-vpci level"))
    }

    @Test("bad and missing parameters are 400 problems naming the parameter", arguments: [
        ([(name: "format", value: String?("xen"))], "format"),
        ([], "format"),
        ([("format", "kvm"), ("gsi", "4096")], "gsi"),
        ([("format", "kvm"), ("gsi", "-1")], "gsi"),
        ([("format", "kvm"), ("x2apicApi", "yes")], "x2apicApi"),
        ([("format", "mshv"), ("x2apicApi", "true")], "x2apicApi"),
        ([("format", "kvm"), ("colour", "red")], "colour"),
    ] as [([(name: String, value: String?)], String)])
    func badParameters(query: [(name: String, value: String?)], parameter: String) {
        x86()
        let (status, body) = routes("x86", 26, query)
        #expect(status == .badRequest)
        #expect(body.contains(#""type":"/problems/invalid-parameter""#))
        #expect(body.contains(#""parameter":"\#(parameter)""#) || body.contains(parameter))
    }

    @Test("an IRQ that is not activated has no route; an IRQ that does not exist is 404")
    func notActivated() {
        x86()
        send(.post, "/v1/systems/x86/domains/nic/irqs", json: #"{"count":1,"type":"msix","activate":false}"#)
        let (status, body) = routes("x86", 27, [("format", "kvm")])
        #expect(status == .conflict)
        #expect(body.contains(#""type":"/problems/irq-not-activated""#))
        #expect(routes("x86", 99, [("format", "kvm")]).0 == .notFound)
    }

    /// The string value of the first `"key":"value"` after `marker` in `text`.
    static func member(_ key: String, after marker: String, in text: String) -> String? {
        guard let start = text.range(of: marker) else { return nil }
        let rest = text[start.upperBound...]
        guard let keyRange = rest.range(of: "\"\(key)\":\"") else { return nil }
        let value = rest[keyRange.upperBound...]
        guard let end = value.firstIndex(of: "\"") else { return nil }
        return String(value[..<end])
    }
}
