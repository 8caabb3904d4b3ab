import Foundation
import Glibc
import SnapshotStore
import Synchronization
import Testing

/// A payload for tests (JSON text without a newline).
func payload(_ text: String) -> JournalPayload {
    guard let payload = JournalPayload(Array(text.utf8)) else { preconditionFailure("newline in a test payload") }
    return payload
}

/// A fresh directory under /tmp, removed by the caller.
func scratchDirectory(_ label: String) throws -> String {
    let path = NSTemporaryDirectory() + "msid-journal-\(label)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A gate the test opens: `fdatasync` calls block on it until then.
final class SyncGate: Sendable {
    private let state = Mutex((open: false, waiting: 0))

    var waiting: Int { state.withLock { $0.waiting } }
    func open() { state.withLock { $0.open = true } }

    /// Blocks (polling) until the gate is open.
    func pass() {
        state.withLock { $0.waiting += 1 }
        while !state.withLock({ $0.open }) { usleep(1_000) }
        state.withLock { $0.waiting -= 1 }
    }

    var syscalls: Syscalls {
        let live = Syscalls.live
        var calls = live
        calls.fdatasync = { [self] fd in
            pass()
            return live.fdatasync(fd)
        }
        return calls
    }
}

@Suite("Journal writer and recovery reader")
struct JournalWriterTests {
    @Test("appended records are durable after the wait and read back in order, across a rotation")
    func appendRotateRead() throws {
        let directory = try scratchDirectory("rotate")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let journal = Journal(directory: directory, nextSequence: 1)
        for index in 1...5 { #expect(try journal.append(payload(#"{"n":\#(index)}"#)) == UInt64(index)) }
        try journal.sync()
        #expect(journal.rotate() == 5)
        for index in 6...7 { _ = try journal.append(payload(#"{"n":\#(index)}"#)) }
        try journal.sync()
        #expect(try JournalSegment.list(in: directory).map(\.start) == [1, 6])

        let all = try RecoveredJournal.read(directory: directory, after: 0)
        #expect(all.records.map(\.sequence) == Array(1...7))
        #expect(all.records[6].payload == Array(#"{"n":7}"#.utf8))
        #expect(all.tornTail == nil && all.lastSequence == 7 && all.lastSegmentEnd == 7)

        try journal.removeSegments(before: 6)
        #expect(try JournalSegment.list(in: directory).map(\.start) == [6])
        let after = try RecoveredJournal.read(directory: directory, after: 5)
        #expect(after.records.map(\.sequence) == [6, 7])
    }

    @Test("group commit: records appended while a sync runs go out together in the next one")
    func groupCommit() throws {
        let directory = try scratchDirectory("group")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let gate = SyncGate()
        let journal = Journal(directory: directory, nextSequence: 1, syscalls: gate.syscalls)
        let first = try journal.append(payload("{}"))
        let leader = Thread { try? journal.waitUntilDurable(first) }
        leader.start()
        while gate.waiting == 0 { usleep(1_000) }  // the leader is inside fdatasync
        let followers = (0..<8).map { _ in (try? journal.append(payload("{}"))) ?? 0 }
        let done = Mutex(0)
        for sequence in followers {
            Thread {
                try? journal.waitUntilDurable(sequence)
                done.withLock { $0 += 1 }
            }.start()
        }
        usleep(50_000)
        #expect(done.withLock { $0 } == 0, "nothing is durable before the sync returns")
        gate.open()
        while done.withLock({ $0 }) < 8 { usleep(1_000) }
        #expect(journal.batching.batches == 2, "one sync for the first record, one for the eight that waited")
        #expect(journal.batching.records == 9)
        #expect(try RecoveredJournal.read(directory: directory, after: 0).records.count == 9)
    }

    /// System calls whose `fdatasync` takes `milliseconds` longer.
    static func slowSync(milliseconds: UInt32) -> Syscalls {
        var calls = Syscalls.live
        calls.fdatasync = { fd in
            usleep(milliseconds * 1_000)
            return Glibc.fdatasync(fd)
        }
        return calls
    }

    @Test("a leader waits for the writers the last flush released, so their records share its sync")
    func collectsReleasedWriters() throws {
        let directory = try scratchDirectory("collect")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Syncs take 300 ms, so a leader waits up to 150 ms (half), and up to 2 s between two
        // arrivals: the test's own pauses are far inside both.
        let journal = Journal(directory: directory, nextSequence: 1, syscalls: Self.slowSync(milliseconds: 300),
                              collection: Journal.BatchCollection(budget: 0.5, quiet: .seconds(2)))
        for _ in 0..<3 { _ = try journal.append(payload("{}")) }
        try journal.sync()  // one flush of three records: it released three writers
        #expect(journal.batching.batches == 1 && journal.batching.collections == 0, "the first flush has no sync to size a wait by")

        let first = try journal.append(payload("{}"))
        let done = Mutex(false)
        Thread {
            try? journal.waitUntilDurable(first)
            done.withLock { $0 = true }
        }.start()
        usleep(30_000)  // the leader is collecting: one of three writers is back
        #expect(!done.withLock { $0 })
        _ = try journal.append(payload("{}"))
        usleep(30_000)
        _ = try journal.append(payload("{}"))  // the third: the batch goes
        while !done.withLock({ $0 }) { usleep(1_000) }
        try journal.sync()
        #expect(journal.batching.batches == 2, "the three records of the released writers went in one sync")
        #expect(journal.batching.records == 6 && journal.batching.collections == 1)

        // One writer comes back of the three: its leader waits at most half a sync, then goes.
        let clock = ContinuousClock()
        let started = clock.now
        try journal.waitUntilDurable(try journal.append(payload("{}")))
        #expect(journal.batching.batches == 3 && journal.batching.records == 7 && journal.batching.collections == 2)
        #expect(clock.now - started >= .milliseconds(400), "it waited for the other two (150 ms) before its sync (300 ms)")

        // A lone writer: the last flush released one writer, and its record is back already.
        try journal.waitUntilDurable(try journal.append(payload("{}")))
        #expect(journal.batching.batches == 4 && journal.batching.collections == 2, "a lone writer never waits")
        #expect(try RecoveredJournal.read(directory: directory, after: 0).records.count == 8)
    }

    @Test("removing covered segments first waits for their buffered records, so no flush re-creates a deleted segment")
    func removeWaitsForPendingRecords() throws {
        let directory = try scratchDirectory("remove")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let journal = Journal(directory: directory, nextSequence: 1)
        for _ in 0..<4 { _ = try journal.append(payload("{}")) }
        try journal.sync()
        // A restart: the journal goes on in segment 1, whose file it has not opened yet.
        let gate = SyncGate()
        let restarted = Journal(directory: directory, nextSequence: 5, appendingTo: try JournalSegment.list(in: directory).first,
                                syscalls: gate.syscalls)
        let fifth = try restarted.append(payload("{}"))
        #expect(restarted.rotate() == 5)
        let removed = Mutex(false)
        Thread {
            try? restarted.removeSegments(before: 6)
            removed.withLock { $0 = true }
        }.start()
        // The removal leads the flush of record 5 (and waits in its sync), or, were it not to
        // wait, returns at once.
        let deadline = ContinuousClock.now + .seconds(5)
        while gate.waiting == 0 && !removed.withLock({ $0 }) && ContinuousClock.now < deadline { usleep(1_000) }
        #expect(!removed.withLock { $0 }, "segment 1 is not deleted while record 5 is on its way to it")
        gate.open()
        while !removed.withLock({ $0 }) { usleep(1_000) }
        try restarted.waitUntilDurable(fifth)
        #expect(try JournalSegment.list(in: directory).isEmpty)
        _ = try restarted.append(payload("{}"))
        try restarted.sync()
        #expect(try JournalSegment.list(in: directory).map(\.start) == [6])
        #expect(try RecoveredJournal.read(directory: directory, after: 5).records.map(\.sequence) == [6])
    }

    @Test("a flush never re-creates a segment that held earlier records: a missing one fails the journal")
    func missingSegmentIsNotRecreated() throws {
        let directory = try scratchDirectory("missing")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let journal = Journal(directory: directory, nextSequence: 1)
        for _ in 0..<2 { _ = try journal.append(payload("{}")) }
        try journal.sync()
        let segment = try #require(try JournalSegment.list(in: directory).first)
        let restarted = Journal(directory: directory, nextSequence: 3, appendingTo: segment)
        try FileManager.default.removeItem(atPath: segment.path)
        let third = try restarted.append(payload("{}"))
        #expect(throws: StoreError.systemCall(name: "open", path: segment.path, errno: ENOENT)) { try restarted.waitUntilDurable(third) }
        #expect(!FileSystem.exists(segment.path), "no file whose first record (3) is not the one its name says (1)")
    }

    @Test("a failed sync fails every waiter and every later append, for good")
    func failedSync() throws {
        let directory = try scratchDirectory("fail")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var calls = Syscalls.live
        calls.fdatasync = { _ in errno = EIO; return -1 }
        let journal = Journal(directory: directory, nextSequence: 1, syscalls: calls)
        let sequence = try journal.append(payload("{}"))
        #expect(throws: StoreError.self) { try journal.waitUntilDurable(sequence) }
        #expect(journal.failure == .systemCall(name: "fdatasync", path: directory + "/" + JournalSegment.name(start: 1), errno: EIO))
        #expect(throws: StoreError.self) { _ = try journal.append(payload("{}")) }
    }

    @Test("recovery: a torn tail of the last segment is reported and cut; appending goes on after it")
    func tornTail() throws {
        let directory = try scratchDirectory("torn")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let journal = Journal(directory: directory, nextSequence: 1)
        for _ in 0..<3 { _ = try journal.append(payload(#"{"a":1}"#)) }
        try journal.sync()
        let path = directory + "/" + JournalSegment.name(start: 1)
        let whole = try #require(try FileSystem.read(path))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data("4 7 0badf00d {\"a\"".utf8))
        handle.closeFile()

        let recovered = try RecoveredJournal.read(directory: directory, after: 0)
        #expect(recovered.records.count == 3)
        #expect(recovered.tornTail?.path == path && recovered.tornTail?.validLength == whole.count && recovered.tornTail?.length == whole.count + 17)
        try recovered.cutTornTail()
        #expect(try FileSystem.read(path) == whole)

        let next = Journal(directory: directory, nextSequence: 4, appendingTo: recovered.lastSegment)
        _ = try next.append(payload(#"{"a":4}"#))
        try next.sync()
        #expect(try RecoveredJournal.read(directory: directory, after: 0).records.map(\.sequence) == [1, 2, 3, 4])
    }

    @Test("recovery keeps a last record whose newline is damaged, and appending goes on after it")
    func damagedLastTerminator() throws {
        let directory = try scratchDirectory("terminator")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let journal = Journal(directory: directory, nextSequence: 1)
        for index in 1...3 { _ = try journal.append(payload(#"{"d":\#(index)}"#)) }
        try journal.sync()
        let path = directory + "/" + JournalSegment.name(start: 1)
        var bytes = try #require(try FileSystem.read(path))
        bytes[bytes.count - 1] = UInt8(ascii: "J")  // 0x0A with bit 6 flipped
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        let recovered = try RecoveredJournal.read(directory: directory, after: 0)
        #expect(recovered.records.map(\.sequence) == [1, 2, 3], "the acknowledged record 3 is kept")
        #expect(recovered.tornTail == nil && recovered.lastSegmentEnd == 3)
        #expect(recovered.damagedTerminators.map(\.path) == [path] && recovered.damagedTerminators.map(\.1.offset) == [bytes.count - 1])
        try recovered.cutTornTail()
        #expect(try FileSystem.read(path) == bytes, "nothing is cut")

        let next = Journal(directory: directory, nextSequence: 4, appendingTo: recovered.lastSegment)
        _ = try next.append(payload(#"{"d":4}"#))
        try next.sync()
        let again = try RecoveredJournal.read(directory: directory, after: 0)
        #expect(again.records.map(\.sequence) == [1, 2, 3, 4])
        #expect(again.records[2].payload == Array(#"{"d":3}"#.utf8))
    }

    @Test("recovery: damage before the end, a missing record, or a torn record in an older segment is corruption")
    func corruption() throws {
        let directory = try scratchDirectory("corrupt")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let journal = Journal(directory: directory, nextSequence: 1)
        for _ in 0..<3 { _ = try journal.append(payload(#"{"b":2}"#)) }
        _ = journal.rotate()
        for _ in 0..<2 { _ = try journal.append(payload(#"{"b":2}"#)) }
        try journal.sync()
        let first = directory + "/" + JournalSegment.name(start: 1)
        let original = try #require(try FileSystem.read(first))

        // A flipped byte in the middle of the first segment.
        var damaged = original
        damaged[damaged.count / 2] ^= 0x20
        try Data(damaged).write(to: URL(fileURLWithPath: first))
        #expect(throws: StoreError.self) { _ = try RecoveredJournal.read(directory: directory, after: 0) }
        // A damaged file is not trusted even when a snapshot covers its records.
        #expect(throws: StoreError.self) { _ = try RecoveredJournal.read(directory: directory, after: 3) }

        // A torn record at the end of a segment that is not the last.
        try Data(original + Array("4 2 ".utf8)).write(to: URL(fileURLWithPath: first))
        #expect(throws: StoreError.self) { _ = try RecoveredJournal.read(directory: directory, after: 0) }

        // A missing record: the second segment starts at 4, the first now ends at 2.
        let lines = original.split(separator: 0x0A, omittingEmptySubsequences: true)
        try Data(Array(lines[0] + [0x0A] + lines[1] + [0x0A])).write(to: URL(fileURLWithPath: first))
        guard case .corruptJournal(_, _, let reason)? = readFailure(directory, after: 0) else {
            Issue.record("a missing record went unnoticed")
            return
        }
        #expect(reason.contains("missing"))
    }

    @Test("repair cuts at the first bad record, saves what it cut, and puts later segments aside")
    func repair() throws {
        let directory = try scratchDirectory("repair")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let journal = Journal(directory: directory, nextSequence: 1)
        for _ in 0..<4 { _ = try journal.append(payload(#"{"c":3}"#)) }
        _ = journal.rotate()
        _ = try journal.append(payload(#"{"c":3}"#))
        try journal.sync()
        let first = directory + "/" + JournalSegment.name(start: 1)
        var bytes = try #require(try FileSystem.read(first))
        let secondLine = try #require(bytes.firstIndex(of: 0x0A)) + 1
        bytes[secondLine + 1] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: first))

        guard case .corruptJournal(let path, let offset, _)? = readFailure(directory, after: 0) else {
            Issue.record("damage went unnoticed")
            return
        }
        #expect(path == first && offset == secondLine)
        let putAside = try JournalRepair.cut(directory: directory, at: path, offset: offset)
        #expect(putAside == [first + ".damaged", directory + "/" + JournalSegment.name(start: 5) + ".damaged"])
        #expect(try FileSystem.read(first + ".damaged") == bytes)
        let recovered = try RecoveredJournal.read(directory: directory, after: 0)
        #expect(recovered.records.map(\.sequence) == [1])
        #expect(recovered.tornTail == nil)
    }
}

/// The error reading the journal in `directory` fails with, or nil.
func readFailure(_ directory: String, after covered: UInt64) -> StoreError? {
    do {
        _ = try RecoveredJournal.read(directory: directory, after: covered)
        return nil
    } catch {
        return error
    }
}
