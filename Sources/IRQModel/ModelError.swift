/// Every way a command or query on the model can be refused. Cases name the condition and carry
/// its facts (what was asked, what is free, which CPUs); none carries an HTTP status: the
/// service maps each case to a problem type in exactly one switch (architecture.md, "Errors").
///
/// A thrown `ModelError` always means the world is unchanged: commands validate first and roll
/// back through the ordinary free path when a later level fails.
public enum ModelError: Error, Hashable, Sendable {
    /// What a malformed name was meant to name.
    public enum NameKind: String, Hashable, Sendable, Codable { case system, domain }

    // MARK: Input syntax
    case invalidName(kind: NameKind, name: String, reason: String)
    case invalidPCIAddress(String, reason: String)
    case invalidCPUList(CPUListSyntaxError)

    // MARK: Lookups
    case systemNotFound(SystemName)
    case systemExists(SystemName)
    case domainNotFound(system: SystemName, domain: DomainName)
    case domainExists(system: SystemName, domain: DomainName)
    case irqNotFound(system: SystemName, virq: VirtualIRQ)
    case cpuNotFound(system: SystemName, cpu: CPUID, cpuCount: Int)

    // MARK: System configuration
    /// The CPU description of a new system is unusable (count, numbering, duplicate hardware ids).
    case invalidSystemConfiguration(reason: String)
    /// An x86 CPU whose APIC ID an MSI cannot address (above 0xFF without the extended
    /// destination id, above 0x7FFF with it). Linux needs interrupt remapping there.
    case unaddressableAPICID(cpu: CPUID, apicID: APICID, extendedDestinationID: Bool)

    // MARK: Domain configuration
    /// The kind needs a root of another architecture (e.g. `gicv3` on an x86_64 system).
    case architectureMismatch(kind: DomainKind, architecture: Architecture)
    /// The system already has its one root domain.
    case rootExists(existing: DomainName)
    /// A root kind was given a parent, or a non-root kind none.
    case parentRequired(kind: DomainKind)
    case parentNotAllowed(kind: DomainKind)
    /// The parent's kind cannot carry a domain of this kind.
    case wrongParentKind(kind: DomainKind, parent: DomainName, parentKind: DomainKind, allowed: [DomainKind])
    /// A configuration member is out of range or inconsistent (the reason says which and why).
    case invalidDomainConfiguration(kind: DomainKind, member: String, reason: String)
    /// An SPI window (an MBI range, a GICv2m frame, the Hyper-V window) overlaps one already
    /// claimed on the same GIC, or lies outside the GIC's SPIs.
    case spiRangeConflict(requested: ClosedRange<UInt32>, claimedBy: DomainName?, claimed: ClosedRange<UInt32>)
    /// A `pci-msi` domain for this PCI device exists already.
    case deviceHasDomain(device: PCIAddress, domain: DomainName)
    /// Removal refused: the domain has allocated interrupts or child domains (the seed: an
    /// interrupt controller must never go away while interrupts may still target it).
    case domainBusy(domain: DomainName, allocatedIRQs: Int, children: [DomainName])
    /// IRQs are allocated through a device's `pci-msi` domain only.
    case notAnMSIDomain(domain: DomainName, kind: DomainKind)
    /// A system cannot be deleted while it has domains.
    case systemBusy(system: SystemName, domains: [DomainName])

