/// What a client asks for when allocating IRQs through a device's `pci-msi` domain.
public struct AllocationRequest: Hashable, Sendable, Codable {
    public var count: Int
    public var type: MSIType
    /// The requested affinity; nil means all CPUs.
    public var affinity: CPUSet?
    public var managed: Bool
    /// Activate (start) every IRQ after allocating it.
    public var activate: Bool

    public init(count: Int, type: MSIType, affinity: CPUSet? = nil, managed: Bool = false, activate: Bool = true) {
        self.count = count
        self.type = type
        self.affinity = affinity
        self.managed = managed
        self.activate = activate
    }
}

extension System {
    /// Allocates `request.count` IRQs through the hierarchy above the `pci-msi` domain `name`
    /// (`__irq_domain_alloc_irqs`): the lowest free run of virqs, then every level from the
    /// outermost inward, each choosing its hwirqs (and telling its parent which to take). A
    /// failure at any level rolls back every level already done, innermost first, and the virqs;
    /// the system is then as it was. With `request.activate`, each IRQ is started, and a failed
    /// start frees the whole allocation again.
    /// - Returns: the virqs, ascending.
    mutating func allocateIRQs(through name: DomainName, _ request: AllocationRequest) throws(ModelError) -> [VirtualIRQ] {
        let msiID = try domainID(name)
        // Only the device and its table size are kept: a copy of the domain held across the
        // allocation would make its index bitmap copy-on-write when the level takes an index.
        let device: PCIAddress
        let msixTableSize: Int?
        do {
            guard case .pciMSI(let pci)? = withDomains({ msiID.index < $0.count ? $0[msiID.index]?.state : nil }) else {
                throw .notAnMSIDomain(domain: name, kind: domain(msiID).kind)
            }
            try pci.validate(count: request.count, type: request.type)
            device = pci.device
            msixTableSize = pci.msixTableSize
        }
        let path = path(from: msiID)
        if request.type == .msi && request.count > 1, path.count > 1, let parentKind = domains[path[1].index]?.kind,
           !parentKind.supportsMultiMSI {
            throw .multiMSIUnsupported(requested: request.count, parent: self.name(of: path[1]), parentKind: parentKind)
        }
        let affinity = try validatedAffinity(request.affinity) ?? present

        // MSI is one block; MSI-X allocates entry by entry (`nr_irqs` = 1 each), every entry
        // taking the lowest free virq and, at each level, the lowest free hwirq.
        let blockSize = request.type == .msi ? request.count : 1
        var allocated: [VirtualIRQ] = []
        allocated.reserveCapacity(request.count)
        do {
            for _ in 0 ..< request.count / blockSize {
                try allocateBlock(size: blockSize, path: path, request: request, device: device, msixTableSize: msixTableSize,
                                  affinity: affinity, into: &allocated)
            }
        } catch {
            for virq in allocated.reversed() { release(virq) }
            throw error
        }
        if request.activate {
            do {
                for virq in allocated { try startup(virq) }
            } catch {
                for virq in allocated.reversed() { release(virq) }
                throw error
            }
        }
        return allocated
    }

    /// One block through the hierarchy (`__irq_domain_alloc_irqs` with `nr_irqs` = `size`); its
    /// virqs are appended to `allocated` once every level has succeeded.
    private mutating func allocateBlock(size: Int, path: [DomainID], request: AllocationRequest, device: PCIAddress,
                                        msixTableSize: Int?, affinity: CPUSet, into allocated: inout [VirtualIRQ]) throws(ModelError) {
        let base = try virqs.allocate(count: size)
        var grants: [LevelAllocation] = []
        grants.reserveCapacity(path.count)
        var childHwirqs: SmallList<HardwareIRQ>?
        var context = context(for: path[0])
        do {
            for id in path {
                let levelRequest = LevelRequest(
                    domainName: name(of: id), firstVirq: base, count: size, totalCount: request.count, type: request.type,
                    managed: request.managed, affinity: affinity, device: device,
                    msixTableSize: msixTableSize, childHwirqs: childHwirqs)
                let grant = try withLevel(id, context: &context) { (operations, context) throws(ModelError) in
                    try operations.allocate(levelRequest, context: context)
                }
                childHwirqs = grant.parentHwirqs
                grants.append(LevelAllocation(id: id, request: consume levelRequest, grant: consume grant))
            }
        } catch {
            for done in grants.reversed() {
                withLevel(done.id) { operations, context in operations.rollback(done.grant, of: done.request, context: context) }
            }
            for offset in 0..<size { virqs.free(VirtualIRQ(rawValue: base.rawValue + UInt32(offset))) }
            throw error
        }

        for offset in 0..<size {
            let virq = VirtualIRQ(rawValue: base.rawValue + UInt32(offset))
            let levels = grants.map { IRQLevel(domain: $0.id, hwirq: $0.grant.hwirqs[offset], state: $0.grant.states[offset]) }
            let irq = IRQDescriptor(virq: virq, device: device, type: request.type, blockBase: base,
                                    blockSize: size, managed: request.managed, affinity: request.affinity,
                                    levels: levels)
            if irqs.count <= Int(virq.rawValue) {
                irqs.append(contentsOf: repeatElement(nil, count: Int(virq.rawValue) + 1 - irqs.count))
            }
            irqs[Int(virq.rawValue)] = irq
            allocated.append(virq)
        }
        for id in path { modifyDomain(id) { $0.allocatedIRQs += size } }
        for index in grants.indices where !grants[index].grant.effects.isEmpty {
            record(grants[index].grant.effects, virq: base)
        }
    }

    /// Validates a requested affinity: not empty, only CPUs the system has.
    func validatedAffinity(_ affinity: CPUSet?) throws(ModelError) -> CPUSet? {
        guard let affinity else { return nil }
        guard !affinity.isEmpty else { throw .emptyCPUSet }
        guard affinity.isSubset(of: present) else { throw .cpusOutOfRange(cpus: affinity, cpuCount: cpus.count) }
        return affinity
    }

    /// Frees an IRQ; for a multi-MSI block, the whole block (a device disables MSI as one).
    /// - Returns: the virqs freed, ascending.
    mutating func freeIRQ(_ virq: VirtualIRQ) throws(ModelError) -> [VirtualIRQ] {
        let irq = try irq(virq)
        let block = irq.isMultiMSI
            ? (0..<UInt32(irq.blockSize)).map { VirtualIRQ(rawValue: irq.blockBase.rawValue + $0) }.filter { (try? self.irq($0)) != nil }
            : [virq]
        for member in block.reversed() { release(member) }
        return block
    }

    /// `irq_domain_free_irqs` for one IRQ: shut it down if active, then free each level
    /// outermost first (each `free` op then its parent's), then the virq.
    mutating func release(_ virq: VirtualIRQ) {
        guard var irq = try? takeIRQ(virq) else { return }
        if irq.activated { shutdown(&irq) }
        var context = context(for: irq.levels[0].domain)
        for level in irq.levels {
            let effects = withLevel(level.domain, context: &context) { operations, context in
                operations.free(level, of: irq, context: context)
            }
            record(effects, virq: virq)
            modifyDomain(level.domain) { $0.allocatedIRQs -= 1 }
        }
        irqs[Int(virq.rawValue)] = nil
        while let last = irqs.last, last == nil { irqs.removeLast() }
        virqs.free(virq)
    }
}
