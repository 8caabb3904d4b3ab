/// An interrupt remapping unit between the PCI MSI domains and the x86 vector domain: Intel
/// VT-d (`intel-ir`, drivers/iommu/intel/irq_remapping.c, Linux's `INTEL-IR-<n>` domain) or
/// AMD-Vi (`amd-ir`, drivers/iommu/amd/iommu.c, `AMD-IR-<n>`). A device's MSI carries a
/// handle (VT-d) or a table index (AMD) instead of a destination; the table entry (IRTE) holds
/// the vector and the destination, so an affinity change rewrites the IRTE and leaves the
/// device's message alone (`IRQ_SET_MASK_OK_DONE`). Multi-MSI is allowed
/// (`MSI_FLAG_MULTI_PCI_MSI` in both parents' ops).
///
/// Tables: VT-d has one per unit of `entriesPerTable` entries (`INTR_REMAP_TABLE_ENTRIES`,
/// 65,536 in Linux; IRTA.S chooses any power of two), allocated by `alloc_irte` as
/// `bitmap_find_free_region`: a block of the request rounded up to a power of two, aligned to
/// its size, refused above ECAP.MHMV (`maxHandleMask`). AMD has one table per requester id
/// (devices that share a DMA alias share it, as `alloc_irq_table` links aliases), created on
/// first use and never freed, allocated by `alloc_irq_index`: the lowest run of free entries,
/// aligned to the rounded-up count for MSI, unaligned for MSI-X.
///
/// Invariant: every IRQ level of this domain owns its entry in `tables` (VT-d: its block's
/// bits, set once per block; AMD: its own bit), and no entry is owned twice.
public struct InterruptRemappingDomain: Hashable, Sendable, Codable {
    /// `intelIR` or `amdIR`.
    public let kind: DomainKind
    public let format: IRTEFormat
    /// Entries per table (VT-d: the one table; AMD: each device's).
    public let entriesPerTable: Int
    /// VT-d extended interrupt mode (IRTA.EIME, x2APIC): `dest_id` holds the 32-bit APIC ID;
    /// without it the 8-bit xAPIC id in bits 15:8 of `dest_id`. Always true for AMD (its
    /// formats carry the destination directly).
    public let extendedInterruptMode: Bool
    /// VT-d ECAP.MHMV: the largest handle mask (log2 of a multi-MSI block) the unit invalidates.
    public let maxHandleMask: Int
    /// VT-d: the unit's one table (empty on AMD).
    private var unitTable: FixedBitmap
    /// AMD: each requester id's table.
    private var deviceTables: [UInt32: FixedBitmap]

    /// Allocated entries: VT-d's one table under key 0; AMD's by requester id.
    public var tables: [UInt32: FixedBitmap] { kind == .intelIR ? [0: unitTable] : deviceTables }

    /// Runs `body` on the table `key` in place (VT-d: the unit's; AMD: the requester id's,
    /// created empty on first use, as `alloc_irq_table` does): one hash at most, no copy.
    mutating func withTable<R>(_ key: UInt32, _ body: (inout FixedBitmap) -> R) -> R {
        if kind == .intelIR { return body(&unitTable) }
        if let index = deviceTables.index(forKey: key) { return body(&deviceTables.values[index]) }
        var fresh = FixedBitmap(bitCount: entriesPerTable)
        let result = body(&fresh)
        deviceTables[key] = fresh
        return result
    }

    public static let intelTableEntries = 65_536
    public static let amdTableSizes = [256, 512, 2048]

    init(kind: DomainKind, format: IRTEFormat, entriesPerTable: Int, extendedInterruptMode: Bool, maxHandleMask: Int) {
        self.kind = kind
        self.format = format
        self.entriesPerTable = entriesPerTable
        self.extendedInterruptMode = extendedInterruptMode
        self.maxHandleMask = maxHandleMask
        self.unitTable = FixedBitmap(bitCount: kind == .intelIR ? entriesPerTable : 0)
        self.deviceTables = [:]
    }

    /// The entries in use, over every table.
    public var usedEntries: Int { unitTable.setCount + deviceTables.values.reduce(0) { $0 + $1.setCount } }

    private enum CodingKeys: String, CodingKey { case kind, format, entriesPerTable, extendedInterruptMode, maxHandleMask, tables }

    /// One table in the encoded form.
    private struct EncodedTable: Codable {
        let key: UInt32
        let entries: FixedBitmap
    }

