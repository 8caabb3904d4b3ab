import Testing
@testable import IRQModel

/// The four divergences from the real kernel that differential testing against
/// kernel/irq/matrix.c and arch/x86/kernel/apic/vector.c found (issue 13), each reproduced
/// step by step with the answer Linux gives, and the CPU hotplug rules per architecture.
@Suite("Kernel divergences")
struct KernelDivergenceTests {
    /// `irq_matrix_reserve_managed` cleans up a half-done reservation with
    /// `irq_matrix_remove_managed`, which releases each CPU's lowest unallocated managed
    /// vector: CPU 0 keeps 0x21 (the failed IRQ's) and gives back 0x20 (the first IRQ's), so
    /// the first IRQ moves to 0x21 when CPU 1 goes away.
    @Test("a failed managed reservation releases the lowest unused managed vector (irq_matrix_remove_managed)")
    func failedManagedReservationReleasesLowest() throws {
        var s = try Scenario.x86(cpus: 2)
        try s.device("a", bdf: "0000:00:01.0", parent: "vector")
        try s.device("b", bdf: "0000:00:02.0", parent: "vector")
        let first = try s.allocate("a", affinity: "0-1", managed: true)[0]
        // The tie among the least loaded goes to the highest CPU: CPU 1, vector 0x20.
        #expect(try s.irq(first).vectorAssignment == VectorAssignment(cpu: CPUID(1), vector: Vector(rawValue: 0x20)))
        try s.allocate("b", count: 201, affinity: "1")
        #expect(throws: ModelError.managedVectorsExhausted(cpu: CPUID(1), cpus: Fixture.cpus("0-1"))) {
            try s.allocate("a", affinity: "0-1", managed: true)
        }
        #expect(try s.matrix.cpus[0].managedMap.setBits == [0x21])
        try s.apply(.setCPUOnline(system: s.system, cpu: CPUID(1), online: false))
        #expect(try s.irq(first).vectorAssignment == VectorAssignment(cpu: CPUID(0), vector: Vector(rawValue: 0x21)))
    }

    /// `irq_setup_affinity`: with every requested CPU offline the IRQ's affinity becomes the
    /// online CPUs (IRQD_AFFINITY_SET is dropped for irq_default_affinity ∩ online, and
    /// `irq_do_set_affinity` copies that mask), so a later offline of its CPU picks among them.
    @Test("an affinity broken at startup because its CPUs are offline becomes the online CPUs (irq_setup_affinity)")
    func brokenAtStartupBecomesOnline() throws {
        var s = try Scenario.x86(cpus: 3)
        try s.device("a", bdf: "0000:00:01.0", parent: "vector")
        try s.apply(.setCPUOnline(system: s.system, cpu: CPUID(1), online: false))
        let irqs = try s.allocate("a", count: 2, affinity: "1")
        #expect(try s.irq(irqs[1]).vectorAssignment == VectorAssignment(cpu: CPUID(2), vector: Vector(rawValue: 0x20)))
        #expect(try s.irq(irqs[1]).affinity == Fixture.cpus("0,2"))
        #expect(try s.irq(irqs[1]).affinityBroken == false)
        try s.apply(.setCPUOnline(system: s.system, cpu: CPUID(1), online: true))
        try s.apply(.setCPUOnline(system: s.system, cpu: CPUID(2), online: false))
        #expect(try s.irq(irqs[1]).vectorAssignment == VectorAssignment(cpu: CPUID(0), vector: Vector(rawValue: 0x21)))
    }

    /// The other way an activation breaks affinity: the requested CPUs are online but out of
    /// vectors. `irq_do_set_affinity` then fails (-ENOSPC) and the requested mask stays.
    @Test("an affinity broken for want of vectors keeps its requested mask")
    func brokenByExhaustionKeepsMask() throws {
        var s = try Scenario.x86(cpus: 2)
        try s.device("a", bdf: "0000:00:01.0", parent: "vector")
        try s.allocate("a", count: 202, affinity: "1")
        let broken = try s.allocate("a", affinity: "1")[0]
        #expect(try s.irq(broken).vectorAssignment?.cpu == CPUID(0))
        #expect(try s.irq(broken).affinity == Fixture.cpus("1"))
        #expect(try s.irq(broken).affinityBroken)
    }

    /// kernel/irq/matrix.c keeps `available` as an `unsigned int`: a managed IRQ freed while
    /// its CPU is offline leaves the count one short (`irq_matrix_remove_managed` credits
    /// online CPUs only, `irq_matrix_online` does not recount), it then wraps below zero, and
    /// `matrix_find_best_cpu` ranks that CPU first from then on: the allocation fails (-ENOSPC).
    @Test("per-CPU available counts wrap as the kernel's unsigned ints do, and the wrapped CPU wins")
    func availableWrapsUnsigned() throws {
        var s = try Scenario.x86(cpus: 2)
        try s.device("a", bdf: "0000:00:01.0", parent: "vector")
        let managed = try s.allocate("a", affinity: "1", managed: true)[0]
        try s.apply(.setCPUOnline(system: s.system, cpu: CPUID(1), online: false))
        try s.apply(.free(system: s.system, virq: managed))
        try s.apply(.setCPUOnline(system: s.system, cpu: CPUID(1), online: true))
        #expect(try s.matrix.cpus[1].available == 201)  // 202 vectors free, one short
        try s.allocate("a", count: 201, affinity: "1")
        try s.allocate("a", affinity: "1", managed: true)
        #expect(try s.matrix.cpus[1].available == UInt32.max)
        #expect(try s.matrix.cpus[1].availableWrapped)
        #expect(throws: ModelError.self) { try s.allocate("a") }
        // The wrap shows in the occupancy view.
        let occupancy = try s.state.domainView(Fixture.domain("vector")).occupancy
        #expect(occupancy.perCPU?[1].available == Int(UInt32.max))
        #expect(occupancy.perCPU?[1].availableWrapped == true)
        #expect(occupancy.perCPU?[0].availableWrapped == nil)
    }

    @Test("x86 refuses to take CPU 0 offline; arm64 allows it", arguments: [Architecture.x86_64, .arm64])
    func bootCPUHotplug(architecture: Architecture) throws {
        var s = architecture == .x86_64 ? try Scenario.x86(cpus: 2) : try Scenario.arm64(cpus: 2)
        if architecture == .x86_64 {
            #expect(throws: ModelError.bootCPUNotHotpluggable(cpu: CPUID(0))) {
                try s.apply(.setCPUOnline(system: s.system, cpu: CPUID(0), online: false))
            }
            try s.apply(.setCPUOnline(system: s.system, cpu: CPUID(1), online: false))
        } else {
            try s.apply(.setCPUOnline(system: s.system, cpu: CPUID(0), online: false))
            #expect(try s.state.online == Fixture.cpus("1"))
            #expect(throws: ModelError.lastOnlineCPU(cpu: CPUID(1))) {
                try s.apply(.setCPUOnline(system: s.system, cpu: CPUID(1), online: false))
            }
        }
    }
}

