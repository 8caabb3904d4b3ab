/// One CPU of a system.
public struct CPU: Hashable, Sendable, Codable {
    public let id: CPUID
    /// The x86 APIC ID or the arm64 MPIDR affinity value.
    public let hardwareID: UInt64
    public internal(set) var online: Bool
    /// The CPU's NUMA node (`cpu_to_node`); 0 on a system described without a layout.
    public let numaNode: Int

    public init(id: CPUID, hardwareID: UInt64, online: Bool, numaNode: Int = 0) {
        self.id = id
        self.hardwareID = hardwareID
        self.online = online
        self.numaNode = numaNode
    }

    private enum CodingKeys: String, CodingKey { case id, hardwareID, online, numaNode }

    /// Snapshots from before NUMA layouts have no `numaNode`: those CPUs are on node 0.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(CPUID.self, forKey: .id)
        hardwareID = try container.decode(UInt64.self, forKey: .hardwareID)
        online = try container.decode(Bool.self, forKey: .online)
        numaNode = try container.decodeIfPresent(Int.self, forKey: .numaNode) ?? 0
    }
}

/// What is needed to create a system (api.md `POST /systems`).
public struct SystemSpec: Hashable, Sendable, Codable {
    public var name: SystemName
    public var architecture: Architecture
    /// CPU i has hardware id `hardwareIDs[i]`.
    public var hardwareIDs: [UInt64]
    /// x86 only: MSI addresses carry APIC ID bits 14:8 in address bits 11:5.
    public var extendedDestinationID: Bool
    public var firstVirq: VirtualIRQ?
    /// How many hardware events the system's trail retains.
    public var eventCapacity: Int
    /// CPU i's NUMA node (`cpu_to_node`); nil puts every CPU on node 0.
    public var numaNodes: [Int]?

    public init(name: SystemName, architecture: Architecture, hardwareIDs: [UInt64],
                extendedDestinationID: Bool = false, firstVirq: VirtualIRQ? = nil,
                eventCapacity: Int = EventTrail.defaultCapacity) {
        self.name = name
        self.architecture = architecture
        self.hardwareIDs = hardwareIDs
        self.extendedDestinationID = extendedDestinationID
        self.firstVirq = firstVirq
        self.eventCapacity = eventCapacity
    }

    /// A system of `count` CPUs where CPU i has hardware id i.
    public init(name: SystemName, architecture: Architecture, cpuCount: Int, extendedDestinationID: Bool = false,
                firstVirq: VirtualIRQ? = nil) {
        self.init(name: name, architecture: architecture, hardwareIDs: (0..<max(0, cpuCount)).map { UInt64($0) },
                  extendedDestinationID: extendedDestinationID, firstVirq: firstVirq)
    }
}

/// One machine: its CPUs, its domain hierarchy, its live IRQs and its event trail.
///
/// Invariants (`checkInvariants()`): every live IRQ has one level per domain on the path from
/// its `pci-msi` domain to the root, outermost first; each domain's `allocatedIRQs` counts the
/// live IRQs with a level in it; the vector matrix, bitmaps and virq space pass their own
/// checks; effective CPUs are online; the decode index holds exactly the live messages.
public struct System: Hashable, Sendable {
    /// Node ids run from 0 to 1023 (`MAX_NUMNODES` with x86_64's and arm64's `NODES_SHIFT` 10).
    public static let maxNUMANodes = 1024
    public let name: SystemName
    public let architecture: Architecture
    public let extendedDestinationID: Bool
    public internal(set) var cpus: [CPU]
    public internal(set) var online: CPUSet
    /// All CPUs (Hyper-V has no CPU hot-add: present = possible).
    public let present: CPUSet
    /// CPU i's hardware id (shared with every level context without copying).
    let hardwareIDs: [UInt64]
    /// The root domain, once created.
    var rootID: DomainID?
    /// The GICv3 distributor base of an arm64 system's root, once created.
    var distributorBase: UInt64?
    /// Domains by id; nil where one was deleted (ids are never reused).
    var domains: [Domain?] = []
    var domainIDs: [DomainName: DomainID] = [:]
    /// Live IRQs indexed by virq; trailing nils trimmed.
    var irqs: [IRQDescriptor?] = []
    public internal(set) var virqs: VirqSpace
    public internal(set) var events: EventTrail
    public internal(set) var cursors = HyperVCursors()
    /// Which IRQs each live message reaches (the inverse of composition).
    var decodeIndex = DecodeIndex()
    /// The domain an allocation named last (checked against the table on every hit, so a
    /// deleted or renumbered domain is never returned).
    private var recentDomain = LookupMemo<DomainName, DomainID>()

