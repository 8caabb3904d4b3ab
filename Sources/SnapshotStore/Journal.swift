import Glibc

/// The append side of the journal, with group commit.
///
/// Records are numbered by `append` in the order it is called (callers call it under the lock
/// that orders their state changes), buffered in memory, and written and `fdatasync`ed by
/// whichever waiting thread finds no flush under way: the leader takes every buffered record,
/// writes and syncs them outside the monitor, and wakes everyone; records appended meanwhile
/// go out with the next leader. So N concurrent waiters share about two syncs, not N.
///
/// Nearer one than two, because a leader first waits briefly for the writers the last flush
/// released (see `collect`): they were just woken and are about to append their next record,
/// and a batch that waits for them saves them a sync of their own.
///
/// The journal is a series of segment files `journal-<first sequence, 20 digits>.log`;
/// `rotate()` (called when a snapshot is cut) starts a new segment, so that the segments a
/// snapshot covers can be deleted whole.
///
/// After a failed write or sync the journal is failed for good (`failure`): what reached the
/// disk is unknown, Linux may have dropped the dirty pages, and only a restart's recovery can
/// say what is true. Every waiter and every later append gets the error.
///
/// `@unchecked Sendable`: every stored property is immutable except `state`, which is read and
/// written only inside `monitor.withLock`.
public final class Journal: @unchecked Sendable {
    /// One flush as an observer sees it (for metrics): how many records it carried and how
    /// long its `fdatasync` took.
    public struct Flush: Sendable {
        public let records: Int
        public let syncDuration: Duration
    }

    /// Records waiting for the leader, by segment.
    private struct Chunk {
        let segment: UInt64
        /// The sequence of the chunk's first record: when it is the segment's start, the chunk
        /// begins the segment and may create its file; otherwise the file must exist.
        let first: UInt64
        var bytes: [UInt8] = []
        var records = 0
    }

    /// The segment file the leader writes to.
    private struct OpenSegment {
        let start: UInt64
        let fd: Int32
        let path: String
        /// Created by this process and not yet made durable in the directory.
        var needsDirectorySync: Bool
    }

    private struct State {
        var nextSequence: UInt64
        var durableSequence: UInt64
        var currentSegment: UInt64
        var pending: [Chunk] = []
        var flushing = false
        var failure: StoreError?
        var recordsSinceRotation = 0
        var bytesSinceRotation = 0
        /// Touched only by the leader (while `flushing`), but kept here so one lock guards all.
        var file: OpenSegment?
        var batches = 0
        var batchedRecords = 0
        /// Records the last flush made durable: each was a writer it released.
        var released = 0
        /// Records appended since the last flush ended.
        var appendedSinceRelease = 0
        /// A leader waits in `collect` for the released writers.
        var collecting = false
        /// How long the last flush's `fdatasync` took, in nanoseconds.
        var lastSyncNanoseconds: UInt64 = 0
        /// Flushes whose leader waited in `collect`.
        var collections = 0
        /// `whenDurable` completions not yet called, in the order registered.
        var completions: [(sequence: UInt64, call: @Sendable (StoreError?) -> Void)] = []
        /// Whether the completion thread runs, and whether it was asked to end.
        var completerStarted = false
        var completerStopping = false
    }

    /// How long a leader waits for the writers the last flush released (see `collect`).
    public struct BatchCollection: Sendable {
        /// The longest wait, as a fraction of the last flush's sync: a released writer that
        /// does not come back costs the next batch at most this much more latency.
        public var budget: Double
        /// The longest wait between two arrivals: released writers come back within a
        /// request's CPU time and a wake-up; when none came for this long, the others are busy
        /// elsewhere (reading, or gone) and the batch goes without them.
        public var quiet: Duration
        /// The longest wait is at least this, however fast the last sync was: through the
        /// HTTP server a released writer comes back only after its answer went out and its
        /// client's next request came in (about 100-300 us on 2 loaded cores), more than half
        /// of a 0.14 ms sync; without it, 16 connections made 10-11 records per fdatasync,
        /// with it 13-15 (scripts/bench-durable-http).
        public var floor: Duration

        public init(budget: Double, quiet: Duration, floor: Duration = .zero) {
            self.budget = budget
            self.quiet = quiet
            self.floor = floor
        }

        public static let standard = BatchCollection(budget: 0.5, quiet: .microseconds(200), floor: .microseconds(300))

        var quietNanoseconds: UInt64 { Journal.nanoseconds(quiet) }
    }

