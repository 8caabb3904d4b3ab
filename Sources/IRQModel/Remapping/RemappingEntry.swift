/// The layout of one interrupt remapping table entry.
public enum IRTEFormat: String, Hashable, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// Intel VT-d, 128 bits: `struct irte` (include/linux/dmar.h), the VT-d specification's
    /// "Interrupt Remapping Table Entry (IRTE) for Remapped Interrupts" and "... for Posted
    /// Interrupts" (chapter 9, "Translation Structure Formats").
    case vtd = "vt-d"
    /// AMD-Vi legacy, 32 bits: `union irte` (drivers/iommu/amd/amd_iommu_types.h); 8-bit destination.
    case amd32 = "amd-32"
    /// AMD-Vi guest virtual APIC (GA) format, 128 bits: `struct irte_ga` (`irte_ga_lo`,
    /// `irte_ga_hi`); 32-bit destination split 24 + 8.
    case amd128 = "amd-128"

    /// Bytes per entry in the table.
    public var size: Int { self == .amd32 ? 4 : 16 }
    public var description: String { rawValue }
}

/// One interrupt remapping table entry as the IOMMU reads it: `low` holds bits 63:0 and `high`
/// bits 127:64 (always 0 in the 32-bit AMD format, whose entry is `low`'s bits 31:0).
/// The field accessors read the layout of `format`; the builders are the kernel's
/// (`prepare_irte`, `irte_prepare`, `irte_ga_prepare`, `intel_ir_set_vcpu_affinity`).
public struct RemappingEntry: Hashable, Sendable, Codable {
    // The words first, the format last: 17 bytes, so that an event carrying an entry stays
    // within the size of the largest other event.
    public internal(set) var low: UInt64
    public internal(set) var high: UInt64
    public let format: IRTEFormat

    private enum CodingKeys: String, CodingKey { case format, low, high }

    package init(format: IRTEFormat, low: UInt64, high: UInt64) {
        self.format = format
        self.low = low
        self.high = high
    }

    /// An all-zero entry (not present), as `intel_irq_remapping_deactivate` writes it.
    static func zero(_ format: IRTEFormat) -> RemappingEntry { RemappingEntry(format: format, low: 0, high: 0) }

    /// The entry's bytes as they lie in the table (little-endian; 4 or 16).
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(format.size)
        for shift in stride(from: 0, to: min(64, format.size * 8), by: 8) { out.append(UInt8(truncatingIfNeeded: low >> UInt64(shift))) }
        if format.size == 16 {
            for shift in stride(from: 0, to: 64, by: 8) { out.append(UInt8(truncatingIfNeeded: high >> UInt64(shift))) }
        }
        return out
    }

    /// Bits `range` of `word`, shifted down.
    @inline(__always)
    func bits(_ word: UInt64, _ range: ClosedRange<Int>) -> UInt64 {
        (word >> UInt64(range.lowerBound)) & (range.count == 64 ? ~0 : (1 << UInt64(range.count)) - 1)
    }

    /// Which 64-bit half of the entry a field lives in.
    enum Half { case low, high }

    /// Sets bits `range` of one half to `value` (truncated to the field).
    @inline(__always)
    mutating func set(_ half: Half, _ range: ClosedRange<Int>, _ value: UInt64) {
        let mask: UInt64 = (range.count == 64 ? ~0 : (1 << UInt64(range.count)) - 1) << UInt64(range.lowerBound)
        switch half {
        case .low: low = (low & ~mask) | ((value << UInt64(range.lowerBound)) & mask)
        case .high: high = (high & ~mask) | ((value << UInt64(range.lowerBound)) & mask)
        }
    }
}

// MARK: - Intel VT-d

/// Source-id validation of a VT-d IRTE (bits 83:64): which requester ids may use the entry.
public struct SourceValidation: Hashable, Sendable, Codable {
    /// SVT: 0 none, 1 requester id with `sq`, 2 bus range (`sid` = start bus << 8 | end bus).
    public let svt: UInt8
    /// SQ: which bits of the requester id are compared (0: all 16).
    public let sq: UInt8
    public let sid: UInt16

