/// The vPCI protocol version negotiated with the host (pci-hyperv.c tries 1.4, 1.3, 1.2, 1.1).
public enum HyperVProtocolVersion: String, Hashable, Sendable, Codable, CaseIterable {
    case v1_1 = "1.1"
    case v1_2 = "1.2"
    case v1_4 = "1.4"

    /// `PCI_MAKE_VERSION(major, minor)` = major << 16 | minor.
    public var wireValue: UInt32 {
        switch self {
        case .v1_1: 0x1_0001
        case .v1_2: 0x1_0002
        case .v1_4: 0x1_0004
        }
    }
}

/// The vPCI message types msid records (`PCI_MESSAGE_BASE` 0x42490000 + n).
public enum HyperVMessageType {
    public static let createInterrupt: UInt32 = 0x4249_0014
    public static let deleteInterrupt: UInt32 = 0x4249_0015
    public static let createInterrupt2: UInt32 = 0x4249_0017
    public static let createInterrupt3: UInt32 = 0x4249_001B
}

/// `union win_slot_encoding`: device in bits 4:0, function in bits 7:5.
public enum HyperVWinSlot {
    public static func encode(device: UInt8, function: UInt8) -> UInt32 {
        UInt32(device & 0x1F) | UInt32(function & 0x7) << 5
    }
}
