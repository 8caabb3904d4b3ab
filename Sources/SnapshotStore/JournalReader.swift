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
        public init(records: [JournalRecord], ending: Ending) {
            self.records = records
            self.ending = ending
        }
    }

    /// Parses `bytes`. Sequence numbers must increase by one from the first record.
    /// - Complexity: O(bytes).
    public static func read(_ bytes: [UInt8]) -> Result {
        var records: [JournalRecord] = []
        var offset = 0
        while offset < bytes.count {
            guard let newline = bytes[offset...].firstIndex(of: 0x0A) else {
                return Result(records: records, ending: tail(bytes, from: offset))
            }
            switch parse(bytes[offset..<newline]) {
            case .success(let record):
                if let last = records.last, record.sequence != last.sequence + 1 {
                    return Result(records: records, ending: .corrupt(offset: offset,
                        reason: "sequence \(record.sequence) follows \(last.sequence)"))
                }
                records.append(record)
                offset = newline + 1
            case .failure(let reason):
                // A bad complete line is a torn tail only if nothing but zeros follows it and the
                // line itself is a prefix of a record that zeros overwrote; otherwise corruption.
                if bytes[offset..<newline].allSatisfy({ $0 == 0 }) && bytes[newline...].allSatisfy({ $0 == 0 || $0 == 0x0A }) {
                    return Result(records: records, ending: .tornTail(validLength: offset))
                }
                return Result(records: records, ending: .corrupt(offset: offset, reason: reason))
            }
        }
        return Result(records: records, ending: .clean)
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
