/// A hardware-visible effect, in order, in one system's trail (the idea of matrix.c's trace
/// events): what a device, the GIC, the ITS or the hypervisor was told.
public struct HardwareEvent: Hashable, Sendable, Codable {
    public let sequence: EventSequence
    /// The IRQ concerned, if any.
    public let virq: VirtualIRQ?
    public let effect: HardwareEffect
    /// When the command that caused it was applied, in milliseconds since the Unix epoch: the
    /// time the service stamped on the command (and journaled with it, so replay gives the same
    /// trail); nil for commands applied without a clock.
    public let time: UInt64?

    package init(sequence: EventSequence, virq: VirtualIRQ?, effect: HardwareEffect, time: UInt64? = nil) {
        self.sequence = sequence
        self.virq = virq
        self.effect = effect
        self.time = time
    }
}

/// What happened in hardware terms.
public enum HardwareEffect: Hashable, Sendable, Codable {
    /// An MSI or MSI-X message written to the device (all zeros on deactivation).
    case messageWritten(device: PCIAddress, type: MSIType, index: UInt32, message: MSIMessage)
    /// An x86 vector assigned (`apic_update_vector`); `previous` was released with it.
    case vectorAssigned(cpu: CPUID, vector: Vector, previous: VectorAssignment?, affinityBroken: Bool)
    case vectorReleased(cpu: CPUID, vector: Vector)
    /// `GICD_IROUTER<intid>` written: `register` is its address, `value` the affinity routing.
    case routeWritten(intid: HardwareIRQ, cpu: CPUID, register: UInt64, value: UInt64)
    case itsCommand(ITSCommand)
    /// `hv_compose_msi_msg`: the create-interrupt request and the host's answer.
    case hyperVCreateInterrupt(request: HyperVCreateInterruptRequest, answer: MSIMessage)
    /// `PCI_DELETE_INTERRUPT_MESSAGE` for a previous answer.
    case hyperVDeleteInterrupt(winSlot: UInt32, answer: MSIMessage)
    /// `HVCALL_RETARGET_INTERRUPT` (x86 unmask).
    case hyperVRetarget(HyperVRetargetRequest)
    /// An interrupt remapping table entry written (`modify_irte`, `modify_irte_ga`, a clear
    /// on free): `table` is the AMD requester id whose table holds it (nil on VT-d's one table).
    case irteWritten(table: UInt32?, index: UInt32, entry: RemappingEntry)
    case masked
    case unmasked
    /// CPU hotplug moved the IRQ (`migrate_one_irq`).
    case migrated(from: CPUID, to: CPUID, affinityBroken: Bool)
    /// A managed IRQ shut down because its last CPU went offline, or started again.
    case managedShutdown(cpu: CPUID)
    case managedStartup(cpu: CPUID)
    case cpuOffline(CPUID)
    case cpuOnline(CPUID)
}

/// An ITS command (irq-gic-v3-its.c `its_send_*`).
public enum ITSCommand: Hashable, Sendable, Codable {
    /// MAPD: map (valid) or unmap a device's ITT.
    case mapDevice(deviceID: UInt32, ittEntries: Int, valid: Bool)
    /// MAPTI: event → LPI on the collection of `cpu`.
    case mapEvent(deviceID: UInt32, eventID: UInt32, lpi: HardwareIRQ, cpu: CPUID)
    /// MOVI: event moved to the collection of `cpu`.
    case moveEvent(deviceID: UInt32, eventID: UInt32, cpu: CPUID)
    /// DISCARD: event unmapped.
    case discardEvent(deviceID: UInt32, eventID: UInt32)
}
