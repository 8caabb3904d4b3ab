/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum the journal frames its
/// records with and `snapshot.json` is sealed with (RFC 3720 §B.4; the check value of
/// "123456789" is 0xE3069283).
///
/// Contiguous bytes are processed eight at a time ("slicing-by-8": eight tables, one lookup per
/// byte but no dependency between the eight lookups of a word), other sequences one byte at a
/// time. Sealing and verifying a 60 MB snapshot is a CRC over all of it: one byte at a time
/// through the array's iterator that took 3.6 s, through a buffer 0.7 s, eight at a time
/// 0.035 s (release build, the 2-core machine).
public enum CRC32C {
    /// The checksum of `bytes`.
    public static func checksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        finalize(update(start, with: bytes))
    }

    /// The running state before any byte.
    public static let start: UInt32 = 0xFFFF_FFFF

    /// Feeds more bytes into a running state (for records read in pieces).
    public static func update<Bytes: Sequence>(_ state: UInt32, with bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        if let crc = bytes.withContiguousStorageIfAvailable({ update(state, buffer: UnsafeRawBufferPointer($0)) }) { return crc }
        return tables.withUnsafeBufferPointer { table in
            var crc = state
            for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
            return crc
        }
    }

    /// The checksum of a running state.
    public static func finalize(_ state: UInt32) -> UInt32 { state ^ 0xFFFF_FFFF }

    /// Slicing-by-8 over a buffer: each little-endian word of eight bytes, the state folded into
    /// its low half, is eight independent lookups, table `k` giving the effect of a byte
    /// followed by `k` zero bytes.
    private static func update(_ state: UInt32, buffer: UnsafeRawBufferPointer) -> UInt32 {
        tables.withUnsafeBufferPointer { table in
            var crc = state
            var index = 0
            let count = buffer.count
            while count - index >= 8 {
                let word = UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                let low = UInt32(truncatingIfNeeded: word) ^ crc
                let high = UInt32(truncatingIfNeeded: word >> 32)
                crc = table[7 * 256 + Int(low & 0xFF)] ^ table[6 * 256 + Int((low >> 8) & 0xFF)]
                    ^ table[5 * 256 + Int((low >> 16) & 0xFF)] ^ table[4 * 256 + Int(low >> 24)]
                    ^ table[3 * 256 + Int(high & 0xFF)] ^ table[2 * 256 + Int((high >> 8) & 0xFF)]
                    ^ table[256 + Int((high >> 16) & 0xFF)] ^ table[Int(high >> 24)]
                index += 8
            }
            while index < count {
                crc = table[Int((crc ^ UInt32(buffer[index])) & 0xFF)] ^ (crc >> 8)
                index += 1
            }
            return crc
        }
    }

    /// Eight tables of 256 entries, one after the other: table 0 is the classic byte table,
    /// table `k` entry `i` is table `k - 1` entry `i` shifted through one more zero byte.
    private static let tables: [UInt32] = {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for index in 0..<256 {
            var value = UInt32(index)
            for _ in 0..<8 { value = value & 1 != 0 ? (value >> 1) ^ 0x82F6_3B78 : value >> 1 }
            tables[index] = value
        }
        for slice in 1..<8 {
            for index in 0..<256 {
                let previous = tables[(slice - 1) * 256 + index]
                tables[slice * 256 + index] = (previous >> 8) ^ tables[Int(previous & 0xFF)]
            }
        }
        return tables
    }()
}