    /// The monitor's conditions: durability waiters, and the leader collecting a batch.
    private static let durable = 0
    private static let batchReady = 1
    private static let completionsWaiting = 2

    public let directory: String
    public let collection: BatchCollection
    private let syscalls: Syscalls
    private let monitor = Monitor(conditions: 3)
    /// Called by the leader after each successful flush, outside the monitor.
    private let observer: (@Sendable (Flush) -> Void)?
    /// Guarded by `monitor`.
    private var state: State

    /// A journal whose next record is `nextSequence`. With `appendingTo` (the last segment
    /// found at recovery, already cut after its last whole record) new records go on in that
    /// file; otherwise the first flush creates `journal-<nextSequence>.log`.
    public init(directory: String, nextSequence: UInt64, appendingTo segment: JournalSegment? = nil, syscalls: Syscalls = .live,
                collection: BatchCollection = .standard, observer: (@Sendable (Flush) -> Void)? = nil) {
        self.directory = directory
        self.collection = collection
        self.syscalls = syscalls
        self.observer = observer
        self.state = State(nextSequence: nextSequence, durableSequence: nextSequence - 1, currentSegment: segment?.start ?? nextSequence)
    }

    deinit {
        if let file = state.file { _ = syscalls.close(file.fd) }
    }

    /// The sequence number of the last record appended (0 before any).
    public var lastSequence: UInt64 { monitor.withLock { state.nextSequence - 1 } }

    /// The last record appended and the last record durable (written and synced), read
    /// together; `durable <= appended`.
    public var sequences: (appended: UInt64, durable: UInt64) {
        monitor.withLock { (state.nextSequence - 1, state.durableSequence) }
    }

    /// Records and bytes appended since the last rotation.
    public var sinceRotation: (records: Int, bytes: Int) { monitor.withLock { (state.recordsSinceRotation, state.bytesSinceRotation) } }

    /// How many flushes ran, how many records they carried (for the group-commit figure), and
    /// how many of their leaders waited for released writers first.
    public var batching: (batches: Int, records: Int, collections: Int) {
        monitor.withLock { (state.batches, state.batchedRecords, state.collections) }
    }

    /// The error that failed the journal, if any.
    public var failure: StoreError? { monitor.withLock { state.failure } }

    /// Numbers and buffers one record; returns its sequence number. Cheap: a copy of the bytes.
    public func append(_ payload: JournalPayload) throws(StoreError) -> UInt64 {
        try monitor.withLock { () throws(StoreError) -> UInt64 in
            if let failure = state.failure { throw failure }
            let sequence = state.nextSequence
            state.nextSequence += 1
            if state.pending.last?.segment != state.currentSegment {
                state.pending.append(Chunk(segment: state.currentSegment, first: sequence))
            }
            let before = state.pending[state.pending.count - 1].bytes.count
            JournalRecord.appendLine(sequence: sequence, payload: payload.bytes, payloadState: payload.crcState,
                                     to: &state.pending[state.pending.count - 1].bytes)
            state.pending[state.pending.count - 1].records += 1
            state.recordsSinceRotation += 1
            state.appendedSinceRelease += 1
            if state.collecting && state.appendedSinceRelease >= state.released { monitor.signal(Journal.batchReady) }
            state.bytesSinceRotation += state.pending[state.pending.count - 1].bytes.count - before
            return sequence
        }
    }

    /// Starts a new segment for the records appended from now on and returns the sequence of
    /// the last record before it (what a snapshot cut now covers). Call it under the same lock
    /// as `append`, together with taking the state the snapshot will hold.
    public func rotate() -> UInt64 {
        monitor.withLock {
            state.currentSegment = state.nextSequence
            state.recordsSinceRotation = 0
            state.bytesSinceRotation = 0
            return state.nextSequence - 1
        }
    }

