import Glibc

/// One journal file, `journal-<first sequence, 20 digits>.log`: the records from `start` on,
/// until the next segment's start.
public struct JournalSegment: Hashable, Sendable {
    public let start: UInt64
    public let path: String

    static let prefix = "journal-"
    static let suffix = ".log"

    /// The file name of the segment starting at `start` (zero-padded so names sort as numbers).
    public static func name(start: UInt64) -> String {
        let digits = String(start)
        return prefix + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + suffix
    }

    /// The segments in `directory`, by start. Other names (the snapshot, the lock, copies put
    /// aside by a repair) are ignored.
    public static func list(in directory: String) throws(StoreError) -> [JournalSegment] {
        try FileSystem.list(directory).compactMap { name -> JournalSegment? in
            guard name.hasPrefix(prefix), name.hasSuffix(suffix), name.count == prefix.count + 20 + suffix.count,
                  let start = UInt64(name.dropFirst(prefix.count).dropLast(suffix.count)) else { return nil }
            return JournalSegment(start: start, path: directory + "/" + name)
        }.sorted { $0.start < $1.start }
    }
}

/// What recovery reads from the journal: the records after a snapshot, in order, and the
/// incomplete record a crash may have left at the very end.
public struct RecoveredJournal: Sendable {
    /// A last record cut short by a crash: `path` holds `validLength` good bytes of `length`.
    public struct TornTail: Hashable, Sendable {
        public let path: String
        public let validLength: Int
        public let length: Int
    }

    /// The records with sequence numbers after the snapshot's, contiguous.
    public let records: [JournalRecord]
    /// The last segment, where appending goes on.
    public let lastSegment: JournalSegment?
    public let tornTail: TornTail?
    /// The sequence of the last record in the journal (or the snapshot's when none follows).
    public let lastSequence: UInt64
    /// The sequence of the last whole record in the last segment (its start - 1 when empty).
    public let lastSegmentEnd: UInt64?
    /// Records kept although their terminator is not a newline (`JournalReader.read`), by
    /// segment path: recovery warns about each.
    public let damagedTerminators: [(path: String, JournalReader.DamagedTerminator)]

    /// Reads every segment in `directory`, keeping the records after `covered` (the sequence
    /// the snapshot covers). Throws `.corruptJournal` for a damaged record that is not a torn
    /// tail of the last segment, and for a missing record. Changes nothing on disk.
    public static func read(directory: String, after covered: UInt64) throws(StoreError) -> RecoveredJournal {
        let segments = try JournalSegment.list(in: directory)
        var records: [JournalRecord] = []
        var expected = covered + 1
        var tornTail: TornTail?
        var lastSegmentEnd: UInt64?
        var damagedTerminators: [(path: String, JournalReader.DamagedTerminator)] = []
        for (index, segment) in segments.enumerated() {
            let bytes = try FileSystem.read(segment.path) ?? []
            let result = JournalReader.read(bytes)
            damagedTerminators += result.damagedTerminators.map { (segment.path, $0) }
            switch result.ending {
            case .clean:
                break
            case .corrupt(let offset, let reason):
                throw .corruptJournal(path: segment.path, offset: offset, reason: reason)
            case .tornTail(let validLength):
                guard index == segments.count - 1 else {
                    throw .corruptJournal(path: segment.path, offset: validLength, reason: "an incomplete record in a segment that is not the last")
                }
                tornTail = TornTail(path: segment.path, validLength: validLength, length: bytes.count)
            }
            if let first = result.records.first, first.sequence != segment.start {
                throw .corruptJournal(path: segment.path, offset: 0, reason: "the first record is \(first.sequence), the file name says \(segment.start)")
            }
            lastSegmentEnd = result.records.last?.sequence ?? (segment.start > 0 ? segment.start - 1 : 0)
            var offset = 0
            for record in result.records {
                defer { offset += record.encodedCount }
                guard record.sequence >= expected else { continue }
                guard record.sequence == expected else {
                    throw .corruptJournal(path: segment.path, offset: offset, reason: "record \(record.sequence) follows \(expected - 1): records are missing")
                }
                records.append(record)
                expected += 1
            }
        }
        return RecoveredJournal(records: records, lastSegment: segments.last, tornTail: tornTail, lastSequence: expected - 1,
                                lastSegmentEnd: lastSegmentEnd, damagedTerminators: damagedTerminators)
    }

    /// Cuts the torn tail off the last segment (and syncs it), so appending goes on after the
    /// last whole record.
    public func cutTornTail(syscalls: Syscalls = .live) throws(StoreError) {
        guard let tornTail else { return }
        try JournalRepair.truncate(tornTail.path, to: tornTail.validLength, syscalls: syscalls)
    }
}

/// `--repair`: cut the journal at its first damaged record, after saving what is cut.
public enum JournalRepair {
    /// Saves a copy of the damaged segment as `<name>.damaged`, cuts the segment at `offset`,
    /// and renames every later segment to `<name>.damaged`. Returns the paths put aside.
    public static func cut(directory: String, at path: String, offset: Int, syscalls: Syscalls = .live) throws(StoreError) -> [String] {
        let bytes = try FileSystem.read(path) ?? []
        try SnapshotFile(directory: directory, name: lastComponent(path) + ".damaged", syscalls: syscalls).replace(with: bytes)
        try truncate(path, to: offset, syscalls: syscalls)
        var putAside = [path + ".damaged"]
        for segment in try JournalSegment.list(in: directory) where segment.path > path {
            _ = try syscalls.check("rename", segment.path) { syscalls.rename(segment.path, segment.path + ".damaged") }
            putAside.append(segment.path + ".damaged")
        }
        return putAside
    }

    static func truncate(_ path: String, to length: Int, syscalls: Syscalls) throws(StoreError) {
        let fd = try syscalls.check("open", path) { syscalls.open(path, O_WRONLY | O_CLOEXEC, 0) }
        defer { _ = syscalls.close(fd) }
        _ = try syscalls.check("ftruncate", path) { syscalls.ftruncate(fd, length) }
        _ = try syscalls.check("fsync", path) { syscalls.fsync(fd) }
    }

    private static func lastComponent(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}
