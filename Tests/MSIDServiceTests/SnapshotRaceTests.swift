import Foundation
import Glibc
@testable import MSIDService
import MicroHTTP
import SnapshotStore
import Synchronization
import Testing

/// System calls whose first `open` of a journal segment blocks until the test opens the gate:
/// the first flush after a restart, delayed at the moment it opens the segment it appends to.
final class SegmentOpenGate: Sendable {
    private let state = Mutex((open: false, waiting: 0, passed: false))

    var waiting: Int { state.withLock { $0.waiting } }
    func open() { state.withLock { $0.open = true } }

    var syscalls: Syscalls {
        var calls = Syscalls.live
        calls.open = { [self] path, flags, mode in
            let first = state.withLock { gate -> Bool in
                guard path.contains("/journal-"), !gate.passed else { return false }
                gate.passed = true
                gate.waiting += 1
                return true
            }
            if first {
                while !state.withLock({ $0.open }) { usleep(1_000) }
                state.withLock { $0.waiting -= 1 }
            }
            return Syscalls.live.open(path, flags, mode)
        }
        return calls
    }
}

/// Runs `body` on a thread of its own; `wait()` returns its result.
final class Background<Result: Sendable>: Sendable {
    private let result = Mutex<Result?>(nil)

    init(_ body: @escaping @Sendable () -> Result) {
        Thread { [self] in
            let value = body()
            result.withLock { $0 = value }
        }.start()
    }

    var isDone: Bool { result.withLock { $0 != nil } }

    func wait() -> Result {
        while true {
            if let value = result.withLock({ $0 }) { return value }
            usleep(1_000)
        }
    }
}

@Suite("A snapshot racing the first flush after a restart")
struct SnapshotRaceTests {
    enum Stop: String, CaseIterable, Sendable { case kill, term }

    /// Issue 14, item 7: the snapshot deleted the segment the pending flush was about to open,
    /// and the flush re-created it holding only its own record: the next start refused with
    /// "the first record is 5, the file name says 1".
    @Test("a snapshot cut while the first flush after a restart is pending leaves a journal the next start reads",
          arguments: Stop.allCases)
    func snapshotDuringFirstFlush(stop: Stop) throws {
        let directory = try scratch("race-\(stop.rawValue)")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let (service, _) = try Service.recovered(from: directory)
            for name in ["a", "b", "c", "d"] {
                #expect(service.send(.post, "/v1/systems", #"{"name":"\#(name)","arch":"arm64","cpus":1}"#).status == .created)
            }
        }  // dropped without a shutdown: records 1-4 in journal-1, no snapshot
        #expect(try JournalSegment.list(in: directory).map(\.start) == [1])

        let gate = SegmentOpenGate()
        do {
            let (service, report) = try Service.recovered(from: directory, syscalls: gate.syscalls)
            #expect(report.replayedRecords == 4)
            let mutation = Background { service.send(.post, "/v1/systems", #"{"name":"e","arch":"arm64","cpus":1}"#).status.rawValue }
            while gate.waiting == 0 { usleep(1_000) }  // record 5's flush is about to open journal-1
            let snapshot = Background { service.send(.post, "/v1/snapshot").status.rawValue }
            usleep(200_000)  // the snapshot is written meanwhile; it covers record 5
            gate.open()
            #expect(mutation.wait() == 201)
            #expect(snapshot.wait() == 200)
            if stop == .term { _ = service.responder.shutdown() }
        }

        let (again, report) = try Service.recovered(from: directory)
        #expect(report.snapshotSequence == 5)
        let systems = String(decoding: again.send(.get, "/v1/systems").body, as: UTF8.self)
        for name in ["a", "b", "c", "d", "e"] { #expect(systems.contains(#""name":"\#(name)""#), "system \(name) after the \(stop) restart") }
        // A third start, after more records went on in the journal, reads cleanly too.
        #expect(again.send(.post, "/v1/systems", #"{"name":"f","arch":"arm64","cpus":1}"#).status == .created)
    }
}
