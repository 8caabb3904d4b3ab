/// Strong integer identifiers of the model (architecture.md, house rule 9): numbers that mean
/// different things have different types, so a vector is never passed where a CPU is expected.
/// Each is a `RawRepresentable` wrapper whose `Codable` form is the bare integer, so raw
/// integers appear only at the JSON edge.

/// A logical CPU number: the index of a CPU in its system, `0 ..< cpuCount` (Linux's `cpu`).
public struct CPUID: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ value: Int) { self.rawValue = UInt32(truncatingIfNeeded: value) }
    /// The CPU number as an array index.
    public var index: Int { Int(rawValue) }
    public static func < (lhs: CPUID, rhs: CPUID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { String(rawValue) }
}

/// A Linux IRQ number (virq): global within one system, never shared by two live interrupts.
public struct VirtualIRQ: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static func < (lhs: VirtualIRQ, rhs: VirtualIRQ) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { String(rawValue) }
}

/// The number a domain uses for an interrupt at its own level (Linux's `irq_hw_number_t`):
/// an MSI or MSI-X index, a GIC INTID (SPI or LPI), or the virq itself on the x86 vector domain.
public struct HardwareIRQ: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static func < (lhs: HardwareIRQ, rhs: HardwareIRQ) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { String(rawValue) }
}

/// An x86 interrupt vector, an index into one CPU's IDT (0x00 ... 0xFF).
public struct Vector: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static func < (lhs: Vector, rhs: Vector) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "0x" + String(rawValue, radix: 16) }

    /// `FIRST_EXTERNAL_VECTOR` (arch/x86/include/asm/irq_vectors.h): the first device vector.
    public static let firstExternal = Vector(rawValue: 0x20)
    /// `FIRST_SYSTEM_VECTOR` on v6.10 and later (= `POSTED_MSI_NOTIFICATION_VECTOR`): the end of
    /// the allocatable window.
    public static let firstSystem = Vector(rawValue: 0xEB)
    /// `IA32_SYSCALL_VECTOR`: a system vector inside the window on every CPU.
    public static let ia32Syscall = Vector(rawValue: 0x80)
    /// `MANAGED_IRQ_SHUTDOWN_VECTOR`: the placeholder of reserved and shut-down IRQs; never allocated.
    public static let managedShutdown = Vector(rawValue: 0xEF)
    /// `ISA_IRQ_VECTOR(PIC_CASCADE_IR)`: a system vector only where a legacy PIC exists.
    public static let picCascade = Vector(rawValue: 0x32)
}

/// An x86 local APIC ID (physical destination).
public struct APICID: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static func < (lhs: APICID, rhs: APICID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "0x" + String(rawValue, radix: 16) }
    /// The largest APIC ID an MSI can address without the extended destination id (8 bits).
    public static let maxWithoutExtendedID: UInt32 = 0xFF
    /// The largest APIC ID the extended destination id can address (15 bits; Linux requires
    /// `dest_apicid < 0x8000` before it sets bits 11:5).
    public static let maxWithExtendedID: UInt32 = 0x7FFF
}

/// An arm64 MPIDR affinity value: Aff0 in bits 7:0, Aff1 15:8, Aff2 23:16, Aff3 39:32.
public struct MPIDR: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (lhs: MPIDR, rhs: MPIDR) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "0x" + String(rawValue, radix: 16) }

    /// The bits of MPIDR_EL1 that carry affinity (Aff3..Aff0); everything else must be zero.
    public static let affinityMask: UInt64 = 0xFF_00FF_FFFF

    /// The `GICD_IROUTER<n>` value that routes an SPI to this PE only (routing mode bit 31 = 0):
    /// `Aff3 << 32 | Aff2 << 16 | Aff1 << 8 | Aff0`. Mirrors `gic_mpidr_to_affinity()` in
    /// drivers/irqchip/irq-gic-v3.c; the MPIDR layout already has the affinity fields at these
    /// positions, so the value is the masked MPIDR.
    public var irouterValue: UInt64 { rawValue & MPIDR.affinityMask }
}

/// A Hyper-V virtual processor index (`hv_vp_index[cpu]`). msid numbers VPs like CPUs.
public struct VPIndex: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static func < (lhs: VPIndex, rhs: VPIndex) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { String(rawValue) }
}

/// The sequence number of a hardware event in one system's trail (starts at 1).
public struct EventSequence: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (lhs: EventSequence, rhs: EventSequence) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { String(rawValue) }
}