    /// Builds a system after validating its CPUs (count, unique hardware ids, addressability).
    public init(_ spec: SystemSpec) throws(ModelError) {
        let count = spec.hardwareIDs.count
        guard count >= 1 && count <= CPUSet.capacity else {
            throw .invalidSystemConfiguration(reason: "a system has 1 to \(CPUSet.capacity) CPUs; \(count) were given")
        }
        guard Set(spec.hardwareIDs).count == count else {
            throw .invalidSystemConfiguration(reason: "two CPUs have the same hardware id")
        }
        switch spec.architecture {
        case .x86_64:
            let limit = spec.extendedDestinationID ? APICID.maxWithExtendedID : APICID.maxWithoutExtendedID
            for (index, id) in spec.hardwareIDs.enumerated() where id > UInt64(limit) {
                throw .unaddressableAPICID(cpu: CPUID(index), apicID: APICID(rawValue: UInt32(truncatingIfNeeded: id)),
                                           extendedDestinationID: spec.extendedDestinationID)
            }
        case .arm64:
            if spec.extendedDestinationID {
                throw .invalidSystemConfiguration(reason: "extendedDestinationId applies to x86_64 systems only")
            }
            for (index, id) in spec.hardwareIDs.enumerated() where id & ~MPIDR.affinityMask != 0 {
                throw .invalidSystemConfiguration(
                    reason: "CPU \(index): MPIDR 0x\(String(id, radix: 16)) has bits outside Aff3..Aff0 (mask 0xff00ffffff)")
            }
        }
        let first = spec.firstVirq ?? spec.architecture.defaultFirstVirq
        guard first.rawValue >= 1 && first.rawValue < VirqSpace.limit else {
            throw .invalidSystemConfiguration(reason: "firstVirq must be 1 to \(VirqSpace.limit - 1); virq 0 is never handed out")
        }
        guard spec.eventCapacity >= 1 else { throw .invalidSystemConfiguration(reason: "the event capacity must be at least 1") }
        let nodes = spec.numaNodes ?? Array(repeating: 0, count: count)
        guard nodes.count == count else {
            throw .invalidSystemConfiguration(reason: "numaNodes names \(nodes.count) nodes for \(count) CPUs")
        }
        if let bad = nodes.firstIndex(where: { !(0..<System.maxNUMANodes).contains($0) }) {
            throw .invalidSystemConfiguration(reason: "CPU \(bad): NUMA node \(nodes[bad]) is outside 0-\(System.maxNUMANodes - 1) (MAX_NUMNODES with NODES_SHIFT 10)")
        }
        self.name = spec.name
        self.architecture = spec.architecture
        self.extendedDestinationID = spec.extendedDestinationID
        self.cpus = spec.hardwareIDs.enumerated().map {
            CPU(id: CPUID($0.offset), hardwareID: $0.element, online: true, numaNode: nodes[$0.offset])
        }
        self.hardwareIDs = spec.hardwareIDs
        self.present = CPUSet.range(0..<count)
        self.online = present
        self.virqs = VirqSpace(first: first)
        self.events = EventTrail(capacity: spec.eventCapacity)
    }

    // MARK: Lookups

