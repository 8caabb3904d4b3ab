/// MSI messages in the formats an interrupt remapping unit reads.
///
/// VT-d remappable format (VT-d specification, "Interrupt Requests in Remappable Format", and
/// arch/x86/include/asm/msi.h `dmar_*` fields; `fill_msi_msg` in
/// drivers/iommu/intel/irq_remapping.c): address bits 31:20 = 0xFEE, 19:5 = handle 14:0,
/// 4 = interrupt format (1 = remappable), 3 = SHV (sub-handle valid), 2 = handle 15;
/// address_hi = 0; data 15:0 = sub-handle. With SHV the IRTE index is handle + sub-handle.
///
/// AMD-Vi (`fill_msi_msg` in drivers/iommu/amd/iommu.c): an ordinary-looking 0xFEE00000
/// address whose data is the index into the device's own table; with 2K-entry tables
/// (`FEATURE_NUM_INT_REMAP_SUP_2K`) the destination-mode bit 2 is set, as the IOMMU requires.
public enum RemappableMessage {
    /// The VT-d message for handle `index` and `subhandle`, SHV set (Linux always sets it).
    public static func vtd(index: UInt32, subhandle: UInt32) -> MSIMessage {
        let low = X86MSIMessage.baseAddressLow | (index & 0x7FFF) << 5 | 1 << 4 | 1 << 3 | (index >> 15 & 1) << 2
        return MSIMessage(addressHi: 0, addressLo: low, data: subhandle)
    }

    /// The IRTE index a VT-d remappable message selects (handle, plus data 15:0 when SHV is
    /// set); nil for a compatibility-format message or an address outside 0xFEExxxxx.
    public static func vtdIndex(of message: MSIMessage) -> UInt32? {
        let low = message.addressLo
        guard message.addressHi == 0, low & 0xFFF0_0000 == X86MSIMessage.baseAddressLow, low & 1 << 4 != 0 else { return nil }
        let handle = (low >> 5) & 0x7FFF | (low >> 2 & 1) << 15
        return low & 1 << 3 != 0 ? (handle &+ (message.data & 0xFFFF)) & 0xFFFF : handle
    }

    /// The AMD-Vi message for table index `index`.
    public static func amd(index: UInt32, twoKEntryTables: Bool) -> MSIMessage {
        MSIMessage(addressHi: 0, addressLo: X86MSIMessage.baseAddressLow | (twoKEntryTables ? 1 << 2 : 0), data: index)
    }

    /// The table index an AMD-Vi message selects (data bits 10:0 with 2K tables, 8:0 otherwise:
    /// the IOMMU takes as many data bits as its table has index bits).
    public static func amdIndex(of message: MSIMessage, entriesPerTable: Int) -> UInt32? {
        guard message.addressHi == 0, message.addressLo & 0xFFF0_0000 == X86MSIMessage.baseAddressLow else { return nil }
        return message.data & UInt32(entriesPerTable - 1)
    }
}
