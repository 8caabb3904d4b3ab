import Testing
@testable import IRQModel

/// The review points of the Hyper-V arm64 series (the seed of this project), each pinned.
@Suite("Seed review points")
struct SeedReviewTests {
    @Test("the Hyper-V arm64 vector told to the host is the parent GIC's hwirq")
    func vectorIsParentHwirq() throws {
        var s = try Scenario.arm64(cpus: 4)
        try s.hyperV(parent: "gic")
        try s.device("nic", bdf: "0000:00:00.0", parent: "vpci")
        for virq in try s.allocate("nic", count: 3) {
            let irq = try s.irq(virq)
            #expect(irq.hyperVLevel?.request?.vector == irq.levels[2].hwirq.rawValue)
            #expect(irq.levels[2].hwirq == irq.levels[1].hwirq)
        }
    }

    @Test("activation gives one CPU, never all of them, under both policies",
          arguments: HyperVActivatePolicy.allCases)
    func activationGivesOneCPU(policy: HyperVActivatePolicy) throws {
        var s = try Scenario.arm64(cpus: 4)
        try s.hyperV(parent: "gic", policy: policy)
        try s.device("nic", bdf: "0000:00:00.0", parent: "vpci")
        let virqs = try s.allocate("nic", count: 6, activate: false)
        for virq in virqs {
            var state = try s.state
            var irq = try state.irq(virq)
            // Run only the hyperv level's activate: the placeholder it sets is one CPU.
            _ = try state.withLevel(irq.levels[1].domain) { (operations, context) throws(ModelError) in
                try operations.activate(&irq, depth: 1, context: &context)
            }
            #expect(irq.effectiveCPU != nil)
            try s.apply(.activate(system: s.system, virq: virq))
            #expect(try s.irq(virq).effectiveCPU != nil)
        }
    }

    @Test("set_affinity goes to the parent: on arm64 the GIC routes, with no recompose and no hypercall")
    func arm64AffinityGoesToGIC() throws {
        var s = try Scenario.arm64(cpus: 4)
        try s.hyperV(parent: "gic")
        try s.device("nic", bdf: "0000:00:00.0", parent: "vpci")
        let virq = try s.allocate("nic")[0]
        let messageBefore = try s.irq(virq).message
        let mark = try s.lastSequence
        try s.apply(.setAffinity(system: s.system, virq: virq, cpus: Fixture.cpus("2")))
        #expect(try s.effects(after: mark) == [
            .routeWritten(intid: HardwareIRQ(rawValue: 64), cpu: CPUID(2), register: 0x0800_6200, value: 2),
        ])
        #expect(try s.irq(virq).message == messageBefore)
        #expect(try s.irq(virq).effectiveCPU == CPUID(2))
    }

    @Test("on x86 a set_affinity moves the vector in the parent, recomposes, and the unmask retargets")
    func x86AffinityRetargetsOnUnmask() throws {
        var s = try Scenario.x86(cpus: 4)
        try s.hyperV(parent: "vector")
        try s.device("nic", bdf: "0000:00:00.0", parent: "vpci")
        let virq = try s.allocate("nic", affinity: "0")[0]
        try s.apply(.mask(system: s.system, virq: virq))
        let mark = try s.lastSequence
        try s.apply(.setAffinity(system: s.system, virq: virq, cpus: Fixture.cpus("3")))
        let moved = try s.effects(after: mark)
        #expect(moved.contains { if case .hyperVDeleteInterrupt = $0 { true } else { false } })
        #expect(moved.contains { if case .hyperVCreateInterrupt(let request, _) = $0 { request.processor.rawValue == 3 } else { false } })
        #expect(!moved.contains { if case .hyperVRetarget = $0 { true } else { false } })
        let unmaskMark = try s.lastSequence
        try s.apply(.unmask(system: s.system, virq: virq))
        let retargets = try s.effects(after: unmaskMark).compactMap { effect -> HyperVRetargetRequest? in
            if case .hyperVRetarget(let request) = effect { request } else { nil }
        }
        let assignment = try #require(try s.irq(virq).vectorAssignment)
        #expect(assignment.cpu == CPUID(3))
        #expect(retargets.count == 1)
        #expect(retargets.first?.vector == UInt32(assignment.vector.rawValue))
        #expect(retargets.first?.target == .vpSet(validBankMask: 1, banks: [0x8]))
    }

    @Test("an unmasked x86 Hyper-V IRQ is retargeted at once by a set_affinity")
    func unmaskedRetargetsAtOnce() throws {
        var s = try Scenario.x86(cpus: 4)
        try s.hyperV(parent: "vector")
        try s.device("nic", bdf: "0000:00:00.0", parent: "vpci")
        let virq = try s.allocate("nic", affinity: "0")[0]
        let mark = try s.lastSequence
        try s.apply(.setAffinity(system: s.system, virq: virq, cpus: Fixture.cpus("1")))
        #expect(try s.effects(after: mark).contains { if case .hyperVRetarget = $0 { true } else { false } })
    }

    @Test("arm64 unmask makes no hypercall")
    func arm64UnmaskHasNoHypercall() throws {
        var s = try Scenario.arm64(cpus: 4)
        try s.hyperV(parent: "gic")
        try s.device("nic", bdf: "0000:00:00.0", parent: "vpci")
        let virq = try s.allocate("nic")[0]
        try s.apply(.mask(system: s.system, virq: virq))
        try s.apply(.unmask(system: s.system, virq: virq))
        #expect(!(try s.effects()).contains { if case .hyperVRetarget = $0 { true } else { false } })
    }

    @Test("a domain with live interrupts or children cannot be removed")
    func busyDomainsStay() throws {
        var s = try Scenario.arm64(cpus: 2)
        try s.hyperV(parent: "gic")
        try s.device("nic", bdf: "0000:00:00.0", parent: "vpci")
        let virq = try s.allocate("nic")[0]
        #expect(throws: ModelError.domainBusy(domain: Fixture.domain("vpci"), allocatedIRQs: 1, children: [Fixture.domain("nic")])) {
            try s.apply(.deleteDomain(system: s.system, domain: Fixture.domain("vpci")))
        }
        #expect(throws: ModelError.domainBusy(domain: Fixture.domain("nic"), allocatedIRQs: 1, children: [])) {
            try s.apply(.deleteDomain(system: s.system, domain: Fixture.domain("nic")))
        }
        try s.apply(.free(system: s.system, virq: virq))
        try s.apply(.deleteDomain(system: s.system, domain: Fixture.domain("nic")))
        try s.apply(.deleteDomain(system: s.system, domain: Fixture.domain("vpci")))
        try s.apply(.deleteDomain(system: s.system, domain: Fixture.domain("gic")))
    }

    @Test("delivery mode is fixed: every create request and every x86 message says 0")
    func deliveryModeFixed() throws {
        var s = try Scenario.x86(cpus: 4)
        try s.hyperV(parent: "vector")
        try s.device("nic", bdf: "0000:00:00.0", parent: "vpci")
        try s.device("gpu", bdf: "0000:00:01.0", parent: "vpci")
        try s.allocate("nic", count: 8)
        try s.allocate("gpu", count: 4, type: .msi)
        for irq in try s.state.liveIRQs {
            #expect(irq.hyperVLevel?.request.map { $0.deliveryMode == 0 } ?? true)
            let message = try #require(irq.message)
            #expect(message.data & 0x700 == 0)
        }
    }
}
