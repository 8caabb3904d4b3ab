@testable import IRQModel
import Testing

/// Capacity plans: the allocation path run on a copy of a system, request by request, with the
/// pressure on CPUs and domains before and after; the system itself never changes.
@Suite("Capacity plans")
struct PlanTests {
    static func allocation(_ count: Int, _ type: MSIType = .msix, affinity: String? = nil, managed: Bool = false,
                           activate: Bool = true, spread: AffinitySpreadRequest? = nil) -> AllocationRequest {
        AllocationRequest(count: count, type: type, affinity: affinity.map(Fixture.cpus), managed: managed, activate: activate,
                          spread: spread)
    }

    static func onDomain(_ name: String, _ allocation: AllocationRequest) -> PlanRequest {
        PlanRequest(target: .domain(Fixture.domain(name)), allocation: allocation)
    }

    static func onDevice(_ bdf: String, parent: String, msixTableSize: Int? = nil, _ allocation: AllocationRequest) -> PlanRequest {
        PlanRequest(target: .device(Fixture.bdf(bdf), parent: Fixture.domain(parent), msixTableSize: msixTableSize, dmaAlias: nil),
                    allocation: allocation)
    }

    @Test("a plan that fits lists each request's virqs and CPUs, and the system is unchanged")
    func fits() throws {
        var s = try Scenario.x86(cpus: 4)
        try s.device("nic", bdf: "0000:00:03.0", parent: "vector")
        try s.allocate("nic", count: 2)
        let before = Fixture.encoded(s.world)
        let system = try s.state
        let report = system.plan([
            PlanTests.onDomain("nic", PlanTests.allocation(4)),
            PlanTests.onDevice("0000:00:04.0", parent: "vector", PlanTests.allocation(2)),
            PlanTests.onDevice("0000:00:04.0", parent: "vector", PlanTests.allocation(1, activate: false)),
        ])
        #expect(report.fits)
        #expect(report.firstFailure == nil)
        #expect(report.outcomes.map(\.virqs.count) == [4, 2, 1])
        #expect(report.outcomes.map(\.domain.rawValue) == ["nic", "plan-0000-00-04-0", "plan-0000-00-04-0"])
        #expect(report.outcomes.map(\.device) == [Fixture.bdf("0000:00:03.0"), Fixture.bdf("0000:00:04.0"), Fixture.bdf("0000:00:04.0")])
        // Two IRQs were on CPUs 0 and 1 already; the least-loaded CPUs come first.
        #expect(report.outcomes[0].effectiveCPUs == Fixture.cpus("0-3"))
        #expect(report.outcomes[1].effectiveCPUs == Fixture.cpus("2-3"))
        #expect(report.outcomes[2].effectiveCPUs.isEmpty)
        #expect(report.cpus.map(\.before.allocated) == [1, 1, 0, 0])
        #expect(report.cpus.map(\.after.allocated) == [2, 2, 2, 2])
        let vector = try #require(report.domains.first { $0.name == Fixture.domain("vector") })
        #expect(vector.before?.used == 2)
        #expect(vector.after.used == 8)
        let created = try #require(report.domains.last)
        #expect(created.name.rawValue == "plan-0000-00-04-0")
        #expect(created.before == nil)
        #expect(created.after.used == 3)
        // Nothing changed: the same bytes, the same value, no event.
        #expect(Fixture.encoded(s.world) == before)
        #expect(try s.state == system)
    }

    @Test("the request that exhausts the vectors is the first failure; later requests still run; nothing changes")
    func exhaustion() throws {
        var s = try Scenario.x86(cpus: 2)
        try s.device("a", bdf: "0000:00:03.0", parent: "vector")
        try s.device("b", bdf: "0000:00:04.0", parent: "vector")
        let before = Fixture.encoded(s.world)
        let requests = [
            PlanTests.onDomain("a", PlanTests.allocation(300)),
            PlanTests.onDomain("b", PlanTests.allocation(200)),
            PlanTests.onDomain("b", PlanTests.allocation(50)),
        ]
        let report = try s.state.plan(requests)
        #expect(!report.fits)
        #expect(report.outcomes.map(\.fits) == [true, false, true])
        let failure = try #require(report.firstFailure)
        #expect(failure.index == 1)
        guard case .vectorsExhausted(_, let available, _)? = failure.error else {
            Issue.record("expected vectorsExhausted, got \(String(describing: failure.error))")
            return
        }
        #expect(available == 0)
        #expect(failure.virqs.isEmpty)
        #expect(report.cpus.map(\.after.allocated).reduce(0, +) == 350)
        #expect(Fixture.encoded(s.world) == before)

        // The dry run is the same code path: the commands then do exactly what it said.
        for (request, outcome) in zip(requests, report.outcomes) {
            guard case .domain(let domain) = request.target else { continue }
            do {
                let done = try s.apply(.allocateIRQs(system: s.system, domain: domain, request: request.allocation))
                #expect(done == .irqsAllocated(outcome.virqs))
            } catch let error as ModelError {
                #expect(error == outcome.error)
            }
        }
    }

