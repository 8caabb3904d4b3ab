/// The per-device PCI MSI/MSI-X domain (kernel/irq/msi.c, drivers/pci/msi/): hwirq = MSI index
/// (0..31) or MSI-X index (0..2047). A device uses MSI or MSI-X, not both; MSI has one block of
/// a power-of-two count, written as one message (the device adds the index to the data).
public struct PCIMSIDomain: Hashable, Sendable, Codable {
    public let device: PCIAddress
    public let msixTableSize: Int?
    /// The alias the device's requests carry (see `DomainConfiguration.pciMSI`).
    public let dmaAlias: PCIAddress?
    /// The type in use; nil when no IRQ is allocated.
    public internal(set) var mode: MSIType?
    /// Allocated indices.
    public internal(set) var indices: FixedBitmap

    init(device: PCIAddress, msixTableSize: Int?, dmaAlias: PCIAddress?) {
        self.device = device
        self.msixTableSize = msixTableSize
        self.dmaAlias = dmaAlias
        self.indices = FixedBitmap(bitCount: MSIType.msix.maximumVectors)
    }

    static func validate(msixTableSize: Int?) throws(ModelError) {
        if let size = msixTableSize, !(1...MSIType.msix.maximumVectors).contains(size) {
            throw .invalidDomainConfiguration(kind: .pciMSI, member: "msixTableSize",
                                              reason: "\(size) entries requested; an MSI-X table has 1 to 2048")
        }
    }

    /// The requester id the device's MSI writes carry, as `pci_msi_domain_get_msi_rid` computes
    /// it before the msi-map: its DMA alias when it has one (what `get_msi_id_cb` keeps of the
    /// aliases `pci_for_each_dma_alias` reports across a bridge), else its own.
    var requesterID: UInt32 { (dmaAlias ?? device).requesterID }

    /// The index space of `type` for this device.
    func capacity(of type: MSIType) -> Int {
        type == .msi ? MSIType.msi.maximumVectors : (msixTableSize ?? MSIType.msix.maximumVectors)
    }

    /// Validates a request of `count` vectors of `type` (power of two for MSI; device limits;
    /// one type at a time; one MSI block).
    func validate(count: Int, type: MSIType) throws(ModelError) {
        guard count >= 1 && count <= type.maximumVectors else {
            throw .invalidVectorCount(requested: count, type: type, reason: "\(type) allows 1 to \(type.maximumVectors) vectors")
        }
        if type == .msi && count & (count - 1) != 0 {
            throw .invalidVectorCount(requested: count, type: type, reason: "an MSI block is a power of two: 1, 2, 4, 8, 16 or 32")
        }
        if let mode {
            if mode != type || type == .msi { throw .msiModeConflict(device: device, enabled: mode, requested: type) }
        }
        if type == .msix {
            let available = capacity(of: .msix) - indices.setCount
            if count > available {
                throw .msixEntriesExhausted(device: device, requested: count, available: available, tableSize: capacity(of: .msix))
            }
        }
    }

    /// Takes the indices: MSI 0..<count; MSI-X the lowest free one per IRQ.
    mutating func allocate(count: Int, type: MSIType) -> SmallList<HardwareIRQ> {
        mode = type
        var result = SmallList<HardwareIRQ>()
        for _ in 0..<count {
            guard let index = indices.firstClear(in: 0 ..< capacity(of: type)) else { break }
            indices.set(index)
            result.append(HardwareIRQ(rawValue: UInt32(index)))
        }
        return result
    }

    mutating func release(_ index: HardwareIRQ) {
        indices.clear(Int(index.rawValue))
        if indices.setCount == 0 { mode = nil }
    }
}