    /// `SVT_VERIFY_SID_SQ`, `SVT_VERIFY_BUS` (drivers/iommu/intel/irq_remapping.c).
    public static let verifySID: UInt8 = 1
    public static let verifyBus: UInt8 = 2

    /// `set_msi_sid` for a PCI device: its own requester id (SVT 1, SQ 0) unless its writes
    /// carry a DMA alias on another bus (a PCIe-to-PCI bridge's secondary bus, devfn 0, the
    /// case `DomainConfiguration.pciMSI`'s `dmaAlias` describes): then only the bus range from
    /// the alias's bus to the device's is verified (`set_irte_verify_bus`), since the bridge
    /// (on its own, upstream bus) reported the alias.
    static func forMSI(device: PCIAddress, requesterID: UInt32) -> SourceValidation {
        let own = device.requesterID
        guard requesterID != own else { return SourceValidation(svt: verifySID, sq: 0, sid: UInt16(own)) }
        let aliasBus = UInt16(truncatingIfNeeded: requesterID >> 8)
        return SourceValidation(svt: verifyBus, sq: 0, sid: aliasBus << 8 | UInt16(device.bus))
    }
}

/// Where a VT-d posted-format IRTE sends its interrupt: a posted-interrupt descriptor of a vCPU.
public struct PostedTarget: Hashable, Sendable, Codable {
    /// The vector posted into the descriptor's request bitmap (the guest's vector).
    public let vector: Vector
    /// The posted-interrupt descriptor's physical address (64-byte aligned).
    public let descriptor: UInt64
    /// The urgent bit (URG). Linux's `intel_ir_set_vcpu_affinity` always writes 0.
    public let urgent: Bool

    public init(vector: Vector, descriptor: UInt64, urgent: Bool = false) {
        self.vector = vector
        self.descriptor = descriptor
        self.urgent = urgent
    }
}

extension RemappingEntry {
    /// `prepare_irte` + the source-id of `set_msi_sid`: present, physical destination mode,
    /// redirection hint 1, edge, fixed delivery; `dest_id` is `IRTE_DEST(dest)`: the APIC ID in
    /// bits 63:32 in x2APIC mode (EIM), else APIC ID bits 7:0 in bits 47:40 (`dest << 8`).
    static func vtdRemapped(vector: Vector, apicID: APICID, extendedInterruptMode: Bool, source: SourceValidation) -> RemappingEntry {
        var entry = RemappingEntry.zero(.vtd)
        entry.set(.low, 0...0, 1)
        entry.set(.low, 3...3, 1)
        entry.retarget(vector: vector, apicID: apicID, extendedInterruptMode: extendedInterruptMode)
        entry.set(.high, 0...15, UInt64(source.sid))
        entry.set(.high, 16...17, UInt64(source.sq))
        entry.set(.high, 18...19, UInt64(source.svt))
        return entry
    }

    /// `intel_ir_reconfigure_irte`'s update of the remapped fields: vector and `IRTE_DEST`.
    mutating func retarget(vector: Vector, apicID: APICID, extendedInterruptMode: Bool) {
        switch format {
        case .vtd:
            set(.low, 16...23, UInt64(vector.rawValue))
            set(.low, 32...63, UInt64(extendedInterruptMode ? apicID.rawValue : apicID.rawValue << 8))
        case .amd32:
            set(.low, 16...23, UInt64(vector.rawValue))
            set(.low, 8...15, UInt64(apicID.rawValue & 0xFF))
        case .amd128:
            set(.high, 0...7, UInt64(vector.rawValue))
            set(.low, 8...31, UInt64(apicID.rawValue & 0xFF_FFFF))
            set(.high, 56...63, UInt64(apicID.rawValue >> 24))
        }
    }

    /// `intel_ir_set_vcpu_affinity` with a vCPU: the shared fields copied from the remapped
    /// entry (`dmar_copy_shared_irte`: present, FPD, avail, PST, vector, SID/SQ/SVT), then PST 1,
    /// URG, the posted vector, and the descriptor address: bits 31:6 in `pda_l` (63:38), bits
    /// 63:32 in `pda_h` (127:96).
    func vtdPosted(to target: PostedTarget) -> RemappingEntry {
        var entry = RemappingEntry.zero(.vtd)
        entry.set(.low, 0...1, bits(low, 0...1))
        entry.set(.low, 8...11, bits(low, 8...11))
        entry.set(.low, 15...15, 1)
        entry.set(.low, 14...14, target.urgent ? 1 : 0)
        entry.set(.low, 16...23, UInt64(target.vector.rawValue))
        entry.set(.low, 38...63, (target.descriptor >> 6) & 0x3FF_FFFF)
        entry.set(.high, 0...19, bits(high, 0...19))
        entry.set(.high, 32...63, target.descriptor >> 32)
        return entry
    }