    /// Returns once record `sequence` is on disk (written and synced), leading a flush when
    /// none is under way. Throws the journal's failure.
    public func waitUntilDurable(_ sequence: UInt64) throws(StoreError) {
        try monitor.withLock { () throws(StoreError) in
            while state.durableSequence < sequence {
                if let failure = state.failure { throw failure }
                if state.flushing {
                    monitor.wait(Journal.durable)
                    continue
                }
                // Lead: gather the batch, take everything buffered, write it outside the monitor.
                state.flushing = true
                collect()
                let chunks = state.pending
                state.pending = []
                let target = state.nextSequence - 1
                var file = state.file
                state.file = nil
                let records = chunks.reduce(0) { $0 + $1.records }
                var syncDuration = Duration.zero
                let result = monitor.unlocked { () -> StoreError? in
                    do throws(StoreError) {
                        syncDuration = try flush(chunks, file: &file)
                        observer?(Flush(records: records, syncDuration: syncDuration))
                        return nil
                    } catch {
                        return error
                    }
                }
                state.file = file
                state.flushing = false
                if let result {
                    state.failure = result
                } else {
                    state.durableSequence = max(state.durableSequence, target)
                    state.batches += 1
                    state.batchedRecords += records
                    state.released = records
                    state.appendedSinceRelease = 0
                    state.lastSyncNanoseconds = Journal.nanoseconds(syncDuration)
                }
                monitor.broadcast(Journal.durable)
            }
        }
    }

    /// Calls `completion` once record `sequence` is durable (with nil), or once the journal
    /// failed (with the failure), without blocking the caller: at once, on the caller's thread,
    /// when that is known already; otherwise later, on the journal's completion thread, which
    /// leads (or joins) the flushes itself. Completions are called in the order registered,
    /// outside the monitor; a completion must not block for long (it delays the next flush).
    ///
    /// This is what lets a server with two worker threads keep hundreds of durable requests in
    /// flight: none of them holds a thread while it waits, and every record appended while a
    /// sync runs goes out with the next one.
    public func whenDurable(_ sequence: UInt64, _ completion: @escaping @Sendable (StoreError?) -> Void) {
        enum Known { case settled(StoreError?), queued, noThread }
        let known: Known = monitor.withLock {
            if let failure = state.failure { return .settled(failure) }
            if state.durableSequence >= sequence { return .settled(nil) }
            if !state.completerStarted {
                state.completerStarted = PosixThread.start(detached: true, { [self] in completeLoop() }) != nil
                guard state.completerStarted else { return .noThread }
            }
            state.completions.append((sequence, completion))
            monitor.signal(Journal.completionsWaiting)
            return .queued
        }
        switch known {
        case .settled(let outcome):
            completion(outcome)
        case .queued:
            break
        case .noThread:  // complete on this thread, blocking, as waitUntilDurable would
            do throws(StoreError) {
                try waitUntilDurable(sequence)
                completion(nil)
            } catch {
                completion(error)
            }
        }
    }

    /// Ends the completion thread once every registered completion was called (at shutdown,
    /// after the server stopped; later `whenDurable` calls start it again).
    public func stopCompletions() {
        monitor.withLock {
            state.completerStopping = true
            monitor.broadcast(Journal.completionsWaiting)
        }
    }

    /// The completion thread: flush up to the newest record a completion waits for, then call
    /// every completion that record (or the failure) settles.
    private func completeLoop() {
        while true {
            let target: UInt64? = monitor.withLock {
                while state.completions.isEmpty && !state.completerStopping { monitor.wait(Journal.completionsWaiting) }
                guard let newest = state.completions.map(\.sequence).max() else {
                    state.completerStarted = false
                    state.completerStopping = false
                    return nil
                }
                return newest
            }
            guard let target else { return }
            var failure: StoreError?
            do throws(StoreError) { try waitUntilDurable(target) } catch { failure = error }
            let (settled, outcome) = monitor.withLock { () -> ([(sequence: UInt64, call: @Sendable (StoreError?) -> Void)], StoreError?) in
                if let failed = failure ?? state.failure {
                    defer { state.completions = [] }
                    return (state.completions, failed)
                }
                let durable = state.durableSequence
                let ready = state.completions.filter { $0.sequence <= durable }
                state.completions.removeAll { $0.sequence <= durable }
                return (ready, nil)
            }
            for completion in settled { completion.call(outcome) }
        }
    }