    func domainID(_ name: DomainName) throws(ModelError) -> DomainID {
        guard let id = domainIDs[name] else { throw .domainNotFound(system: self.name, domain: name) }
        return id
    }

    /// `domainID(_:)` remembered for the next command: a device's allocations come in runs.
    mutating func recentDomainID(_ name: DomainName) throws(ModelError) -> DomainID {
        if let id = recentDomain.place(of: name), withDomains({ id.index < $0.count && $0[id.index]?.name == name }) {
            return id
        }
        let id = try domainID(name)
        recentDomain.remember(name, at: id)
        return id
    }

    /// The domain with this id (an internal invariant: ids stored in levels are live).
    func domain(_ id: DomainID) -> Domain {
        guard let domain = domains[id.index] else { preconditionFailure("dangling domain id \(id)") }
        return domain
    }

    func irq(_ virq: VirtualIRQ) throws(ModelError) -> IRQDescriptor {
        let index = Int(virq.rawValue)
        guard index < irqs.count, let irq = irqs[index] else { throw .irqNotFound(system: name, virq: virq) }
        return irq
    }

    /// Runs `body` on a live IRQ in place in the table (no copy of its levels).
    func withIRQ<R>(_ virq: VirtualIRQ, _ body: (borrowing IRQDescriptor) -> R) throws(ModelError) -> R {
        let index = Int(virq.rawValue)
        let result: R? = irqs.withUnsafeBufferPointer { slots in
            index < slots.count ? slots[index].map(body) : nil
        }
        guard let result else { throw .irqNotFound(system: name, virq: virq) }
        return result
    }

    /// Whether a live IRQ belongs to a multi-MSI block, and the block: its members read in
    /// place (a closure given the descriptor, as `withIRQ` does, costs a copy of it).
    func blockFacts(of virq: VirtualIRQ) throws(ModelError) -> (isMultiMSI: Bool, base: VirtualIRQ, size: Int) {
        let index = Int(virq.rawValue)
        let facts = irqs.withUnsafeBufferPointer { slots -> (type: MSIType, base: VirtualIRQ, size: Int)? in
            guard index < slots.count, let type = slots[index]?.type, let base = slots[index]?.blockBase,
                  let size = slots[index]?.blockSize else { return nil }
            return (type, base, size)
        }
        guard let facts else { throw .irqNotFound(system: name, virq: virq) }
        return (IRQDescriptor.isMultiMSI(type: facts.type, blockSize: facts.size), facts.base, facts.size)
    }

    /// Moves a live IRQ out of the table while it changes, so its storage is uniquely
    /// referenced (no copy-on-write copy of its levels); `store(_:)` puts it back.
    mutating func takeIRQ(_ virq: VirtualIRQ) throws(ModelError) -> IRQDescriptor {
        let index = Int(virq.rawValue)
        guard index < irqs.count else { throw .irqNotFound(system: name, virq: virq) }
        var taken: IRQDescriptor?
        swap(&taken, &irqs[index])
        guard let irq = taken else { throw .irqNotFound(system: name, virq: virq) }
        return irq
    }

    /// Stores a changed descriptor back into its (empty) slot, moving it rather than copying:
    /// the caller's descriptor is left in the table, so no retain of its levels is needed.
    mutating func store(_ irq: consuming IRQDescriptor) {
        let index = Int(irq.virq.rawValue)
        var slot: IRQDescriptor? = consume irq
        swap(&slot, &irqs[index])
    }

    /// Makes `irqs[virq]` addressable: appends empty slots up to it.
    ///
    /// - Complexity: amortized O(1) per slot. Appending grows the table geometrically; an
    ///   exact `reserveCapacity(index + 1)` here would reallocate (and copy the whole table) on
    ///   every new virq, which made allocating 100,000 IRQs one by one quadratic.
    mutating func reserveSlot(for virq: VirtualIRQ) {
        let index = Int(virq.rawValue)
        while irqs.count <= index { irqs.append(nil) }
    }

