/// What `hv_compose_msi_msg` sends the host: `PCI_CREATE_INTERRUPT_MESSAGE` (protocol 1.1),
/// `..._MESSAGE2` (1.2, 1.3) or `..._MESSAGE3` (1.4), each `{u32 type, u32 wslot, descriptor}`
/// packed little-endian.
public struct HyperVCreateInterruptRequest: Hashable, Sendable, Codable {
    public var protocolVersion: HyperVProtocolVersion
    public var winSlot: UInt32
    /// The x86 vector or the arm64 INTID; protocols 1.1 and 1.2 carry only its low 8 bits.
    public var vector: UInt32
    /// 0 = fixed (`APIC_DELIVERY_MODE_FIXED`, and `DELIVERY_MODE` on arm64).
    public var deliveryMode: UInt8
    public var vectorCount: UInt16
    /// The target VP (1.2+: `processor_array[0]`, count 1; 1.1 sends `CPU_AFFINITY_ALL`).
    public var processor: VPIndex

    public init(protocolVersion: HyperVProtocolVersion, winSlot: UInt32, vector: UInt32, deliveryMode: UInt8,
                vectorCount: UInt16, processor: VPIndex) {
        self.protocolVersion = protocolVersion
        self.winSlot = winSlot
        self.vector = vector
        self.deliveryMode = deliveryMode
        self.vectorCount = vectorCount
        self.processor = processor
    }

    public var messageType: UInt32 {
        switch protocolVersion {
        case .v1_1: HyperVMessageType.createInterrupt
        case .v1_2: HyperVMessageType.createInterrupt2
        case .v1_4: HyperVMessageType.createInterrupt3
        }
    }

    /// The packet: 24 bytes (1.1), 78 (1.2) or 82 (1.4).
    public var bytes: [UInt8] {
        var out = WireWriter()
        out.u32(messageType)
        out.u32(winSlot)
        switch protocolVersion {
        case .v1_1:
            out.u8(UInt8(truncatingIfNeeded: vector))
            out.u8(deliveryMode)
            out.u16(vectorCount)
            out.u32(0)
            out.u64(.max)
        case .v1_2:
            out.u8(UInt8(truncatingIfNeeded: vector))
            out.u8(deliveryMode)
            out.u16(vectorCount)
            out.u16(1)
            out.u16(UInt16(truncatingIfNeeded: processor.rawValue))
            out.zeros(2 * 31)
        case .v1_4:
            out.u32(vector)
            out.u8(deliveryMode)
            out.u8(0)
            out.u16(vectorCount)
            out.u16(1)
            out.u16(UInt16(truncatingIfNeeded: processor.rawValue))
            out.zeros(2 * 31)
        }
        return out.bytes
    }
}

/// Little-endian packing for the Hyper-V wire structures.
struct WireWriter {
    private(set) var bytes: [UInt8] = []
    mutating func u8(_ value: UInt8) { bytes.append(value) }
    mutating func u16(_ value: UInt16) { for shift in stride(from: 0, to: 16, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt16(shift))) } }
    mutating func u32(_ value: UInt32) { for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) } }
    mutating func u64(_ value: UInt64) { for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) } }
    mutating func zeros(_ count: Int) { bytes.append(contentsOf: repeatElement(0, count: count)) }
}