    // MARK: AMD-Vi

    /// `irte_prepare` (32-bit) or `irte_ga_prepare` (128-bit): valid, fixed delivery
    /// (`int_type` 0), physical destination mode, the vector and the destination APIC ID.
    static func amdRemapped(format: IRTEFormat, vector: Vector, apicID: APICID) -> RemappingEntry {
        var entry = RemappingEntry.zero(format)
        entry.set(.low, 0...0, 1)
        entry.retarget(vector: vector, apicID: apicID, extendedInterruptMode: true)
        return entry
    }

    /// What `set_allocated` leaves in the table for an index allocated but not yet written:
    /// `IRTE_ALLOCATED` (~1U) in the 32-bit format, an entry with only `vector` = 0xFF in GA mode
    /// (`irte_ga_set_allocated`). Neither is valid.
    static func amdAllocatedMarker(_ format: IRTEFormat) -> RemappingEntry {
        format == .amd32 ? RemappingEntry(format: format, low: 0xFFFF_FFFE, high: 0) : RemappingEntry(format: format, low: 0, high: 0xFF)
    }

    // MARK: Fields

    /// P (VT-d) or RemapEn/valid (AMD): the entry is in use.
    public var present: Bool { bits(low, 0...0) == 1 }
    /// VT-d PST / AMD GuestMode: the entry posts to a vCPU.
    public var posted: Bool {
        switch format {
        case .vtd: bits(low, 15...15) == 1
        case .amd32: false
        case .amd128: bits(low, 7...7) == 1
        }
    }
    /// The vector delivered (the posted vector for a posted entry).
    public var vector: UInt8 {
        switch format {
        case .vtd, .amd32: UInt8(bits(low, 16...23))
        case .amd128: UInt8(bits(high, 0...7))
        }
    }
    /// The destination APIC ID of a remapped entry (nil for a posted VT-d entry).
    public var destinationID: UInt32? {
        switch format {
        case .vtd: posted ? nil : UInt32(bits(low, 32...63))
        case .amd32: UInt32(bits(low, 8...15))
        case .amd128: UInt32(bits(low, 8...31) | bits(high, 56...63) << 24)
        }
    }
    /// Destination mode: true = logical (VT-d DM bit 2, AMD dm bit 6).
    public var destinationModeLogical: Bool { format == .vtd ? bits(low, 2...2) == 1 : bits(low, 6...6) == 1 }
    /// Delivery mode (VT-d DLM 7:5, AMD `int_type` 4:2): 0 fixed.
    public var deliveryMode: UInt8 { UInt8(format == .vtd ? bits(low, 5...7) : bits(low, 2...4)) }
    /// VT-d only: redirection hint (RH), trigger mode (TM), fault processing disable (FPD).
    public var redirectionHint: Bool { format == .vtd && !posted && bits(low, 3...3) == 1 }
    public var triggerModeLevel: Bool { format == .vtd && !posted && bits(low, 4...4) == 1 }
    public var faultProcessingDisabled: Bool { bits(low, 1...1) == 1 }
    /// VT-d source validation (SVT/SQ/SID); nil for AMD (the table is per requester id).
    public var source: SourceValidation? {
        format == .vtd ? SourceValidation(svt: UInt8(bits(high, 18...19)), sq: UInt8(bits(high, 16...17)), sid: UInt16(bits(high, 0...15))) : nil
    }
    /// VT-d posted: the urgent bit and the descriptor address (bits 63:6).
    public var urgent: Bool { format == .vtd && posted && bits(low, 14...14) == 1 }
    public var postedDescriptor: UInt64? {
        format == .vtd && posted ? bits(low, 38...63) << 6 | bits(high, 32...63) << 32 : nil
    }
}