    /// Empties the slot of `virq` and trims the trailing empty slots (the table stays
    /// canonical: no trailing nil). Slots are tested in place, without copying a descriptor.
    mutating func clearSlot(of virq: VirtualIRQ) {
        let index = Int(virq.rawValue)
        guard index < irqs.count else { return }
        let (occupied, kept) = irqs.withUnsafeBufferPointer { slots in
            var count = slots.count
            while count > 0, count - 1 == index || !slots[count - 1].isPresent { count -= 1 }
            return (slots[index].isPresent, count)
        }
        if occupied { irqs[index] = nil }
        for _ in kept ..< irqs.count { irqs.removeLast() }
    }

    /// The name of a live domain, read in place.
    func name(of id: DomainID) -> DomainName {
        guard let name = withDomains({ $0[id.index]?.name }) else { preconditionFailure("dangling domain id \(id)") }
        return name
    }

    /// Reads the domain table in place: a field read through the buffer copies that field, not
    /// the whole domain (subscripting the array copies every member of the `Domain?` element).
    /// `body` must read only indices below the table's count.
    func withDomains<R>(_ body: (UnsafeBufferPointer<Domain?>) -> R) -> R {
        domains.withUnsafeBufferPointer(body)
    }

    /// The level context for a domain.
    func context(for id: DomainID) -> LevelContext {
        return LevelContext(architecture: architecture, extendedDestinationID: extendedDestinationID,
                            hardwareIDs: hardwareIDs, online: online, present: present,
                            distributorBase: distributorBase, cursors: cursors)
    }

    /// Runs one level operation on a domain (its `Domain+Operations` verbs), carrying the cursors
    /// in and out of its context.
    mutating func withLevel<R: ~Copyable, E: Error>(_ id: DomainID, _ body: (inout Domain, inout LevelContext) throws(E) -> R) throws(E) -> R {
        var context = context(for: id)
        return try withLevel(id, context: &context, body)
    }

    /// The same with a context the caller made (`context(for:)`) and reuses for the levels of
    /// one command: the system facts do not change within a command, and the cursors the
    /// context carries are the system's, written back after each level as above.
    mutating func withLevel<R: ~Copyable, E: Error>(_ id: DomainID, context: inout LevelContext,
                                         _ body: (inout Domain, inout LevelContext) throws(E) -> R) throws(E) -> R {
        defer { cursors = context.cursors }
        return try modifyDomain(id) { (domain) throws(E) -> R in try body(&domain, &context) }
    }

    /// Runs `body` on a live domain in place, through the table's span: neither the `Domain?`
    /// element nor its storage is copied on the way in or out. (Testing the element for nil
    /// first, by `!= nil`, a pattern or a member, copies the whole `Domain` on this mutable
    /// path: +90 to +3,600 instructions per IRQ operation; optional chaining does not.)
    ///
    /// `id` must be live (an internal invariant: ids come from levels and paths, never from
    /// input).
    mutating func modifyDomain<R: ~Copyable, E: Error>(_ id: DomainID, _ body: (inout Domain) throws(E) -> R) throws(E) -> R {
        var span = domains.mutableSpan
        guard id.index < span.count, let result = try span[id.index]?.modify(body) else {
            preconditionFailure("dangling domain id \(id)")
        }
        return result
    }

    /// The number of domains from `id` to the root, both included.
    func pathDepth(from id: DomainID) -> Int {
        withDomains { domains in
            var depth = 1
            var current = id
            while current.index < domains.count, let parent = domains[current.index]?.parent {
                depth += 1
                current = parent
            }
            precondition(current.index < domains.count, "dangling domain id \(current)")
            return depth
        }
    }

    /// Writes the domain ids from `id` to the root, outermost first, into the start of
    /// `storage` (at least `pathDepth(from: id)` long) and returns the initialized part.
    func fillPath(_ storage: UnsafeMutableBufferPointer<DomainID>, from id: DomainID) -> UnsafeMutableBufferPointer<DomainID> {
        withDomains { domains in
            var count = 0
            var current: DomainID? = id
            while let next = current, count < storage.count {
                storage.initializeElement(at: count, to: next)
                count += 1
                current = next.index < domains.count ? domains[next.index]?.parent : nil
            }
            return UnsafeMutableBufferPointer(rebasing: storage[..<count])
        }
    }