/// ITS DeviceIDs: the requester id (after a bridge's DMA alias) through the ITS's msi-map
/// (`its_pci_msi_prepare` → `pci_msi_domain_get_msi_rid` → `of_msi_map_id`/`iort_msi_map_id`),
/// and one ITS device per DeviceID (`its_msi_prepare` reuses and shares it).
@Suite("ITS DeviceIDs")
struct ITSDeviceIDTests {
    static func arm(msiMap: [MSIMapEntry]? = nil) throws -> Scenario {
        var s = try Scenario.arm64(cpus: 2)
        try s.createDomain("its", parent: "gic", .gicv3ITS(itsBase: 0x0808_0000, msiMap: msiMap))
        return s
    }

    static func mapDevices(_ s: Scenario) throws -> [(deviceID: UInt32, valid: Bool)] {
        try s.effects().compactMap {
            if case .itsCommand(.mapDevice(let id, _, let valid)) = $0 { return (id, valid) }
            return nil
        }
    }

    static func deviceID(_ s: Scenario, _ virq: VirtualIRQ) throws -> UInt32? {
        let system = try s.state
        return system.hierarchy(of: try s.irq(virq)).compactMap(\.deviceID).first
    }

    @Test("without a map, 0000:01:00.0 and 0001:01:00.0 have one DeviceID and share one ITS device (one MAPD)")
    func identityMapShares() throws {
        var s = try Self.arm()
        // The ITT is sized for the device that created it (its MSI-X table of 4): the second
        // device's events come out of the same four.
        try s.device("a", bdf: "0000:01:00.0", parent: "its", msixTableSize: 4)
        try s.device("b", bdf: "0001:01:00.0", parent: "its")
        let a = try s.allocate("a")[0]
        let b = try s.allocate("b")[0]
        #expect(try Self.deviceID(s, a) == 0x100 && Self.deviceID(s, b) == 0x100)
        #expect(try Self.mapDevices(s).map(\.deviceID) == [0x100])
        // Two events of one ITT, and a shared device is never unmapped (its_irq_domain_free).
        #expect(try s.irq(a).levels[1].hwirq != s.irq(b).levels[1].hwirq)
        try s.apply(.free(system: s.system, virq: a))
        try s.apply(.free(system: s.system, virq: b))
        #expect(try Self.mapDevices(s).count == 1)
        guard case .gicv3ITS(let its) = try s.state.domain(s.state.domainID(Fixture.domain("its"))).state else {
            Issue.record("no ITS")
            return
        }
        #expect(its.devices[0x100]?.shared == true)
    }

