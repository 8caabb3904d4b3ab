extension InterruptRemappingDomain: DomainOperations {
    /// `intel_irq_remapping_alloc` → `alloc_irte`, or AMD's `irq_remapping_alloc` →
    /// `alloc_irq_index`: one block of entries for the block of IRQs (a power of two aligned to
    /// its size; AMD MSI-X: any free entry), then per IRQ the hwirq, `(index << 16) + i` on VT-d
    /// and `(devid << 16) + i` on AMD (so every AMD IRQ of one device and offset shares a hwirq,
    /// as in Linux), and the driver's cached entry, prepared from the vector level's `irq_cfg` as
    /// it stands at allocation: `MANAGED_IRQ_SHUTDOWN_VECTOR` 0xEF on the first online CPU for a
    /// reserved IRQ (`vector_assign_managed_shutdown`), vector 0 and APIC ID 0 for a managed one
    /// (its `apic_chip_data` is zeroed and nothing assigns it). Nothing reaches the table yet.
    ///
    /// Linux allocates the parent's level first and frees it again when the table is full; msid
    /// allocates this level first and, when it refuses, the walker allocates and frees the
    /// parent's level as Linux does (`System.allocateAndFreeParent`), residue and error
    /// precedence included.
    mutating func allocate(_ request: LevelRequest, context: LevelContext) throws(ModelError) -> LevelGrant {
        let count = request.count
        let order = count > 1 ? Int.bitWidth - (count - 1).leadingZeroBitCount : 0
        if kind == .intelIR && order > maxHandleMask {
            throw .remappingBlockTooLarge(domain: request.domainName, requested: count, maxHandleMask: maxHandleMask)
        }
        let key = tableKey(requesterID: request.requesterID)
        // Found and claimed in place: a copy of the table held across the claim would make the
        // claim copy its 8 KiB of words.
        let (found, used) = withTable(key) { table in (table.claimRegion(order: order), table.setCount) }
        guard let base = found else {
            throw .remappingEntriesExhausted(domain: request.domainName, requested: 1 << order,
                                             free: entriesPerTable - used, entries: entriesPerTable)
        }
        var grant = LevelGrant()
        let source = SourceValidation.forMSI(device: request.device, requesterID: request.requesterID)
        for offset in 0 ..< count {
            let managed = request.isManaged(offset)
            let vector = managed ? Vector(rawValue: 0) : Vector.managedShutdown
            let apicID = managed ? APICID(rawValue: 0) : (context.online.first.map(context.apicID) ?? APICID(rawValue: 0))
            let cached: RemappingEntry
            let hwirq: UInt32
            if kind == .intelIR {
                cached = .vtdRemapped(vector: vector, apicID: apicID, extendedInterruptMode: extendedInterruptMode, source: source)
                hwirq = UInt32(base) << 16 + UInt32(offset)
            } else {
                cached = .amdRemapped(format: format, vector: vector, apicID: apicID)
                hwirq = key << 16 + UInt32(offset)
            }
            grant.hwirqs.append(HardwareIRQ(rawValue: hwirq))
            grant.states.append(.remapped(RemappingLevel(table: key, base: UInt32(base), offset: UInt32(offset), order: UInt8(order),
                                                         cached: cached, written: kind == .intelIR ? .cleared : .marker)))
        }
        return grant
    }

    /// Gives a refused block's entries back (`clear_entries` / `free_irte`).
    mutating func rollback(_ grant: borrowing LevelGrant, of request: LevelRequest, context: LevelContext) {
        guard case .remapped(let first)? = grant.states.first else { return }
        withTable(first.table) { $0.clear(Int(first.base) ..< Int(first.base) + (1 << Int(first.order))) }
    }

    /// VT-d `intel_free_irq_resources` → `clear_entries`: only the IRQ with sub-handle 0 zeroes
    /// and releases its block's entries (a multi-MSI block is freed as one, its first IRQ last).
    /// AMD `irq_remapping_free` → `free_irte`: each IRQ's own entry is cleared to zero.
    mutating func free(_ level: IRQLevel, of irq: IRQDescriptor, context: LevelContext) -> EffectList {
        guard case .remapped(let state) = level.state else { return EffectList() }
        if kind == .intelIR {
            guard state.offset == 0 else { return EffectList() }
            withTable(state.table) { $0.clear(Int(state.base) ..< Int(state.base) + (1 << Int(state.order))) }
            return EffectList()
        }
        withTable(state.table) { $0.clear(Int(state.index)) }
        return EffectList(.irteWritten(table: state.table, index: state.index, entry: .zero(format)))
    }

    /// VT-d `intel_irq_remapping_activate` → `intel_ir_reconfigure_irte(force)`: the cached
    /// entry takes the vector level's vector and APIC ID and is written (`modify_irte`, which
    /// also leaves posted mode). AMD `irq_remapping_activate`: the cached entry is written with
    /// its valid bit set (`irte_activate`: the values prepared at allocation), then
    /// `amd_ir_update_irte` writes the vector and destination: two table writes.
    mutating func activate(_ irq: inout IRQDescriptor, depth: Int, context: inout LevelContext) throws(ModelError) -> EffectList {
        guard case .remapped(var state) = irq.levels[depth].state else { return EffectList() }
        var effects = EffectList()
        if kind == .amdIR {
            state.cached.set(.low, 0...0, 1)
            state.writeCached()
            effects.append(.irteWritten(table: state.table, index: state.index, entry: state.hardware))
        }
        if let updated = retargeted(state.cached, for: irq, context: context) { state.cached = updated }
        state.writeCached()
        effects.append(.irteWritten(table: kind == .amdIR ? state.table : nil, index: state.index, entry: state.hardware))
        irq.levels[depth].state = .remapped(state)
        return effects
    }

    /// VT-d `intel_irq_remapping_deactivate`: an all-zero entry is written (and the IRQ leaves
    /// posted mode). AMD `irte_deactivate`: the cached entry loses its valid bit and is written.
    mutating func deactivate(_ irq: inout IRQDescriptor, depth: Int, context: LevelContext) -> EffectList {
        guard case .remapped(var state) = irq.levels[depth].state else { return EffectList() }
        if kind == .intelIR {
            state.clear()
        } else {
            state.cached.set(.low, 0...0, 0)
            state.writeCached()
        }
        irq.levels[depth].state = .remapped(state)
        return EffectList(.irteWritten(table: kind == .amdIR ? state.table : nil, index: state.index, entry: state.hardware))
    }

    /// `intel_ir_compose_msi_msg` / `ir_compose_msi_msg`: the message prepared at allocation.
    mutating func compose(_ irq: inout IRQDescriptor, depth: Int, context: inout LevelContext) -> Composition? {
        guard case .remapped(let state) = irq.levels[depth].state else { return nil }
        return Composition(message: message(for: state))
    }

    func occupancy(context: LevelContext) -> DomainOccupancy {
        let used = usedEntries
        let tables = self.tables
        let ranges = kind == .amdIR
            ? tables.keys.sorted().map { key in
                RangeOccupancy(name: "requester " + PCIAddress.hexDeviceID(key), first: 0, count: entriesPerTable,
                               used: tables[key]?.setCount ?? 0)
            }
            : nil
        return DomainOccupancy(unit: "irtes", used: used, free: entriesPerTable * max(tables.count, 1) - used, ranges: ranges)
    }
}

extension InterruptRemappingDomain {
    /// What `intel_ir_set_affinity` and `amd_ir_set_affinity` do once the vector level has
    /// answered `IRQ_SET_MASK_OK` (moved or not): the cached entry takes the new vector and
    /// APIC ID, and the table is written unless the entry posts to a vCPU (VT-d
    /// `intel_ir_reconfigure_irte` writes only in `IRQ_REMAPPING` mode; AMD
    /// `irte_ga_set_affinity` skips a guest-mode entry). The device's message is untouched
    /// (`IRQ_SET_MASK_OK_DONE`).
    func reconfigure(_ irq: inout IRQDescriptor, depth: Int, context: LevelContext) -> HardwareEffect? {
        guard case .remapped(var state) = irq.levels[depth].state, let updated = retargeted(state.cached, for: irq, context: context) else { return nil }
        state.cached = updated
        var effect: HardwareEffect?
        if state.posted == nil {
            state.writeCached()
            effect = .irteWritten(table: kind == .amdIR ? state.table : nil, index: state.index, entry: updated)
        }
        irq.levels[depth].state = .remapped(state)
        return effect
    }
}
