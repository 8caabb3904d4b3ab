extension PCIMSIDomain: DomainOperations {
    /// The per-device MSI level: hwirq = MSI or MSI-X index. Composition and the device write
    /// (`msi_domain_activate`) are done by the walker, which knows the composing parent.
    mutating func allocate(_ request: LevelRequest, context: LevelContext) throws(ModelError) -> LevelGrant {
        var grant = LevelGrant()
        grant.hwirqs = allocate(count: request.count, type: request.type)
        for _ in grant.hwirqs.indices { grant.states.append(.pciMSI) }
        return grant
    }

    mutating func rollback(_ grant: borrowing LevelGrant, of request: LevelRequest, context: LevelContext) {
        for index in grant.hwirqs { release(index) }
    }

    mutating func free(_ level: IRQLevel, of irq: IRQDescriptor, context: LevelContext) -> EffectList {
        release(level.hwirq)
        return EffectList()
    }

    func occupancy(context: LevelContext) -> DomainOccupancy {
        let capacity = capacity(of: mode ?? .msix)
        return DomainOccupancy(unit: mode == .msi ? "msi-vectors" : "msix-entries", used: indices.setCount,
                               free: capacity - indices.setCount)
    }
}
