import IRQModel
import MicroHTTP
import SnapshotStore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The world behind one lock (the analogue of the kernel's lock per hierarchy root), and its
/// durability. The lock is held for the in-memory change and the journal append (a copy of
/// bytes encoded before the lock) only; the fsync that makes a mutation durable is waited for
/// outside it and shared with concurrent requests (group commit), and a mutation is answered
/// only after its own record is on disk.
///
/// Answers are built from small views taken under the lock (`apply(_:answer:)`, `read`), and
/// encoded to bytes outside it. A `System` is never kept past the lock for a small answer:
/// copies share storage, so the next mutation of the system would have to copy its whole IRQ
/// table and event trail (copy-on-write) while another thread still held the old one. Only
/// work that may be long takes such a copy (`copy(of:)`; the capacity plan, which allocates on
/// it): one O(1) copy under the lock, the work outside it, and at most one table copy for the
/// next writer. (The IRQ list reads bounded pages under the lock instead.)
///
/// Reads see every applied mutation, including one whose record is still being synced (its
/// client has no answer yet); a crash can take such a mutation back, never an acknowledged one.
/// Every answer says how far that goes (`sequences`: the last record applied, the last on
/// disk), and a read that must show only what survives a crash asks for a barrier
/// (`waitUntilAppliedIsDurable`, `?consistency=durable`).
final class ServiceState: Sendable {
    /// Where the state stands.
    enum Phase: Sendable {
        /// The state is being loaded from the data directory; nothing under `/v1` is served.
        case recovering
        case ready
        /// A journal write or sync failed: reads are served, mutations refused until restart.
        case failed(String)
    }

    private struct Durability: Sendable {
        var phase: Phase
        var persistence: Persistence?
        var worker: BackgroundWorker?
    }

    private let world = Mutex(World())
    private let durability: Mutex<Durability>
    /// Answers already given to POSTs with an `Idempotency-Key`.
    let idempotency = IdempotencyCache()
    /// Caps on the whole state, checked under the world's lock before a command is applied.
    let limits: StateLimits

    /// A state in memory only (in-process tests) is ready at once; one that will be recovered
    /// starts `recovering`.
    init(recovering: Bool, limits: StateLimits = .default) {
        durability = Mutex(Durability(phase: recovering ? .recovering : .ready))
        self.limits = limits
    }

    var phase: Phase { durability.withLock { $0.phase } }

    /// Installs the recovered world and its persistence, and starts the snapshot worker.
    func finishRecovery(world recovered: World, persistence: Persistence) {
        world.withLock { $0 = recovered }
        let worker = BackgroundWorker { [weak self] in self?.snapshotInBackground() }
        durability.withLock {
            $0.persistence = persistence
            $0.worker = worker
            $0.phase = .ready
        }
    }

    /// The persistence mutations go through (nil in memory), or why mutations are refused.
    private func writablePersistence() throws(ServiceError) -> Persistence? {
        let (phase, persistence) = durability.withLock { ($0.phase, $0.persistence) }
        switch phase {
        case .recovering: throw .storage(.recovering)
        case .failed(let reason): throw .storage(.failed(reason))
        case .ready: return persistence
        }
    }

    private func fail(_ error: StoreError) -> ServiceError {
        let reason = "\(error)"
        durability.withLock { $0.phase = .failed(reason) }
        return .storage(.failed(reason))
    }

    /// Applies a command durably and returns its outcome. A command the model refuses is not
    /// journaled, unless the refusal changed the world as the kernel's failure paths do
    /// (`World.apply(_:leftResidue:)`): then a `refused` record keeps that change durable
    /// before the refusal is answered.
    @discardableResult
    func apply(_ command: Command, deferringTo ticket: DurabilityTicket? = nil) throws(ServiceError) -> Outcome {
        try apply(command, deferringTo: ticket) { outcome, _ in outcome }
    }

    /// Applies a command durably and returns `answer(outcome, system)`, computed under the lock
    /// from the system as the command left it (nil once deleted). `answer` builds a small view
    /// and cannot fail: the change is made by then.
    ///
    /// With a `ticket`, the sync is not waited for: the record's sequence goes on the ticket,
    /// and whoever holds it answers once `whenDurable` says so (the HTTP path: the connection is
    /// suspended meanwhile, and no thread waits).
    func apply<Answer: Sendable>(_ command: Command, deferringTo ticket: DurabilityTicket? = nil,
                                 answer: (Outcome, System?) -> Answer) throws(ServiceError) -> Answer {
        // The time stamped on the command's events, journaled with it so that replay stamps the same.
        let time = ServiceState.now()
        let result = try commit(.command(command, at: time), orWhenRefused: .refused(command, at: time), deferringTo: ticket) { [limits] (world) throws(ServiceError) -> Result<Answer, ModelError> in
            do throws(StateLimits.Exceeded) { try limits.check(command, against: world) } catch { throw .stateLimit(error) }
            var residue = false
            do throws(ModelError) {
                let outcome = try world.apply(command, at: time, leftResidue: &residue)
                return .success(answer(outcome, world.systems[command.system]))
            } catch {
                guard residue else { throw .model(error) }
                return .failure(error)
            }
        }
        switch result {
        case .success(let answer): return answer
        case .failure(let error): throw .model(error)
        }
    }

    /// The size of a state: systems, domains and live IRQs, and the journal sequence it reflects.
    struct Totals: Sendable, Equatable {
        var systems: Int
        var domains: Int
        var irqs: Int
        var sequence: UInt64

        init(_ world: borrowing World, sequence: UInt64) {
            systems = world.systemCount
            domains = world.domainCount
            irqs = world.liveIRQCount
            self.sequence = sequence
        }
    }

    /// What a replacement did (or, for a dry run, would do).
    struct Replacement: Sendable {
        /// The state before the replacement.
        var replaced: Totals
        /// The snapshot cut right after (nil in memory and for a dry run).
        var snapshot: Persistence.SnapshotInfo?
        /// The backup of the replaced state (nil in memory and for a dry run), or why it
        /// could not be written.
        var backup: Result<String, StoreError>?
    }

    /// Checks a validated world against the caps without changing anything
    /// (`PUT /v1/snapshot?dryRun=true`), and says what it would replace.
    func checkReplacement(with newWorld: World) throws(ServiceError) -> Replacement {
        do throws(StateLimits.Exceeded) { try limits.check(newWorld) } catch { throw .stateLimit(error) }
        return Replacement(replaced: totals)
    }

    /// Seconds since the snapshot on disk was written; nil in memory and before the first.
    var snapshotAgeSeconds: Double? { durability.withLock { $0.persistence }?.snapshotAgeSeconds }

    /// The size of the state now.
    var totals: Totals {
        let persistence = durability.withLock { $0.persistence }
        return world.withLock { Totals($0, sequence: persistence?.journal.lastSequence ?? 0) }
    }

    /// Replaces the whole state with a validated world, durably; then writes the replaced state
    /// to `Persistence.backupName` (the one backup, overwritten by the next replacement), and
    /// cuts a snapshot so that the journal does not keep the large record. Until the snapshot
    /// is cut the old snapshot and journal still hold the replaced state too, so a crash at any
    /// point leaves it on disk.
    func replace(with newWorld: World) throws(ServiceError) -> Replacement {
        do throws(StateLimits.Exceeded) { try limits.check(newWorld) } catch { throw .stateLimit(error) }
        let persistence = durability.withLock { $0.persistence }
        // The old world is captured under the same lock as the replacement: no mutation between.
        let (old, sequence) = try commit(.replace(newWorld)) { (world) throws(ServiceError) -> (World, UInt64) in
            let old = world
            world = newWorld
            return (old, persistence?.journal.lastSequence ?? 0)
        }
        var replacement = Replacement(replaced: Totals(old, sequence: sequence))
        if let persistence {
            replacement.backup = Result { () throws(StoreError) -> String in try persistence.writeBackup(old, sequence: sequence) }
        }
        replacement.snapshot = try snapshotNow()
        return replacement
    }

    /// The write path: encode the journal entry outside the lock; under it, change the world and
    /// append the record (same order for both); outside it, wait for the shared sync.
    private func commit<R: Sendable>(_ entry: JournalEntry, _ change: (inout World) throws(ServiceError) -> R) throws(ServiceError) -> R {
        let result = try commit(entry, orWhenRefused: nil, deferringTo: nil) { (world) throws(ServiceError) -> Result<R, ModelError> in .success(try change(&world)) }
        switch result {
        case .success(let value): return value
        case .failure(let error): throw .model(error)  // never: the change above does not refuse
        }
    }

    /// `commit(_:_:)` for a change that may be refused yet leave the world changed: a
    /// `.failure` result is journaled as `refusal` (encoded under the lock, which is rare), and
    /// is durable before the refusal is answered.
    private func commit<R: Sendable>(_ entry: JournalEntry, orWhenRefused refusal: JournalEntry?, deferringTo ticket: DurabilityTicket?,
                                     _ change: (inout World) throws(ServiceError) -> Result<R, ModelError>)
        throws(ServiceError) -> Result<R, ModelError> {
        let persistence = try writablePersistence()
        var payload: JournalPayload?
        if persistence != nil {
            do throws(JournalEntryFailure) { payload = try entry.payload() } catch { throw .storage(.internalFailure(error.reason)) }
        }
        let (result, sequence) = try world.withLock { (world) throws(ServiceError) -> (Result<R, ModelError>, UInt64?) in
            let result = try change(&world)
            guard let persistence else { return (result, nil) }
            var record = payload
            if case .failure = result, let refusal {
                do throws(JournalEntryFailure) { record = try refusal.payload() } catch { throw .storage(.internalFailure(error.reason)) }
            }
            guard let record else { return (result, nil) }
            do throws(StoreError) {
                return (result, try persistence.journal.append(record))
            } catch {
                throw fail(error)
            }
        }
        if let persistence, let sequence {
            if let ticket {
                ticket.need(sequence)
            } else {
                do throws(StoreError) { try persistence.journal.waitUntilDurable(sequence) } catch { throw fail(error) }
            }
            if persistence.snapshotDue { durability.withLock { $0.worker }?.signal() }
        }
        return result
    }

    /// Calls `completion` once journal record `sequence` is durable (nil), or with the
    /// `storage-failed` error when its sync failed (the state then refuses mutations, as after
    /// a failed `waitUntilDurable`). From the journal's completion thread, or at once.
    func whenDurable(_ sequence: UInt64, _ completion: @escaping @Sendable (ServiceError?) -> Void) {
        guard let persistence = durability.withLock({ $0.persistence }) else {
            completion(nil)
            return
        }
        persistence.journal.whenDurable(sequence) { [self] error in
            completion(error.map { fail($0) })
        }
    }

    /// Writes a snapshot now (`POST /v1/snapshot`, and after a state replacement).
    func snapshotNow() throws(ServiceError) -> Persistence.SnapshotInfo? {
        guard let persistence = try writablePersistence() else { return nil }
        do throws(StoreError) {
            return try persistence.snapshot { world.withLock { ($0, persistence.journal.rotate()) } }
        } catch {
            throw fail(error)
        }
    }

    private func snapshotInBackground() {
        _ = try? snapshotNow()
    }

    /// The state as one document, and the journal sequence it reflects.
    func export() -> (world: World, sequence: UInt64) {
        let persistence = durability.withLock { $0.persistence }
        return world.withLock { ($0, persistence?.journal.lastSequence ?? 0) }
    }

    /// At graceful shutdown: stop the worker, make every record durable and cut a final
    /// snapshot, so that the next start replays nothing. Returns what was written.
    func shutdown() throws(ServiceError) -> Persistence.SnapshotInfo? {
        let worker = durability.withLock { state -> BackgroundWorker? in
            defer { state.worker = nil }
            return state.worker
        }
        worker?.stop()
        durability.withLock { $0.persistence }?.journal.stopCompletions()
        return try snapshotNow()
    }

    /// The sequence of the last journal record applied to the state and of the last one on
    /// disk (nil in memory, and while recovering). An answer made before this call reflects
    /// no record after `applied`; it survives a crash when `durable >= applied`.
    var sequences: (applied: UInt64, durable: UInt64)? {
        guard let persistence = durability.withLock({ $0.persistence }) else { return nil }
        let (appended, durable) = persistence.journal.sequences
        return (appended, durable)
    }

    /// The read barrier of `?consistency=durable`: returns once every record applied before
    /// the call is durable, leading or joining the group commit's next sync (a read made
    /// before the call then shows only what a crash cannot take back). Throws when the store
    /// failed (503 `storage-failed`: what is on disk is unknown until a restart), while
    /// recovering, and in memory (nothing is ever durable there).
    ///
    /// Records are appended under the world lock together with their change, so a read made
    /// under that lock before this call reflects no record after the `lastSequence` read here.
    /// Returns the record waited for and the durable sequence after the wait (at least it).
    @discardableResult
    func waitUntilAppliedIsDurable() throws(ServiceError) -> (applied: UInt64, durable: UInt64) {
        let (applied, persistence) = try appliedForDurableRead()
        do throws(StoreError) { try persistence.journal.waitUntilDurable(applied) } catch { throw fail(error) }
        return (applied, persistence.journal.sequences.durable)
    }

    /// The record a durable read must wait for (the last one applied), without waiting: the
    /// server's path puts it on the request's `DurabilityTicket` and answers after
    /// `whenDurable`. Throws as `waitUntilAppliedIsDurable` does before it waits.
    func appliedForDurableRead() throws(ServiceError) -> (applied: UInt64, persistence: Persistence) {
        let (phase, persistence) = durability.withLock { ($0.phase, $0.persistence) }
        switch phase {
        case .recovering: throw .storage(.recovering)
        case .failed(let reason): throw .storage(.failed(reason))
        case .ready: break
        }
        guard let persistence else { throw .storage(.durableReadInMemory) }
        return (persistence.journal.lastSequence, persistence)
    }

    /// Whether the in-memory state is persisted.
    var isPersistent: Bool { durability.withLock { $0.persistence != nil } }

    /// A view of one system computed under the lock (the system is not copied out).
    func read<R: Sendable>(_ name: SystemName, _ body: (borrowing System) throws(ModelError) -> R) throws(ModelError) -> R {
        try world.withLock { (world) throws(ModelError) in try world.withSystem(name, body) }
    }

    /// A view of every system, by name, computed under the lock.
    func readAll<R: Sendable>(_ body: (borrowing System) -> R) -> [R] {
        world.withLock { world in world.systems.values.sorted { $0.name < $1.name }.map { body($0) } }
    }

    /// One system copied out of the lock, for answers that may be large. The next mutation of
    /// the system copies the storage this copy still shares: use `read` for small answers.
    func copy(of name: SystemName) throws(ModelError) -> System {
        try world.withLock { (world) throws(ModelError) in try world.system(name) }
    }
}

extension ServiceState {
    /// The wall clock in milliseconds since the Unix epoch (what events are stamped with).
    static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return UInt64(max(0, spec.tv_sec)) * 1000 + UInt64(max(0, spec.tv_nsec)) / 1_000_000
    }
}

/// The journal records one request's mutations wrote and has not waited for (a request answered
/// after `ServiceState.whenDurable`), and what must happen once the answer is final (the
/// idempotency cache keeps only answers whose records are durable).
final class DurabilityTicket: Sendable {
    private struct Book {
        var sequence: UInt64?
        var settled: [@Sendable (HTTPResponse) -> Void] = []
    }

    private let book = Mutex(Book())

    /// Record `sequence` must be durable before the answer.
    func need(_ sequence: UInt64) {
        book.withLock { $0.sequence = max($0.sequence ?? 0, sequence) }
    }

    /// The newest record the answer waits for, if any.
    var needed: UInt64? { book.withLock { $0.sequence } }

    /// Runs `action` with the final answer.
    func whenSettled(_ action: @escaping @Sendable (HTTPResponse) -> Void) {
        book.withLock { $0.settled.append(action) }
    }

    /// The answer is final: runs what waited for it.
    func settle(_ response: HTTPResponse) {
        let actions = book.withLock { book in
            defer { book.settled = [] }
            return book.settled
        }
        for action in actions { action(response) }
    }
}
