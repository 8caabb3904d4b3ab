import Foundation
import MSIDTestSupport
import Testing

/// `GET .../irqs/{virq}/routes` on the real binary: each format over HTTP, and the same bytes
/// after a restart replays the journal (the entries are made from the recovered world alone).
@Suite("Route export, end to end")
struct RouteExportEndToEndTests {
    static let paths = [
        "/v1/systems/hv/irqs/24/routes?format=kvm",
        "/v1/systems/hv/irqs/24/routes?format=mshv&gsi=7",
        "/v1/systems/hv/irqs/24/routes?format=hyperv",
        "/v1/systems/hv/irqs/25/routes?format=kvm",
    ]

    static func observe(_ port: UInt16) throws -> [String] {
        let client = try RawHTTPClient(port: port)
        return try paths.map { try client.request("GET", $0).text }
    }

    @Test("kvm, mshv and hyperv answer over HTTP, a refusal is a 422 problem, and a restart gives the same bytes")
    func formatsAndRestart() throws {
        let directory = try TemporaryDirectory(prefix: "msid-e2e-routes")
        defer { directory.remove() }
        let first = try ServerProcess(dataDirectory: directory)
        let client = try RawHTTPClient(port: first.port)
        for (path, body) in [
            ("/v1/systems", #"{"name":"hv","arch":"x86_64","cpus":4}"#),
            ("/v1/systems/hv/domains", #"{"name":"vector","kind":"x86-vector"}"#),
            ("/v1/systems/hv/domains", #"{"name":"vpci","kind":"hyperv-vpci","parent":"vector","protocolVersion":"1.4","instanceId":"abee639e-0b9d-49b7-9a07-c54ba8cd5734"}"#),
            ("/v1/systems/hv/domains", #"{"name":"nic","kind":"pci-msi","parent":"vpci","device":"0b9d:00:02.0","msixTableSize":8}"#),
            ("/v1/systems/hv/domains/nic/irqs", #"{"count":1,"type":"msix","affinity":"1"}"#),
            ("/v1/systems/hv/domains/nic/irqs", #"{"count":1,"type":"msix","activate":false}"#),
        ] {
            #expect(try client.request("POST", path, json: body).status == 201, "\(path)")
        }
        #expect(try client.request("POST", "/v1/systems/hv/irqs/24/unmask").status == 200)

        let kvm = try client.request("GET", Self.paths[0])
        #expect(kvm.status == 200)
        #expect(kvm.header("Content-Type") == "application/json")
        // APIC ID 1, vector 0x20: address_lo 0xfee01000 at byte 16, data 0x20 at byte 24.
        #expect(kvm.text.hasPrefix(#"{"bytes":"18000000020000000000000000000000"# + "0010e0fe0000000020000000"))
        let mshv = try client.request("GET", Self.paths[1])
        #expect(mshv.text.contains(#""bytes":"070000000010e0fe0000000020000000""#))
        let hyperv = try client.request("GET", Self.paths[2])
        #expect(hyperv.status == 200)
        #expect(hyperv.text.contains(#""retarget":{"address":4276097024"#))
        let unactivated = try client.request("GET", Self.paths[3])
        #expect(unactivated.status == 409)
        #expect(unactivated.header("Content-Type") == "application/problem+json")
        let refused = try client.request("GET", "/v1/systems/hv/irqs/24/routes?format=kvm&gsi=4096")
        #expect(refused.status == 400)
        #expect(refused.text.contains(#""parameter":"gsi""#))

        let before = try Self.observe(first.port)
        first.stop()
        let second = try ServerProcess(dataDirectory: directory)
        defer { second.stop() }
        #expect(try Self.observe(second.port) == before)
    }
}
