extension GICv3ITSDomain: DomainOperations {
    /// `its_pci_msi_prepare` + `its_msi_prepare` on the device's first allocation: the DeviceID
    /// is the requester id (after the DMA alias) through the msi-map; an ITS device that has
    /// it already is reused and marked shared (a second PCI device aliasing to it), else
    /// `its_create_device` (MAPD). Then `its_alloc_device_irq`: an aligned block of events
    /// (`bitmap_find_free_region`); hwirq = LPI base + event.
    ///
    /// The one change a refusal leaves behind, as in the kernel: a PCI device that joined a
    /// shared ITS device stays joined (prepare runs before, and whatever, the allocation does).
    mutating func allocate(_ request: LevelRequest, context: LevelContext) throws(ModelError) -> LevelGrant {
        var grant = LevelGrant()
        var device: ITSDevice
        let deviceID = deviceIDs[request.device]
            ?? self.deviceID(segment: request.device.segment, requesterID: request.requesterID)
        if var existing = devices[deviceID] {
            if !existing.pciDevices.contains(request.device) {
                existing.sharers.append(request.device)
                store(existing)
            }
            device = existing
        } else {
            let hardwareSize = request.type == .msix ? (request.msixTableSize ?? request.totalCount) : 1
            let events = GICv3ITSDomain.provisionedEvents(requested: request.totalCount, hardwareSize: hardwareSize, deviceID: deviceID)
            guard let lpis = allocateLPIs(events) else {
                throw .lpisExhausted(domain: request.domainName, requested: events, available: freeLPICount)
            }
            device = ITSDevice(device: request.device, deviceID: deviceID, lpiBase: lpis.lowerBound, ittEntries: max(2, events),
                               events: FixedBitmap(bitCount: lpis.count))
            grant.createdITSDevice = true
            grant.effects.append(.itsCommand(.mapDevice(deviceID: deviceID, ittEntries: device.ittEntries, valid: true)))
        }
        guard let offset = device.events.freeRegion(order: countOrder(request.count)),
              offset + request.count <= device.events.bitCount
        else {
            if grant.createdITSDevice { releaseLPIs(device.lpis) }
            throw .itsEventsExhausted(device: request.device, requested: request.count,
                                      available: device.events.bitCount - device.events.setCount,
                                      eventCount: device.events.bitCount)
        }
        device.events.set(offset ..< offset + request.count)
        if grant.createdITSDevice { store(device) } else { update(device) }
        for event in offset ..< offset + request.count {
            let lpi = HardwareIRQ(rawValue: device.lpiBase + UInt32(event))
            grant.hwirqs.append(lpi)
            grant.states.append(.gicv3ITS(ITSLevel(eventID: UInt32(event), collection: nil)))
        }
        grant.parentHwirqs = grant.hwirqs
        return grant
    }

    mutating func rollback(_ grant: borrowing LevelGrant, of request: LevelRequest, context: LevelContext) {
        guard var device = self.device(serving: request.device) else { return }
        for state in grant.states {
            if case .gicv3ITS(let level) = state { device.events.clear(Int(level.eventID)) }
        }
        if grant.createdITSDevice {
            releaseLPIs(device.lpis)
            remove(deviceID: device.deviceID)
        } else {
            update(device)
        }
    }

    /// `its_irq_domain_free`: the event is released; the device and its LPIs go with its last
    /// event, unless the device is shared (the kernel keeps a shared ITS device for good).
    mutating func free(_ level: IRQLevel, of irq: IRQDescriptor, context: LevelContext) -> EffectList {
        guard case .gicv3ITS(let state) = level.state, let id = deviceIDs[irq.device] else { return EffectList() }
        // Cleared in place: a copy taken out first would make the event bitmap copy on write.
        devices[id]?.events.clear(Int(state.eventID))
        guard let device = devices[id], device.events.setCount == 0, !device.shared else { return EffectList() }
        releaseLPIs(device.lpis)
        remove(deviceID: device.deviceID)
        return EffectList(.itsCommand(.mapDevice(deviceID: device.deviceID, ittEntries: device.ittEntries, valid: false)))
    }

