extension GICv2mDomain: DomainOperations {
    /// `gicv2m_irq_domain_alloc`: an aligned block in the frame; the GIC parent gets the SPIs.
    mutating func allocate(_ request: LevelRequest, context: LevelContext) throws(ModelError) -> LevelGrant {
        let intids = try allocate(count: request.count, domainName: request.domainName)
        return LevelGrant(hwirqs: intids, states: intids.map { _ in .gicv2m }, parentHwirqs: intids)
    }

    mutating func rollback(_ grant: borrowing LevelGrant, of request: LevelRequest, context: LevelContext) {
        for intid in grant.hwirqs { release(intid) }
    }

    mutating func free(_ level: IRQLevel, of irq: IRQDescriptor, context: LevelContext) -> EffectList {
        release(level.hwirq)
        return EffectList()
    }

    /// `gicv2m_compose_msi_msg`: `V2M_MSI_SETSPI_NS` of the frame, data = INTID.
    mutating func compose(_ irq: inout IRQDescriptor, depth: Int, context: inout LevelContext) -> Composition? {
        Composition(message: GICMessages.setSPI(frameBase: frameBase, intid: irq.levels[depth].hwirq))
    }

    func occupancy(context: LevelContext) -> DomainOccupancy {
        DomainOccupancy(unit: "spis", used: map.setCount, free: map.bitCount - map.setCount,
                        ranges: [RangeOccupancy(name: "frame", first: spis.base, count: Int(spis.count), used: map.setCount)])
    }
}
