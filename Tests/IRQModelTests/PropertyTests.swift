import Foundation
import Testing
@testable import IRQModel

/// Random command sequences against every kind of hierarchy: invariants after every step,
/// rollback leaves the encoded world byte-identical, and replay is deterministic.
@Suite("Model properties")
struct PropertyTests {
    /// A system and its domains, for the random walks.
    static func setups() throws -> [(String, Scenario, [String])] {
        var x86 = try Scenario.x86(cpus: 6)
        try x86.hyperV(parent: "vector")
        try x86.device("hv0", bdf: "0000:00:01.0", parent: "vpci")
        try x86.device("hv1", bdf: "0000:00:02.0", parent: "vpci")
        try x86.device("nic", bdf: "0000:00:03.0", parent: "vector")

        var arm = try Scenario.arm64(cpus: 5, mbi: [SPIRange(base: 32, count: 16)])
        try arm.hyperV(parent: "gic", policy: .roundRobin)
        try arm.createDomain("its", parent: "gic", .gicv3ITS(itsBase: 0x0808_0000))
        try arm.device("hv0", bdf: "0000:00:01.0", parent: "vpci")
        try arm.device("its0", bdf: "0000:00:02.0", parent: "its", msixTableSize: 64)
        try arm.device("its1", bdf: "0000:00:00.0", parent: "its")
        try arm.device("mbi0", bdf: "0000:00:04.0", parent: "gic")
        // Same requester id as its0 on another segment: one DeviceID, one shared ITS device.
        try arm.device("its2", bdf: "0001:00:02.0", parent: "its")
        // Interrupt remapping: a small VT-d table (so blocks collide and run out) with a handle
        // mask of 3, and AMD-Vi tables, two devices sharing one through a bridge alias.
        var ir = try Scenario.x86(cpus: 4)
        try ir.createDomain("dmar0", parent: "vector", .remapping(RemappingConfiguration(kind: .intelIR, entriesPerTable: 32, maxHandleMask: 3)))
        try ir.createDomain("ivrs0", parent: "vector", .remapping(RemappingConfiguration(kind: .amdIR, entriesPerTable: 256)))
        try ir.device("ir0", bdf: "0000:03:00.0", parent: "dmar0")
        try ir.device("ir1", bdf: "0000:04:00.0", parent: "dmar0")
        try ir.device("amd0", bdf: "0000:05:00.0", parent: "ivrs0")
        for (name, bdf) in [("amd1", "0000:06:01.0"), ("amd2", "0000:06:02.0")] {
            try ir.createDomain(name, parent: "ivrs0", .pciMSI(device: Fixture.bdf(bdf), msixTableSize: nil, dmaAlias: Fixture.bdf("0000:06:00.0")))
        }
        return [("x86", x86, ["hv0", "hv1", "nic"]), ("arm64", arm, ["hv0", "its0", "its1", "mbi0", "its2"]),
                ("x86-ir", ir, ["ir0", "ir1", "amd0", "amd1", "amd2"])]
    }

