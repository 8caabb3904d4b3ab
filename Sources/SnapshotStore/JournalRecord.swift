/// One journal record: a sequence number and an opaque payload (the service stores one JSON
/// command per record; the payload must not contain a newline, which JSON text never does).
///
/// On disk a record is one line: `<sequence> <length> <crc32c> <payload>\n`, the first three
/// as decimal, decimal and 8 lowercase hex digits; `length` is the payload's byte count and
/// the CRC-32C covers the payload followed by the sequence (8 bytes, little-endian), so the
/// payload's part can be computed before the sequence is known (`JournalPayload`). A line is
/// self-checking: a torn, truncated or altered record never reads back as a valid one.
public struct JournalRecord: Hashable, Sendable {
    public let sequence: UInt64
    public let payload: [UInt8]

    public init(sequence: UInt64, payload: [UInt8]) {
        self.sequence = sequence
        self.payload = payload
    }

    /// The length of the record's line.
    public var encodedCount: Int { String(sequence).utf8.count + String(payload.count).utf8.count + 8 + 3 + payload.count + 1 }

    /// The checksum of a record's content.
    static func checksum(sequence: UInt64, payload: [UInt8]) -> UInt32 {
        checksum(sequence: sequence, payloadState: CRC32C.update(CRC32C.start, with: payload))
    }

    /// The checksum from the running CRC state of the payload alone.
    static func checksum(sequence: UInt64, payloadState: UInt32) -> UInt32 {
        let suffix = (0..<8).map { UInt8(truncatingIfNeeded: sequence >> (8 * $0)) }
        return CRC32C.finalize(CRC32C.update(payloadState, with: suffix))
    }

    /// The record's line, newline included. Precondition: the payload has no newline.
    public var encoded: [UInt8] {
        precondition(!payload.contains(0x0A), "a journal payload must not contain a newline")
        var line: [UInt8] = []
        JournalRecord.appendLine(sequence: sequence, payload: payload, payloadState: CRC32C.update(CRC32C.start, with: payload), to: &line)
        return line
    }

    /// Appends the line of record `sequence` to `out`.
    static func appendLine(sequence: UInt64, payload: [UInt8], payloadState: UInt32, to out: inout [UInt8]) {
        let crc = String(checksum(sequence: sequence, payloadState: payloadState), radix: 16)
        out.append(contentsOf: "\(sequence) \(payload.count) \(String(repeating: "0", count: 8 - crc.count) + crc) ".utf8)
        out.append(contentsOf: payload)
        out.append(0x0A)
    }
}

/// A payload made ready for the journal outside any lock: checked for newlines and with its
/// part of the checksum computed, so appending it under the caller's lock costs a copy.
public struct JournalPayload: Sendable {
    public let bytes: [UInt8]
    let crcState: UInt32

    /// Fails when the payload holds a newline (JSON text never does).
    public init?(_ bytes: [UInt8]) {
        guard !bytes.contains(0x0A) else { return nil }
        self.bytes = bytes
        self.crcState = CRC32C.update(CRC32C.start, with: bytes)
    }
}
