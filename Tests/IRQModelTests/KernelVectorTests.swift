import Testing
@testable import IRQModel

/// The test vectors of shared/design/kernel-semantics.md §8 that concern the model's
/// behaviour (the pure encodings have their own tests), driven through `World.apply`.
@Suite("Kernel test vectors")
struct KernelVectorTests {
    @Test("TV-08: five activations on four fresh CPUs go round the least-loaded CPUs")
    func fiveActivations() throws {
        var s = try Scenario.x86(cpus: 4)
        try s.device("nic", bdf: "0000:00:03.0", parent: "vector")
        let virqs = try s.allocate("nic", count: 5)
        let assignments = try virqs.map { try #require(try s.irq($0).vectorAssignment) }
        #expect(assignments.map(\.cpu.rawValue) == [0, 1, 2, 3, 0])
        #expect(assignments.map(\.vector.rawValue) == [0x20, 0x20, 0x20, 0x20, 0x21])
    }

    @Test("TV-09: the system vector 0x80 is skipped")
    func systemVectorSkipped() throws {
        var s = try Scenario.x86(cpus: 1)
        try s.device("nic", bdf: "0000:00:03.0", parent: "vector")
        let virqs = try s.allocate("nic", count: 97)
        #expect(try s.irq(virqs[95]).vectorAssignment?.vector.rawValue == 0x7F)
        #expect(try s.irq(virqs[96]).vectorAssignment?.vector.rawValue == 0x81)
    }

    @Test("TV-10: exhaustion falls back to all online CPUs, breaking affinity, then fails")
    func exhaustionFallback() throws {
        var s = try Scenario.x86(cpus: 3)
        try s.device("a", bdf: "0000:00:03.0", parent: "vector")
        try s.device("b", bdf: "0000:00:04.0", parent: "vector")
        try s.allocate("a", count: 202, affinity: "2")
        try s.allocate("b", count: 192, affinity: "0")
        try s.allocate("b", count: 190, affinity: "1")
        let virq = try s.allocate("b", affinity: "2")[0]
        let irq = try s.irq(virq)
        #expect(irq.vectorAssignment?.cpu == CPUID(1))
        #expect(irq.affinityBroken)
        // Reservation never fails; activation does once every CPU is full.
        try s.allocate("b", count: 10, affinity: "0")
        try s.allocate("b", count: 11, affinity: "1")
        let reserved = try s.allocate("b", affinity: "2", activate: false)[0]
        #expect(throws: ModelError.vectorsExhausted(requested: 1, available: 0, cpus: Fixture.cpus("0-2"))) {
            try s.apply(.activate(system: s.system, virq: reserved))
        }
    }

    @Test("TV-11 and TV-12: managed activation prefers the highest least-loaded CPU; managed bits are invisible to others")
    func managedTieBreak() throws {
        var s = try Scenario.x86(cpus: 4)
        try s.device("nvme", bdf: "0000:00:05.0", parent: "vector")
        let a = try s.allocate("nvme", affinity: "0-3", managed: true)[0]
        #expect(try s.irq(a).vectorAssignment == VectorAssignment(cpu: CPUID(3), vector: Vector(rawValue: 0x20)))
        let b = try s.allocate("nvme", affinity: "0-3", managed: true)[0]
        #expect(try s.irq(b).vectorAssignment == VectorAssignment(cpu: CPUID(2), vector: Vector(rawValue: 0x20)))
        try s.device("nic", bdf: "0000:00:03.0", parent: "vector")
        let c = try s.allocate("nic", affinity: "0")[0]
        #expect(try s.irq(c).vectorAssignment == VectorAssignment(cpu: CPUID(0), vector: Vector(rawValue: 0x22)))
    }

