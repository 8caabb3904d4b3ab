extension System {
    /// Starts an IRQ as `irq_startup` does: a managed IRQ with no online CPU in its mask is only
    /// marked shut down (`IRQ_STARTUP_ABORT`); otherwise every level is activated innermost first
    /// (`irq_domain_activate_irq`; a failing level deactivates those done), the `pci-msi` level
    /// composes and writes the message, the IRQ is unmasked, and the affinity is applied
    /// (`irq_setup_affinity`: requested ∩ online, or all online CPUs). Starting a started IRQ
    /// does nothing.
    mutating func startup(_ virq: VirtualIRQ) throws(ModelError) {
        var irq = try takeIRQ(virq)
        // One `store` on both paths: a store in the catch and another after it made the
        // compiler copy the descriptor for the first.
        let failure: ModelError?
        do {
            try startup(&irq)
            failure = nil
        } catch {
            failure = error
        }
        store(irq)
        if let failure { throw failure }
    }

    /// `startup(_:)` on a descriptor taken out of the table.
    private mutating func startup(_ irq: inout IRQDescriptor) throws(ModelError) {
        guard !irq.activated else { return }
        let mask = (irq.affinity ?? present).intersection(online)
        if irq.managed && mask.isEmpty {
            irq.managedShutdown = true
            return
        }
        irq.managedShutdown = false
        // Levels are activated innermost (highest depth) first, so the ones done are those with
        // an activate op at depths `lowestActivated...`; on failure they are deactivated
        // outermost first.
        var lowestActivated = irq.levels.count
        // One context for the whole start: the system facts it carries do not change within a
        // command, and `withLevel` keeps its cursors and the system's equal.
        var context = context(for: irq.levels[0].domain)
        do {
            for depth in irq.levels.indices.reversed() where irq.levels[depth].state.hasActivate(on: architecture) {
                let effects = try withLevel(irq.levels[depth].domain, context: &context) { (operations, context) throws(ModelError) in
                    try operations.activate(&irq, depth: depth, context: &context)
                }
                record(effects, virq: irq.virq)
                lowestActivated = depth
            }
        } catch {
            for depth in lowestActivated ..< irq.levels.count where irq.levels[depth].state.hasActivate(on: architecture) {
                deactivateLevel(&irq, depth: depth, context: &context)
            }
            throw error
        }
        irq.activated = true
        composeAndWrite(&irq, context: &context)
        unmask(&irq, context: &context)
        setupAffinity(&irq, mask: mask, context: &context)
    }

    /// `irq_setup_affinity`: requested ∩ online (all online CPUs when that is empty, the
    /// kernel dropping `IRQD_AFFINITY_SET` for `irq_default_affinity`) through the hierarchy
    /// (`irq_do_set_affinity`); on success a non-managed IRQ's affinity becomes that mask, as
    /// `irq_do_set_affinity` copies it, and the IRQ is no longer affine-broken. So an IRQ whose
    /// requested CPUs were all offline at activation ends with the online mask as its affinity.
    /// After an activation that broke the affinity for want of vectors on requested CPUs that
    /// are online, the move fails the same way (-ENOSPC) and the old mask stays, as in the kernel.
    private mutating func setupAffinity(_ irq: inout IRQDescriptor, mask: CPUSet, context: inout LevelContext) {
        let target = mask.isEmpty ? online : mask
        guard (try? applyAffinity(&irq, target: target, context: &context)) != nil, !irq.managed else { return }
        irq.affinity = target == present ? nil : target
        irq.affinityBroken = false
    }

    /// `irq_shutdown`: mask, then deactivate every level outermost first; the device's message
    /// is zeroed (`msi_domain_deactivate`). A managed IRQ shut down by hotplug stops being one.
    mutating func shutdown(_ irq: inout IRQDescriptor) {
        var context = context(for: irq.levels[0].domain)
        shutdown(&irq, context: &context)
    }

    /// `shutdown(_:)` with the command's level context (see `withLevel(_:context:_:)`).
    mutating func shutdown(_ irq: inout IRQDescriptor, context: inout LevelContext) {
        guard irq.activated else {
            irq.managedShutdown = false
            return
        }
        if !irq.masked {
            irq.masked = true
            record(.masked, virq: irq.virq)
        }
        if irq.writesDevice {
            record(.messageWritten(device: irq.device, type: irq.type, index: irq.index,
                                    message: MSIMessage(addressHi: 0, addressLo: 0, data: 0)), virq: irq.virq)
        }
        setMessage(&irq, nil)
        for depth in irq.levels.indices where irq.levels[depth].state.hasDeactivate {
            deactivateLevel(&irq, depth: depth, context: &context)
        }
        irq.activated = false
        irq.effectiveCPU = nil
        irq.affinityBroken = false
    }

    private mutating func deactivateLevel(_ irq: inout IRQDescriptor, depth: Int, context: inout LevelContext) {
        let effects = withLevel(irq.levels[depth].domain, context: &context) { operations, context in
            operations.deactivate(&irq, depth: depth, context: context)
        }
        record(effects, virq: irq.virq)
    }

    /// The MSI level's part of activation and of a recompose (`msi_domain_activate`,
    /// `irq_chip_compose_msi_msg`, `pci_msi_domain_write_msg`): the composing level is the
    /// `pci-msi` domain's parent. The other IRQs of a multi-MSI block do not write the device:
    /// their message is the block's with their index added to the data.
    mutating func composeAndWrite(_ irq: inout IRQDescriptor) {
        guard irq.levels.count > 1 else { return }
        var context = context(for: irq.levels[1].domain)
        composeAndWrite(&irq, context: &context)
    }

    /// `composeAndWrite(_:)` with the command's level context (see `withLevel(_:context:_:)`).
    mutating func composeAndWrite(_ irq: inout IRQDescriptor, context: inout LevelContext) {
        guard irq.levels.count > 1 else { return }
        var message: MSIMessage?
        if irq.isMultiMSI && irq.virq != irq.blockBase, let first = try? self.irq(irq.blockBase), let blockMessage = first.message {
            var derived = blockMessage
            derived.data = blockMessage.data &+ (irq.virq.rawValue - irq.blockBase.rawValue)
            message = derived
            if case .hypervVPCI(var state) = irq.levels[1].state {
                state.answer = derived
                irq.levels[1].state = .hypervVPCI(state)
            }
        } else {
            let composition = withLevel(irq.levels[1].domain, context: &context) { operations, context in
                operations.compose(&irq, depth: 1, context: &context)
            }
            if let composition {
                record(composition.effects, virq: irq.virq)
                message = composition.message
            }
        }
        guard let message else { return }
        if irq.writesDevice {
            record(.messageWritten(device: irq.device, type: irq.type, index: irq.index, message: message), virq: irq.virq)
        }
        setMessage(&irq, message)
    }

    /// Updates the IRQ's message and the decode index.
    mutating func setMessage(_ irq: inout IRQDescriptor, _ message: MSIMessage?) {
        if let old = irq.message { decodeIndex.remove(irq.virq, for: old) }
        irq.message = message
        if let message { decodeIndex.insert(irq.virq, for: message) }
    }

    /// `unmask_irq`: on x86 Hyper-V the unmask retargets (`hv_irq_unmask` →
    /// `hv_irq_retarget_interrupt`); on arm64 the unmask hook is empty: no hypercall.
    mutating func unmask(_ irq: inout IRQDescriptor) {
        guard irq.masked else { return }
        var context = context(for: irq.levels[0].domain)
        unmask(&irq, context: &context)
    }

    /// `unmask(_:)` with the command's level context (see `withLevel(_:context:_:)`).
    mutating func unmask(_ irq: inout IRQDescriptor, context: inout LevelContext) {
        guard irq.masked else { return }
        retargetIfHyperV(irq, context: context)
        irq.masked = false
        record(.unmasked, virq: irq.virq)
    }

    /// The x86 Hyper-V retarget hypercall for the IRQ's current vector and effective CPU.
    mutating func retargetIfHyperV(_ irq: IRQDescriptor, context: LevelContext) {
        guard architecture == .x86_64, irq.levels.count > 2 else { return }
        let id = irq.levels[1].domain
        // Only the protocol version and instance id are read, in place: no copy of the domain.
        let request: HyperVRetargetRequest? = withDomains { domains in
            guard id.index < domains.count, case .hypervVPCI(let hyperV)? = domains[id.index]?.state else { return nil }
            return hyperV.retarget(for: irq, depth: 1, context: context)
        }
        guard let request else { return }
        record(.hyperVRetarget(request), virq: irq.virq)
    }

    // MARK: Commands

    mutating func activate(_ virq: VirtualIRQ) throws(ModelError) { try startup(virq) }

    mutating func deactivate(_ virq: VirtualIRQ) throws(ModelError) {
        var irq = try takeIRQ(virq)
        defer { store(irq) }
        shutdown(&irq)
    }

    /// `mask_irq`: sets the mask (device mask bit and, where the parent has one, the parent's).
    mutating func mask(_ virq: VirtualIRQ) throws(ModelError) {
        var irq = try takeIRQ(virq)
        defer { store(irq) }
        guard irq.activated else { throw .irqNotActivated(system: name, virq: virq) }
        guard !irq.masked else { return }
        irq.masked = true
        record(.masked, virq: virq)
    }

    mutating func unmask(_ virq: VirtualIRQ) throws(ModelError) {
        var irq = try takeIRQ(virq)
        defer { store(irq) }
        guard irq.activated else { throw .irqNotActivated(system: name, virq: virq) }
        unmask(&irq)
    }
}

