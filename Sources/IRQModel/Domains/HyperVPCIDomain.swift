/// The Hyper-V virtual PCI bus's interrupt domain (drivers/pci/controller/pci-hyperv.c), on the
/// x86 vector domain or the GICv3 root. Every Hyper-V rule lives in this type and its level.
///
/// - arm64: its own SPI window `[64, 1020)` (`HV_PCI_MSI_SPI_START`, `HV_PCI_MSI_SPI_NR` = 956);
///   an allocation takes a naturally aligned power-of-two block (`hv_pci_vec_alloc_device_irq`)
///   and asks the GIC parent for those SPIs; the vector the host is told is the parent's hwirq,
///   the INTID (`hv_msi_get_int_vector`: `irqd->parent_data->hwirq`).
/// - x86: hwirq is the virq; the vector is the vector domain's assignment.
public struct HyperVPCIDomain: Hashable, Sendable, Codable {
    public static let spiStart: UInt32 = 64
    public static let spiCount: UInt32 = 956

    public let activatePolicy: HyperVActivatePolicy
    public let protocolVersion: HyperVProtocolVersion
    public let instanceID: HyperVInstanceID
    /// arm64 only: bit i = SPI 64 + i allocated.
    public internal(set) var spiWindow: FixedBitmap?

    init(activatePolicy: HyperVActivatePolicy, protocolVersion: HyperVProtocolVersion,
         instanceID: HyperVInstanceID, architecture: Architecture) {
        self.activatePolicy = activatePolicy
        self.protocolVersion = protocolVersion
        self.instanceID = instanceID
        self.spiWindow = architecture == .arm64 ? FixedBitmap(bitCount: Int(HyperVPCIDomain.spiCount)) : nil
    }

    /// The window as INTIDs.
    public static var windowINTIDs: ClosedRange<UInt32> { spiStart...(spiStart + spiCount - 1) }

    /// `hv_pci_vec_alloc_device_irq`: `bitmap_find_free_region(spi_map, 956, get_count_order(n))`.
    mutating func allocateSPIs(count: Int, domainName: DomainName) throws(ModelError) -> [HardwareIRQ] {
        guard var window = spiWindow else { return [] }
        guard let offset = window.freeRegion(order: countOrder(count)) else {
            throw .spisExhausted(domain: domainName, requested: count, available: window.bitCount - window.setCount)
        }
        window.set(offset ..< offset + count)
        spiWindow = window
        return (0..<UInt32(count)).map { HardwareIRQ(rawValue: HyperVPCIDomain.spiStart + UInt32(offset) + $0) }
    }

    /// `hv_pci_vec_irq_domain_free`, called once per IRQ by the core: releases that IRQ's SPI.
    mutating func releaseSPI(_ intid: HardwareIRQ) {
        spiWindow?.clear(Int(intid.rawValue - HyperVPCIDomain.spiStart))
    }
}

/// The Hyper-V level of one IRQ: what was last asked of the host and what it answered
/// (`chip_data` = the `tran_int_desc`).
public struct HyperVLevel: Hashable, Sendable, Codable {
    public internal(set) var request: HyperVCreateInterruptRequest?
    public internal(set) var answer: MSIMessage?

    package init(request: HyperVCreateInterruptRequest? = nil, answer: MSIMessage? = nil) {
        self.request = request
        self.answer = answer
    }
}
