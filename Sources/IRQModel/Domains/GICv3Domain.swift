/// The GICv3 distributor domain (drivers/irqchip/irq-gic-v3.c): the root of an arm64 system.
/// hwirq = INTID. It owns the SPIs `32 ..< 32 + spiCount`: every SPI another level hands it
/// (an MBI range, a GICv2m frame, the Hyper-V window) is marked here, so no INTID ever serves
/// two interrupts. LPIs (from the ITS) pass through without SPI book-keeping.
///
/// The MBI ranges (irq-gic-v3-mbi.c) are folded into this domain, as api.md configures them:
/// a `pci-msi` child directly on the GIC allocates from them.
public struct GICv3Domain: Hashable, Sendable, Codable {
    public let distributorBase: UInt64
    public let spiCount: UInt32
    public let mbiRanges: [SPIRange]
    /// Bit i set: INTID 32 + i is allocated.
    public internal(set) var spis: FixedBitmap
    /// One bitmap per MBI range, bit i = INTID range.base + i.
    public internal(set) var mbiMaps: [FixedBitmap]
    /// SPI windows claimed by domains (this one's MBI ranges, GICv2m frames, Hyper-V), for
    /// overlap checks.
    public internal(set) var claims: [SPIClaim]

    /// The first SPI INTID.
    public static let firstSPI: UInt32 = 32

    init(distributorBase: UInt64, spiCount: UInt32, mbiRanges: [SPIRange], id: DomainID) {
        self.distributorBase = distributorBase
        self.spiCount = spiCount
        self.mbiRanges = mbiRanges
        self.spis = FixedBitmap(bitCount: Int(spiCount))
        self.mbiMaps = mbiRanges.map { FixedBitmap(bitCount: Int($0.count)) }
        self.claims = []
        for range in mbiRanges {
            if let intids = range.intids { claims.append(SPIClaim(intids: intids, owner: id)) }
        }
    }

    /// The INTIDs this distributor has.
    public var spiINTIDs: ClosedRange<UInt32> { GICv3Domain.firstSPI...(GICv3Domain.firstSPI + spiCount - 1) }

    /// Validates the configuration: 1 to 988 SPIs, MBI ranges inside them and disjoint.
    static func validate(spiCount: UInt32, mbiRanges: [SPIRange]) throws(ModelError) {
        guard spiCount >= 1 && spiCount <= DomainConfiguration.maximumSPIs else {
            throw .invalidDomainConfiguration(kind: .gicv3, member: "spis",
                                              reason: "\(spiCount) SPIs requested; a GICv3 has 1 to 988 (INTIDs 32-1019)")
        }
        let available = firstSPI...(firstSPI + spiCount - 1)
        var seen: [ClosedRange<UInt32>] = []
        for (index, range) in mbiRanges.enumerated() {
            guard let intids = range.intids else {
                throw .invalidDomainConfiguration(kind: .gicv3, member: "mbi/\(index)/spiCount", reason: "an MBI range needs at least one SPI")
            }
            guard available.contains(intids.lowerBound) && available.contains(intids.upperBound) else {
                throw .spiRangeConflict(requested: intids, claimedBy: nil, claimed: available)
            }
            if let clash = seen.first(where: { $0.overlaps(intids) }) {
                throw .invalidDomainConfiguration(kind: .gicv3, member: "mbi/\(index)",
                                                  reason: "SPIs \(intids.lowerBound)-\(intids.upperBound) overlap the MBI range \(clash.lowerBound)-\(clash.upperBound)")
            }
            seen.append(intids)
        }
    }

    /// Whether `intid` is an LPI (passes through the distributor without SPI book-keeping).
    static func isLPI(_ intid: HardwareIRQ) -> Bool { intid.rawValue >= GICv3ITSDomain.firstLPI }

    /// Marks the SPIs chosen by a child level as allocated (`gic_irq_domain_alloc`).
    mutating func claimSPIs(_ intids: [HardwareIRQ]) {
        for intid in intids where !GICv3Domain.isLPI(intid) {
            spis.set(Int(intid.rawValue - GICv3Domain.firstSPI))
        }
    }

    mutating func releaseSPI(_ intid: HardwareIRQ) {
        guard !GICv3Domain.isLPI(intid) else { return }
        spis.clear(Int(intid.rawValue - GICv3Domain.firstSPI))
    }

    /// `mbi_irq_domain_alloc`: walk the ranges in order; in the first with room take a
    /// naturally aligned block of 2^order SPIs (`bitmap_find_free_region`).
    mutating func allocateMBI(count: Int, domainName: DomainName) throws(ModelError) -> [HardwareIRQ] {
        let order = countOrder(count)
        for index in mbiMaps.indices {
            if let offset = mbiMaps[index].freeRegion(order: order) {
                mbiMaps[index].set(offset ..< offset + count)
                let base = mbiRanges[index].base + UInt32(offset)
                return (0..<UInt32(count)).map { HardwareIRQ(rawValue: base + $0) }
            }
        }
        let free = mbiMaps.reduce(0) { $0 + $1.bitCount - $1.setCount }
        throw .spisExhausted(domain: domainName, requested: count, available: free)
    }

    /// Releases one MBI SPI (the core frees one IRQ at a time).
    mutating func releaseMBI(_ intid: HardwareIRQ) {
        for (index, range) in mbiRanges.enumerated() where range.intids?.contains(intid.rawValue) == true {
            mbiMaps[index].clear(Int(intid.rawValue - range.base))
        }
    }
}

/// A window of SPIs claimed by one domain on a GIC.
public struct SPIClaim: Hashable, Sendable, Codable {
    public let intids: ClosedRange<UInt32>
    public let owner: DomainID
}

/// `get_count_order(count)`: the smallest order with 2^order >= count.
func countOrder(_ count: Int) -> Int {
    count <= 1 ? 0 : Int.bitWidth - (count - 1).leadingZeroBitCount
}
