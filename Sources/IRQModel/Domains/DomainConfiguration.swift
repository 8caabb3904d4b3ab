/// A contiguous range of GIC SPIs, `[base, base + count)`.
public struct SPIRange: Hashable, Sendable, Codable, CustomStringConvertible {
    public let base: UInt32
    public let count: UInt32
    public init(base: UInt32, count: UInt32) {
        self.base = base
        self.count = count
    }
    /// The INTIDs as a closed range; nil when empty.
    public var intids: ClosedRange<UInt32>? { count == 0 ? nil : base...(base + count - 1) }
    public var description: String { count == 0 ? "none" : "\(base)-\(base + count - 1)" }
}

/// One entry of an ITS's requester-id to DeviceID map, as a host bridge's devicetree
/// `msi-map = <rid-base &its deviceid-base length>` or an IORT root complex's ID mapping states
/// it: the RIDs `[ridBase, ridBase + length)` of PCI segment `segment` become DeviceIDs from
/// `deviceIDBase` (`of_map_id`, `iort_msi_map_id`).
public struct MSIMapEntry: Hashable, Sendable, Codable {
    public let segment: UInt16
    public let ridBase: UInt32
    public let deviceIDBase: UInt32
    public let length: UInt32

    public init(segment: UInt16, ridBase: UInt32, deviceIDBase: UInt32, length: UInt32) {
        self.segment = segment
        self.ridBase = ridBase
        self.deviceIDBase = deviceIDBase
        self.length = length
    }

    /// The DeviceID of `rid` on `segment`, when this entry covers it.
    func map(segment: UInt16, rid: UInt32) -> UInt32? {
        guard segment == self.segment, rid >= ridBase, rid - ridBase < length else { return nil }
        return deviceIDBase + (rid - ridBase)
    }
}

/// How the arm64 Hyper-V vPCI domain's activate picks the temporary effective CPU that its
/// create-interrupt request names (`hv_pci_vec_irq_domain_activate`).
public enum HyperVActivatePolicy: String, Hashable, Sendable, Codable, CaseIterable {
    /// Upstream: `cpumask_first(cpu_present_mask)` for every IRQ.
    case firstPresent = "first-present"
    /// The rejected v4 proposal, flaw included: a per-system cursor that never yields CPU 0.
    case roundRobin = "round-robin"
}

/// The kind-specific configuration of a new domain (api.md: the members beside `kind`).
public enum DomainConfiguration: Hashable, Sendable, Codable {
    /// `reservedVectors`: extra system vectors excluded on every CPU (e.g. 0x32 with a legacy PIC).
    case x86Vector(reservedVectors: [Vector])
    /// `spis` SPIs (INTIDs 32 ..< 32 + spis, at most 988); `mbi`: SPI ranges for message-based SPIs.
    case gicv3(distributorBase: UInt64, spis: UInt32, mbi: [SPIRange])
    /// The ITS register frame (the translater is at +0x10040), and the map from PCI requester
    /// ids to DeviceIDs (nil or empty: identity, as without an `msi-map`).
    case gicv3ITS(itsBase: UInt64, msiMap: [MSIMapEntry]? = nil)
    case gicv2m(frameBase: UInt64, spis: SPIRange)
    /// `instanceID`: the VMBus instance GUID of the vPCI bus (it yields the retarget device id).
    case hypervVPCI(activatePolicy: HyperVActivatePolicy, protocolVersion: HyperVProtocolVersion, instanceID: HyperVInstanceID)
    /// `msixTableSize`: the device's MSI-X table size if known (bounds MSI-X indices and sizes
    /// the ITS event space as `msi_domain_get_hwsize` does). `dmaAlias`: the requester id the
    /// device's writes carry when a bridge aliases it (a conventional PCI device behind a
    /// PCIe-to-PCI bridge carries the bridge's secondary bus with devfn 0), as
    /// `pci_for_each_dma_alias` and `get_msi_id_cb` find it. Same-bus function aliases
    /// (`pci_add_dma_alias` quirks) do not change the MSI requester id in Linux: leave them out.
    case pciMSI(device: PCIAddress, msixTableSize: Int?, dmaAlias: PCIAddress? = nil)
    /// An interrupt remapping unit (`intel-ir`, `amd-ir`) on the x86 vector domain.
    case remapping(RemappingConfiguration)

    public var kind: DomainKind {
        switch self {
        case .x86Vector: .x86Vector
        case .gicv3: .gicv3
        case .gicv3ITS: .gicv3ITS
        case .gicv2m: .gicv2m
        case .hypervVPCI: .hypervVPCI
        case .pciMSI: .pciMSI
        case .remapping(let configuration): configuration.kind
        }
    }

    /// The largest number of SPIs a GICv3 distributor has (INTIDs 32..1019).
    public static let maximumSPIs: UInt32 = 988
}

/// What is needed to create a domain.
public struct DomainSpec: Hashable, Sendable, Codable {
    public var name: DomainName
    public var parent: DomainName?
    public var configuration: DomainConfiguration

    public init(name: DomainName, parent: DomainName?, configuration: DomainConfiguration) {
        self.name = name
        self.parent = parent
        self.configuration = configuration
    }
}
