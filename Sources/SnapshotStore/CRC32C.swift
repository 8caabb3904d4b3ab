/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum the journal will frame
/// its records with (RFC 3720 §B.4; the check value of "123456789" is 0xE3069283).
/// Table-driven, one byte at a time.
public enum CRC32C {
    /// The checksum of `bytes`.
    public static func checksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        finalize(update(start, with: bytes))
    }

    /// The running state before any byte.
    public static let start: UInt32 = 0xFFFF_FFFF

    /// Feeds more bytes into a running state (for records read in pieces).
    public static func update<Bytes: Sequence>(_ state: UInt32, with bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var crc = state
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc
    }

    /// The checksum of a running state.
    public static func finalize(_ state: UInt32) -> UInt32 { state ^ 0xFFFF_FFFF }

    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 != 0 ? (value >> 1) ^ 0x82F6_3B78 : value >> 1 }
        return value
    }
}
