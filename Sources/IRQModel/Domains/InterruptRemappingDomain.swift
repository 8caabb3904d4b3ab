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
    public var usedEntries: Int { tables.values.reduce(0) { $0 + $1.setCount } }

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
public struct RemappingConfiguration: Hashable, Sendable, Codable {
    public var kind: DomainKind
    /// VT-d: 2 to 65536 (default 65536); AMD: 256, 512 (default) or 2048.
    public var entriesPerTable: Int
    /// VT-d EIM (default true).
    public var extendedInterruptMode: Bool
    /// VT-d ECAP.MHMV (default 15).
    public var maxHandleMask: Int
    /// `vt-d` for Intel; `amd-128` (GA, Linux's default where the IOMMU has it) or `amd-32`.
    public var format: IRTEFormat

    public init(kind: DomainKind, entriesPerTable: Int? = nil, extendedInterruptMode: Bool = true,
                maxHandleMask: Int = 15, format: IRTEFormat? = nil) {
        self.kind = kind
        self.entriesPerTable = entriesPerTable ?? (kind == .intelIR ? InterruptRemappingDomain.intelTableEntries : 512)
        self.extendedInterruptMode = kind == .intelIR ? extendedInterruptMode : true
        self.maxHandleMask = maxHandleMask
        self.format = kind == .intelIR ? .vtd : (format ?? .amd128)
    }
}

/// An IRQ's state at a remapping level (`struct intel_ir_data` / `struct amd_ir_data`).
public struct RemappingLevel: Hashable, Sendable, Codable {
    /// The table (AMD: the requester id whose table holds the entry; VT-d: 0).
    public let table: UInt32
    /// The block's first entry (VT-d: the handle, `irte_index`; AMD: the allocation's index).
    public let base: UInt32
    /// The IRQ's place in its block (VT-d: the sub-handle; AMD: added to `base`).
    public let offset: UInt32
    /// log2 of the block's entries (VT-d `irte_mask`; 0 for one IRQ).
    public let order: UInt8
    /// The remapped-mode entry the driver keeps (`irte_entry` / `entry`): what activation and
    /// leaving posted mode write.
    public internal(set) var cached: RemappingEntry
    /// The entry as it is in the table now.
    public internal(set) var hardware: RemappingEntry
    /// The vCPU the entry posts to (VT-d posted mode, `IRQ_POSTING`); nil in remapped mode.
    public internal(set) var posted: PostedTarget?

    package init(table: UInt32, base: UInt32, offset: UInt32, order: UInt8, cached: RemappingEntry,
                 hardware: RemappingEntry, posted: PostedTarget? = nil) {
        self.table = table
        self.base = base
        self.offset = offset
        self.order = order
        self.cached = cached
        self.hardware = hardware
        self.posted = posted
    }

    /// The entry's index in its table.
    public var index: UInt32 { base + offset }
}
