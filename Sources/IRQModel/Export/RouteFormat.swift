/// The hypervisor interfaces an IRQ's route can be exported to (`GET .../irqs/{virq}/routes`).
public enum RouteFormat: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// One `struct kvm_irq_routing_entry` of `KVM_SET_GSI_ROUTING` (include/uapi/linux/kvm.h).
    case kvm
    /// One `struct mshv_user_irq_entry` of `MSHV_SET_MSI_ROUTING` (include/uapi/linux/mshv.h).
    case mshv
    /// The Hyper-V vPCI requests msid already builds for the IRQ: the create-interrupt
    /// message and, on x86, the retarget hypercall input.
    case hyperv

    public var description: String { rawValue }
}

/// Why an IRQ's route cannot be written in a format: each case carries the facts that decide it
/// and names, in its doc comment, the kernel code that would refuse or misread the entry.
public enum RouteRefusal: Hashable, Sendable {
    /// KVM x86: the target's APIC ID needs more than 8 bits and the guest put bits 14:8 in the
    /// extended destination id (address_lo 11:5), which KVM never reads: `kvm_set_msi_irq`
    /// (arch/x86/kvm/irq_comm.c) takes `x86_msi_msg_get_destid(&msg, kvm->arch.x2apic_format)`
    /// (arch/x86/kernel/apic/apic.c), bits 31:8 from address_hi, and only with the x2APIC API
    /// (`KVM_CAP_X2APIC_API` with `KVM_X2APIC_API_USE_32BIT_IDS`). Exportable with `x2apicApi`.
    case extendedDestinationIDNeedsX2APICAPI(apicID: APICID)
    /// MSHV: the target's APIC ID needs more than 8 bits; `mshv_copy_girq_info`
    /// (drivers/hv/mshv_irq.c) reads the APIC ID from address_lo 19:12 only.
    case destinationAboveEightBits(apicID: APICID)
    /// MSHV: the message's address_hi is not zero; `mshv_update_routing_table`
    /// (drivers/hv/mshv_irq.c) refuses such an entry with -EINVAL.
    case addressHighNotZero(addressHi: UInt32)
    /// MSHV: the IRQ reaches a GICv3 ITS, which needs the DeviceID beside the message;
    /// `struct mshv_user_irq_entry` has no member to carry it.
    case deviceIDNotCarried(deviceID: UInt32)
    /// hyperv: the IRQ has no `hyperv-vpci` level, so there is no Hyper-V request for it.
    case notHyperV
    /// kvm, mshv: the IRQ's VT-d IRTE is in posted format: it delivers into a vCPU's
    /// posted-interrupt descriptor, not to a local APIC, and a routing entry names an APIC
    /// destination only (KVM posts assigned-device IRQs through irqbypass, not the route).
    case postedToVCPU(descriptor: UInt64)
    /// The GSI (given, or the virq by default) is at or above the format's table size:
    /// `KVM_MAX_IRQ_ROUTES` (include/linux/kvm_host.h, checked in `kvm_set_irq_routing`) or
    /// `MSHV_MAX_GUEST_IRQS` (drivers/hv/mshv_root.h, checked in `mshv_update_routing_table`).
    case gsiOutOfRange(gsi: UInt32, limit: UInt32)
}
