import Foundation
import Testing
@testable import IRQModel

/// Bulk commands: cascading deletes, freeing a device's IRQs, hotplug of a cpulist.
@Suite("Bulk commands")
struct BulkCommandTests {
    static func scenario() throws -> Scenario {
        var s = try Scenario.x86(cpus: 4)
        try s.hyperV(parent: "vector")
        try s.device("a", bdf: "0000:00:01.0", parent: "vpci")
        try s.device("b", bdf: "0000:00:02.0", parent: "vpci")
        try s.device("c", bdf: "0000:00:03.0", parent: "vector")
        try s.allocate("a", count: 3)
        try s.allocate("b", count: 4, type: .msi)
        try s.allocate("c", count: 2, affinity: "1")
        return s
    }

    @Test("a domain cascade frees every IRQ through it and deletes its subtree, children first")
    func domainCascade() throws {
        var s = try Self.scenario()
        let outcome = try s.apply(.deleteDomainCascade(system: s.system, domain: Fixture.domain("vpci")))
        guard case .cascadeDeleted(let freed, let domains) = outcome else { Issue.record("no cascade"); return }
        #expect(freed.map(\.rawValue) == [24, 25, 26, 27, 28, 29, 30])
        #expect(domains.map(\.rawValue) == ["b", "a", "vpci"])
        #expect(try s.state.liveIRQs.map(\.virq.rawValue) == [31, 32])
        #expect(try s.state.domainViews.map(\.name.rawValue) == ["vector", "c"])
    }

    @Test("a system cascade removes the system; replaying the commands gives the same world")
    func systemCascade() throws {
        var s = try Self.scenario()
        let other = SystemSpec(name: Fixture.system("keep"), architecture: .arm64, cpuCount: 1)
        try s.apply(.createSystem(other))
        try s.apply(.deleteSystemCascade(s.system))
        #expect(s.world.systemCount == 1)
        #expect(throws: ModelError.systemNotFound(s.system)) { try s.state }
    }

    @Test("freeing a device's IRQs frees exactly its own, an MSI block as one")
    func freeDevice() throws {
        var s = try Self.scenario()
        guard case .irqsFreed(let freed) = try s.apply(.freeDeviceIRQs(system: s.system, domain: Fixture.domain("b"))) else {
            Issue.record("no free")
            return
        }
        #expect(freed.map(\.rawValue) == [27, 28, 29, 30])
        #expect(try s.state.liveIRQs.count == 5)
        #expect(throws: ModelError.self) { try s.apply(.freeDeviceIRQs(system: s.system, domain: Fixture.domain("vpci"))) }
    }

    @Test("a cpulist goes offline CPU by CPU with one report each; a refusal anywhere changes nothing")
    func cpulistHotplug() throws {
        var s = try Self.scenario()
        let before = Fixture.encoded(s.world)
        // CPU 0 is the x86 boot CPU: refused after CPUs 1 and 2 would have gone; nothing changes.
        #expect(throws: ModelError.bootCPUNotHotpluggable(cpu: CPUID(0))) {
            try s.apply(.setCPUsOnline(system: s.system, cpus: Fixture.cpus("0-2"), online: false))
        }
        #expect(Fixture.encoded(s.world) == before)
        guard case .cpusChanged(let reports) = try s.apply(.setCPUsOnline(system: s.system, cpus: Fixture.cpus("1-3"), online: false)) else {
            Issue.record("no reports")
            return
        }
        #expect(reports.map(\.cpu.index) == [1, 2, 3])
        #expect(try s.state.online == Fixture.cpus("0"))
        #expect(reports.allSatisfy { !$0.events.isEmpty })
        #expect(reports[0].events.upperBound == reports[1].events.lowerBound)
        // Already online CPUs are skipped.
        guard case .cpusChanged(let again) = try s.apply(.setCPUsOnline(system: s.system, cpus: Fixture.cpus("0-1"), online: true)) else {
            Issue.record("no reports")
            return
        }
        #expect(again.map(\.cpu.index) == [1])
    }

    @Test("bulk commands replay to the identical world")
    func replay() throws {
        var s = try Self.scenario()
        var journal: [Command] = [
            .setCPUsOnline(system: s.system, cpus: Fixture.cpus("2-3"), online: false),
            .freeDeviceIRQs(system: s.system, domain: Fixture.domain("c")),
            .deleteDomainCascade(system: s.system, domain: Fixture.domain("a")),
        ]
        for command in journal { try s.apply(command) }
        // Through the journal's encoding, as the service writes it.
        journal = try journal.map { try JSONDecoder().decode(Command.self, from: JSONEncoder().encode($0)) }
        var replayed = try Self.scenario()
        for command in journal { try replayed.apply(command) }
        #expect(Fixture.encoded(replayed.world) == Fixture.encoded(s.world))
    }
}
