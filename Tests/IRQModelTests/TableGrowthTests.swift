@testable import IRQModel
import Testing

/// The IRQ table is indexed by virq; it must grow as arrays do (geometrically), or allocating
/// many IRQs one at a time copies the whole table each time (quadratic). Counted, not timed.
@Suite("IRQ table growth")
struct TableGrowthTests {
    @Test("allocating 2,048 IRQs one request at a time reallocates the table a few times, not 2,048")
    func geometricGrowth() throws {
        var scenario = try Scenario.arm64(cpus: 4)
        try scenario.createDomain("its", parent: "gic", .gicv3ITS(itsBase: 0x0808_0000))
        try scenario.device("dev", bdf: "0000:00:01.0", parent: "its", msixTableSize: 2048)
        var capacities = Set<Int>()
        for _ in 0..<2048 {
            _ = try scenario.world.apply(.allocateIRQs(system: scenario.system, domain: Fixture.domain("dev"),
                                                       request: AllocationRequest(count: 1, type: .msix)))
            capacities.insert(try scenario.world.system(scenario.system).irqs.capacity)
        }
        // Doubling up to 2,049 slots takes about a dozen sizes; one reallocation per IRQ, 2,048.
        #expect(capacities.count <= 24, "\(capacities.count) different capacities")
    }
}
