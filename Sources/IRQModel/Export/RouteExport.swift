/// Builds the hypervisor routing entries of one IRQ from its `RouteSource`, or says why the
/// format cannot express it. Pure functions: no system, no state.
public enum RouteExport {
    /// The bits of x86 address_lo that hold the extended destination id (APIC ID 14:8 in
    /// bits 11:5, `virt_destid_8_14` of `struct x86_msi_addr_lo`, arch/x86/include/asm/msi.h).
    public static let extendedDestinationIDMask: UInt32 = 0x7F << 5

    /// The `KVM_SET_GSI_ROUTING` entry for the IRQ under `gsi`.
    ///
    /// - x86 (`kvm_set_routing_entry`, arch/x86/kvm/irq_comm.c, reads neither flags nor devid;
    ///   `kvm_set_msi_irq` decodes with `x86_msi_msg_get_destid(&msg, kvm->arch.x2apic_format)`):
    ///   an MSI entry, flags 0, devid 0. A target APIC ID ≤ 0xFF goes as the message is. A
    ///   larger one, which the guest wrote in the extended destination id, exists for KVM only
    ///   in the x2APIC API format: with `x2apicAPI` the id's bits 31:8 move to address_hi 31:8
    ///   and address_lo 11:5 are cleared, what QEMU's `kvm_swizzle_msi_ext_dest_id`
    ///   (target/i386/kvm/kvm.c, called from `kvm_arch_fixup_msi_route`) does; address_hi 7:0
    ///   stay 0, which `kvm_msi_route_invalid` requires. Without it: refused.
    /// - arm64 through an ITS: an MSI entry with `KVM_MSI_VALID_DEVID` and the DeviceID as
    ///   devid (`vgic_msi_to_its`, arch/arm64/kvm/vgic/vgic-its.c, refuses an MSI without it).
    /// - arm64 to an SPI doorbell (GICv2m, MBI, Hyper-V): arm64 KVM delivers every
    ///   `KVM_IRQ_ROUTING_MSI` entry through `vgic_its_inject_msi` (`kvm_set_msi` in
    ///   arch/arm64/kvm/vgic/vgic-irqfd.c), which knows no SPI doorbell; the entry a VMM
    ///   writes is an irqchip route to pin INTID − 32 (`vgic_irqfd_set_irq` adds
    ///   `VGIC_NR_PRIVATE_IRQS`; QEMU's `kvm_arch_msi_data_to_gsi` in target/arm/kvm.c
    ///   computes the same `data - 32`).
    ///
    /// - Throws: `.routeNotExpressible` with `.gsiOutOfRange` (gsi ≥ `KVM_MAX_IRQ_ROUTES`) or
    ///   `.extendedDestinationIDNeedsX2APICAPI`.
    public static func kvm(_ source: RouteSource, gsi: UInt32, x2apicAPI: Bool) throws(ModelError) -> KVMIRQRoutingEntry {
        guard gsi < KVMIRQRoutingEntry.maxRoutes else {
            throw .routeNotExpressible(virq: source.virq, format: .kvm, refusal: .gsiOutOfRange(gsi: gsi, limit: KVMIRQRoutingEntry.maxRoutes))
        }
        let message = source.message
        switch source.delivery {
        case .localAPIC(let apicID):
            guard apicID.rawValue > APICID.maxWithoutExtendedID else {
                return KVMIRQRoutingEntry(gsi: gsi, flags: 0, routing: .msi(addressLo: message.addressLo, addressHi: message.addressHi,
                                                                             data: message.data, devid: 0))
            }
            guard x2apicAPI else {
                throw .routeNotExpressible(virq: source.virq, format: .kvm, refusal: .extendedDestinationIDNeedsX2APICAPI(apicID: apicID))
            }
            return KVMIRQRoutingEntry(gsi: gsi, flags: 0, routing: .msi(addressLo: message.addressLo & ~extendedDestinationIDMask,
                                                                         addressHi: apicID.rawValue & 0xFFFF_FF00,
                                                                         data: message.data, devid: 0))
        case .its(let deviceID):
            return KVMIRQRoutingEntry(gsi: gsi, flags: KVMIRQRoutingEntry.flagValidDevID,
                                      routing: .msi(addressLo: message.addressLo, addressHi: message.addressHi, data: message.data,
                                                    devid: deviceID))
        case .spi(let intid):
            return KVMIRQRoutingEntry(gsi: gsi, flags: 0, routing: .irqchip(irqchip: 0, pin: intid &- KVMIRQRoutingEntry.vgicPrivateIRQs))
        }
    }

    /// The `MSHV_SET_MSI_ROUTING` entry for the IRQ under `gsi`: the message as it is.
    /// `mshv_update_routing_table` (drivers/hv/mshv_irq.c) refuses a nonzero address_hi and
    /// `mshv_copy_girq_info` reads the x86 APIC ID from address_lo 19:12 only, so a target
    /// above 0xFF cannot be expressed; nor can an ITS route, whose DeviceID the entry has no
    /// member for.
    ///
    /// - Throws: `.routeNotExpressible` with `.gsiOutOfRange`, `.destinationAboveEightBits`,
    ///   `.deviceIDNotCarried` or `.addressHighNotZero`.
    public static func mshv(_ source: RouteSource, gsi: UInt32) throws(ModelError) -> MSHVIRQEntry {
        func refuse(_ refusal: RouteRefusal) -> ModelError { .routeNotExpressible(virq: source.virq, format: .mshv, refusal: refusal) }
        guard gsi < MSHVIRQEntry.maxGuestIRQs else { throw refuse(.gsiOutOfRange(gsi: gsi, limit: MSHVIRQEntry.maxGuestIRQs)) }
        switch source.delivery {
        case .localAPIC(let apicID) where apicID.rawValue > APICID.maxWithoutExtendedID:
            throw refuse(.destinationAboveEightBits(apicID: apicID))
        case .its(let deviceID):
            throw refuse(.deviceIDNotCarried(deviceID: deviceID))
        case .localAPIC, .spi:
            break
        }
        let message = source.message
        guard message.addressHi == 0 else { throw refuse(.addressHighNotZero(addressHi: message.addressHi)) }
        return MSHVIRQEntry(gsi: gsi, addressLo: message.addressLo, addressHi: 0, data: message.data)
    }

    /// The Hyper-V requests of an IRQ through a `hyperv-vpci` level.
    ///
    /// - Throws: `.routeNotExpressible` with `.notHyperV` for any other IRQ.
    public static func hyperV(_ source: RouteSource) throws(ModelError) -> HyperVRouteRequests {
        guard let requests = source.hyperV else {
            throw .routeNotExpressible(virq: source.virq, format: .hyperv, refusal: .notHyperV)
        }
        return requests
    }
}
