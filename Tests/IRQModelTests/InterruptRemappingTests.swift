import Testing
@testable import IRQModel

/// Interrupt remapping (issue 17): worked examples computed by hand from the VT-d
/// specification's IRTE layouts ("Interrupt Remapping Table Entry (IRTE) for Remapped
/// Interrupts", "... for Posted Interrupts", "Interrupt Requests in Remappable Format", chapter 9
/// and 5.1 of the VT-d spec, as `struct irte` in include/linux/dmar.h transcribes them), AMD's
/// `union irte` / `struct irte_ga` (drivers/iommu/amd/amd_iommu_types.h), and the kernel
/// functions named in each test.
@Suite("Interrupt remapping")
struct InterruptRemappingTests {
    /// An x86 system with 4 CPUs (APIC ID = CPU number) and a VT-d unit `dmar0` on its vector domain.
    static func intel(cpus: Int = 4, _ configuration: RemappingConfiguration = RemappingConfiguration(kind: .intelIR)) throws -> Scenario {
        var s = try Scenario.x86(cpus: cpus)
        try s.createDomain("dmar0", parent: "vector", .remapping(configuration))
        return s
    }

    static func remapping(_ irq: IRQDescriptor) -> RemappingLevel? {
        for level in irq.levels { if case .remapped(let state) = level.state { return state } }
        return nil
    }