    /// Before a leader takes its batch (inside the monitor, with `flushing` set): waits for the
    /// writers the last flush released to append again, until as many records arrived since
    /// that flush as it carried, at most `collection.budget` of its sync and at most
    /// `collection.quiet` after the last arrival.
    ///
    /// A lone writer never waits (its own record is the one it waits for), nor does the first
    /// flush. With 16 writers the batches grew from 11 records per fdatasync to 14-15 on the
    /// local disk and from 11 to all 16 on a disk 2 ms slower, where the 16-writer rate rose by
    /// a third (a single `sched_yield` did this job before, and caught about 11).
    private func collect() {
        guard state.appendedSinceRelease < state.released, state.lastSyncNanoseconds > 0 else { return }
        let start = Monitor.now()
        let deadline = start + max(UInt64(Double(state.lastSyncNanoseconds) * collection.budget), Journal.nanoseconds(collection.floor))
        let quiet = collection.quietNanoseconds
        var quietUntil = start + quiet
        state.collecting = true
        state.collections += 1
        defer { state.collecting = false }
        while state.appendedSinceRelease < state.released {
            let until = min(deadline, quietUntil)
            guard Monitor.now() < until else { return }
            let before = state.appendedSinceRelease
            monitor.wait(Journal.batchReady, until: until)
            if state.appendedSinceRelease > before { quietUntil = Monitor.now() + quiet }
        }
    }

    /// A non-negative duration in whole nanoseconds.
    static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
    }

    /// Makes every record appended so far durable.
    public func sync() throws(StoreError) {
        try waitUntilDurable(lastSequence)
    }

    /// Writes and syncs `chunks` in order, switching segment files where they change; returns
    /// how long the final `fdatasync` took.
    private func flush(_ chunks: [Chunk], file: inout OpenSegment?) throws(StoreError) -> Duration {
        for chunk in chunks {
            if file?.start != chunk.segment {
                if let old = file {
                    try finish(old)
                    file = nil
                }
                file = try open(segment: chunk.segment, create: chunk.first == chunk.segment)
            }
            guard let current = file else { continue }
            try syscalls.writeAll(current.fd, chunk.bytes, path: current.path)
        }
        guard var current = file else { return .zero }
        let clock = ContinuousClock()
        let started = clock.now
        _ = try syscalls.check("fdatasync", current.path) { syscalls.fdatasync(current.fd) }
        let syncDuration = clock.now - started
        if current.needsDirectorySync {
            try syncDirectory()
            current.needsDirectorySync = false
            file = current
        }
        return syncDuration
    }

    /// Syncs and closes a segment the journal has moved past.
    private func finish(_ segment: OpenSegment) throws(StoreError) {
        defer { _ = syscalls.close(segment.fd) }
        _ = try syscalls.check("fdatasync", segment.path) { syscalls.fdatasync(segment.fd) }
        if segment.needsDirectorySync { try syncDirectory() }
    }

    /// Opens a segment to append to. Only a chunk that begins the segment (`create`) may
    /// create its file: re-creating a segment that already held records would give a file
    /// whose first record is not the one its name says, which the next start refuses. Such a
    /// segment missing is a failure here (ENOENT), never a silently wrong file.
    private func open(segment start: UInt64, create: Bool) throws(StoreError) -> OpenSegment {
        let path = directory + "/" + JournalSegment.name(start: start)
        let existed = FileSystem.exists(path)
        let flags = O_WRONLY | O_APPEND | O_CLOEXEC | (create ? O_CREAT : 0)
        let fd = try syscalls.check("open", path) { syscalls.open(path, flags, 0o600) }
        return OpenSegment(start: start, fd: fd, path: path, needsDirectorySync: !existed)
    }

    private func syncDirectory() throws(StoreError) {
        let fd = try syscalls.check("open", directory) { syscalls.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0) }
        defer { _ = syscalls.close(fd) }
        _ = try syscalls.check("fsync", directory) { syscalls.fsync(fd) }
    }

    /// Deletes the segments whose records all precede `sequence` (those a snapshot covering
    /// `sequence - 1` made redundant); the current segment is never among them.
    ///
    /// Order: first every record before `sequence` is made durable, then the files go. A record
    /// still buffered for an old segment (the first flush after a restart, which has not opened
    /// its segment yet) would otherwise open that segment after its deletion and re-create it
    /// holding only the records from its own on (issue 14, item 7). Once they are durable no
    /// flush touches an old segment again: later records go to the segment `rotate` started.
    public func removeSegments(before sequence: UInt64) throws(StoreError) {
        if sequence > 0 { try waitUntilDurable(sequence - 1) }
        let current = monitor.withLock { state.currentSegment }
        for segment in try JournalSegment.list(in: directory) where segment.start < sequence && segment.start < current {
            _ = try syscalls.check("unlink", segment.path) { syscalls.unlink(segment.path) }
        }
    }
}

extension Monitor {
    /// Runs `body` with the mutex released (inside `withLock`), then takes it again.
    func unlocked<Result>(_ body: () -> Result) -> Result {
        unlock()
        defer { lock() }
        return body()
    }
}