    /// Domain ids from `id` to the root, outermost first.
    func path(from id: DomainID) -> [DomainID] {
        withDomains { domains in
            var result: [DomainID] = []
            result.reserveCapacity(4)
            result.append(id)
            var current = id
            while current.index < domains.count, let parent = domains[current.index]?.parent {
                result.append(parent)
                current = parent
            }
            precondition(current.index < domains.count, "dangling domain id \(current)")
            return result
        }
    }

    /// Live IRQs in ascending virq order.
    public var liveIRQs: [IRQDescriptor] { irqs.compactMap { $0 } }

    /// The number of live IRQs. - Complexity: O(1).
    public var liveIRQCount: Int { virqs.liveCount }

    /// The number of domains. - Complexity: O(1).
    public var domainCount: Int { domainIDs.count }

    /// All live domains in creation order.
    public var allDomains: [Domain] { domains.compactMap { $0 } }

    /// What a refused allocation along `path` can change for good, as the kernel's own failure
    /// paths do: the x86 managed reservations (`irq_matrix_remove_managed` gives back the lowest
    /// unused vector, not the one reserved) and the PCI devices sharing ITS devices. No other
    /// domain takes part. Equal before and after a refused allocation means it left nothing.
    /// - Complexity: O(path length).
    func residueFingerprint(_ path: UnsafeBufferPointer<DomainID>) -> UInt64 {
        withDomains { domains in
            var fingerprint: UInt64 = 0
            for id in path where id.index < domains.count {
                switch domains[id.index]?.state {
                case .x86Vector(let vectors)?: fingerprint ^= vectors.matrix.managedFingerprint
                case .gicv3ITS(let its)?: fingerprint &+= UInt64(its.sharerCount) &* 0x9E37_79B9_7F4A_7C15
                default: break
                }
            }
            return fingerprint
        }
    }

    /// Whether an allocation along `path` can leave a change behind when refused: one with a
    /// managed vector (x86 managed reservations), or one through an ITS (sharing).
    func mayLeaveResidue(_ path: UnsafeBufferPointer<DomainID>, _ request: AllocationRequest) -> Bool {
        if request.managed { return true }
        return withDomains { domains in
            path.contains { id in id.index < domains.count && domains[id.index]?.kind == .gicv3ITS }
        }
    }

    /// Lends the system, reached through a modify accessor, to a reader (see `World.withSystem`).
    mutating func borrowInPlace<R>(_ body: (borrowing System) throws(ModelError) -> R) throws(ModelError) -> R {
        try body(self)
    }

    /// Runs a command's `body`, committing the event trail on success and restoring the trail
    /// and cursors on failure (the levels roll themselves back through their free paths).
    mutating func transaction(_ body: (inout System) throws(ModelError) -> Outcome) throws(ModelError) -> Outcome {
        let mark = events.mark
        let saved = cursors
        do {
            let outcome = try body(&self)
            events.commit()
            return outcome
        } catch {
            events.rollback(to: mark)
            cursors = saved
            throw error
        }
    }

    /// Appends effects to the trail, attributed to `virq`.
    mutating func record(_ effects: [HardwareEffect], virq: VirtualIRQ?) {
        for effect in effects { events.append(effect, virq: virq) }
    }

    /// Appends a level operation's effects to the trail, attributed to `virq`.
    mutating func record(_ effects: consuming EffectList, virq: VirtualIRQ?) {
        guard let first = effects.first else { return }
        events.append(first, virq: virq)
        if let second = effects.second { events.append(second, virq: virq) }
    }

    mutating func record(_ effect: HardwareEffect, virq: VirtualIRQ?) { events.append(effect, virq: virq) }
}
