/// One level of an IRQ in one domain (`struct irq_data`): the domain, the hwirq it uses there,
/// and the kind's per-IRQ state (`chip_data`).
public struct IRQLevel: Hashable, Sendable, Codable {
    public let domain: DomainID
    public let hwirq: HardwareIRQ
    public internal(set) var state: LevelState

    /// A level as it was (the snapshot decoder restores levels; `System.validate()` checks them).
    package init(domain: DomainID, hwirq: HardwareIRQ, state: LevelState) {
        self.domain = domain
        self.hwirq = hwirq
        self.state = state
    }
}

/// A kind's per-IRQ state.
public enum LevelState: Hashable, Sendable, Codable {
    case pciMSI
    case x86Vector(X86VectorLevel)
    /// The CPU the SPI's `GICD_IROUTER` names; nil until the first set_affinity (the
    /// distributor's reset routing). Unused for LPIs.
    case gicv3(routedCPU: CPUID?)
    case gicv3ITS(ITSLevel)
    case gicv2m
    case hypervVPCI(HyperVLevel)
    /// An interrupt remapping level (`intel-ir`, `amd-ir`).
    case remapped(RemappingLevel)
}

extension LevelState {
    /// The level has an `activate` op on `architecture` (the others use the protocol's empty
    /// defaults, so the walker skips them): the vector domain, the ITS, and Hyper-V on arm64
    /// (`hv_pci_vec_irq_domain_activate`; x86 has no activate op at that level).
    func hasActivate(on architecture: Architecture) -> Bool {
        switch self {
        case .x86Vector, .gicv3ITS, .remapped: true
        case .hypervVPCI: architecture == .arm64
        case .pciMSI, .gicv3, .gicv2m: false
        }
    }

    var hasDeactivate: Bool {
        switch self {
        case .x86Vector, .gicv3ITS, .remapped: true
        case .pciMSI, .gicv3, .gicv2m, .hypervVPCI: false
        }
    }

    /// The level implements set_affinity itself; the others forward to their parent
    /// (`irq_chip_set_affinity_parent`), so the walker goes straight on.
    var routesAffinity: Bool {
        switch self {
        case .x86Vector, .gicv3, .gicv3ITS: true
        case .pciMSI, .gicv2m, .hypervVPCI, .remapped: false
        }
    }
}

/// One live interrupt (`struct irq_desc` with its chain of `irq_data`): levels outermost first,
/// from the device's `pci-msi` level to the root controller's. The affinity, effective affinity
/// and state are shared by all levels (`irq_common_data`).
///
/// Invariants: `effectiveCPU` is nil unless activated, and when set lies in the online CPUs;
/// a managed IRQ's affinity never changes; `message` is what the device writes for this IRQ
/// (for a multi-MSI block the block's message with this IRQ's index added to the data).
public struct IRQDescriptor: Hashable, Sendable, Codable {
    public let virq: VirtualIRQ
    public let device: PCIAddress
    public let type: MSIType
    /// The first virq of the allocation this IRQ belongs to, and its size. An MSI block (count
    /// > 1) is freed as one; MSI-X entries are independent.
    public let blockBase: VirtualIRQ
    public let blockSize: Int
    public let managed: Bool
    /// The requested affinity; nil means the default (all CPUs).
    public internal(set) var affinity: CPUSet?
    public internal(set) var levels: [IRQLevel]
    public internal(set) var effectiveCPU: CPUID?
    public internal(set) var activated = false
    public internal(set) var masked = true
    /// A managed IRQ shut down because no CPU of its mask is online (`IRQD_MANAGED_SHUTDOWN`).
    public internal(set) var managedShutdown = false
    /// The IRQ runs outside its requested affinity (vector exhaustion or hotplug).
    public internal(set) var affinityBroken = false
    public internal(set) var message: MSIMessage?

    /// An IRQ as it was, every member given (the snapshot decoder restores IRQs this way;
    /// `System.validate()` checks what it restored). The defaults are a new allocation's.
    package init(virq: VirtualIRQ, device: PCIAddress, type: MSIType, blockBase: VirtualIRQ, blockSize: Int,
                 managed: Bool, affinity: CPUSet?, levels: [IRQLevel], effectiveCPU: CPUID? = nil,
                 activated: Bool = false, masked: Bool = true, managedShutdown: Bool = false,
                 affinityBroken: Bool = false, message: MSIMessage? = nil) {
        self.virq = virq
        self.device = device
        self.type = type
        self.blockBase = blockBase
        self.blockSize = blockSize
        self.managed = managed
        self.affinity = affinity
        self.levels = levels
        self.effectiveCPU = effectiveCPU
        self.activated = activated
        self.masked = masked
        self.managedShutdown = managedShutdown
        self.affinityBroken = affinityBroken
        self.message = message
    }

    /// The index of this IRQ in its device's MSI or MSI-X space (the `pci-msi` level's hwirq).
    public var index: UInt32 { levels[0].hwirq.rawValue }
    /// Whether this IRQ is part of a multi-MSI block.
    public var isMultiMSI: Bool { IRQDescriptor.isMultiMSI(type: type, blockSize: blockSize) }
    static func isMultiMSI(type: MSIType, blockSize: Int) -> Bool { type == .msi && blockSize > 1 }
    /// Whether this IRQ is the one of its block that writes the device.
    public var writesDevice: Bool { !isMultiMSI || virq == blockBase }
}
