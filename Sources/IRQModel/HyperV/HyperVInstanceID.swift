/// A VMBus instance GUID (`hdev->dev_instance`): text "abee639e-0b9d-49b7-9a07-c54ba8cd5734",
/// bytes in `guid_t` memory order (the first three groups little-endian).
public struct HyperVInstanceID: Hashable, Sendable, Codable, CustomStringConvertible {
    /// 16 bytes, memory order.
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) {
        precondition(bytes.count == 16, "a GUID has 16 bytes")
        self.bytes = bytes
    }

    /// Parses 8-4-4-4-12 hex digits, either case.
    public init?(string: String) {
        let groups = string.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.map(\.count) == [8, 4, 4, 4, 12] else { return nil }
        var big: [UInt8] = []
        for group in groups {
            var index = group.startIndex
            while index < group.endIndex {
                let next = group.index(index, offsetBy: 2)
                guard let byte = UInt8(group[index..<next], radix: 16) else { return nil }
                big.append(byte)
                index = next
            }
        }
        // guid_t: the first three fields are stored little-endian.
        self.bytes = [big[3], big[2], big[1], big[0], big[5], big[4], big[7], big[6]] + big[8...]
    }

    public var description: String {
        let b = bytes
        let ordered = [b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6]] + b[8...]
        let hex = ordered.map { byte -> String in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }
        return [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]].map { $0.joined() }.joined(separator: "-")
    }

    /// The device id of `hv_irq_retarget_interrupt`:
    /// `b[5] << 24 | b[4] << 16 | b[7] << 8 | (b[6] & 0xF8) | function`. In C the bytes are
    /// promoted to `int`, so with `b[5] >= 0x80` the value is negative and sign-extends into the
    /// 64-bit `device_id`; msid writes what the kernel writes.
    public func deviceID(function: UInt8) -> UInt64 {
        let value = UInt32(bytes[5]) << 24 | UInt32(bytes[4]) << 16 | UInt32(bytes[7]) << 8 | UInt32(bytes[6] & 0xF8) | UInt32(function & 0x7)
        return UInt64(bitPattern: Int64(Int32(bitPattern: value)))
    }

    /// The PCI segment Linux gives the bus: `b[5] << 8 | b[4]`.
    public var pciSegment: UInt16 { UInt16(bytes[5]) << 8 | UInt16(bytes[4]) }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let parsed = HyperVInstanceID(string: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\"\(text)\" is not a GUID (8-4-4-4-12 hex digits)")
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
