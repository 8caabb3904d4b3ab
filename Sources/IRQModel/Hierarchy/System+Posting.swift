extension System {
    /// `irq_set_vcpu_affinity` → `intel_ir_set_vcpu_affinity` on a started IRQ whose hierarchy
    /// has a VT-d remapping level. With a target, the table gets a posted-format entry built
    /// from the cached remapped one (`dmar_copy_shared_irte`, then PST 1, URG, the vCPU's vector
    /// and the descriptor address) and the IRQ is in `IRQ_POSTING` mode: affinity changes then
    /// update only the cached entry. With nil, the cached remapped entry is written back (also
    /// when the IRQ was not posted: the kernel writes it unconditionally).
    mutating func setVCPUAffinity(_ virq: VirtualIRQ, to target: PostedTarget?) throws(ModelError) {
        var irq = try takeIRQ(virq)
        defer { store(irq) }
        guard let depth = irq.levels.firstIndex(where: { if case .remapped = $0.state { true } else { false } }),
              case .remapped(var state) = irq.levels[depth].state else {
            throw .irqNotRemapped(system: name, virq: virq)
        }
        let kind = domain(irq.levels[depth].domain).kind
        guard kind == .intelIR else { throw .postingUnsupported(kind: kind) }
        if let target, target.descriptor & 0x3F != 0 {
            throw .invalidPostedDescriptor(address: target.descriptor, reason: "a posted-interrupt descriptor is 64-byte aligned (the IRTE holds address bits 63:6)")
        }
        if let target, !RemappingLevel.canPost(target) {
            throw .invalidPostedDescriptor(address: target.descriptor, reason: "an x86 physical address has at most 52 bits (MAXPHYADDR)")
        }
        guard irq.activated else { throw .irqNotActivated(system: name, virq: virq) }
        if let target { state.post(target) } else { state.writeCached() }
        irq.levels[depth].state = .remapped(state)
        record(.irteWritten(table: nil, index: state.index, entry: state.hardware), virq: virq)
    }
}
