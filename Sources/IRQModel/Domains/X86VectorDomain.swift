/// The x86 vector domain (`x86_vector_domain`, arch/x86/kernel/apic/vector.c): the root of an
/// x86_64 system. Its hwirq is the virq itself; the vector/CPU pair of each interrupt lives in
/// the per-CPU `VectorMatrix`.
///
/// Policy (mirrors `assign_irq_vector_policy`): a managed IRQ reserves one vector on every CPU
/// of its mask at allocation (`reserve_managed_vector`); any other IRQ only takes a global
/// reservation (reservation mode), and gets its vector at activation.
public struct X86VectorDomain: Hashable, Sendable, Codable {
    /// Extra system vectors configured for this system (0x80 is always one).
    public let reservedVectors: [Vector]
    public internal(set) var matrix: VectorMatrix

    init(reservedVectors: [Vector], cpuCount: Int) {
        self.reservedVectors = reservedVectors
        self.matrix = VectorMatrix(cpuCount: cpuCount, systemVectors: [Vector.ia32Syscall] + reservedVectors)
    }

    /// Validates the configuration: extra vectors must lie in the allocatable window and leave
    /// at least one vector.
    static func validate(reservedVectors: [Vector]) throws(ModelError) {
        for vector in reservedVectors where !VectorMatrix.window.contains(Int(vector.rawValue)) {
            throw .invalidDomainConfiguration(
                kind: .x86Vector, member: "reservedVectors",
                reason: "vector \(vector) is outside the allocatable window 0x20-0xea")
        }
        if Set(reservedVectors + [Vector.ia32Syscall]).count >= VectorMatrix.window.count {
            throw .invalidDomainConfiguration(kind: .x86Vector, member: "reservedVectors",
                                              reason: "no allocatable vector would remain")
        }
    }
}

/// The vector domain's per-IRQ state (`struct apic_chip_data`).
public struct X86VectorLevel: Hashable, Sendable, Codable {
    /// The assigned vector and its CPU; nil while only reserved (the kernel parks such IRQs on
    /// `MANAGED_IRQ_SHUTDOWN_VECTOR` 0xEF, which is never a real assignment).
    public internal(set) var assignment: VectorAssignment?
    /// The IRQ holds a global reservation instead of a vector (`has_reserved`).
    public internal(set) var holdsReservation: Bool

    package init(assignment: VectorAssignment?, holdsReservation: Bool) {
        self.assignment = assignment
        self.holdsReservation = holdsReservation
    }
}

/// A vector on a CPU.
public struct VectorAssignment: Hashable, Sendable, Codable {
    public let cpu: CPUID
    public let vector: Vector

    package init(cpu: CPUID, vector: Vector) {
        self.cpu = cpu
        self.vector = vector
    }
}
