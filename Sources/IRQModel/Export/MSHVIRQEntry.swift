/// One `struct mshv_user_irq_entry` of `MSHV_SET_MSI_ROUTING` (include/uapi/linux/mshv.h),
/// the entries that follow `struct mshv_user_irq_table { __u32 nr; __u32 rsvd; }`:
///
/// ```
/// struct mshv_user_irq_entry {   // 16 bytes
///     __u32 gsi;                 // @0
///     __u32 address_lo;          // @4
///     __u32 address_hi;          // @8
///     __u32 data;                // @12
/// };
/// ```
///
/// Note the order: address_lo before address_hi, and no flags or device id (unlike KVM's
/// entry). Little-endian.
public struct MSHVIRQEntry: Hashable, Sendable {
    /// `MSHV_MAX_GUEST_IRQS` (drivers/hv/mshv_root.h): `mshv_update_routing_table`
    /// (drivers/hv/mshv_irq.c) refuses a GSI at or above it with -EINVAL.
    public static let maxGuestIRQs: UInt32 = 4096
    /// `sizeof(struct mshv_user_irq_entry)`.
    public static let size = 16

    public var gsi: UInt32
    public var addressLo: UInt32
    public var addressHi: UInt32
    public var data: UInt32

    public init(gsi: UInt32, addressLo: UInt32, addressHi: UInt32, data: UInt32) {
        self.gsi = gsi
        self.addressLo = addressLo
        self.addressHi = addressHi
        self.data = data
    }

    /// The 16 bytes as the ioctl reads them, little-endian.
    public var bytes: [UInt8] {
        var out = WireWriter()
        out.u32(gsi)
        out.u32(addressLo)
        out.u32(addressHi)
        out.u32(data)
        return out.bytes
    }
}