    /// Tables are encoded as a list in key order, so equal domains encode equally.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(format, forKey: .format)
        try container.encode(entriesPerTable, forKey: .entriesPerTable)
        try container.encode(extendedInterruptMode, forKey: .extendedInterruptMode)
        try container.encode(maxHandleMask, forKey: .maxHandleMask)
        try container.encode(tables.keys.sorted().compactMap { key in tables[key].map { EncodedTable(key: key, entries: $0) } }, forKey: .tables)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        kind = try container.decode(DomainKind.self, forKey: .kind)
        format = try container.decode(IRTEFormat.self, forKey: .format)
        entriesPerTable = try container.decode(Int.self, forKey: .entriesPerTable)
        extendedInterruptMode = try container.decode(Bool.self, forKey: .extendedInterruptMode)
        maxHandleMask = try container.decode(Int.self, forKey: .maxHandleMask)
        var tables: [UInt32: FixedBitmap] = [:]
        for table in try container.decode([EncodedTable].self, forKey: .tables) {
            guard table.entries.bitCount == entriesPerTable, tables.updateValue(table.entries, forKey: table.key) == nil else {
                throw DecodingError.dataCorruptedError(forKey: .tables, in: container,
                                                       debugDescription: "table \(table.key) is listed twice or is not \(entriesPerTable) entries long")
            }
            tables[table.key] = table.entries
        }
        guard kind == .intelIR ? Array(tables.keys) == [0] : kind == .amdIR else {
            throw DecodingError.dataCorruptedError(forKey: .kind, in: container,
                                                   debugDescription: "a remapping domain is intel-ir (with one table, key 0) or amd-ir")
        }
        self.unitTable = kind == .intelIR ? tables[0] ?? FixedBitmap(bitCount: entriesPerTable) : FixedBitmap(bitCount: 0)
        self.deviceTables = kind == .intelIR ? [:] : tables
    }

    /// Validates a configuration against the system's APIC IDs: VT-d without EIM and the AMD
    /// 32-bit format address 8-bit APIC IDs only.
    static func validate(_ configuration: RemappingConfiguration, apicIDs: [UInt32]) throws(ModelError) {
        let kind = configuration.kind
        let size = configuration.entriesPerTable
        switch kind {
        case .intelIR:
            guard size >= 2, size <= intelTableEntries, size & (size - 1) == 0 else {
                throw .invalidDomainConfiguration(kind: kind, member: "tableEntries",
                                                  reason: "\(size) entries; IRTA.S gives a power of two from 2 to 65536")
            }
            guard (0...15).contains(configuration.maxHandleMask) else {
                throw .invalidDomainConfiguration(kind: kind, member: "maxHandleMask",
                                                  reason: "\(configuration.maxHandleMask); ECAP.MHMV is 0 to 15")
            }
        default:
            guard amdTableSizes.contains(size) else {
                throw .invalidDomainConfiguration(kind: kind, member: "tableEntries",
                                                  reason: "\(size) entries; an AMD-Vi table has 256, 512 or 2048 (NUM_INT_REMAP_SUP_2K)")
            }
        }
        let eightBit = (kind == .intelIR && !configuration.extendedInterruptMode) || configuration.format == .amd32
        if eightBit, let index = apicIDs.firstIndex(where: { $0 > 0xFF }) {
            let member = kind == .intelIR ? "extendedInterruptMode" : "format"
            throw .invalidDomainConfiguration(kind: kind, member: member,
                                              reason: "CPU \(index) has APIC ID 0x\(String(apicIDs[index], radix: 16)); \(kind == .intelIR ? "xAPIC-mode IRTEs" : "32-bit IRTEs") address APIC IDs up to 0xff only")
        }
    }

    /// The table key of a requester: VT-d's one table, or AMD's table of that requester id.
    func tableKey(requesterID: UInt32) -> UInt32 { kind == .intelIR ? 0 : requesterID }

    /// The message the device writes for an IRQ at `level`.
    func message(for level: RemappingLevel) -> MSIMessage {
        kind == .intelIR
            ? RemappableMessage.vtd(index: level.base, subhandle: level.offset)
            : RemappableMessage.amd(index: level.base + level.offset, twoKEntryTables: entriesPerTable == 2048)
    }

    /// The table entry `irq`'s remapped IRTE should hold for its current vector and CPU (the
    /// x86 vector level's assignment), as `intel_ir_reconfigure_irte` and `amd_ir_update_irte`
    /// take them from `irqd_cfg`; nil while the vector level holds no vector.
    func retargeted(_ entry: RemappingEntry, for irq: IRQDescriptor, context: LevelContext) -> RemappingEntry? {
        guard case .x86Vector(let root)? = irq.levels.last?.state, let assignment = root.assignment else { return nil }
        var updated = entry
        updated.retarget(vector: assignment.vector, apicID: context.apicID(assignment.cpu), extendedInterruptMode: extendedInterruptMode)
        return updated
    }
}

