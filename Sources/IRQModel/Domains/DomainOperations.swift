/// The verbs a domain kind implements for its own level: the shape of the kernel's
/// `struct irq_domain_ops` plus the chip callbacks msid needs (`irq_set_affinity`,
/// `irq_compose_msi_msg`). One hierarchy walker (`System+Allocate`, `System+Activate`, ...)
/// owns ordering and rollback and calls these one level at a time; a kind implements only its
/// own level. Defaults: no activate/deactivate op, set_affinity goes to the parent
/// (`irq_chip_set_affinity_parent`), and the kind does not compose.
protocol DomainOperations: Sendable {
    /// Reserves this level for `request.count` consecutive IRQs (can fail; nothing is left
    /// behind when it does). Mirrors the kind's `alloc` op.
    mutating func allocate(_ request: LevelRequest, context: LevelContext) throws(ModelError) -> LevelGrant

    /// Undoes exactly a grant of `allocate` whose command failed later.
    mutating func rollback(_ grant: borrowing LevelGrant, of request: LevelRequest, context: LevelContext)

    /// Releases one IRQ's level (the kind's `free` op; the core frees one IRQ at a time).
    mutating func free(_ level: IRQLevel, of irq: IRQDescriptor, context: LevelContext) -> EffectList

    /// Programs the hardware for one IRQ (the kind's `activate` op); called innermost first.
    mutating func activate(_ irq: inout IRQDescriptor, depth: Int, context: inout LevelContext) throws(ModelError) -> EffectList

    /// Undoes `activate`; called outermost first.
    mutating func deactivate(_ irq: inout IRQDescriptor, depth: Int, context: LevelContext) -> EffectList

    /// The chip's set_affinity with `target` = requested ∩ online (never empty).
    mutating func setAffinity(_ irq: inout IRQDescriptor, depth: Int, to target: CPUSet, context: LevelContext) throws(ModelError) -> AffinityStep

    /// Composes the message for `irq` when this kind composes (`irq_compose_msi_msg`).
    mutating func compose(_ irq: inout IRQDescriptor, depth: Int, context: inout LevelContext) -> Composition?

    /// A CPU went offline or came online (`irq_matrix_offline` / `irq_matrix_online`).
    mutating func cpuStateChanged(_ cpu: CPUID, online: Bool)

    /// What `GET .../domains/{domain}` reports.
    func occupancy(context: LevelContext) -> DomainOccupancy
}

extension DomainOperations {
    mutating func rollback(_ grant: borrowing LevelGrant, of request: LevelRequest, context: LevelContext) {}
    mutating func activate(_ irq: inout IRQDescriptor, depth: Int, context: inout LevelContext) throws(ModelError) -> EffectList { EffectList() }
    mutating func deactivate(_ irq: inout IRQDescriptor, depth: Int, context: LevelContext) -> EffectList { EffectList() }
    mutating func setAffinity(_ irq: inout IRQDescriptor, depth: Int, to target: CPUSet, context: LevelContext) throws(ModelError) -> AffinityStep { .forward }
    mutating func compose(_ irq: inout IRQDescriptor, depth: Int, context: inout LevelContext) -> Composition? { nil }
    mutating func cpuStateChanged(_ cpu: CPUID, online: Bool) {}
}

/// What an allocation asks of one level.
struct LevelRequest {
    let domainName: DomainName
    let firstVirq: VirtualIRQ
    /// IRQs in this block: the MSI count, or 1 for an MSI-X entry.
    let count: Int
    /// IRQs in the whole client request (the ITS provisions a new device for all of them).
    let totalCount: Int
    let type: MSIType
    /// Each IRQ's starting affinity and managed flag, by offset in the block.
    let affinities: SmallList<IRQAffinityDesc>
    /// Every CPU of the system (what a nil mask means).
    let allCPUs: CPUSet
    let device: PCIAddress
    /// The requester id the device's writes carry (its own, or its DMA alias's).
    let requesterID: UInt32
    let msixTableSize: Int?
    /// The hwirqs the child level chose for this level (SPIs, LPIs), if it chose.
    let childHwirqs: SmallList<HardwareIRQ>?

    /// Whether the IRQ at `offset` in the block is managed.
    func isManaged(_ offset: Int) -> Bool { affinities[offset].isManaged }
    /// The affinity mask of the IRQ at `offset` in the block (all CPUs by default).
    func affinity(_ offset: Int) -> CPUSet { affinities[offset].mask ?? allCPUs }
}