    // MARK: Allocation
    /// The count is not possible for this MSI type (0, above the maximum, or, for MSI, not a power of two).
    case invalidVectorCount(requested: Int, type: MSIType, reason: String)
    /// A managed spreading request (`preVectors`, `postVectors`, `setSizes`, `minCount`) that
    /// `pci_alloc_irq_vectors_affinity` would refuse as malformed.
    case invalidAffinitySpread(reason: String)
    /// The PCI core enables fewer spread vectors than `minCount` (`irq_calc_affinity_vectors`
    /// caps them at the reserved vectors plus one per CPU): -ENOSPC.
    case affinityVectorsTooFew(requested: Int, minimum: Int, enabled: Int, reserved: Int, cpus: Int)
    /// Multi-MSI through a parent that lacks `MSI_FLAG_MULTI_PCI_MSI` (the plain x86 vector domain).
    case multiMSIUnsupported(requested: Int, parent: DomainName, parentKind: DomainKind)
    /// A device has one MSI capability: its block is allocated already, or it uses the other type.
    case msiModeConflict(device: PCIAddress, enabled: MSIType, requested: MSIType)
    case msixEntriesExhausted(device: PCIAddress, requested: Int, available: Int, tableSize: Int)
    /// No CPU in `cpus` (requested ∩ online, then all online) has a free vector.
    case vectorsExhausted(requested: Int, available: Int, cpus: CPUSet)
    /// A managed reservation found a CPU of the mask without a free vector (`irq_matrix_reserve_managed`).
    case managedVectorsExhausted(cpu: CPUID, cpus: CPUSet)
    /// No naturally aligned free block of `requested` SPIs in the domain's window(s).
    case spisExhausted(domain: DomainName, requested: Int, available: Int)
    /// The ITS LPI pool has no range for the device.
    case lpisExhausted(domain: DomainName, requested: Int, available: Int)
    /// The device's ITS event space (its ITT) has no aligned free block.
    case itsEventsExhausted(device: PCIAddress, requested: Int, available: Int, eventCount: Int)
    /// The remapping table has no aligned free block of `requested` entries (`alloc_irte`,
    /// `alloc_irq_index`: Linux answers -ENOMEM / -ENOSPC).
    case remappingEntriesExhausted(domain: DomainName, requested: Int, free: Int, entries: Int)
    /// A multi-MSI block larger than VT-d's ECAP.MHMV lets one invalidation cover (`alloc_irte`).
    case remappingBlockTooLarge(domain: DomainName, requested: Int, maxHandleMask: Int)
    /// No run of `requested` consecutive free virqs below the system's limit.
    case virqsExhausted(requested: Int, limit: UInt32)

    // MARK: Affinity and CPUs
    /// CPUs named that the system does not have.
    case cpusOutOfRange(cpus: CPUSet, cpuCount: Int)
    /// An empty CPU set where one CPU at least is needed.
    case emptyCPUSet
    /// requested ∩ online is empty (Linux: -EINVAL from irq_do_set_affinity).
    case noOnlineCPUInAffinity(requested: CPUSet, online: CPUSet)
    /// Managed interrupts' affinity is chosen by the kernel (Linux: -EIO from /proc).
    case managedAffinityImmutable(virq: VirtualIRQ)
    /// The rejected v4 round-robin activate has no next online CPU on a one-CPU system
    /// (upstream would have produced `nr_cpu_ids`, an invalid CPU).
    case roundRobinWithoutNextCPU(online: CPUSet)
    /// The last online CPU cannot go offline.
    case lastOnlineCPU(cpu: CPUID)
    /// x86: the boot CPU (CPU 0) cannot go offline (kernels from v6.5 dropped CPU0 hotplug).
    case bootCPUNotHotpluggable(cpu: CPUID)
    /// x86 refuses the offline when the remaining CPUs lack the vectors for the moving
    /// interrupts (`lapic_can_unplug_cpu`, -ENOSPC).
    case cpuUnplugWouldExhaustVectors(cpu: CPUID, vectorsToMove: Int, available: Int)
    /// Hyper-V cannot express these target VPs in the negotiated protocol (1.1 holds VPs < 64).
    case hyperVTargetsUnrepresentable(protocolVersion: HyperVProtocolVersion, cpus: CPUSet)

    // MARK: IRQ state
    /// The operation needs an activated IRQ (mask, unmask).
    case irqNotActivated(system: SystemName, virq: VirtualIRQ)

    // MARK: Posted interrupts
    /// vCPU posting needs a remapping level (`irq_set_vcpu_affinity` finds no chip that has it).
    case irqNotRemapped(system: SystemName, virq: VirtualIRQ)
    /// msid models VT-d posting only (AMD's guest virtual APIC mode is not modelled).
    case postingUnsupported(kind: DomainKind)
    /// A posted-interrupt descriptor address the IRTE cannot hold (not 64-byte aligned).
    case invalidPostedDescriptor(address: UInt64, reason: String)

    // MARK: Decoding
    /// No live interrupt is routed to this message.
    case messageNotRouted(MSIMessage)
    /// Several devices' interrupts use this message (the ITS tells them apart by DeviceID).
    case messageAmbiguous(MSIMessage, devices: [PCIAddress])

    // MARK: Export
    /// The IRQ's route cannot be written as a routing entry of `format`; the refusal names the
    /// reason and carries its facts (`RouteExport`).
    case routeNotExpressible(virq: VirtualIRQ, format: RouteFormat, refusal: RouteRefusal)
}
