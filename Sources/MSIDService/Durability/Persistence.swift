import Glibc
import IRQModel
import Logging
import SnapshotStore
import Synchronization

/// The durable home of the world: the locked data directory, its journal of commands and its
/// snapshot (`snapshot.json`).
///
/// Invariant: `snapshot.json` (covering journal records up to its `sequence`) followed by the
/// journal records after that sequence, replayed in order, is the state every acknowledged
/// mutation produced. Snapshots are cut one at a time (`snapshotGate`), so an older snapshot
/// can never replace a newer one.
public final class Persistence: Sendable {
    /// What recovery did, for the log line and `/readyz`.
    public struct Report: Sendable {
        /// The sequence the snapshot covered (0 without a snapshot).
        public let snapshotSequence: UInt64
        public let replayedRecords: Int
        /// The torn last record cut off, if any.
        public let tornTail: RecoveredJournal.TornTail?
        /// Files a `--repair` put aside.
        public let putAside: [String]
        /// The sequence of the last record now in effect.
        public let lastSequence: UInt64
    }

    /// Why the state could not be recovered; the start stops and nothing on disk was changed.
    public enum RecoveryFailure: Error, CustomStringConvertible {
        case store(StoreError)
        case snapshot(path: String, SnapshotDocument.Failure)
        case replay(sequence: UInt64, reason: String)

        public var description: String {
            switch self {
            case .store(let error): "\(error)"
            case .snapshot(let path, let failure): "the snapshot \(path) cannot be used: \(failure)"
            case .replay(let sequence, let reason): "journal record \(sequence) cannot be replayed: \(reason)"
            }
        }
    }

    /// A snapshot written: the journal sequence it covers and its size.
    public struct SnapshotInfo: Sendable {
        public let sequence: UInt64
        public let bytes: Int
    }

    public static let snapshotName = "snapshot.json"
    /// The state a `PUT /v1/snapshot` replaced, as a sealed snapshot document; one is kept,
    /// overwritten by the next replacement. `PUT /v1/snapshot` takes it back as it is.
    public static let backupName = "snapshot.replaced.json"

    public let directory: String
    let journal: Journal
    let threshold: SnapshotThreshold
    private let lock: DataDirectoryLock
    private let snapshotFile: SnapshotFile
    private let backupFile: SnapshotFile
    private let snapshotGate = Mutex(())
    /// When `snapshot.json` was last written (wall clock, nanoseconds since the epoch; 0 while
    /// there is none): its modification time at recovery, then each snapshot's end.
    private let lastSnapshotTime = Atomic<Int64>(0)

    private init(directory: String, lock: DataDirectoryLock, journal: Journal, threshold: SnapshotThreshold, syscalls: Syscalls) {
        self.directory = directory
        self.lock = lock
        self.journal = journal
        self.threshold = threshold
        self.snapshotFile = SnapshotFile(directory: directory, name: Persistence.snapshotName, syscalls: syscalls)
        self.backupFile = SnapshotFile(directory: directory, name: Persistence.backupName, syscalls: syscalls)
    }

    /// Creates the directory (mode 0700) when missing and takes its lock, so that a second msid
    /// stops before it listens.
    public static func lockDirectory(_ directory: String, syscalls: Syscalls = .live) throws(StoreError) -> DataDirectoryLock {
        try FileSystem.ensureDirectory(directory, syscalls: syscalls)
        return try DataDirectoryLock(directory: directory, syscalls: syscalls)
    }

    /// Loads the snapshot, replays the journal after it (verifying every checksum), and cuts a
    /// torn last record (with a warning). A damaged record elsewhere, an unreadable snapshot or
    /// an unknown format throws and changes nothing on disk, unless `repair` is set: then the
    /// journal is cut at the first damaged record after a copy of what is cut was saved.
    public static func recover(directory: String, lock: DataDirectoryLock, threshold: SnapshotThreshold, repair: Bool,
                               logger: Logger, syscalls: Syscalls = .live,
                               journalObserver: (@Sendable (Journal.Flush) -> Void)? = nil) throws(RecoveryFailure) -> (Persistence, World, Report) {
        let snapshotPath = directory + "/" + snapshotName
        var world = World()
        var covered: UInt64 = 0
        let snapshotBytes: [UInt8]?
        do throws(StoreError) { snapshotBytes = try FileSystem.read(snapshotPath) } catch { throw .store(error) }
        if let snapshotBytes {
            do throws(SnapshotDocument.Failure) {
                (world, covered) = try SnapshotDocument.decode(snapshotBytes)
            } catch {
                throw .snapshot(path: snapshotPath, error)
            }
        }

        var putAside: [String] = []
        var journal: RecoveredJournal
        do throws(StoreError) {
            do {
                journal = try RecoveredJournal.read(directory: directory, after: covered)
            } catch .corruptJournal(let path, let offset, let reason) where repair {
                logger.warning("repair: cutting \(path) at byte \(offset) (\(reason))")
                putAside = try JournalRepair.cut(directory: directory, at: path, offset: offset, syscalls: syscalls)
                logger.warning("repair: saved what was cut as \(putAside.joined(separator: ", "))")
                journal = try RecoveredJournal.read(directory: directory, after: covered)
            }
        } catch {
            throw .store(error)
        }

        for record in journal.records {
            do throws(JournalEntryFailure) {
                switch try JournalEntry.decode(record.payload) {
                case .command(let command, let time):
                    var residue = false
                    do throws(ModelError) { _ = try world.apply(command, at: time, leftResidue: &residue) } catch {
                        throw JournalEntryFailure(reason: "the model refuses it: \(error)")
                    }
                case .refused(let command, let time):
                    // Refused when it ran, with a change left behind; refused again here,
                    // leaving the same change.
                    var residue = false
                    if (try? world.apply(command, at: time, leftResidue: &residue)) != nil {
                        throw JournalEntryFailure(reason: "a command refused when it ran succeeds on replay")
                    }
                case .replace(let state):
                    world = state
                }
            } catch {
                throw .replay(sequence: record.sequence, reason: error.reason)
            }
        }
        for (path, damaged) in journal.damagedTerminators {
            logger.warning("journal record \(damaged.sequence) in \(path) ends in byte 0x\(String(damaged.byte, radix: 16)) at offset \(damaged.offset), not a newline; its length and checksum are good, so it is kept")
        }
        if let torn = journal.tornTail {
            logger.warning("cut a torn last journal record: \(torn.path) keeps \(torn.validLength) of \(torn.length) bytes")
            do throws(StoreError) { try journal.cutTornTail(syscalls: syscalls) } catch { throw .store(error) }
        }

        // Appending goes on in the last segment only when it ends exactly at the last record
        // (a snapshot may cover records that never reached that segment before a crash).
        let next = journal.lastSequence + 1
        var appendable: JournalSegment?
        if let last = journal.lastSegment, last.start <= next, journal.lastSegmentEnd == next - 1 { appendable = last }
        let persistence = Persistence(directory: directory, lock: lock,
                                      journal: Journal(directory: directory, nextSequence: next, appendingTo: appendable, syscalls: syscalls,
                                                       observer: journalObserver),
                                      threshold: threshold, syscalls: syscalls)
        if snapshotBytes != nil { persistence.lastSnapshotTime.store(Persistence.modificationTime(snapshotPath) ?? Persistence.now(), ordering: .relaxed) }
        let report = Report(snapshotSequence: covered, replayedRecords: journal.records.count, tornTail: journal.tornTail,
                            putAside: putAside, lastSequence: journal.lastSequence)
        return (persistence, world, report)
    }

