/// What a client asks for when allocating IRQs through a device's `pci-msi` domain.
public struct AllocationRequest: Hashable, Sendable, Codable {
    public var count: Int
    public var type: MSIType
    /// The requested affinity; nil means all CPUs.
    public var affinity: CPUSet?
    public var managed: Bool
    /// Activate (start) every IRQ after allocating it.
    public var activate: Bool
    /// `PCI_IRQ_AFFINITY`: the managed vectors are spread over the CPUs as
    /// `irq_create_affinity_masks` spreads them. Nil for an explicit mask (every IRQ gets
    /// `affinity`), and in journal records written before msid spread managed vectors, which
    /// therefore replay as they ran.
    public var spread: AffinitySpreadRequest?
    /// With `spread`: `pci_alloc_irq_vectors_affinity`'s `min_vecs` (`count` is `max_vecs`);
    /// nil means `count`.
    public var minCount: Int?

    public init(count: Int, type: MSIType, affinity: CPUSet? = nil, managed: Bool = false, activate: Bool = true,
                spread: AffinitySpreadRequest? = nil, minCount: Int? = nil) {
        self.count = count
        self.type = type
        self.affinity = affinity
        self.managed = managed
        self.activate = activate
        self.spread = spread
        self.minCount = minCount
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
    /// `leftResidue` says whether a refusal left a change behind (`World.apply(_:leftResidue:)`).
    mutating func allocateIRQs(through name: DomainName, _ request: AllocationRequest, leftResidue: inout Bool) throws(ModelError) -> VirqList {
        let msiID = try recentDomainID(name)
        // Only the device and its table size are kept: a copy of the domain held across the
        // allocation would make its index bitmap copy-on-write when the level takes an index.
        let facts = try modifyDomain(msiID) { (domain) throws(ModelError) in
            try domain.withPCIMSI { (pci) throws(ModelError) in
                try pci.validate(count: request.count, type: request.type)
                return (device: pci.device, msixTableSize: pci.msixTableSize, requesterID: pci.requesterID)
            }
        }
        guard let (device, msixTableSize, requesterID) = facts else { throw .notAnMSIDomain(domain: name, kind: domain(msiID).kind) }
        // The path lives on the stack for the command: a hierarchy is a few levels deep.
        return try withUnsafeTemporaryAllocation(of: DomainID.self, capacity: pathDepth(from: msiID)) {
            (storage) throws(ModelError) -> VirqList in
            let filled = fillPath(storage, from: msiID)
            defer { filled.deinitialize() }
            let path = UnsafeBufferPointer(filled)
            let watched = mayLeaveResidue(path, request)
            let before = watched ? residueFingerprint(path) : 0
            do throws(ModelError) {
                return try allocateIRQs(path: path, request, device: device, requesterID: requesterID, msixTableSize: msixTableSize)
            } catch {
                if watched { leftResidue = residueFingerprint(path) != before }
                throw error
            }
        }
    }

    /// `allocateIRQs(through:_:)` once the `pci-msi` domain is validated: `path` runs from it to
    /// the root.
    private mutating func allocateIRQs(path: UnsafeBufferPointer<DomainID>, _ request: AllocationRequest,
                                       device: PCIAddress, requesterID: UInt32, msixTableSize: Int?) throws(ModelError) -> VirqList {
        if request.type == .msi && request.count > 1, path.count > 1, let parentKind = domains[path[1].index]?.kind,
           !parentKind.supportsMultiMSI {
            throw .multiMSIUnsupported(requested: request.count, parent: self.name(of: path[1]), parentKind: parentKind)
        }
        let uniform = IRQAffinityDesc(mask: try validatedAffinity(request.affinity), isManaged: request.managed)
        let plan = try affinityPlan(request)
        let count = plan?.count ?? request.count

        // MSI is one block; MSI-X allocates entry by entry (`nr_irqs` = 1 each), every entry
        // taking the lowest free virq and, at each level, the lowest free hwirq.
        let blockSize = request.type == .msi ? count : 1
        var allocated = VirqList()
        allocated.reserveCapacity(count)
        do {
            for block in 0 ..< count / blockSize {
                var affinities = SmallList<IRQAffinityDesc>()
                if let plan {
                    affinities.reserveCapacity(blockSize)
                    for index in block * blockSize ..< (block + 1) * blockSize { affinities.append(plan[index]) }
                } else {
                    for _ in 0 ..< blockSize { affinities.append(uniform) }
                }
                try allocateBlock(size: blockSize, path: path, request: request, device: device, requesterID: requesterID,
                                  msixTableSize: msixTableSize, affinities: affinities, into: &allocated)
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

    /// The per-vector affinities of a spread request (`PCI_IRQ_AFFINITY`): the PCI core's vector
    /// count (`irq_calc_affinity_vectors`, refused below `minCount`) and
    /// `irq_create_affinity_masks` over this system's NUMA layout. Nil for a request that does
    /// not spread: every IRQ then gets the requested mask and managed flag.
    /// - Complexity: O(vectors + CPUs · sets).
    func affinityPlan(_ request: AllocationRequest) throws(ModelError) -> [IRQAffinityDesc]? {
        guard let spread = request.spread else { return nil }
        let minimum = request.minCount ?? request.count
        guard spread.preVectors >= 0, spread.postVectors >= 0 else {
            throw .invalidAffinitySpread(reason: "preVectors and postVectors cannot be negative")
        }
        guard (1...request.count).contains(minimum) else {
            throw .invalidAffinitySpread(reason: "minCount must be 1 to count (\(request.count)); \(minimum) was given")
        }
        if let sets = spread.setSizes {
            guard (1...AffinitySpreadRequest.maxSets).contains(sets.count), sets.allSatisfy({ $0 >= 1 }) else {
                throw .invalidAffinitySpread(reason: "setSizes holds 1 to \(AffinitySpreadRequest.maxSets) sizes (IRQ_AFFINITY_MAX_SETS), each at least 1")
            }
            let spreadVectors = request.count - spread.preVectors - spread.postVectors
            guard sets.reduce(0, +) == spreadVectors else {
                throw .invalidAffinitySpread(
                    reason: "setSizes sum to \(sets.reduce(0, +)) but count − preVectors − postVectors is \(spreadVectors)")
            }
        }
        let enabled = spread.vectorCount(min: minimum, max: request.count, possibleCPUs: present.count)
        guard enabled >= minimum else {
            throw .affinityVectorsTooFew(requested: request.count, minimum: minimum, enabled: enabled,
                                         reserved: spread.preVectors + spread.postVectors, cpus: present.count)
        }
        if request.type == .msi && enabled & (enabled - 1) != 0 {
            throw .invalidVectorCount(requested: enabled, type: .msi,
                                      reason: "spreading enables \(enabled) vectors (pre/post vectors plus one per CPU), and msid models MSI blocks of a power of two only; ask for at most that many")
        }
        let grouping = CPUGrouping(nodeOfCPU: cpus.map(\.numaNode), possible: present, present: present)
        return spread.masks(vectors: enabled, grouping: grouping)
            ?? Array(repeating: IRQAffinityDesc(mask: nil, isManaged: false), count: enabled)
    }

    /// One block through the hierarchy (`__irq_domain_alloc_irqs` with `nr_irqs` = `size`); its
    /// virqs are appended to `allocated` once every level has succeeded.
    private mutating func allocateBlock(size: Int, path: UnsafeBufferPointer<DomainID>, request: AllocationRequest,
                                        device: PCIAddress, requesterID: UInt32, msixTableSize: Int?,
                                        affinities: SmallList<IRQAffinityDesc>, into allocated: inout VirqList) throws(ModelError) {
        let base = try virqs.allocate(count: size)
        let block = BlockAllocation(base: base, size: size, request: request, device: device, requesterID: requesterID,
                                    msixTableSize: msixTableSize, affinities: affinities)
        // The levels of the block's IRQs, level by level: `size` entries for the outermost level,
        // then `size` for the next; for one IRQ (every MSI-X entry) this is its level list.
        var levels: [IRQLevel] = []
        levels.reserveCapacity(path.count * size)
        let mark = events.mark
        var context = context(for: path[0])
        do {
            try allocateLevels(path, at: 0, of: block, childHwirqs: nil, context: &context, into: &levels)
        } catch {
            // The levels rolled themselves back; their effects leave the trail with them.
            events.rollback(to: mark)
            for offset in 0..<size { virqs.free(VirtualIRQ(rawValue: base.rawValue + UInt32(offset))) }
            throw error
        }

        reserveSlot(for: VirtualIRQ(rawValue: base.rawValue + UInt32(size - 1)))
        for offset in 0..<size {
            let virq = VirtualIRQ(rawValue: base.rawValue + UInt32(offset))
            let own = size == 1 ? levels : stride(from: offset, to: levels.count, by: size).map { levels[$0] }
            let desc = affinities[offset]
            store(IRQDescriptor(virq: virq, device: device, type: request.type, blockBase: base,
                                blockSize: size, managed: desc.isManaged, affinity: desc.mask == present ? nil : desc.mask,
                                levels: own))
            allocated.append(virq)
        }
    }

    /// Allocates the block at `path[position]` and then, recursively, at each level inward, as
    /// `irq_domain_alloc_irqs_parent` does: when an inner level fails, this one is rolled back
    /// before the error goes on, so the levels are undone innermost first and a failure leaves
    /// none behind. Each level appends its IRQs' levels to `levels`, records its effects (the
    /// caller truncates the trail on failure) and counts the block in `allocatedIRQs`.
    private mutating func allocateLevels(_ path: UnsafeBufferPointer<DomainID>, at position: Int, of block: BlockAllocation,
                                         childHwirqs: SmallList<HardwareIRQ>?, context: inout LevelContext,
                                         into levels: inout [IRQLevel]) throws(ModelError) {
        guard position < path.count else { return }
        let id = path[position]
        let levelRequest = LevelRequest(
            domainName: name(of: id), firstVirq: block.base, count: block.size, totalCount: block.request.count,
            type: block.request.type, affinities: block.affinities, allCPUs: present, device: block.device,
            requesterID: block.requesterID,
            msixTableSize: block.msixTableSize, childHwirqs: childHwirqs)
        let grant = try allocateLevel(levelRequest, path, at: position, of: block, context: &context)
        for offset in 0..<block.size {
            levels.append(IRQLevel(domain: id, hwirq: grant.hwirqs[offset], state: grant.states[offset]))
        }
        if !grant.effects.isEmpty { record(grant.effects, virq: block.base) }
        do {
            try allocateLevels(path, at: position + 1, of: block, childHwirqs: grant.parentHwirqs, context: &context, into: &levels)
        } catch {
            withLevel(id) { domain, context in
                domain.rollback(grant, of: levelRequest, context: context)
                domain.allocatedIRQs -= block.size
            }
            throw error
        }
    }

    /// One level's `allocate`, the block counted in `allocatedIRQs`.
    private mutating func allocateLevel(_ request: LevelRequest, _ path: UnsafeBufferPointer<DomainID>, at position: Int,
                                        of block: BlockAllocation, context: inout LevelContext) throws(ModelError) -> LevelGrant {
        let id = path[position]
        do {
            return try withLevel(id, context: &context) { (domain, context) throws(ModelError) in
                let grant = try domain.allocate(request, context: context)
                domain.allocatedIRQs += block.size
                return grant
            }
        } catch {
            if position + 1 < path.count, case .remapping? = domains[id.index]?.state {
                try allocateAndFreeParent(path[position + 1], of: block, context: &context)
            }
            throw error
        }
    }

    /// What a remapping level's refusal does in Linux, where its alloc op
    /// (`intel_irq_remapping_alloc`, AMD's `irq_remapping_alloc`) allocates the parent's level
    /// first and frees it again (`irq_domain_free_irqs_common`) when its own table refuses:
    /// the parent's error comes first when the parent refuses too, and a managed IRQ's
    /// reservation is freed as `x86_vector_free_irqs` frees it (`irq_matrix_remove_managed`
    /// gives back each CPU's lowest unallocated managed vector, not necessarily the one just
    /// reserved: a residue `World.apply(_:leftResidue:)` journals).
    private mutating func allocateAndFreeParent(_ parent: DomainID, of block: BlockAllocation, context: inout LevelContext) throws(ModelError) {
        let request = LevelRequest(
            domainName: name(of: parent), firstVirq: block.base, count: block.size, totalCount: block.request.count,
            type: block.request.type, affinities: block.affinities, allCPUs: present, device: block.device,
            requesterID: block.requesterID, msixTableSize: block.msixTableSize, childHwirqs: nil)
        try withLevel(parent, context: &context) { (domain, context) throws(ModelError) in
            let grant = try domain.allocate(request, context: context)
            domain.rollback(grant, of: request, context: context)
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
    mutating func freeIRQ(_ virq: VirtualIRQ) throws(ModelError) -> VirqList {
        let (isMultiMSI, blockBase, blockSize) = try blockFacts(of: virq)
        let block: VirqList = isMultiMSI
            ? VirqList((0..<UInt32(blockSize)).map { VirtualIRQ(rawValue: blockBase.rawValue + $0) }.filter { (try? self.irq($0)) != nil })
            : VirqList(virq)
        for member in block.reversed() { release(member) }
        return block
    }

    /// `irq_domain_free_irqs` for one IRQ: shut it down if active, then free each level
    /// outermost first (each `free` op then its parent's), then the virq.
    mutating func release(_ virq: VirtualIRQ) {
        guard var taken = try? takeIRQ(virq) else { return }
        var context = context(for: taken.levels[0].domain)
        if taken.activated { shutdown(&taken, context: &context) }
        // From here the descriptor is only read: a constant is passed to each level without a copy.
        let irq = consume taken
        for depth in irq.levels.indices {
            let effects = withLevel(irq.levels[depth].domain, context: &context) { domain, context in
                let effects = domain.free(irq.levels[depth], of: irq, context: context)
                domain.allocatedIRQs -= 1
                return effects
            }
            record(effects, virq: virq)
        }
        clearSlot(of: virq)
        virqs.free(virq)
    }
}