    /// One random command for a scenario.
    static func randomCommand(_ s: Scenario, devices: [String], random: inout SplitMix64) throws -> Command {
        let state = try s.state
        let live = state.liveIRQs
        let cpuCount = state.cpus.count
        func randomCPUs() -> CPUSet {
            var set = CPUSet((0..<cpuCount).filter { _ in random.next() % 3 == 0 }.map { CPUID($0) })
            if set.isEmpty { set.insert(CPUID(Int(random.next() % UInt64(cpuCount)))) }
            return set
        }
        let pick = live.isEmpty ? nil : live[Int(random.next() % UInt64(live.count))].virq
        switch random.next() % 13 {
        case 12:
            // vCPU posting (refused without a VT-d level), aligned and unaligned descriptors.
            let target = random.next() % 3 == 0 ? nil
                : PostedTarget(vector: Vector(rawValue: UInt8(random.next() % 256)), descriptor: (random.next() % 0x1_0000) << (random.next() % 2 == 0 ? 6 : 0),
                               urgent: random.next() % 2 == 0)
            return .setVCPUAffinity(system: s.system, virq: pick ?? VirtualIRQ(rawValue: 1), target: target)
        case 0...3:
            let device = devices[Int(random.next() % UInt64(devices.count))]
            let type: MSIType = random.next() % 4 == 0 ? .msi : .msix
            let count = type == .msi ? [1, 2, 4, 8][Int(random.next() % 4)] : Int(random.next() % 5) + 1
            let affinity = random.next() % 2 == 0 ? randomCPUs() : nil
            let managed = random.next() % 5 == 0
            // Managed without a mask is PCI_IRQ_AFFINITY: spread, with reserved vectors at times.
            let spread = managed && affinity == nil
                ? AffinitySpreadRequest(preVectors: Int(random.next() % 2), postVectors: Int(random.next() % 2)) : nil
            let request = AllocationRequest(count: count, type: type, affinity: affinity, managed: managed,
                                            activate: random.next() % 4 != 0, spread: spread,
                                            minCount: spread != nil ? 1 : nil)
            return .allocateIRQs(system: s.system, domain: Fixture.domain(device), request: request)
        case 4, 5:
            return .free(system: s.system, virq: pick ?? VirtualIRQ(rawValue: 1))
        case 6:
            return .activate(system: s.system, virq: pick ?? VirtualIRQ(rawValue: 1))
        case 7:
            return .deactivate(system: s.system, virq: pick ?? VirtualIRQ(rawValue: 1))
        case 8:
            return random.next() % 2 == 0 ? .mask(system: s.system, virq: pick ?? VirtualIRQ(rawValue: 1))
                : .unmask(system: s.system, virq: pick ?? VirtualIRQ(rawValue: 1))
        case 9, 10:
            return .setAffinity(system: s.system, virq: pick ?? VirtualIRQ(rawValue: 1), cpus: randomCPUs())
        default:
            let cpu = CPUID(Int(random.next() % UInt64(cpuCount)))
            return .setCPUOnline(system: s.system, cpu: cpu, online: !state.online.contains(cpu))
        }
    }

