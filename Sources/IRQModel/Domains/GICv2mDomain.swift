/// A GICv2m MSI frame (drivers/irqchip/irq-gic-v2m.c): a frame of SPIs
/// `[spiBase, spiBase + spiCount)` and a doorbell at `frameBase + 0x40` (`V2M_MSI_SETSPI_NS`).
/// Linux wires v2m frames under GICv2 only; msid allows one under its arm64 root as a
/// modelling convenience (kernel-semantics.md §3.4).
public struct GICv2mDomain: Hashable, Sendable, Codable {
    public let frameBase: UInt64
    public let spis: SPIRange
    public internal(set) var map: FixedBitmap

    init(frameBase: UInt64, spis: SPIRange) {
        self.frameBase = frameBase
        self.spis = spis
        self.map = FixedBitmap(bitCount: Int(spis.count))
    }

    /// `gicv2m_irq_domain_alloc`: a naturally aligned block of 2^order SPIs in the frame.
    mutating func allocate(count: Int, domainName: DomainName) throws(ModelError) -> [HardwareIRQ] {
        guard let offset = map.freeRegion(order: countOrder(count)) else {
            throw .spisExhausted(domain: domainName, requested: count, available: map.bitCount - map.setCount)
        }
        map.set(offset ..< offset + count)
        return (0..<UInt32(count)).map { HardwareIRQ(rawValue: spis.base + UInt32(offset) + $0) }
    }

    mutating func release(_ intid: HardwareIRQ) {
        map.clear(Int(intid.rawValue - spis.base))
    }
}
