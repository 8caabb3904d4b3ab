/// What a set_affinity did.
public struct AffinityReport: Hashable, Sendable, Codable {
    public let virq: VirtualIRQ
    public let requested: CPUSet
    public let effectiveCPU: CPUID?
    public let message: MSIMessage?
    /// The events the change caused (vector move, route write, ITS MOVI, recompose, retarget).
    public let events: [HardwareEvent]
}

extension System {
    /// `irq_set_affinity` from a client: the requested CPUs must exist and include an online
    /// one (-EINVAL), and a managed IRQ's affinity cannot be changed (-EIO). A started IRQ is
    /// moved through the hierarchy (`applyAffinity`); one not yet started only stores the mask.
    /// The requested mask, not its intersection with the online CPUs, becomes the affinity.
    mutating func setAffinity(_ virq: VirtualIRQ, to requested: CPUSet) throws(ModelError) -> AffinityReport {
        var irq = try takeIRQ(virq)
        defer { store(irq) }
        guard let requested = try validatedAffinity(requested) else { throw .emptyCPUSet }
        guard !irq.managed else { throw .managedAffinityImmutable(virq: virq) }
        let target = requested.intersection(online)
        guard !target.isEmpty else { throw .noOnlineCPUInAffinity(requested: requested, online: online) }
        let mark = events.mark
        if irq.activated { try applyAffinity(&irq, target: target) }
        irq.affinity = requested == present ? nil : requested
        irq.affinityBroken = false
        let caused = events.events.suffix(Int(events.nextSequence.rawValue - mark.next.rawValue))
        return AffinityReport(virq: virq, requested: requested, effectiveCPU: irq.effectiveCPU, message: irq.message,
                              events: Array(caused))
    }

    /// `irq_do_set_affinity` on a started IRQ with `target` = requested ∩ online: the MSI level
    /// asks its parent (`msi_domain_set_affinity` → `irq_chip_set_affinity_parent`), each level
    /// forwards until one routes: the x86 vector domain (new vector, `IRQ_SET_MASK_OK`: the MSI
    /// level recomposes and rewrites the message), the GIC (IROUTER) or the ITS (MOVI), both
    /// `IRQ_SET_MASK_OK_DONE`. On x86 Hyper-V the move is done masked and the unmask that follows
    /// retargets, so an unmasked IRQ is retargeted at once and a masked one at its next unmask.
    /// Nothing changes when the chosen level throws.
    mutating func applyAffinity(_ irq: inout IRQDescriptor, target: CPUSet) throws(ModelError) {
        var context = context(for: irq.levels[0].domain)
        try applyAffinity(&irq, target: target, context: &context)
    }

    /// `applyAffinity(_:target:)` with the command's level context (see `withLevel(_:context:_:)`).
    mutating func applyAffinity(_ irq: inout IRQDescriptor, target: CPUSet, context: inout LevelContext) throws(ModelError) {
        for depth in irq.levels.indices.dropFirst() where irq.levels[depth].state.routesAffinity {
            let step = try withLevel(irq.levels[depth].domain, context: &context) { (operations, context) throws(ModelError) in
                try operations.setAffinity(&irq, depth: depth, to: target, context: context)
            }
            switch step {
            case .forward:
                continue
            case .unchanged:
                // The vector domain answered IRQ_SET_MASK_OK without moving: a remapping
                // level still rewrites its entry, as intel_ir_set_affinity does.
                reconfigureRemapping(&irq, below: depth, context: context)
                return
            case .moved(let recompose, let effects):
                record(effects, virq: irq.virq)
                if reconfigureRemapping(&irq, below: depth, context: context) { return }
                if recompose { composeAndWrite(&irq, context: &context) }
                if !irq.masked { retargetIfHyperV(irq, context: context) }
                return
            }
        }
    }

    /// A remapping level between the MSI level and the level that routed (`intel_ir_set_affinity`,
    /// `amd_ir_set_affinity`): it rewrites its table entry for the new vector and CPU and answers
    /// `IRQ_SET_MASK_OK_DONE`, so the MSI level neither recomposes nor writes the device. A
    /// remapping domain is always the MSI level's parent, so only depth 1 is looked at.
    /// - Returns: whether such a level took the change.
    @discardableResult
    private mutating func reconfigureRemapping(_ irq: inout IRQDescriptor, below depth: Int, context: LevelContext) -> Bool {
        guard depth > 1, case .remapped = irq.levels[1].state else { return false }
        let effect = modifyDomain(irq.levels[1].domain) { domain in
            domain.withRemapping { unit in unit.reconfigure(&irq, depth: 1, context: context) }
        }
        if let effect = effect ?? nil { record(effect, virq: irq.virq) }
        return true
    }
}
