extension GICv3Domain: DomainOperations {
    /// `gic_irq_domain_alloc` for the INTIDs a child chose (SPIs are marked; LPIs pass), or,
    /// for a `pci-msi` child, `mbi_irq_domain_alloc` from the MBI ranges.
    mutating func allocate(_ request: LevelRequest, context: LevelContext) throws(ModelError) -> LevelGrant {
        let intids: [HardwareIRQ]
        if let chosen = request.childHwirqs {
            intids = Array(chosen)
        } else {
            intids = try allocateMBI(count: request.count, domainName: request.domainName)
        }
        claimSPIs(intids)
        return LevelGrant(hwirqs: intids, states: intids.map { _ in .gicv3(routedCPU: nil) })
    }

    mutating func rollback(_ grant: borrowing LevelGrant, of request: LevelRequest, context: LevelContext) {
        for intid in grant.hwirqs {
            releaseSPI(intid)
            if request.childHwirqs == nil { releaseMBI(intid) }
        }
    }

    mutating func free(_ level: IRQLevel, of irq: IRQDescriptor, context: LevelContext) -> EffectList {
        releaseSPI(level.hwirq)
        releaseMBI(level.hwirq)
        return EffectList()
    }

    /// `gic_set_affinity`: the first CPU of the target (`cpumask_any_and(mask, online)`), written
    /// to `GICD_IROUTER<n>` with that CPU's MPIDR affinity, routing mode "this PE only".
    /// Returns `IRQ_SET_MASK_OK_DONE`: the MSI level does not recompose.
    mutating func setAffinity(_ irq: inout IRQDescriptor, depth: Int, to target: CPUSet, context: LevelContext) throws(ModelError) -> AffinityStep {
        let intid = irq.levels[depth].hwirq
        guard let cpu = target.first else { return .unchanged }
        irq.levels[depth].state = .gicv3(routedCPU: cpu)
        irq.effectiveCPU = cpu
        let register = distributorBase &+ GICMessages.irouterOffset(intid: intid)
        return .moved(recompose: false, effects: [
            .routeWritten(intid: intid, cpu: cpu, register: register, value: context.mpidr(cpu).irouterValue),
        ])
    }

    /// `mbi_compose_msi_msg`: `GICD_SETSPI_NSR` of the distributor, data = INTID.
    mutating func compose(_ irq: inout IRQDescriptor, depth: Int, context: inout LevelContext) -> Composition? {
        Composition(message: GICMessages.setSPI(frameBase: distributorBase, intid: irq.levels[depth].hwirq))
    }

    func occupancy(context: LevelContext) -> DomainOccupancy {
        let ranges = zip(mbiRanges, mbiMaps).map { range, map in
            RangeOccupancy(name: "mbi", first: range.base, count: Int(range.count), used: map.setCount)
        }
        return DomainOccupancy(unit: "spis", used: spis.setCount, free: spis.bitCount - spis.setCount, ranges: ranges)
    }
}