/// The configuration of a new `intel-ir` or `amd-ir` domain (api.md: the members beside `kind`).
///
/// Stored in 8 bytes: a `DomainConfiguration` is as large as its largest case, and every
/// `createDomain` command carries one.
public struct RemappingConfiguration: Hashable, Sendable, Codable {
    public var kind: DomainKind
    private var entries: UInt32
    /// VT-d EIM (default true).
    public var extendedInterruptMode: Bool
    private var handleMask: UInt8
    /// `vt-d` for Intel; `amd-128` (GA, Linux's default where the IOMMU has it) or `amd-32`.
    public var format: IRTEFormat

    /// VT-d: 2 to 65536 (default 65536); AMD: 256, 512 (default) or 2048.
    public var entriesPerTable: Int { Int(entries) }
    /// VT-d ECAP.MHMV (default 15).
    public var maxHandleMask: Int { Int(handleMask) }

    private enum CodingKeys: String, CodingKey { case kind, entries = "entriesPerTable", extendedInterruptMode, handleMask = "maxHandleMask", format }

    /// Out-of-range sizes and masks are clamped into their fields' widths; `validate` then
    /// refuses them (the service refuses them earlier, naming the member).
    public init(kind: DomainKind, entriesPerTable: Int? = nil, extendedInterruptMode: Bool = true,
                maxHandleMask: Int = 15, format: IRTEFormat? = nil) {
        self.kind = kind
        let entries = entriesPerTable ?? (kind == .intelIR ? InterruptRemappingDomain.intelTableEntries : 512)
        self.entries = UInt32(clamping: entries)
        self.extendedInterruptMode = kind == .intelIR ? extendedInterruptMode : true
        self.handleMask = UInt8(clamping: maxHandleMask)
        self.format = kind == .intelIR ? .vtd : (format ?? .amd128)
    }
}

/// An IRQ's state at a remapping level (`struct intel_ir_data` / `struct amd_ir_data`), kept
/// in 32 bytes: every IRQ level of every hierarchy is as large as the largest level state,
/// so this one must not be larger than the others. The entry the table holds is not stored
/// but derived: it is always one of the all-zero entry, the cached entry, AMD's
/// allocated-but-unwritten marker, or the posted entry built from the cached one.
public struct RemappingLevel: Hashable, Sendable {
    /// What the table holds for this IRQ.
    enum Written: UInt8, Hashable, Sendable {
        /// All zero (VT-d: never activated, or deactivated).
        case cleared
        /// The cached remapped entry.
        case cached
        /// AMD `set_allocated`'s marker (`IRTE_ALLOCATED`, or vector 0xFF in GA mode).
        case marker
        /// The VT-d posted entry for `posted`.
        case posted
    }

    private let tableKey: UInt16
    private let baseIndex: UInt16
    private let blockOffset: UInt8
    /// log2 of the block's entries (VT-d `irte_mask`; 0 for one IRQ).
    public let order: UInt8
    public let format: IRTEFormat
    var written: Written
    private var cachedLow: UInt64
    private var cachedHigh: UInt64
    /// A posted target: bit 63 set, bit 62 urgent, bits 61:54 the vector, bits 45:0 the
    /// descriptor's address bits 51:6 (x86 physical addresses have at most 52 bits). 0: none.
    private var postedWord: UInt64

    /// A new IRQ's level: the table holds `written` (`.cleared` or `.marker`).
    init(table: UInt32, base: UInt32, offset: UInt32, order: UInt8, cached: RemappingEntry, written: Written) {
        tableKey = UInt16(truncatingIfNeeded: table)
        baseIndex = UInt16(truncatingIfNeeded: base)
        blockOffset = UInt8(truncatingIfNeeded: offset)
        self.order = order
        format = cached.format
        self.written = written
        cachedLow = cached.low
        cachedHigh = cached.high
        postedWord = 0
    }