    @Test("an alias finds the shared ITT full when the first device sized it for itself (-ENOSPC)")
    func sharedITTIsSizedByItsCreator() throws {
        var s = try Self.arm()
        try s.device("a", bdf: "0000:01:00.0", parent: "its", msixTableSize: 1)
        try s.device("b", bdf: "0001:01:00.0", parent: "its")
        try s.allocate("a")
        #expect(throws: ModelError.itsEventsExhausted(device: Fixture.bdf("0001:01:00.0"), requested: 1, available: 0, eventCount: 1)) {
            try s.allocate("b")
        }
    }

    @Test("an msi-map per segment gives each device its own DeviceID")
    func mapSeparatesSegments() throws {
        var s = try Self.arm(msiMap: [MSIMapEntry(segment: 0, ridBase: 0, deviceIDBase: 0, length: 0x1_0000),
                                      MSIMapEntry(segment: 1, ridBase: 0, deviceIDBase: 0x1_0000, length: 0x1_0000)])
        try s.device("a", bdf: "0000:01:00.0", parent: "its")
        try s.device("b", bdf: "0001:01:00.0", parent: "its")
        let a = try s.allocate("a")[0]
        let b = try s.allocate("b")[0]
        #expect(try Self.deviceID(s, a) == 0x100)
        #expect(try Self.deviceID(s, b) == 0x1_0100)
        #expect(try Self.mapDevices(s).map(\.deviceID) == [0x100, 0x1_0100])
        try s.apply(.free(system: s.system, virq: b))
        #expect(try Self.mapDevices(s).last.map { $0.deviceID == 0x1_0100 && !$0.valid } == true)
    }

    @Test("a RID that no entry covers passes through unchanged, as of_map_id bypasses")
    func unmappedRIDBypasses() throws {
        var s = try Self.arm(msiMap: [MSIMapEntry(segment: 0, ridBase: 0x100, deviceIDBase: 0x8000, length: 0x100)])
        try s.device("a", bdf: "0000:01:02.0", parent: "its")
        try s.device("b", bdf: "0000:03:00.0", parent: "its")
        let a = try s.allocate("a")[0]
        let b = try s.allocate("b")[0]
        #expect(try Self.deviceID(s, a) == 0x8010)
        #expect(try Self.deviceID(s, b) == 0x300)
    }

    @Test("devices behind a PCIe-to-PCI bridge carry the bridge's alias and share its DeviceID")
    func dmaAliasShares() throws {
        var s = try Self.arm()
        try s.createDomain("a", parent: "its", .pciMSI(device: Fixture.bdf("0000:02:01.0"), msixTableSize: 8,
                                                        dmaAlias: Fixture.bdf("0000:02:00.0")))
        try s.createDomain("b", parent: "its", .pciMSI(device: Fixture.bdf("0000:02:02.0"), msixTableSize: nil,
                                                        dmaAlias: Fixture.bdf("0000:02:00.0")))
        let a = try s.allocate("a")[0]
        let b = try s.allocate("b")[0]
        #expect(try Self.deviceID(s, a) == 0x200 && Self.deviceID(s, b) == 0x200)
        #expect(try Self.mapDevices(s).map(\.deviceID) == [0x200])
        #expect(throws: ModelError.self) {
            try s.createDomain("c", parent: "its", .pciMSI(device: Fixture.bdf("0000:02:03.0"), msixTableSize: nil,
                                                            dmaAlias: Fixture.bdf("0001:02:00.0")))
        }
    }

    @Test("a map entry outside the 16-bit RID space is refused")
    func badMapEntry() throws {
        var s = try Scenario.arm64(cpus: 1)
        #expect(throws: ModelError.self) {
            try s.createDomain("its", parent: "gic", .gicv3ITS(itsBase: 0x0808_0000,
                                                               msiMap: [MSIMapEntry(segment: 0, ridBase: 0xFF00, deviceIDBase: 0, length: 0x200)]))
        }
    }
}
