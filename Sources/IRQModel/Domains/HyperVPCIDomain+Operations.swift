extension HyperVPCIDomain: DomainOperations {
    /// arm64: `hv_pci_vec_irq_domain_alloc` reserves an aligned SPI block and asks the GIC
    /// parent for the same INTIDs. x86: hwirq = virq, the vector domain allocates.
    mutating func allocate(_ request: LevelRequest, context: LevelContext) throws(ModelError) -> LevelGrant {
        if context.architecture == .arm64 {
            let states = Array(repeating: LevelState.hypervVPCI(HyperVLevel()), count: request.count)
            let spis = try allocateSPIs(count: request.count, domainName: request.domainName)
            return LevelGrant(hwirqs: spis, states: states, parentHwirqs: spis)
        }
        var grant = LevelGrant()
        for offset in 0..<UInt32(request.count) {
            grant.hwirqs.append(HardwareIRQ(rawValue: request.firstVirq.rawValue + offset))
            grant.states.append(.hypervVPCI(HyperVLevel()))
        }
        return grant
    }

    mutating func rollback(_ grant: borrowing LevelGrant, of request: LevelRequest, context: LevelContext) {
        if context.architecture == .arm64 { for intid in grant.hwirqs { releaseSPI(intid) } }
    }

    /// `hv_msi_free` then `hv_pci_vec_irq_domain_free`: the host is told to delete the
    /// interrupt it created (`hv_int_desc_free`), then the SPI is released (arm64).
    mutating func free(_ level: IRQLevel, of irq: IRQDescriptor, context: LevelContext) -> EffectList {
        if context.architecture == .arm64 { releaseSPI(level.hwirq) }
        guard case .hypervVPCI(let state) = level.state, let request = state.request, let answer = state.answer else { return EffectList() }
        return EffectList(.hyperVDeleteInterrupt(winSlot: request.winSlot, answer: answer))
    }

    /// `hv_pci_vec_irq_domain_activate` (arm64): a temporary effective affinity of one CPU,
    /// never all CPUs (the seed's second review point): the first present CPU (upstream), or
    /// the v4 round-robin: `if (cpu >= cpumask_last(online)) cpu = 0; cpu = cpumask_next(cpu, online)`.
    /// x86 has no activate op at this level.
    mutating func activate(_ irq: inout IRQDescriptor, depth: Int, context: inout LevelContext) throws(ModelError) -> EffectList {
        guard context.architecture == .arm64 else { return EffectList() }
        switch activatePolicy {
        case .firstPresent:
            irq.effectiveCPU = context.present.first
        case .roundRobin:
            var cursor = context.cursors.activate
            if let last = context.online.last, cursor >= last { cursor = CPUID(0) }
            guard let next = context.online.next(after: cursor) else {
                throw .roundRobinWithoutNextCPU(online: context.online)
            }
            context.cursors.activate = next
            irq.effectiveCPU = next
        }
        return EffectList()
    }

    /// `hv_compose_msi_msg`: a create-interrupt request to the host (after a delete of the
    /// previous one, for a single vector), answered by msid playing the host with the root's
    /// native message. Multi-MSI: placeholder vector 32 with the block's count, a dummy CPU from
    /// `hv_compose_multi_msi_req_get_cpu` (round robin over online CPUs, starting at the first),
    /// and a stored answer that is reused without asking again. (The walker gives the other
    /// IRQs of a block the first one's message plus their index.)
    mutating func compose(_ irq: inout IRQDescriptor, depth: Int, context: inout LevelContext) -> Composition? {
        guard case .hypervVPCI(var state) = irq.levels[depth].state, depth + 1 < irq.levels.count else { return nil }
        let parent = irq.levels[depth + 1]
        if irq.isMultiMSI, let answer = state.answer { return Composition(message: answer) }

        var effects = EffectList()
        if !irq.isMultiMSI, let previous = state.request, let answer = state.answer {
            effects.append(.hyperVDeleteInterrupt(winSlot: previous.winSlot, answer: answer))
        }
        let cpu: CPUID
        let vector: UInt32
        if irq.isMultiMSI {
            guard let dummy = context.online.nextWrapping(after: context.cursors.multiMSI) else { return nil }
            context.cursors.multiMSI = dummy
            cpu = dummy
            vector = 32
        } else {
            guard let target = irq.effectiveCPU.flatMap({ context.online.contains($0) ? $0 : nil }) ?? context.online.first else { return nil }
            cpu = target
            vector = HyperVPCIDomain.interruptVector(of: parent)
        }
        let request = HyperVCreateInterruptRequest(
            protocolVersion: protocolVersion,
            winSlot: HyperVWinSlot.encode(device: irq.device.device, function: irq.device.function),
            vector: vector, deliveryMode: 0, vectorCount: UInt16(irq.blockSize),
            processor: VPIndex(rawValue: cpu.rawValue))
        guard let answer = HyperVPCIDomain.hostAnswer(vector: vector, cpu: cpu, parentINTID: parent.hwirq, context: context) else { return nil }
        effects.append(.hyperVCreateInterrupt(request: request, answer: answer))
        state.request = request
        state.answer = answer
        irq.levels[depth].state = .hypervVPCI(state)
        return Composition(message: answer, effects: effects)
    }

    /// `hv_msi_get_int_vector`: x86 the vector domain's current vector; arm64 the parent's
    /// hwirq, the SPI INTID (the seed's first review point).
    static func interruptVector(of parent: IRQLevel) -> UInt32 {
        if case .x86Vector(let state) = parent.state { return UInt32(state.assignment?.vector.rawValue ?? 0) }
        return parent.hwirq.rawValue
    }

    /// msid as the host: the native message of the root. x86: the physical-mode message for the
    /// vector on the CPU; arm64: `GICD_SETSPI_NSR` and the INTID of the (first) SPI.
    static func hostAnswer(vector: UInt32, cpu: CPUID, parentINTID: HardwareIRQ, context: LevelContext) -> MSIMessage? {
        if context.architecture == .x86_64 {
            return X86MSIMessage.compose(apicID: context.apicID(cpu), vector: Vector(rawValue: UInt8(truncatingIfNeeded: vector)),
                                         extendedDestinationID: context.extendedDestinationID)
        }
        return GICMessages.setSPI(frameBase: context.distributorBase ?? 0, intid: parentINTID)
    }

    /// `hv_irq_retarget_interrupt` (x86 unmask): the host's address and data, the IRQ's own
    /// current vector, and the effective CPUs as VPs, in the form the protocol allows.
    func retarget(for irq: IRQDescriptor, depth: Int, context: LevelContext) -> HyperVRetargetRequest? {
        guard context.architecture == .x86_64, depth + 1 < irq.levels.count,
              case .hypervVPCI(let state) = irq.levels[depth].state, let answer = irq.message ?? state.answer,
              let cpu = irq.effectiveCPU, context.online.contains(cpu) else { return nil }
        return HyperVRetargetRequest(
            protocolVersion: protocolVersion,
            deviceID: instanceID.deviceID(function: irq.device.function),
            address: answer.addressLo, data: answer.data,
            vector: HyperVPCIDomain.interruptVector(of: irq.levels[depth + 1]),
            targetVP: VPIndex(rawValue: cpu.rawValue))
    }

    func occupancy(context: LevelContext) -> DomainOccupancy {
        if let window = spiWindow {
            return DomainOccupancy(unit: "spis", used: window.setCount, free: window.bitCount - window.setCount,
                                   ranges: [RangeOccupancy(name: "window", first: HyperVPCIDomain.spiStart,
                                                           count: window.bitCount, used: window.setCount)])
        }
        return DomainOccupancy(unit: "virqs", used: 0, free: 0)
    }
}
