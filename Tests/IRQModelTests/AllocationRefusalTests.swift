@testable import IRQModel
import Testing

/// Allocations start at a device's `pci-msi` domain; naming any other domain is refused with
/// its kind, and the world is left byte for byte as it was.
@Suite("Allocation refusals")
struct AllocationRefusalTests {
    @Test("allocating through a domain that is not pci-msi names its kind and changes nothing",
          arguments: ["vector", "vpci"])
    func notAnMSIDomain(domain: String) throws {
        var scenario = try Scenario.x86(cpus: 4)
        try scenario.hyperV(parent: "vector")
        try scenario.device("nic", bdf: "0000:00:01.0", parent: "vpci")
        try scenario.allocate("nic")
        let before = Fixture.encoded(scenario.world)
        let kind: DomainKind = domain == "vector" ? .x86Vector : .hypervVPCI
        #expect(throws: ModelError.notAnMSIDomain(domain: Fixture.domain(domain), kind: kind)) {
            try scenario.allocate(domain)
        }
        #expect(Fixture.encoded(scenario.world) == before)
        // The device's own domain still allocates afterwards.
        #expect(try scenario.allocate("nic").count == 1)
    }
}