    @Test("TV-13: x86 refuses to unplug a CPU whose vectors would not fit elsewhere")
    func unplugRefusal() throws {
        var s = try Scenario.x86(cpus: 2)
        try s.device("a", bdf: "0000:00:03.0", parent: "vector")
        try s.device("b", bdf: "0000:00:04.0", parent: "vector")
        let onZero = try s.allocate("a", count: 197, affinity: "0")
        try s.allocate("b", count: 10, affinity: "1")
        #expect(throws: ModelError.cpuUnplugWouldExhaustVectors(cpu: CPUID(1), vectorsToMove: 10, available: 5)) {
            try s.apply(.setCPUOnline(system: s.system, cpu: CPUID(1), online: false))
        }
        for virq in onZero.prefix(5) { try s.apply(.free(system: s.system, virq: virq)) }
        // CPU 0 now has 10 available: the offline goes through and moves all ten.
        guard case .cpuChanged(let report) = try s.apply(.setCPUOnline(system: s.system, cpu: CPUID(1), online: false)) else {
            Issue.record("no hotplug report")
            return
        }
        #expect(report.migrated.count == 10)
        #expect(report.migrated.allSatisfy { $0.to == CPUID(0) && $0.affinityBroken })
    }

    @Test("TV-14: virqs are the lowest free run, without alignment, and are reused")
    func virqNumbers() throws {
        var s = try Scenario.x86(cpus: 2)
        try s.device("a", bdf: "0000:00:03.0", parent: "vector")
        #expect(try s.allocate("a").map(\.rawValue) == [24])
        let four = try s.allocate("a", count: 4)
        #expect(four.map(\.rawValue) == [25, 26, 27, 28])
        for virq in four { try s.apply(.free(system: s.system, virq: virq)) }
        #expect(try s.allocate("a", count: 2).map(\.rawValue) == [25, 26])
    }

    @Test("TV-15: Hyper-V arm64 SPI blocks are naturally aligned")
    func hyperVSPIBlocks() throws {
        var s = try Scenario.arm64(cpus: 4)
        try s.hyperV(parent: "gic")
        let requests = [1, 4, 1, 32, 2, 1]
        var firsts: [UInt32] = []
        for (index, count) in requests.enumerated() {
            try s.device("d\(index)", bdf: "0000:00:0\(index + 1).0", parent: "vpci")
            let virqs = try s.allocate("d\(index)", count: count, type: .msi)
            firsts.append(try s.irq(virqs[0]).levels[1].hwirq.rawValue)
        }
        #expect(firsts == [64, 68, 65, 96, 66, 72])
    }

    @Test("TV-16: 29 blocks of 32 fit the Hyper-V window; the 30th fails though 28 single SPIs remain")
    func hyperVWindowExhaustion() throws {
        var s = try Scenario.arm64(cpus: 2)
        try s.hyperV(parent: "gic")
        for index in 0..<30 { try s.device("d\(index)", bdf: "0000:01:\(index < 16 ? "0" : "1")\(String(index % 16, radix: 16)).0", parent: "vpci") }
        for index in 0..<29 { try s.allocate("d\(index)", count: 32, type: .msi, activate: false) }
        let before = Fixture.encoded(s.world)
        #expect(throws: ModelError.spisExhausted(domain: Fixture.domain("vpci"), requested: 32, available: 28)) {
            try s.allocate("d29", count: 32, type: .msi, activate: false)
        }
        #expect(Fixture.encoded(s.world) == before)
        try s.allocate("d29", count: 28, type: .msix, activate: false)
    }

    @Test("TV-17: round-robin activation on a one-CPU system has no next CPU")
    func roundRobinOneCPU() throws {
        var s = try Scenario.arm64(cpus: 1)
        try s.hyperV(parent: "gic", policy: .roundRobin)
        try s.device("nic", bdf: "0000:00:00.0", parent: "vpci")
        #expect(throws: ModelError.roundRobinWithoutNextCPU(online: Fixture.cpus("0"))) { try s.allocate("nic") }
    }

    @Test("TV-18: multi-MSI create requests take dummy CPUs round robin over online CPUs",
          arguments: [("", [0, 1, 2, 3, 0]), ("1", [0, 2, 3, 0])])
    func multiMSIDummyCPU(offline: String, expected: [UInt32]) throws {
        var s = try Scenario.x86(cpus: 4)
        try s.hyperV(parent: "vector")
        if !offline.isEmpty { try s.apply(.setCPUOnline(system: s.system, cpu: CPUID(1), online: false)) }
        var processors: [UInt32] = []
        for index in 0..<expected.count {
            try s.device("d\(index)", bdf: "0000:00:0\(index + 1).0", parent: "vpci")
            let virqs = try s.allocate("d\(index)", count: 2, type: .msi)
            let request = try #require(try s.irq(virqs[0]).hyperVLevel?.request)
            #expect(request.vector == 32)
            #expect(request.vectorCount == 2)
            processors.append(request.processor.rawValue)
        }
        #expect(processors == expected)
    }

    @Test("TV-20: an x86 create request names the vector, the VP and the slot (protocol 1.2)")
    func x86CreateRequest() throws {
        var s = try Scenario.x86(cpus: 4)
        try s.hyperV(parent: "vector", protocolVersion: .v1_2)
        try s.device("nic", bdf: "0000:00:02.3", parent: "vpci")
        let virqs = try s.allocate("nic", count: 17, affinity: "2")
        let request = try #require(try s.irq(virqs[16]).hyperVLevel?.request)
        #expect(request.winSlot == 0x62)
        #expect(request.vector == 0x30)
        #expect(request.processor == VPIndex(rawValue: 2))
        #expect(request.messageType == 0x4249_0017)
        #expect(request.bytes.count == 78)
    }

    @Test("TV-22: a multi-MSI block asks the host once; the others derive data and retarget their own vector")
    func x86MultiMSIBlock() throws {
        var s = try Scenario.x86(cpus: 4)
        try s.hyperV(parent: "vector")
        try s.device("nic", bdf: "0000:00:02.0", parent: "vpci")
        let virqs = try s.allocate("nic", count: 4, type: .msi)
        let first = try s.irq(virqs[0])
        let answer = try #require(first.message)
        for (offset, virq) in virqs.enumerated() {
            let irq = try s.irq(virq)
            #expect(irq.message?.address == answer.address)
            #expect(irq.message?.data == answer.data + UInt32(offset))
        }
        let creates = try s.effects().filter { if case .hyperVCreateInterrupt = $0 { true } else { false } }
        #expect(creates.count == 1)
        let third = try s.irq(virqs[2])
        let retargets = try s.effects(virq: virqs[2]).compactMap { effect -> HyperVRetargetRequest? in
            if case .hyperVRetarget(let request) = effect { request } else { nil }
        }
        let retarget = try #require(retargets.last)
        #expect(retarget.vector == UInt32(try #require(third.vectorAssignment).vector.rawValue))
        #expect(retarget.data == answer.data + 2)
    }

    @Test("TV-23 and TV-25: the retarget hypercall's form follows the protocol", arguments: [
        (HyperVProtocolVersion.v1_4, UInt32(2), UInt64(0x4_007E)), (.v1_1, UInt32(0), UInt64(0x7E)),
    ])
    func retargetForm(version: HyperVProtocolVersion, flags: UInt32, control: UInt64) throws {
        var s = try Scenario.x86(cpus: 4)
        try s.hyperV(parent: "vector", protocolVersion: version)
        try s.device("nic", bdf: "0000:00:02.0", parent: "vpci")
        let virq = try s.allocate("nic", affinity: "2")[0]
        let retargets = try s.effects(virq: virq).compactMap { effect -> HyperVRetargetRequest? in
            if case .hyperVRetarget(let request) = effect { request } else { nil }
        }
        let retarget = try #require(retargets.first)
        #expect(retarget.flags == flags)
        #expect(retarget.controlWord == control)
        #expect(retarget.deviceID == 0x0B9D_49B0)
        switch retarget.target {
        case .vpSet(let mask, let banks): #expect(mask == 1 && banks == [0x4])
        case .vpMask(let mask): #expect(mask == 0x4)
        }
    }

    @Test("TV-28: MBI allocation takes aligned blocks from the range")
    func mbiAllocation() throws {
        var s = try Scenario.arm64(cpus: 2, mbi: [SPIRange(base: 64, count: 32)])
        try s.device("a", bdf: "0000:00:01.0", parent: "gic")
        try s.device("b", bdf: "0000:00:02.0", parent: "gic")
        let single = try s.allocate("a", type: .msi)[0]
        #expect(try s.irq(single).levels[1].hwirq.rawValue == 64)
        let block = try s.allocate("b", count: 8, type: .msi)
        #expect(try block.map { try s.irq($0).levels[1].hwirq.rawValue } == Array(72...79))
    }

    @Test("TV-29: the GIC routes an SPI to the first online CPU of the mask through GICD_IROUTER")
    func gicSetAffinity() throws {
        let mpidrs: [UInt64] = [0x0, 0x1, 0x1_0000_0202, 0x1_0000_0203]
        var s = try Scenario.arm64(cpus: 4, mbi: [SPIRange(base: 64, count: 32)], hardwareIDs: mpidrs)
        try s.device("a", bdf: "0000:00:01.0", parent: "gic")
        let virq = try s.allocate("a")[0]
        #expect(try s.irq(virq).effectiveCPU == CPUID(0))
        try s.apply(.setCPUOnline(system: s.system, cpu: CPUID(2), online: false))
        let mark = try s.lastSequence
        guard case .affinityChanged(let report) = try s.apply(.setAffinity(system: s.system, virq: virq, cpus: Fixture.cpus("2-3"))) else {
            Issue.record("no affinity report")
            return
        }
        #expect(report.effectiveCPU == CPUID(3))
        #expect(try s.effects(after: mark) == [
            .routeWritten(intid: HardwareIRQ(rawValue: 64), cpu: CPUID(3), register: 0x0800_6200, value: 0x1_0000_0203),
        ])
    }

    @Test("TV-31: ITS devices get power-of-two LPI ranges first fit, and events aligned within them")
    func itsLPIAllocation() throws {
        var s = try Scenario.arm64(cpus: 4)
        try s.createDomain("its", parent: "gic", .gicv3ITS(itsBase: 0x0808_0000))
        try s.device("a", bdf: "0000:00:02.0", parent: "its", msixTableSize: 16)
        try s.device("b", bdf: "0000:00:00.0", parent: "its")
        try s.device("c", bdf: "0000:00:04.0", parent: "its")
        let a = try s.allocate("a")
        #expect(try s.irq(a[0]).levels[1].hwirq.rawValue == 8192)
        let b = try s.allocate("b", type: .msi)
        #expect(try s.irq(b[0]).levels[1].hwirq.rawValue == 8208)
        let more = try s.allocate("a", count: 5)
        let sixth = try s.irq(more[4])
        #expect(sixth.levels[1].hwirq.rawValue == 8197)
        #expect(sixth.message?.data == 5)
        let c = try s.allocate("c", type: .msi)
        #expect(try s.irq(c[0]).levels[1].hwirq.rawValue == 8240)
        guard case .gicv3ITS(let its) = try s.state.allDomains[1].state else { Issue.record("no ITS"); return }
        #expect(its.device(serving: Fixture.bdf("0000:00:04.0"))?.ittEntries == 2)
        #expect(its.device(serving: Fixture.bdf("0000:00:00.0"))?.events.bitCount == 32)
    }

    @Test("TV-32: the ITS routes a new LPI to the CPU with the fewest, lowest on a tie")
    func itsCPUChoice() throws {
        var s = try Scenario.arm64(cpus: 4)
        try s.createDomain("its", parent: "gic", .gicv3ITS(itsBase: 0x0808_0000))
        try s.device("a", bdf: "0000:00:02.0", parent: "its", msixTableSize: 64)
        try s.allocate("a", count: 3, affinity: "0")
        try s.allocate("a", count: 1, affinity: "1")
        try s.allocate("a", count: 1, affinity: "2")
        try s.allocate("a", count: 2, affinity: "3")
        let next = try s.allocate("a", count: 2)
        #expect(try next.map { try s.irq($0).effectiveCPU } == [CPUID(1), CPUID(2)])
    }

    @Test("TV-39: offlining the only CPU of an affinity breaks it to the online CPUs")
    func offlineBreaksAffinity() throws {
        var s = try Scenario.arm64(cpus: 4, mbi: [SPIRange(base: 64, count: 32)])
        try s.device("a", bdf: "0000:00:01.0", parent: "gic")
        let virq = try s.allocate("a", affinity: "3")[0]
        #expect(try s.irq(virq).effectiveCPU == CPUID(3))
        try s.apply(.setCPUOnline(system: s.system, cpu: CPUID(3), online: false))
        let irq = try s.irq(virq)
        #expect(irq.effectiveCPU == CPUID(0))
        #expect(irq.affinity?.cpulist == "0-2")
        #expect(irq.affinityBroken)
    }

    @Test("TV-40: offlining keeps an affinity that still has an online CPU")
    func offlineKeepsAffinity() throws {
        var s = try Scenario.arm64(cpus: 4, mbi: [SPIRange(base: 64, count: 32)])
        try s.device("a", bdf: "0000:00:01.0", parent: "gic")
        let virq = try s.allocate("a")[0]
        try s.apply(.setCPUOnline(system: s.system, cpu: CPUID(1), online: false))
        try s.apply(.setAffinity(system: s.system, virq: virq, cpus: Fixture.cpus("1,3")))
        #expect(try s.irq(virq).effectiveCPU == CPUID(3))
        try s.apply(.setCPUOnline(system: s.system, cpu: CPUID(1), online: true))
        #expect(try s.irq(virq).effectiveCPU == CPUID(3))
        try s.apply(.setCPUOnline(system: s.system, cpu: CPUID(3), online: false))
        let irq = try s.irq(virq)
        #expect(irq.effectiveCPU == CPUID(1))
        #expect(irq.affinity?.cpulist == "1,3")
    }

    @Test("TV-41: a managed IRQ is shut down with its last CPU and started again with it")
    func managedShutdownAndStartup() throws {
        var s = try Scenario.x86(cpus: 4)
        try s.device("nvme", bdf: "0000:00:05.0", parent: "vector")
        let virq = try s.allocate("nvme", affinity: "3", managed: true)[0]
        let before = try #require(try s.irq(virq).vectorAssignment)
        guard case .cpuChanged(let down) = try s.apply(.setCPUOnline(system: s.system, cpu: CPUID(3), online: false)) else {
            Issue.record("no report")
            return
        }
        #expect(down.shutDown == [virq])
        let parked = try s.irq(virq)
        #expect(!parked.activated && parked.managedShutdown && parked.vectorAssignment == nil)
        #expect(parked.affinity?.cpulist == "3")
        guard case .cpuChanged(let up) = try s.apply(.setCPUOnline(system: s.system, cpu: CPUID(3), online: true)) else {
            Issue.record("no report")
            return
        }
        #expect(up.started == [virq])
        #expect(try s.irq(virq).vectorAssignment == before)
    }

    @Test("TV-43: multi-MSI is refused by the plain x86 vector domain and allowed through Hyper-V")
    func multiMSIParents() throws {
        var s = try Scenario.x86(cpus: 4)
        try s.device("a", bdf: "0000:00:01.0", parent: "vector")
        #expect(throws: ModelError.multiMSIUnsupported(requested: 8, parent: Fixture.domain("vector"), parentKind: .x86Vector)) {
            try s.allocate("a", count: 8, type: .msi)
        }
        try s.hyperV(parent: "vector")
        try s.device("b", bdf: "0000:00:02.0", parent: "vpci")
        #expect(try s.allocate("b", count: 8, type: .msi).count == 8)
    }
}
