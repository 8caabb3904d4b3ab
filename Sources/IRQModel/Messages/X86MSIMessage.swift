/// x86 MSI messages in physical destination mode, as `__irq_msi_compose_msg`
/// (arch/x86/kernel/apic/apic.c) writes them with the layout of arch/x86/include/asm/msi.h
/// (Intel SDM vol. 3, "Message Signalled Interrupts").
///
/// address_lo: bits 31:20 = 0xFEE, 19:12 destination id (APIC ID 7:0), 11:5 extended
/// destination id (APIC ID 14:8, only with the extended destination id), 3 redirection hint
/// (0), 2 destination mode (0 = physical). address_hi = 0. data: 7:0 vector, 10:8 delivery
/// mode (0 = fixed), 14 level assert (0), 15 trigger mode (0 = edge); everything else 0.
public enum X86MSIMessage {
    public static let baseAddressLow: UInt32 = 0xFEE0_0000

    /// The message for `vector` on the CPU with `apicID`; nil when the APIC ID cannot be
    /// addressed (above 0xFF without the extended destination id, above 0x7FFF with it).
    public static func compose(apicID: APICID, vector: Vector, extendedDestinationID: Bool) -> MSIMessage? {
        let id = apicID.rawValue
        guard id <= (extendedDestinationID ? APICID.maxWithExtendedID : APICID.maxWithoutExtendedID) else { return nil }
        var low = baseAddressLow | (id & 0xFF) << 12
        if extendedDestinationID { low |= ((id >> 8) & 0x7F) << 5 }
        return MSIMessage(addressHi: 0, addressLo: low, data: UInt32(vector.rawValue))
    }

    /// The fields the hardware reads from a message; nil outside the 0xFEExxxxx window.
    public static func decode(_ message: MSIMessage, extendedDestinationID: Bool) -> X86MSIFields? {
        guard message.addressHi == 0, message.addressLo & 0xFFF0_0000 == baseAddressLow else { return nil }
        let low = message.addressLo
        var destination = (low >> 12) & 0xFF
        if extendedDestinationID { destination |= ((low >> 5) & 0x7F) << 8 }
        return X86MSIFields(destinationID: destination,
                            destinationModeLogical: low & 0x4 != 0,
                            redirectionHint: low & 0x8 != 0,
                            vector: UInt8(truncatingIfNeeded: message.data),
                            deliveryMode: UInt8((message.data >> 8) & 0x7),
                            levelAssert: message.data & 0x4000 != 0,
                            levelTriggered: message.data & 0x8000 != 0)
    }
}

/// The fields of an x86 MSI as the hardware reads them.
public struct X86MSIFields: Hashable, Sendable, Codable {
    /// The APIC ID addressed (bits 19:12, with bits 11:5 above them when extended).
    public var destinationID: UInt32
    public var destinationModeLogical: Bool
    public var redirectionHint: Bool
    public var vector: UInt8
    /// 0 fixed, 1 lowest priority, 2 SMI, 4 NMI, 5 INIT, 7 ExtINT.
    public var deliveryMode: UInt8
    public var levelAssert: Bool
    public var levelTriggered: Bool
}
