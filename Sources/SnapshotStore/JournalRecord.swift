/// One journal record: a sequence number and an opaque payload (the service stores one JSON
/// command per record; the payload must not contain a newline, which JSON text never does).
///
/// On disk a record is one line: `<sequence> <length> <crc32c> <payload>\n`, the first three
/// as decimal, decimal and 8 lowercase hex digits; `length` is the payload's byte count and
/// the CRC-32C covers the sequence (8 bytes, little-endian) followed by the payload. A line is
/// self-checking: a torn, truncated or altered record never reads back as a valid one.
public struct JournalRecord: Hashable, Sendable {
    public let sequence: UInt64
    public let payload: [UInt8]

    public init(sequence: UInt64, payload: [UInt8]) {
        self.sequence = sequence
        self.payload = payload
    }

    /// The checksum of a record's content.
    static func checksum(sequence: UInt64, payload: [UInt8]) -> UInt32 {
        let prefix = (0..<8).map { UInt8(truncatingIfNeeded: sequence >> (8 * $0)) }
        return CRC32C.finalize(CRC32C.update(CRC32C.update(CRC32C.start, with: prefix), with: payload))
    }

    /// The record's line, newline included. Precondition: the payload has no newline.
    public var encoded: [UInt8] {
        precondition(!payload.contains(0x0A), "a journal payload must not contain a newline")
        let crc = String(JournalRecord.checksum(sequence: sequence, payload: payload), radix: 16)
        let header = "\(sequence) \(payload.count) \(String(repeating: "0", count: 8 - crc.count) + crc) "
        return Array(header.utf8) + payload + [0x0A]
    }
}
