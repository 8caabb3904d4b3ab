/// One `struct kvm_irq_routing_entry` of `KVM_SET_GSI_ROUTING` (include/uapi/linux/kvm.h):
///
/// ```
/// struct kvm_irq_routing_entry {            // 48 bytes
///     __u32 gsi;                           // @0
///     __u32 type;                          // @4
///     __u32 flags;                         // @8
///     __u32 pad;                           // @12
///     union {                              // @16, 32 bytes (__u32 pad[8])
///         struct kvm_irq_routing_irqchip irqchip;  // { __u32 irqchip; __u32 pin; }
///         struct kvm_irq_routing_msi msi;          // { address_lo, address_hi, data,
///                                                  //   union { __u32 pad; __u32 devid; } }
///         ...
///     } u;
/// };
/// ```
///
/// Little-endian, the unused bytes of the union zero.
public struct KVMIRQRoutingEntry: Hashable, Sendable {
    /// `KVM_IRQ_ROUTING_IRQCHIP`.
    public static let typeIRQChip: UInt32 = 1
    /// `KVM_IRQ_ROUTING_MSI`.
    public static let typeMSI: UInt32 = 2
    /// `KVM_MSI_VALID_DEVID`: `u.msi.devid` holds the device id (the only flag
    /// `kvm_set_irq_routing` in virt/kvm/irqchip.c accepts, and only for MSI entries).
    public static let flagValidDevID: UInt32 = 1
    /// `KVM_MAX_IRQ_ROUTES` (include/linux/kvm_host.h): `kvm_set_irq_routing` refuses a GSI at
    /// or above it with -EINVAL.
    public static let maxRoutes: UInt32 = 4096
    /// `VGIC_NR_PRIVATE_IRQS` (include/kvm/arm_vgic.h): an irqchip pin is the SPI INTID minus
    /// this (SPIs start at 32, so the subtraction of an SPI's INTID never wraps).
    public static let vgicPrivateIRQs: UInt32 = 32
    /// `sizeof(struct kvm_irq_routing_entry)`.
    public static let size = 48

    /// The union member the entry uses.
    public enum Routing: Hashable, Sendable {
        /// `u.irqchip`: an in-kernel irqchip pin (arm64: SPI INTID − 32, `vgic_irqfd_set_irq`).
        case irqchip(irqchip: UInt32, pin: UInt32)
        /// `u.msi`; `devid` is 0 unless the flags say `KVM_MSI_VALID_DEVID`.
        case msi(addressLo: UInt32, addressHi: UInt32, data: UInt32, devid: UInt32)
    }

    public var gsi: UInt32
    public var flags: UInt32
    public var routing: Routing

    public init(gsi: UInt32, flags: UInt32, routing: Routing) {
        self.gsi = gsi
        self.flags = flags
        self.routing = routing
    }

    /// `KVM_IRQ_ROUTING_IRQCHIP` or `KVM_IRQ_ROUTING_MSI`.
    public var type: UInt32 {
        switch routing {
        case .irqchip: KVMIRQRoutingEntry.typeIRQChip
        case .msi: KVMIRQRoutingEntry.typeMSI
        }
    }

    /// The kernel's name of `type`.
    public var typeName: String {
        switch routing {
        case .irqchip: "KVM_IRQ_ROUTING_IRQCHIP"
        case .msi: "KVM_IRQ_ROUTING_MSI"
        }
    }

    /// The 48 bytes as the ioctl reads them, little-endian.
    public var bytes: [UInt8] {
        var out = WireWriter()
        out.u32(gsi)
        out.u32(type)
        out.u32(flags)
        out.u32(0)
        switch routing {
        case .irqchip(let irqchip, let pin):
            out.u32(irqchip)
            out.u32(pin)
            out.zeros(24)
        case .msi(let addressLo, let addressHi, let data, let devid):
            out.u32(addressLo)
            out.u32(addressHi)
            out.u32(data)
            out.u32(devid)
            out.zeros(16)
        }
        return out.bytes
    }
}