    @Test("a managed spreading request spreads over every CPU and shows in the managed counters")
    func managedSpreading() throws {
        var s = try Scenario.x86(cpus: 4)
        try s.device("nvme", bdf: "0000:00:05.0", parent: "vector")
        let before = Fixture.encoded(s.world)
        let report = try s.state.plan([
            PlanTests.onDomain("nvme", PlanTests.allocation(5, managed: true, spread: AffinitySpreadRequest(preVectors: 1))),
        ])
        #expect(report.fits)
        #expect(report.outcomes[0].virqs.count == 5)
        #expect(report.outcomes[0].effectiveCPUs == Fixture.cpus("0-3"))
        #expect(report.cpus.map { $0.before.managedAllocated ?? -1 } == [0, 0, 0, 0])
        #expect(report.cpus.map { $0.after.managedAllocated ?? -1 } == [1, 1, 1, 1])
        #expect(report.cpus.map { $0.after.managed ?? -1 } == [1, 1, 1, 1])
        #expect(Fixture.encoded(s.world) == before)
    }

    @Test("on arm64 the ITS pool and the LPIs routed per CPU show the pressure")
    func itsPoolPressure() throws {
        var s = try Scenario.arm64(cpus: 4)
        try s.createDomain("its", parent: "gic", .gicv3ITS(itsBase: 0x0808_0000))
        let before = Fixture.encoded(s.world)
        let report = try s.state.plan([
            PlanTests.onDevice("0000:01:00.0", parent: "its", msixTableSize: 8, PlanTests.allocation(8)),
            PlanTests.onDevice("0000:02:00.0", parent: "its", PlanTests.allocation(4, .msi)),
        ])
        #expect(report.fits)
        let its = try #require(report.domains.first { $0.name == Fixture.domain("its") })
        #expect(its.kind == .gicv3ITS)
        #expect(its.after.unit == "lpis")
        let beforeUsed = try #require(its.before?.used)
        #expect(its.after.used > beforeUsed)
        #expect(its.after.used + its.after.free == beforeUsed + (its.before?.free ?? 0))
        #expect(report.cpus.map(\.before.allocated) == [0, 0, 0, 0])
        #expect(report.cpus.map(\.after.allocated).reduce(0, +) == 12)
        #expect(report.cpus.allSatisfy { $0.after.available == nil })
        #expect(report.domains.filter { $0.before == nil }.map(\.name.rawValue) == ["plan-0000-01-00-0", "plan-0000-02-00-0"])
        #expect(Fixture.encoded(s.world) == before)
    }

    @Test("a request naming no pci-msi domain, or a device that has one, fails with the command's error")
    func refusals() throws {
        var s = try Scenario.x86(cpus: 2)
        try s.device("nic", bdf: "0000:00:03.0", parent: "vector")
        try s.createDomain("plan-0000-00-04-0", parent: "vector", .pciMSI(device: Fixture.bdf("0000:00:09.0"), msixTableSize: nil))
        let report = try s.state.plan([
            PlanTests.onDomain("ghost", PlanTests.allocation(1)),
            PlanTests.onDomain("vector", PlanTests.allocation(1)),
            PlanTests.onDevice("0000:00:03.0", parent: "vector", PlanTests.allocation(1)),
            PlanTests.onDevice("0000:00:04.0", parent: "vector", PlanTests.allocation(1)),
            PlanTests.onDevice("0000:00:04.0", parent: "ghost", PlanTests.allocation(1)),
        ])
        #expect(report.outcomes[0].error == .domainNotFound(system: s.system, domain: Fixture.domain("ghost")))
        #expect(report.outcomes[0].device == nil)
        #expect(report.outcomes[1].error == .notAnMSIDomain(domain: Fixture.domain("vector"), kind: .x86Vector))
        #expect(report.outcomes[2].error == .deviceHasDomain(device: Fixture.bdf("0000:00:03.0"), domain: Fixture.domain("nic")))
        // The generated name steps around a domain that has it already.
        #expect(report.outcomes[3].fits)
        #expect(report.outcomes[3].domain.rawValue == "plan-0000-00-04-0-2")
        // Another parent for a device the plan gave a domain is the command's refusal too.
        #expect(report.outcomes[4].error == .domainNotFound(system: s.system, domain: Fixture.domain("ghost")))
        #expect(report.firstFailure?.index == 0)
    }
}
