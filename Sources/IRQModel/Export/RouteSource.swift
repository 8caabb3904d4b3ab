/// The facts of one IRQ that its hypervisor routing entries are made from: where the message
/// goes, what it is, and what travels beside it. Built by `System.routeSource(of:)`; the
/// encoders (`KVMIRQRoutingEntry`, `MSHVIRQEntry`, `HyperVRouteRequests`) read nothing else.
///
/// Invariant: `message` is the message as the interrupt controller finally receives it, in
/// x86 compatibility format (never remappable format) or as the GIC doorbell write.
public struct RouteSource: Hashable, Sendable {
    /// Where the message is delivered.
    public enum Delivery: Hashable, Sendable {
        /// x86: to the local APIC with this APIC ID (destination id 7:0, and 14:8 from the
        /// extended destination id when the system uses it), physical destination mode.
        case localAPIC(APICID)
        /// arm64: to a GICv3 ITS (`GITS_TRANSLATER`), which needs the device's DeviceID.
        case its(deviceID: UInt32)
        /// arm64: to an SPI doorbell (`GICD_SETSPI_NSR`, a GICv2m frame's `V2M_MSI_SETSPI_NS`):
        /// the data is the INTID.
        case spi(intid: UInt32)
    }

    public let virq: VirtualIRQ
    public let architecture: Architecture
    public let message: MSIMessage
    public let delivery: Delivery
    /// Whether the system composes x86 messages with the extended destination id.
    public let extendedDestinationID: Bool
    /// The Hyper-V requests of an IRQ through a `hyperv-vpci` level; nil otherwise.
    public let hyperV: HyperVRouteRequests?

    public init(virq: VirtualIRQ, architecture: Architecture, message: MSIMessage, delivery: Delivery,
                extendedDestinationID: Bool, hyperV: HyperVRouteRequests? = nil) {
        self.virq = virq
        self.architecture = architecture
        self.message = message
        self.delivery = delivery
        self.extendedDestinationID = extendedDestinationID
        self.hyperV = hyperV
    }
}

/// What msid asked of the Hyper-V host for an IRQ, the requests the model built when it
/// composed and unmasked it (`HyperVCreateInterruptRequest`, `HyperVRetargetRequest`): reused
/// as they are, their bytes not encoded again.
public struct HyperVRouteRequests: Hashable, Sendable {
    /// `hv_compose_msi_msg`'s create-interrupt message (`PCI_CREATE_INTERRUPT_MESSAGE*`).
    public let createInterrupt: HyperVCreateInterruptRequest
    /// x86: the `HVCALL_RETARGET_INTERRUPT` input `hv_irq_retarget_interrupt` sends on unmask
    /// for the current vector and effective CPU; nil on arm64 (no retarget there).
    public let retarget: HyperVRetargetRequest?

    public init(createInterrupt: HyperVCreateInterruptRequest, retarget: HyperVRetargetRequest?) {
        self.createInterrupt = createInterrupt
        self.retarget = retarget
    }
}