    @Test("random command sequences keep every invariant, and failures change nothing", arguments: [1, 2, 3, 4])
    func randomWalk(seed: UInt64) throws {
        for (_, initial, devices) in try PropertyTests.setups() {
            var s = initial
            var random = SplitMix64(seed: seed)
            for _ in 0..<400 {
                let command = try PropertyTests.randomCommand(s, devices: devices, random: &random)
                let before = Fixture.encoded(s.world)
                var residue = false
                do {
                    _ = try s.world.apply(command, leftResidue: &residue)
                    s.world.checkInvariants()
                } catch {
                    s.world.checkInvariants()
                    if residue {
                        // The kernel's failure paths that do not undo bit for bit: the cleanup
                        // releases each CPU's lowest unused managed vector
                        // (irq_matrix_remove_managed); a device that joined a shared ITS device
                        // stays. The IRQs and every counter are as before.
                        let old = try JSONDecoder().decode(World.self, from: before)
                        #expect(try old.system(s.system).liveIRQs == s.state.liveIRQs)
                        #expect(try Self.counters(old.system(s.system)) == Self.counters(s.state))
                    } else {
                        #expect(Fixture.encoded(s.world) == before, "a failed \(command) (\(error)) changed the world")
                    }
                }
                let state = try s.state
                for irq in state.liveIRQs where irq.activated {
                    let cpu = try #require(irq.effectiveCPU)
                    #expect(state.online.contains(cpu))
                    if !irq.affinityBroken { #expect((irq.affinity ?? state.present).contains(cpu)) }
                }
            }
        }
    }

    /// Every x86 matrix counter, per CPU and global.
    static func counters(_ system: System) -> [UInt32] {
        guard let root = system.rootID, case .x86Vector(let vectors) = system.domain(root).state else { return [] }
        return vectors.matrix.cpus.flatMap {
            [$0.available, UInt32($0.allocatedCount), UInt32($0.managed), UInt32($0.managedAllocated)]
        } + [vectors.matrix.globalAvailable, UInt32(vectors.matrix.globalReserved)]
    }

    @Test("replaying the same commands on an empty world rebuilds the identical world")
    func replayIsDeterministic() throws {
        for (_, initial, devices) in try PropertyTests.setups() {
            var s = initial
            var random = SplitMix64(seed: 2026)
            // What the service journals: successes, and refusals that changed the world.
            var journal: [(command: Command, refused: Bool)] = []
            for _ in 0..<600 {
                let command = try PropertyTests.randomCommand(s, devices: devices, random: &random)
                var residue = false
                do {
                    _ = try s.world.apply(command, leftResidue: &residue)
                    journal.append((command, false))
                } catch {
                    if residue { journal.append((command, true)) }
                }
            }
            // Rebuild from the commands that built the scenario plus the journal; a refused
            // record is refused again and leaves the same change.
            var replayed = World()
            for command in PropertyTests.creation(of: initial) { _ = try replayed.apply(command) }
            for (command, refused) in journal {
                if refused {
                    #expect(throws: ModelError.self) { _ = try replayed.apply(command) }
                } else {
                    _ = try replayed.apply(command)
                }
            }
            #expect(Fixture.encoded(replayed) == Fixture.encoded(s.world))
            #expect(replayed == s.world)
            // A snapshot decodes to the same world, which goes on identically.
            let decoded = try JSONDecoder().decode(World.self, from: Fixture.encoded(s.world))
            #expect(decoded == s.world)
        }
    }

    /// The commands that build a scenario's system and domains (recovered from its state).
    static func creation(of scenario: Scenario) -> [Command] {
        guard let system = try? scenario.state else { return [] }
        var commands: [Command] = [.createSystem(SystemSpec(name: system.name, architecture: system.architecture,
                                                            hardwareIDs: system.cpus.map(\.hardwareID),
                                                            extendedDestinationID: system.extendedDestinationID))]
        for domain in system.domainViews {
            commands.append(.createDomain(system: system.name, spec: DomainSpec(name: domain.name, parent: domain.parent,
                                                                                configuration: domain.configuration)))
        }
        return commands
    }

    @Test("a failed affinity change and a failed allocation leave the world as the kernel leaves it")
    func rollbackIsExact() throws {
        var s = try Scenario.x86(cpus: 2)
        try s.hyperV(parent: "vector")
        try s.device("a", bdf: "0000:00:01.0", parent: "vpci")
        try s.device("b", bdf: "0000:00:02.0", parent: "vpci")
        let pinned = try s.allocate("a", affinity: "0")[0]
        try s.allocate("a", count: 3, affinity: "0-1", managed: true, activate: false)
        try s.allocate("b", count: 199, affinity: "1")
        let before = Fixture.encoded(s.world)
        #expect(throws: ModelError.vectorsExhausted(requested: 1, available: 0, cpus: Fixture.cpus("1"))) {
            try s.apply(.setAffinity(system: s.system, virq: pinned, cpus: Fixture.cpus("1")))
        }
        #expect(Fixture.encoded(s.world) == before)
        // CPU 1 has no free vector: a managed reservation over 0-1 fails half way and rolls back
        // the kernel's way (irq_matrix_reserve_managed's cleanup is irq_matrix_remove_managed):
        // CPU 0 gives back its lowest unallocated managed vector, 0x21, not the 0x24 just
        // taken. Every count is as before; only which bit is reserved moved.
        let reservedBefore = try s.matrix.cpus[0].managedMap
        var residue = false
        let request = AllocationRequest(count: 2, type: .msix, affinity: Fixture.cpus("0-1"), managed: true)
        #expect(throws: ModelError.managedVectorsExhausted(cpu: CPUID(1), cpus: Fixture.cpus("0-1"))) {
            _ = try s.world.apply(.allocateIRQs(system: s.system, domain: Fixture.domain("a"), request: request), leftResidue: &residue)
        }
        // The model says so, so that the service journals the refusal.
        #expect(residue)
        #expect(reservedBefore.setBits == [0x21, 0x22, 0x23])
        #expect(try s.matrix.cpus[0].managedMap.setBits == [0x22, 0x23, 0x24])
        // The same refusal again takes 0x21 and gives it back: no change this time.
        #expect(throws: ModelError.self) {
            _ = try s.world.apply(.allocateIRQs(system: s.system, domain: Fixture.domain("a"), request: request), leftResidue: &residue)
        }
        #expect(!residue)
        #expect(try s.matrix.cpus.map(\.available) == [201 - 3, 202 - 3 - 199])
        #expect(Fixture.encoded(s.world) != before)
        // Activation failing after a successful reservation frees everything again.
        try s.allocate("b", count: 198, affinity: "0")
        let full = Fixture.encoded(s.world)
        #expect(throws: ModelError.self) { try s.allocate("a", count: 3, affinity: "0") }
        #expect(Fixture.encoded(s.world) == full)
    }
}