    /// A level as a snapshot states it; nil when `hardware` is none of the entries the table
    /// can hold for it (see the type's doc comment), or the numbers do not fit.
    package init?(table: UInt32, base: UInt32, offset: UInt32, order: UInt8, cached: RemappingEntry,
                  hardware: RemappingEntry, posted: PostedTarget?) {
        guard table <= 0xFFFF, base <= 0xFFFF, offset <= 0xFF, order <= 16, hardware.format == cached.format,
              posted.map({ RemappingLevel.canPost($0) && cached.format == .vtd }) ?? true else { return nil }
        self.init(table: table, base: base, offset: offset, order: order, cached: cached, written: .cleared)
        if let posted {
            post(posted)
        } else if hardware == cached {
            written = .cached
        } else if hardware == .amdAllocatedMarker(format), format != .vtd {
            written = .marker
        } else if hardware != .zero(format) {
            return nil
        }
        guard self.hardware == hardware else { return nil }
    }

    /// Whether a posted-interrupt descriptor can be stored: 64-byte aligned, below 2^52.
    static func canPost(_ target: PostedTarget) -> Bool {
        target.descriptor & 0x3F == 0 && target.descriptor >> 52 == 0
    }

    /// The table (AMD: the requester id whose table holds the entry; VT-d: 0).
    public var table: UInt32 { UInt32(tableKey) }
    /// The block's first entry (VT-d: the handle, `irte_index`; AMD: the allocation's index).
    public var base: UInt32 { UInt32(baseIndex) }
    /// The IRQ's place in its block (VT-d: the sub-handle; AMD: added to `base`).
    public var offset: UInt32 { UInt32(blockOffset) }
    /// The entry's index in its table.
    public var index: UInt32 { base + offset }

    /// The remapped-mode entry the driver keeps (`irte_entry` / `entry`): what activation and
    /// leaving posted mode write.
    public internal(set) var cached: RemappingEntry {
        get { RemappingEntry(format: format, low: cachedLow, high: cachedHigh) }
        set {
            cachedLow = newValue.low
            cachedHigh = newValue.high
        }
    }

    /// The vCPU the entry posts to (VT-d posted mode, `IRQ_POSTING`); nil in remapped mode.
    public var posted: PostedTarget? {
        guard postedWord >> 63 == 1 else { return nil }
        return PostedTarget(vector: Vector(rawValue: UInt8(truncatingIfNeeded: postedWord >> 54)),
                            descriptor: (postedWord & 0x3FFF_FFFF_FFFF) << 6, urgent: postedWord >> 62 & 1 == 1)
    }

    /// The entry as it is in the table now.
    public var hardware: RemappingEntry {
        switch written {
        case .cleared: .zero(format)
        case .cached: cached
        case .marker: .amdAllocatedMarker(format)
        case .posted: posted.map { cached.vtdPosted(to: $0) } ?? cached
        }
    }

    /// The table now holds the cached entry (and the IRQ is not posted).
    mutating func writeCached() {
        written = .cached
        postedWord = 0
    }

    /// The table now holds zeros (and the IRQ is not posted).
    mutating func clear() {
        written = .cleared
        postedWord = 0
    }

    /// The table now holds the posted entry for `target` (`canPost(target)` holds).
    mutating func post(_ target: PostedTarget) {
        written = .posted
        postedWord = 1 << 63 | (target.urgent ? 1 << 62 : 0) | UInt64(target.vector.rawValue) << 54 | (target.descriptor >> 6) & 0x3FFF_FFFF_FFFF
    }
}

extension RemappingLevel: Codable {
    private enum CodingKeys: String, CodingKey { case table, base, offset, order, cached, hardware, posted }

    /// Encoded with the entry the table holds, so a snapshot reads as the table does.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(table, forKey: .table)
        try container.encode(base, forKey: .base)
        try container.encode(offset, forKey: .offset)
        try container.encode(order, forKey: .order)
        try container.encode(cached, forKey: .cached)
        try container.encode(hardware, forKey: .hardware)
        try container.encodeIfPresent(posted, forKey: .posted)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard let level = RemappingLevel(
            table: try container.decode(UInt32.self, forKey: .table), base: try container.decode(UInt32.self, forKey: .base),
            offset: try container.decode(UInt32.self, forKey: .offset), order: try container.decode(UInt8.self, forKey: .order),
            cached: try container.decode(RemappingEntry.self, forKey: .cached),
            hardware: try container.decode(RemappingEntry.self, forKey: .hardware),
            posted: try container.decodeIfPresent(PostedTarget.self, forKey: .posted)) else {
            throw DecodingError.dataCorruptedError(forKey: .hardware, in: container,
                                                   debugDescription: "the entry is none the table can hold for this IRQ, or a number is out of range")
        }
        self = level
    }
}