    /// `fill_msi_msg`, `prepare_irte`, `set_msi_sid`: MSI-X entry 0 of 0000:03:00.0 on CPU 2,
    /// vector 0x20. IRTE index 0. Address: 0xFEE << 20 | handle 0 << 5 | format (bit 4) | SHV
    /// (bit 3) = 0xFEE00018, data = sub-handle 0. IRTE low: P (bit 0) | RH (bit 3) | vector
    /// 0x20 << 16 | dest_id 2 << 32 (EIM: the 32-bit APIC ID) = 0x0000000200200009; high:
    /// SID 0x0300 | SQ 0 << 16 | SVT 1 << 18 = 0x0000000000040300.
    @Test("VT-d: remappable message, IRTE and source-id of one MSI-X entry")
    func vtdWorkedExample() throws {
        var s = try Self.intel()
        try s.device("nic", bdf: "0000:03:00.0", parent: "dmar0")
        let virq = try s.allocate("nic", affinity: "2")[0]
        let irq = try s.irq(virq)
        #expect(irq.vectorAssignment == VectorAssignment(cpu: CPUID(2), vector: Vector(rawValue: 0x20)))
        #expect(irq.message == MSIMessage(addressHi: 0, addressLo: 0xFEE0_0018, data: 0))
        #expect(irq.levels[1].hwirq == HardwareIRQ(rawValue: 0))
        let level = try #require(Self.remapping(irq))
        #expect(level.hardware == RemappingEntry(format: .vtd, low: 0x0000_0002_0020_0009, high: 0x0000_0000_0004_0300))
        #expect(level.hardware.bytes == [0x09, 0x00, 0x20, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00])
        #expect(level.hardware.destinationID == 2 && level.hardware.vector == 0x20 && level.hardware.redirectionHint)
        #expect(level.hardware.source == SourceValidation(svt: 1, sq: 0, sid: 0x0300))
        // Decoding the message goes back through the table to the entry.
        let message = try #require(irq.message)
        #expect(RemappableMessage.vtdIndex(of: message) == 0)
        let decoded = try s.state.decode(try #require(irq.message), device: nil)
        #expect(decoded.virq == virq && decoded.cpu == CPUID(2) && decoded.vector == Vector(rawValue: 0x20))
        #expect(decoded.remapping?.index == 0 && decoded.remapping?.entry == level.hardware)
    }

    /// `intel_ir_set_affinity`: the vector domain moves the IRQ to CPU 3 (vector 0x20 there),
    /// the IRTE is rewritten (dest_id 3) and the answer is IRQ_SET_MASK_OK_DONE: no message
    /// is written to the device, and the message stays 0xFEE00018 / 0.
    @Test("VT-d: an affinity change rewrites the IRTE and leaves the device's message alone")
    func vtdAffinityRewritesIRTE() throws {
        var s = try Self.intel()
        try s.device("nic", bdf: "0000:03:00.0", parent: "dmar0")
        let virq = try s.allocate("nic", affinity: "2")[0]
        let before = try s.lastSequence
        try s.apply(.setAffinity(system: s.system, virq: virq, cpus: Fixture.cpus("3")))
        let effects = try s.effects(after: before)
        let entry = RemappingEntry(format: .vtd, low: 0x0000_0003_0020_0009, high: 0x0000_0000_0004_0300)
        #expect(effects == [
            .vectorAssigned(cpu: CPUID(3), vector: Vector(rawValue: 0x20), previous: VectorAssignment(cpu: CPUID(2), vector: Vector(rawValue: 0x20)), affinityBroken: false),
            .irteWritten(table: nil, index: 0, entry: entry),
        ])
        #expect(try s.irq(virq).message == MSIMessage(addressHi: 0, addressLo: 0xFEE0_0018, data: 0))
        // Unchanged target: the vector domain answers IRQ_SET_MASK_OK without moving, and the
        // IRTE is written again all the same (intel_ir_reconfigure_irte → modify_irte).
        let again = try s.lastSequence
        try s.apply(.setAffinity(system: s.system, virq: virq, cpus: Fixture.cpus("3")))
        #expect(try s.effects(after: again) == [.irteWritten(table: nil, index: 0, entry: entry)])
    }

    /// Without EIM (xAPIC mode) `IRTE_DEST(dest)` is `dest << 8`: APIC ID 2 in dest_id bits
    /// 15:8, IRTE bits 47:40: low = 0x0000020000200009.
    @Test("VT-d: xAPIC mode puts the APIC ID in dest_id bits 15:8")
    func vtdXAPICDestination() throws {
        var s = try Self.intel(RemappingConfiguration(kind: .intelIR, extendedInterruptMode: false))
        try s.device("nic", bdf: "0000:03:00.0", parent: "dmar0")
        let virq = try s.allocate("nic", affinity: "2")[0]
        #expect(Self.remapping(try s.irq(virq))?.hardware.low == 0x0000_0200_0020_0009)
    }

    /// `alloc_irte` for multi-MSI: 4 vectors take a block of 4 entries aligned to 4
    /// (`bitmap_find_free_region` order 2): entry 0 is taken, so the block is 4-7, not 1-4.
    /// Handle 4: address 0xFEE00000 | 4 << 5 | 0x18 = 0xFEE00098; data = sub-handle 0-3; hwirq
    /// (4 << 16) + i. Freeing the block releases all four entries (`clear_entries`, sub-handle 0).
    @Test("VT-d: a multi-MSI block takes aligned entries and sub-handles")
    func vtdMultiMSI() throws {
        var s = try Self.intel()
        try s.device("nic", bdf: "0000:03:00.0", parent: "dmar0")
        try s.device("nvme", bdf: "0000:04:00.0", parent: "dmar0")
        try s.allocate("nic")
        let block = try s.allocate("nvme", count: 4, type: .msi)
        for (offset, virq) in block.enumerated() {
            let irq = try s.irq(virq)
            #expect(irq.message == MSIMessage(addressHi: 0, addressLo: 0xFEE0_0098, data: UInt32(offset)))
            #expect(irq.levels[1].hwirq == HardwareIRQ(rawValue: 4 << 16 + UInt32(offset)))
            #expect(Self.remapping(irq)?.index == UInt32(4 + offset))
            let message = try #require(irq.message)
            #expect(RemappableMessage.vtdIndex(of: message) == UInt32(4 + offset))
        }
        guard case .remapping(let unit) = try s.state.domain(try s.state.domainID(Fixture.domain("dmar0"))).state else {
            Issue.record("dmar0 is not a remapping domain")
            return
        }
        #expect(unit.usedEntries == 5)
        try s.apply(.free(system: s.system, virq: block[2]))
        guard case .remapping(let after) = try s.state.domain(try s.state.domainID(Fixture.domain("dmar0"))).state else { return }
        #expect(after.usedEntries == 1)
    }

    /// Handle bit 15 travels in address bit 2: handle 0x8001, sub-handle 2 → 0xFEE0003C,
    /// index 0x8003.
    @Test("VT-d: handle bit 15 is address bit 2")
    func vtdHandleBit15() {
        let message = RemappableMessage.vtd(index: 0x8001, subhandle: 2)
        #expect(message == MSIMessage(addressHi: 0, addressLo: 0xFEE0_003C, data: 2))
        #expect(RemappableMessage.vtdIndex(of: message) == 0x8003)
        #expect(RemappableMessage.vtdIndex(of: MSIMessage(addressHi: 0, addressLo: 0xFEE0_1000, data: 0x22)) == nil)
    }

    /// ECAP.MHMV bounds a block (`alloc_irte` refuses mask > MHMV); a full table refuses with
    /// nothing left behind.
    @Test("VT-d: handle mask and table size limits refuse cleanly")
    func vtdLimits() throws {
        var s = try Self.intel(RemappingConfiguration(kind: .intelIR, entriesPerTable: 2, maxHandleMask: 1))
        try s.device("a", bdf: "0000:03:00.0", parent: "dmar0")
        try s.device("b", bdf: "0000:04:00.0", parent: "dmar0")
        #expect(throws: ModelError.remappingBlockTooLarge(domain: Fixture.domain("dmar0"), requested: 4, maxHandleMask: 1)) {
            try s.allocate("a", count: 4, type: .msi)
        }
        let before = Fixture.encoded(s.world)
        #expect(throws: ModelError.remappingEntriesExhausted(domain: Fixture.domain("dmar0"), requested: 1, free: 0, entries: 2)) {
            try s.allocate("b", count: 3)
        }
        #expect(Fixture.encoded(s.world) == before)
        try s.allocate("b", count: 2)
    }

    /// `set_msi_sid` for a device behind a PCIe-to-PCI bridge: its writes carry the alias
    /// 05:00.0 (the bridge's secondary bus, devfn 0) on a bus other than the bridge's, so only
    /// the bus range 5..5 is verified: SVT 2, SID 0x0505.
    @Test("VT-d: a bridge alias verifies the bus range (set_irte_verify_bus)")
    func vtdBridgeAlias() throws {
        var s = try Self.intel()
        try s.createDomain("legacy", parent: "dmar0", .pciMSI(device: Fixture.bdf("0000:05:03.0"), msixTableSize: nil,
                                                               dmaAlias: Fixture.bdf("0000:05:00.0")))
        let virq = try s.allocate("legacy", type: .msi)[0]
        #expect(Self.remapping(try s.irq(virq))?.hardware.high == 0x0000_0000_0008_0505)
    }

    /// `intel_ir_set_vcpu_affinity`: the posted entry keeps P, FPD, avail and SID/SQ/SVT of the
    /// remapped one, sets PST (bit 15), URG 0, the vCPU's vector 0x51, and the descriptor
    /// 0x1_2345_6780: bits 31:6 in pda_l (63:38), bits 63:32 in pda_h (127:96).
    /// low = 0x2345678000518001, high = 0x0000000100040300. While posted an affinity change
    /// updates only the cached entry (`intel_ir_reconfigure_irte` writes in IRQ_REMAPPING mode
    /// only); leaving posted mode writes the cached entry, new destination included.
    @Test("VT-d posted interrupts: the posted IRTE, affinity while posted, and back")
    func vtdPosting() throws {
        var s = try Self.intel()
        try s.device("nic", bdf: "0000:03:00.0", parent: "dmar0")
        let virq = try s.allocate("nic", affinity: "2")[0]
        let target = PostedTarget(vector: Vector(rawValue: 0x51), descriptor: 0x1_2345_6780)
        var mark = try s.lastSequence
        try s.apply(.setVCPUAffinity(system: s.system, virq: virq, target: target))
        let posted = RemappingEntry(format: .vtd, low: 0x2345_6780_0051_8001, high: 0x0000_0001_0004_0300)
        #expect(try s.effects(after: mark) == [.irteWritten(table: nil, index: 0, entry: posted)])
        #expect(posted.posted && posted.postedDescriptor == 0x1_2345_6780 && posted.vector == 0x51 && !posted.urgent)

        mark = try s.lastSequence
        try s.apply(.setAffinity(system: s.system, virq: virq, cpus: Fixture.cpus("1")))
        #expect(try s.effects(after: mark).contains { if case .irteWritten = $0 { true } else { false } } == false)
        #expect(Self.remapping(try s.irq(virq))?.hardware == posted)

        mark = try s.lastSequence
        try s.apply(.setVCPUAffinity(system: s.system, virq: virq, target: nil))
        let remapped = RemappingEntry(format: .vtd, low: 0x0000_0001_0020_0009, high: 0x0000_0000_0004_0300)
        #expect(try s.effects(after: mark) == [.irteWritten(table: nil, index: 0, entry: remapped)])

        #expect(throws: ModelError.invalidPostedDescriptor(address: 0x1_2345_6788, reason: "a posted-interrupt descriptor is 64-byte aligned (the IRTE holds address bits 63:6)")) {
            try s.apply(.setVCPUAffinity(system: s.system, virq: virq, target: PostedTarget(vector: Vector(rawValue: 0x51), descriptor: 0x1_2345_6788)))
        }
        // Deactivation writes an all-zero entry and leaves posted mode.
        try s.apply(.setVCPUAffinity(system: s.system, virq: virq, target: target))
        try s.apply(.deactivate(system: s.system, virq: virq))
        #expect(Self.remapping(try s.irq(virq))?.hardware == RemappingEntry(format: .vtd, low: 0, high: 0))
        #expect(Self.remapping(try s.irq(virq))?.posted == nil)
        #expect(throws: ModelError.irqNotActivated(system: s.system, virq: virq)) {
            try s.apply(.setVCPUAffinity(system: s.system, virq: virq, target: target))
        }
    }

    @Test("posting needs a VT-d remapping level")
    func postingNeedsIntelIR() throws {
        var s = try Scenario.x86(cpus: 2)
        try s.device("nic", bdf: "0000:03:00.0", parent: "vector")
        let virq = try s.allocate("nic")[0]
        #expect(throws: ModelError.irqNotRemapped(system: s.system, virq: virq)) {
            try s.apply(.setVCPUAffinity(system: s.system, virq: virq, target: PostedTarget(vector: Vector(rawValue: 0x40), descriptor: 0x1000)))
        }
    }

    /// AMD-Vi, 128-bit GA entries, 512 per device: MSI 2 vectors of 0000:03:00.0 take indices
    /// 0-1 of requester 0x0300's table (`alloc_irq_index`, aligned to 2 for MSI); the message is
    /// 0xFEE00000 with data = index (`fill_msi_msg`); hwirq (0x0300 << 16) + i. Activation writes
    /// the entry twice (`irte_ga_activate` with the values prepared at allocation, vector 0xEF on
    /// the first online CPU, then `amd_ir_update_irte`), and startup's set_affinity writes it once more: IRQ 0 on CPU 0 vector 0x20: lo = valid
    /// 1, destination 0 << 8; hi = vector 0x20. IRQ 1 lands on CPU 1: lo = 0x101.
    @Test("AMD-Vi: 128-bit entries, data = index, two writes at activation")
    func amdGAWorkedExample() throws {
        var s = try Scenario.x86(cpus: 2)
        try s.createDomain("ivrs0", parent: "vector", .remapping(RemappingConfiguration(kind: .amdIR)))
        try s.device("nic", bdf: "0000:03:00.0", parent: "ivrs0")
        let irqs = try s.allocate("nic", count: 2, type: .msi)
        let first = try s.irq(irqs[0])
        #expect(first.message == MSIMessage(addressHi: 0, addressLo: 0xFEE0_0000, data: 0))
        #expect(try s.irq(irqs[1]).message == MSIMessage(addressHi: 0, addressLo: 0xFEE0_0000, data: 1))
        #expect(first.levels[1].hwirq == HardwareIRQ(rawValue: 0x0300_0000))
        #expect(Self.remapping(first)?.hardware == RemappingEntry(format: .amd128, low: 0x1, high: 0x20))
        #expect(Self.remapping(try s.irq(irqs[1]))?.hardware == RemappingEntry(format: .amd128, low: 0x101, high: 0x20))
        let writes = try s.effects(virq: irqs[0]).filter { if case .irteWritten = $0 { true } else { false } }
        // The third write is irq_setup_affinity's set_affinity after startup: the vector does
        // not move, and amd_ir_update_irte writes the entry again.
        #expect(writes == [
            .irteWritten(table: 0x0300, index: 0, entry: RemappingEntry(format: .amd128, low: 0x1, high: 0xEF)),
            .irteWritten(table: 0x0300, index: 0, entry: RemappingEntry(format: .amd128, low: 0x1, high: 0x20)),
            .irteWritten(table: 0x0300, index: 0, entry: RemappingEntry(format: .amd128, low: 0x1, high: 0x20)),
        ])
        // Deactivation clears only the valid bit (irte_ga_deactivate).
        try s.apply(.deactivate(system: s.system, virq: irqs[1]))
        #expect(Self.remapping(try s.irq(irqs[1]))?.hardware == RemappingEntry(format: .amd128, low: 0x100, high: 0x20))
    }

    /// The 32-bit format: valid bit 0, destination 15:8, vector 23:16: CPU 1, vector 0x20 →
    /// 0x00200101, bytes 01 01 20 00. Two devices behind one bridge share requester 0x0500's
    /// table (indices 0 and 1) and, as in Linux, the hwirq (0x0500 << 16) + 0. 2K tables set the
    /// message's destination-mode bit: 0xFEE00004.
    @Test("AMD-Vi: 32-bit entries, shared alias tables, 2K-table messages")
    func amd32AndAliases() throws {
        var s = try Scenario.x86(cpus: 2)
        try s.createDomain("ivrs0", parent: "vector", .remapping(RemappingConfiguration(kind: .amdIR, entriesPerTable: 2048, format: .amd32)))
        for (name, bdf) in [("a", "0000:05:01.0"), ("b", "0000:05:02.0")] {
            try s.createDomain(name, parent: "ivrs0", .pciMSI(device: Fixture.bdf(bdf), msixTableSize: nil, dmaAlias: Fixture.bdf("0000:05:00.0")))
        }
        let a = try s.allocate("a", affinity: "1")[0]
        let b = try s.allocate("b", affinity: "1")[0]
        #expect(Self.remapping(try s.irq(a))?.hardware == RemappingEntry(format: .amd32, low: 0x0020_0101, high: 0))
        #expect(Self.remapping(try s.irq(a))?.hardware.bytes == [0x01, 0x01, 0x20, 0x00])
        let bLevel = Self.remapping(try s.irq(b))
        #expect(bLevel?.index == 1 && bLevel?.table == 0x0500)
        #expect(try s.irq(a).levels[1].hwirq == HardwareIRQ(rawValue: 0x0500_0000))
        #expect(try s.irq(b).levels[1].hwirq == HardwareIRQ(rawValue: 0x0500_0000))
        #expect(try s.irq(b).message == MSIMessage(addressHi: 0, addressLo: 0xFEE0_0004, data: 1))
        #expect(throws: ModelError.postingUnsupported(kind: .amdIR)) {
            try s.apply(.setVCPUAffinity(system: s.system, virq: a, target: PostedTarget(vector: Vector(rawValue: 0x40), descriptor: 0x1000)))
        }
    }

    /// 8-bit destinations cannot reach APIC ID 0x100: xAPIC-mode VT-d and 32-bit AMD entries
    /// are refused on such a system.
    @Test("8-bit IRTE destinations are refused on systems with APIC IDs above 0xff")
    func eightBitDestinationsRefused() throws {
        var s = Scenario(system: Fixture.system("big"))
        try s.apply(.createSystem(SystemSpec(name: s.system, architecture: .x86_64, hardwareIDs: [0, 0x100], extendedDestinationID: true)))
        try s.createDomain("vector", parent: nil, .x86Vector(reservedVectors: []))
        #expect(throws: ModelError.self) {
            try s.createDomain("dmar0", parent: "vector", .remapping(RemappingConfiguration(kind: .intelIR, extendedInterruptMode: false)))
        }
        #expect(throws: ModelError.self) {
            try s.createDomain("ivrs0", parent: "vector", .remapping(RemappingConfiguration(kind: .amdIR, format: .amd32)))
        }
        try s.createDomain("dmar0", parent: "vector", .remapping(RemappingConfiguration(kind: .intelIR)))
        try s.device("nic", bdf: "0000:03:00.0", parent: "dmar0")
        let virq = try s.allocate("nic", affinity: "1")[0]
        #expect(Self.remapping(try s.irq(virq))?.hardware.destinationID == 0x100)
    }

    /// A remapped IRQ's hypervisor route is the compatibility message its IRTE describes (as a
    /// vIOMMU translates it before KVM sees it): CPU 2, vector 0x20 → 0xFEE02000 / 0x20. An
    /// APIC ID above 0xFF needs the x2APIC API (address_hi = ID bits 31:8); a posted entry has
    /// no APIC destination and is refused.
    @Test("routes of remapped IRQs go through the IRTE; posted IRQs are refused")
    func remappedRoutes() throws {
        var s = try Self.intel()
        try s.device("nic", bdf: "0000:03:00.0", parent: "dmar0")
        let virq = try s.allocate("nic", affinity: "2")[0]
        let entry = try RouteExport.kvm(try s.state.routeSource(of: virq, format: .kvm), gsi: 5, x2apicAPI: false)
        #expect(entry.routing == .msi(addressLo: 0xFEE0_2000, addressHi: 0, data: 0x20, devid: 0))
        try s.apply(.setVCPUAffinity(system: s.system, virq: virq, target: PostedTarget(vector: Vector(rawValue: 0x51), descriptor: 0x1000)))
        #expect(throws: ModelError.routeNotExpressible(virq: virq, format: .kvm, refusal: .postedToVCPU(descriptor: 0x1000))) {
            _ = try s.state.routeSource(of: virq, format: .kvm)
        }

        var big = Scenario(system: Fixture.system("big"))
        try big.apply(.createSystem(SystemSpec(name: big.system, architecture: .x86_64, hardwareIDs: [0, 0x1A5], extendedDestinationID: true)))
        try big.createDomain("vector", parent: nil, .x86Vector(reservedVectors: []))
        try big.createDomain("dmar0", parent: "vector", .remapping(RemappingConfiguration(kind: .intelIR)))
        try big.device("nic", bdf: "0000:03:00.0", parent: "dmar0")
        let far = try big.allocate("nic", affinity: "1")[0]
        let source = try big.state.routeSource(of: far, format: .kvm)
        #expect(throws: ModelError.self) { _ = try RouteExport.kvm(source, gsi: 5, x2apicAPI: false) }
        #expect(source.message == MSIMessage(addressHi: 0, addressLo: 0xFEEA_5020, data: 0x20))
        #expect(try RouteExport.kvm(source, gsi: 5, x2apicAPI: true).routing == .msi(addressLo: 0xFEEA_5000, addressHi: 0x100, data: 0x20, devid: 0))
    }

    /// `intel_irq_remapping_alloc` allocates the vector level first and frees it when
    /// `alloc_irte` refuses: a managed IRQ's reservation then goes through
    /// `irq_matrix_remove_managed`, which gives back CPU 0's lowest unallocated managed vector
    /// 0x20 (the first IRQ's, which runs on CPU 1) and keeps 0x22, the one just reserved (0x21
    /// went to b's IRQ): the residue Linux leaves,
    /// and the refusal says so (`leftResidue`, journaled). When the vector level refuses too,
    /// its error comes first.
    @Test("a remapping refusal frees the parent's managed reservation as Linux does (residue)")
    func remappingRefusalLeavesLinuxResidue() throws {
        var s = try Self.intel(cpus: 2, RemappingConfiguration(kind: .intelIR, entriesPerTable: 2))
        try s.device("a", bdf: "0000:03:00.0", parent: "dmar0")
        try s.device("b", bdf: "0000:04:00.0", parent: "dmar0")
        let first = try s.allocate("a", affinity: "0-1", managed: true)[0]
        #expect(try s.irq(first).vectorAssignment == VectorAssignment(cpu: CPUID(1), vector: Vector(rawValue: 0x20)))
        try s.allocate("b")
        var residue = false
        let request = AllocationRequest(count: 1, type: .msix, affinity: Fixture.cpus("0-1"), managed: true)
        #expect(throws: ModelError.remappingEntriesExhausted(domain: Fixture.domain("dmar0"), requested: 1, free: 0, entries: 2)) {
            _ = try s.world.apply(.allocateIRQs(system: s.system, domain: Fixture.domain("a"), request: request), leftResidue: &residue)
        }
        #expect(residue)
        let maps = try s.matrix.cpus.map(\.managedMap.setBits)
        #expect(maps[0] == [0x22], "\(maps)")
        s.world.checkInvariants()
        try s.apply(.setCPUOnline(system: s.system, cpu: CPUID(1), online: false))
        #expect(try s.irq(first).vectorAssignment == VectorAssignment(cpu: CPUID(0), vector: Vector(rawValue: 0x22)))
    }
}
