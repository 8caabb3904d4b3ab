/// The instruction-set architecture of a system; it decides which root domain kind exists.
public enum Architecture: String, Hashable, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case x86_64
    case arm64

    /// The first virq handed out dynamically when a system does not say otherwise: 24 on
    /// x86_64 (after the legacy IRQs and one 24-pin IOAPIC, `ioapic_dynirq_base`), 1 on arm64
    /// (no `arch_dynirq_lower_bound` override; virq 0 is never used).
    public var defaultFirstVirq: VirtualIRQ {
        switch self {
        case .x86_64: VirtualIRQ(rawValue: 24)
        case .arm64: VirtualIRQ(rawValue: 1)
        }
    }

    /// The kind of the one root domain a system of this architecture has.
    public var rootKind: DomainKind {
        switch self {
        case .x86_64: .x86Vector
        case .arm64: .gicv3
        }
    }

    public var description: String { rawValue }
}

/// The closed set of domain kinds msid models (interrupt-model.md §3).
public enum DomainKind: String, Hashable, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case x86Vector = "x86-vector"
    case gicv3 = "gicv3"
    case gicv3ITS = "gicv3-its"
    case gicv2m = "gicv2m"
    case hypervVPCI = "hyperv-vpci"
    case pciMSI = "pci-msi"
    /// Intel VT-d interrupt remapping (Linux's `INTEL-IR` domain).
    case intelIR = "intel-ir"
    /// AMD-Vi interrupt remapping (Linux's `AMD-IR` domain).
    case amdIR = "amd-ir"

    /// Whether this kind is the root of its system (it has no parent).
    public var isRoot: Bool { self == .x86Vector || self == .gicv3 }

    /// The kinds a domain of this kind may sit on (interrupt-model.md §3). A `pci-msi` domain on
    /// a `gicv3` parent additionally needs the GIC to have MBI ranges.
    public var allowedParents: [DomainKind] {
        switch self {
        case .x86Vector, .gicv3: []
        case .gicv3ITS, .gicv2m: [.gicv3]
        case .hypervVPCI: [.x86Vector, .gicv3]
        case .pciMSI: [.x86Vector, .hypervVPCI, .gicv3ITS, .gicv2m, .gicv3, .intelIR, .amdIR]
        case .intelIR, .amdIR: [.x86Vector]
        }
    }

    /// Whether a `pci-msi` child of this kind may allocate a multi-MSI block (count > 1):
    /// the parent's MSI ops carry `MSI_FLAG_MULTI_PCI_MSI`. The plain x86 vector domain does not
    /// (`X86_VECTOR_MSI_FLAGS_SUPPORTED` in arch/x86/kernel/apic/msi.c).
    public var supportsMultiMSI: Bool {
        switch self {
        case .hypervVPCI, .gicv3ITS, .gicv2m, .gicv3, .intelIR, .amdIR: true
        case .x86Vector, .pciMSI: false
        }
    }

    public var description: String { rawValue }
}

/// PCI message-signalled interrupt flavour of an allocation.
public enum MSIType: String, Hashable, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// MSI: one address/data pair per device, 1 to 32 vectors in a power-of-two block.
    case msi
    /// MSI-X: up to 2048 table entries, each with its own message and mask bit.
    case msix

    public var description: String { rawValue }
    /// The largest number of vectors one device may have of this type (PCI spec: MMC, QSIZE).
    public var maximumVectors: Int { self == .msi ? 32 : 2048 }
}