    /// Whether the journal has grown past the threshold since the last snapshot.
    var snapshotDue: Bool {
        let since = journal.sinceRotation
        switch threshold {
        case .records(let limit): return since.records >= limit
        case .bytes(let limit): return since.bytes >= limit
        }
    }

    /// Writes `world` (the state a replacement replaced, which reflects journal records up to
    /// `sequence`) to `backupName`, atomically; returns the file's name.
    func writeBackup(_ world: World, sequence: UInt64) throws(StoreError) -> String {
        var bytes = SnapshotDocument.encode(world, sequence: sequence)
        SnapshotChecksum.seal(&bytes)
        try backupFile.replace(with: bytes)
        return Persistence.backupName
    }

    /// Seconds since `snapshot.json` was last written, by the wall clock; nil while there is none.
    var snapshotAgeSeconds: Double? {
        let written = lastSnapshotTime.load(ordering: .relaxed)
        guard written > 0 else { return nil }
        return Double(max(0, Persistence.now() - written)) / 1e9
    }

    /// The wall clock in nanoseconds since the epoch.
    private static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }

    /// A file's modification time in nanoseconds since the epoch, or nil when it cannot be read.
    private static func modificationTime(_ path: String) -> Int64? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec)
    }

    /// Cuts a snapshot: `capture` runs under the caller's world lock, copies the world and
    /// rotates the journal (`journal.rotate()` returns the sequence the copy covers); the copy
    /// is encoded and written outside that lock; then the segments it covers are deleted.
    func snapshot(capture: () -> (world: World, sequence: UInt64)) throws(StoreError) -> SnapshotInfo {
        try snapshotGate.withLock { _ throws(StoreError) -> SnapshotInfo in
            let (world, sequence) = capture()
            var bytes = SnapshotDocument.encode(world, sequence: sequence)
            SnapshotChecksum.seal(&bytes)
            try snapshotFile.replace(with: bytes)
            try journal.removeSegments(before: sequence + 1)
            lastSnapshotTime.store(Persistence.now(), ordering: .relaxed)
            return SnapshotInfo(sequence: sequence, bytes: bytes.count)
        }
    }
}

/// When to cut a snapshot: after this many journal records, or bytes, since the last one.
public enum SnapshotThreshold: Sendable, Equatable, CustomStringConvertible {
    case records(Int)
    case bytes(Int)

    public static let `default` = SnapshotThreshold.records(10_000)

    /// `10000` (records) or a size with a unit: `512KiB`, `64MiB`, `1GiB`, `4096B`.
    public init?(parsing text: String) {
        if ByteSize.hasUnit(text) {
            guard let bytes = ByteSize.parse(text), bytes > 0 else { return nil }
            self = .bytes(bytes)
        } else {
            guard let count = Int(text), count > 0 else { return nil }
            self = .records(count)
        }
    }

    public var description: String {
        switch self {
        case .records(let count): "\(count) records"
        case .bytes(let count): "\(count) bytes"
        }
    }
}

/// Sizes as operators write them: digits with `B`, `KiB`, `MiB` or `GiB` (binary multiples).
public enum ByteSize {
    private static let units: [(suffix: String, factor: Int)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("B", 1)]

    /// Whether `text` ends in one of the units.
    public static func hasUnit(_ text: String) -> Bool { units.contains { text.hasSuffix($0.suffix) } }

    /// The bytes `text` names (a bare number is bytes), or nil when it is not a non-negative
    /// size or overflows.
    public static func parse(_ text: String) -> Int? {
        let unit = units.first { text.hasSuffix($0.suffix) } ?? ("", 1)
        guard let count = Int(text.dropLast(unit.suffix.count)), count >= 0, count <= Int.max / unit.factor else { return nil }
        return count * unit.factor
    }
}
