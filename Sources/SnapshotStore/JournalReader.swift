/// Reads journal bytes back into records, never guessing: it returns exactly the whole, valid
/// records from the start, and says how the bytes ended.
public enum JournalReader {
    /// How a journal ended after its last valid record.
    public enum Ending: Hashable, Sendable {
        /// Every byte belonged to a valid record.
        case clean
        /// The bytes after `validLength` are an incomplete last record (a crash mid-append:
        /// no newline yet, or zero bytes the file system left after the data). Safe to cut.
        case tornTail(validLength: Int)
        /// A complete line at `offset` is not a valid record, or records follow a bad one: the
        /// journal is damaged and must not be cut silently.
        case corrupt(offset: Int, reason: String)
    }

    public struct Result: Hashable, Sendable {
        public let records: [JournalRecord]
        public let ending: Ending
        /// The records kept whose terminator is not a newline (see `read`).
        public let damagedTerminators: [DamagedTerminator]
        public init(records: [JournalRecord], ending: Ending, damagedTerminators: [DamagedTerminator] = []) {
            self.records = records
            self.ending = ending
            self.damagedTerminators = damagedTerminators
        }
    }

    /// A whole, valid record whose terminator byte at `offset` is `byte`, not a newline.
    public struct DamagedTerminator: Hashable, Sendable {
        public let sequence: UInt64
        public let offset: Int
        public let byte: UInt8

        public init(sequence: UInt64, offset: Int, byte: UInt8) {
            self.sequence = sequence
            self.offset = offset
            self.byte = byte
        }
    }

    /// Parses `bytes`. Sequence numbers must increase by one from the first record.
    ///
    /// A record whose header, length and checksum are good but whose terminator byte is not a
    /// newline is kept, and its terminator's offset reported: the checksum covers everything
    /// the record means (sequence and payload), the length frames it exactly, and the
    /// terminator carries no information. Cutting it as a torn tail (what a damaged last
    /// newline used to cause) silently dropped an acknowledged record; refusing it would stop
    /// the start over a byte that changes nothing, and `--repair` would then cut the record.
    /// A torn write is told apart by its length: it ends before its last byte, a damaged
    /// terminator does not.
    /// - Complexity: O(bytes).
    public static func read(_ bytes: [UInt8]) -> Result {
        var records: [JournalRecord] = []
        var damaged: [DamagedTerminator] = []
        var offset = 0
        func result(_ ending: Ending) -> Result { Result(records: records, ending: ending, damagedTerminators: damaged) }
        while offset < bytes.count {
            let newline = bytes[offset...].firstIndex(of: 0x0A)
            var parsed: Parsed
            var next: Int
            if let newline {
                parsed = parse(bytes[offset..<newline])
                next = newline + 1
            } else {
                parsed = .failure("no newline")
                next = bytes.count
            }
            if case .failure = parsed, let (record, terminator) = framedWithDamagedTerminator(bytes, at: offset) {
                parsed = .success(record)
                next = terminator + 1
                damaged.append(DamagedTerminator(sequence: record.sequence, offset: terminator, byte: bytes[terminator]))
            }
            switch parsed {
            case .success(let record):
                if let last = records.last, record.sequence != last.sequence + 1 {
                    if damaged.last?.offset == next - 1 { damaged.removeLast() }
                    return result(.corrupt(offset: offset, reason: "sequence \(record.sequence) follows \(last.sequence)"))
                }
                records.append(record)
                offset = next
            case .failure(let reason):
                guard let newline else { return result(tail(bytes, from: offset)) }
                // A bad complete line is a torn tail only if nothing but zeros follows it and the
                // line itself is a prefix of a record that zeros overwrote; otherwise corruption.
                if bytes[offset..<newline].allSatisfy({ $0 == 0 }) && bytes[newline...].allSatisfy({ $0 == 0 || $0 == 0x0A }) {
                    return result(.tornTail(validLength: offset))
                }
                return result(.corrupt(offset: offset, reason: reason))
            }
        }
        return result(.clean)
    }

    /// The record at `offset` read by its length rather than up to a newline, when its header,
    /// length and checksum are good, its payload has no newline, and the byte after the payload
    /// exists and is not a newline: the record and that byte's offset. Nil otherwise.
    private static func framedWithDamagedTerminator(_ bytes: [UInt8], at offset: Int) -> (JournalRecord, Int)? {
        var fields: [ArraySlice<UInt8>] = []
        var start = offset
        // Sequence and length have at most 20 digits, the checksum 8: no scan runs far.
        while fields.count < 3 {
            let limit = min(bytes.count, start + 21)
            guard let space = bytes[start..<limit].firstIndex(of: 0x20) else { return nil }
            fields.append(bytes[start..<space])
            start = space + 1
        }
        guard let sequence = UInt64(String(decoding: fields[0], as: UTF8.self)),
              let length = Int(String(decoding: fields[1], as: UTF8.self)), length >= 0,
              fields[2].count == 8, let crc = UInt32(String(decoding: fields[2], as: UTF8.self), radix: 16),
              length < bytes.count - start
        else { return nil }
        let terminator = start + length
        guard bytes[terminator] != 0x0A else { return nil }
        let payload = Array(bytes[start..<terminator])
        guard !payload.contains(0x0A), crc == JournalRecord.checksum(sequence: sequence, payload: payload) else { return nil }
        return (JournalRecord(sequence: sequence, payload: payload), terminator)
    }

    /// The bytes after the last newline: an incomplete record (torn) unless they are empty.
    private static func tail(_ bytes: [UInt8], from offset: Int) -> Ending {
        offset == bytes.count ? .clean : .tornTail(validLength: offset)
    }

    private enum Parsed {
        case success(JournalRecord)
        case failure(String)
    }

    private static func parse(_ line: ArraySlice<UInt8>) -> Parsed {
        var fields: [ArraySlice<UInt8>] = []
        var start = line.startIndex
        while fields.count < 3 {
            guard let space = line[start...].firstIndex(of: 0x20) else { return .failure("a record needs sequence, length and checksum") }
            fields.append(line[start..<space])
            start = space + 1
        }
        let payload = Array(line[start...])
        guard let sequence = UInt64(String(decoding: fields[0], as: UTF8.self)),
              let length = Int(String(decoding: fields[1], as: UTF8.self)),
              fields[2].count == 8, let crc = UInt32(String(decoding: fields[2], as: UTF8.self), radix: 16)
        else { return .failure("malformed record header") }
        guard length == payload.count else { return .failure("length \(length) but \(payload.count) payload bytes") }
        guard crc == JournalRecord.checksum(sequence: sequence, payload: payload) else { return .failure("checksum mismatch") }
        return .success(JournalRecord(sequence: sequence, payload: payload))
    }
}