/// What one level granted: a hwirq and a state per IRQ, and what to ask the parent for.
struct LevelGrant: ~Copyable {
    var hwirqs = SmallList<HardwareIRQ>()
    var states = SmallList<LevelState>()
    var parentHwirqs: SmallList<HardwareIRQ>? = nil
    var effects: [HardwareEffect] = []
    /// The ITS device was created by this grant.
    var createdITSDevice = false

    /// An empty grant, filled IRQ by IRQ.
    init() {}

    init(hwirqs: [HardwareIRQ], states: [LevelState], parentHwirqs: [HardwareIRQ]? = nil) {
        self.hwirqs = SmallList(hwirqs)
        self.states = SmallList(states)
        self.parentHwirqs = parentHwirqs.map { SmallList($0) }
    }
}

/// What every level of one block's allocation shares: the block's virqs and the client's request.
struct BlockAllocation {
    /// The first virq of the block.
    let base: VirtualIRQ
    /// IRQs in the block: the MSI count, or 1 for an MSI-X entry.
    let size: Int
    let request: AllocationRequest
    let device: PCIAddress
    let requesterID: UInt32
    let msixTableSize: Int?
    /// Each IRQ's starting affinity and managed flag.
    let affinities: SmallList<IRQAffinityDesc>
}

/// The system facts and cursors a level may use.
struct LevelContext {
    let architecture: Architecture
    let extendedDestinationID: Bool
    let hardwareIDs: [UInt64]
    let online: CPUSet
    let present: CPUSet
    /// The GICv3 distributor base on arm64 (the Hyper-V host's answer names it).
    let distributorBase: UInt64?
    var cursors: HyperVCursors

    var allCPUs: CPUSet { present }
    func apicID(_ cpu: CPUID) -> APICID { APICID(rawValue: UInt32(truncatingIfNeeded: hardwareIDs[cpu.index])) }
    func mpidr(_ cpu: CPUID) -> MPIDR { MPIDR(rawValue: hardwareIDs[cpu.index]) }
}

/// The per-system cursors of pci-hyperv.c's two round-robins.
public struct HyperVCursors: Hashable, Sendable, Codable {
    /// The rejected v4 activate's static cursor (starts at 0).
    public internal(set) var activate = CPUID(0)
    /// `hv_compose_multi_msi_req_get_cpu`'s cursor (starts at -1, i.e. nil).
    public internal(set) var multiMSI: CPUID?
    public init() {}
}

/// The outcome of one level's set_affinity.
enum AffinityStep {
    /// Not this level's business: ask the parent (`irq_chip_set_affinity_parent`).
    case forward
    /// Nothing moved.
    case unchanged
    /// The target moved; `recompose` is `IRQ_SET_MASK_OK` (the MSI level recomposes and
    /// rewrites the message) as opposed to `IRQ_SET_MASK_OK_DONE`.
    case moved(recompose: Bool, effects: [HardwareEffect])
}

/// A composed message and the effects composing it had (Hyper-V talks to the host).
struct Composition: ~Copyable {
    let message: MSIMessage
    var effects = EffectList()
}

/// Occupancy of a domain's number space.
public struct DomainOccupancy: Hashable, Sendable, Codable {
    /// What is counted: "vectors", "spis", "lpis", "msi-vectors", "msix-entries", "virqs".
    public var unit: String
    public var used: Int
    public var free: Int
    /// Per-CPU vector counters (x86) or LPIs routed per CPU (ITS).
    public var perCPU: [CPUOccupancy]?
    /// x86: IRQs holding a reservation rather than a vector.
    public var reserved: Int?
    /// Sub-ranges (MBI ranges, ITS devices), when the kind has them.
    public var ranges: [RangeOccupancy]?
}

public struct CPUOccupancy: Hashable, Sendable, Codable {
    public var cpu: CPUID
    public var online: Bool
    public var available: Int?
    public var allocated: Int
    public var managed: Int?
    public var managedAllocated: Int?
    /// x86: `available` wrapped below zero, a kernel quirk reproduced (see `VectorMatrix`).
    public var availableWrapped: Bool?
}

public struct RangeOccupancy: Hashable, Sendable, Codable {
    public var name: String
    public var first: UInt32
    public var count: Int
    public var used: Int
}
