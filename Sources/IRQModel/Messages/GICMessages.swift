/// Arm GIC MSI doorbells (GICv3/v4 architecture specification; drivers/irqchip).
public enum GICMessages {
    /// `GICD_SETSPI_NSR` (MBI, irq-gic-v3-mbi.c) and `V2M_MSI_SETSPI_NS` (irq-gic-v2m.c).
    public static let setSPIOffset: UInt64 = 0x40
    /// `GITS_TRANSLATER` (irq-gic-v3-its.c).
    public static let translaterOffset: UInt64 = 0x1_0040
    /// `GICD_IROUTER<n>` is at distributor + 0x6000 + 8·n.
    public static let irouterBase: UInt64 = 0x6000

    /// A write of the INTID to a frame's SETSPI register.
    public static func setSPI(frameBase: UInt64, intid: HardwareIRQ) -> MSIMessage {
        MSIMessage(address: frameBase &+ setSPIOffset, data: intid.rawValue)
    }

    /// A write of the event id to the ITS translater; the DeviceID travels out of band.
    public static func itsTranslater(itsBase: UInt64, eventID: UInt32) -> MSIMessage {
        MSIMessage(address: itsBase &+ translaterOffset, data: eventID)
    }

    /// The offset of `GICD_IROUTER<intid>` from the distributor base.
    public static func irouterOffset(intid: HardwareIRQ) -> UInt64 {
        irouterBase + 8 * UInt64(intid.rawValue)
    }
}