    /// `its_irq_domain_activate`: `its_select_cpu` (requested ∩ online, else all online for a
    /// non-managed IRQ), the CPU's LPI count goes up, MAPTI.
    mutating func activate(_ irq: inout IRQDescriptor, depth: Int, context: inout LevelContext) throws(ModelError) -> EffectList {
        guard case .gicv3ITS(var state) = irq.levels[depth].state, state.collection == nil else { return EffectList() }
        var candidates = (irq.affinity ?? context.allCPUs).intersection(context.online)
        if candidates.isEmpty && !irq.managed { candidates = context.online }
        guard let cpu = leastLoadedCPU(in: candidates, managed: irq.managed),
              let device = self.device(serving: irq.device) else {
            throw .noOnlineCPUInAffinity(requested: irq.affinity ?? context.allCPUs, online: context.online)
        }
        countLPI(on: cpu, managed: irq.managed, delta: 1)
        state.collection = cpu
        irq.levels[depth].state = .gicv3ITS(state)
        irq.effectiveCPU = cpu
        return EffectList(.itsCommand(.mapEvent(deviceID: device.deviceID, eventID: state.eventID, lpi: irq.levels[depth].hwirq, cpu: cpu)))
    }

    /// `its_irq_domain_deactivate`: DISCARD, the CPU's LPI count goes down.
    mutating func deactivate(_ irq: inout IRQDescriptor, depth: Int, context: LevelContext) -> EffectList {
        guard case .gicv3ITS(var state) = irq.levels[depth].state, let cpu = state.collection,
              let device = self.device(serving: irq.device) else { return EffectList() }
        countLPI(on: cpu, managed: irq.managed, delta: -1)
        state.collection = nil
        irq.levels[depth].state = .gicv3ITS(state)
        return EffectList(.itsCommand(.discardEvent(deviceID: device.deviceID, eventID: state.eventID)))
    }

    /// `its_set_affinity`: the IRQ's count leaves its CPU, the least-loaded CPU of the target is
    /// chosen, MOVI when it differs. Returns `IRQ_SET_MASK_OK_DONE` (no recompose).
    mutating func setAffinity(_ irq: inout IRQDescriptor, depth: Int, to target: CPUSet, context: LevelContext) throws(ModelError) -> AffinityStep {
        guard case .gicv3ITS(var state) = irq.levels[depth].state, let previous = state.collection,
              let device = self.device(serving: irq.device) else { return .unchanged }
        countLPI(on: previous, managed: irq.managed, delta: -1)
        let cpu = leastLoadedCPU(in: target, managed: irq.managed) ?? previous
        countLPI(on: cpu, managed: irq.managed, delta: 1)
        guard cpu != previous else { return .unchanged }
        state.collection = cpu
        irq.levels[depth].state = .gicv3ITS(state)
        irq.effectiveCPU = cpu
        return .moved(recompose: false, effects: [.itsCommand(.moveEvent(deviceID: device.deviceID, eventID: state.eventID, cpu: cpu))])
    }

    /// `its_irq_compose_msi_msg`: the translater, data = event id.
    mutating func compose(_ irq: inout IRQDescriptor, depth: Int, context: inout LevelContext) -> Composition? {
        guard case .gicv3ITS(let state) = irq.levels[depth].state else { return nil }
        return Composition(message: GICMessages.itsTranslater(itsBase: itsBase, eventID: state.eventID))
    }

    func occupancy(context: LevelContext) -> DomainOccupancy {
        let total = Int(GICv3ITSDomain.lpiLimit - GICv3ITSDomain.firstLPI)
        let perCPU = lpiCounts.indices.map { index in
            CPUOccupancy(cpu: CPUID(index), online: context.online.contains(CPUID(index)),
                         allocated: Int(lpiCounts[index] + managedLPICounts[index]), managedAllocated: Int(managedLPICounts[index]))
        }
        let ranges = devices.values.sorted { $0.lpiBase < $1.lpiBase }.map { device in
            RangeOccupancy(name: "device \(PCIAddress.hexDeviceID(device.deviceID))\(device.shared ? " (shared)" : "")", first: device.lpiBase, count: device.events.bitCount, used: device.events.setCount)
        }
        return DomainOccupancy(unit: "lpis", used: total - freeLPICount, free: freeLPICount, perCPU: perCPU, ranges: ranges)
    }
}
