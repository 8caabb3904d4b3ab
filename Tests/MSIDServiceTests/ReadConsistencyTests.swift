import Foundation
import Glibc
@testable import MSIDService
import MicroHTTP
import SnapshotStore
import Synchronization
import Testing

/// System calls whose `fdatasync` blocks until the test opens the gate (a slow disk, held).
final class HeldSync: Sendable {
    private let state = Mutex((open: false, waiting: 0))

    var waiting: Int { state.withLock { $0.waiting } }
    func open() { state.withLock { $0.open = true } }

    var syscalls: Syscalls {
        var calls = Syscalls.live
        calls.fdatasync = { [self] fd in
            state.withLock { $0.waiting += 1 }
            while !state.withLock({ $0.open }) { usleep(1_000) }
            state.withLock { $0.waiting -= 1 }
            return Syscalls.live.fdatasync(fd)
        }
        return calls
    }
}

extension HTTPResponse {
    /// The applied and durable sequences an answer carries, when it carries both.
    var sequences: (applied: UInt64, durable: UInt64)? {
        guard let applied = headers["MSID-Applied-Sequence"].flatMap(UInt64.init),
              let durable = headers["MSID-Durable-Sequence"].flatMap(UInt64.init) else { return nil }
        return (applied, durable)
    }
}

/// Issue 14, item 10: a second client read an IRQ and its MSI address that a crash then took
/// back. Reads still show applied state by default, but every answer says how much of it is
/// durable, and `?consistency=durable` holds a read until all it shows is on disk.
@Suite("Read consistency")
struct ReadConsistencyTests {
    @Test("every answer of a persistent service carries the applied and durable journal sequences; in memory none")
    func sequenceHeaders() throws {
        let directory = try scratch("sequences")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (service, _) = try Service.recovered(from: directory)
        #expect(service.send(.get, "/v1/systems").sequences ?? (9, 9) == (0, 0))
        let created = service.send(.post, "/v1/systems", #"{"name":"a","arch":"arm64","cpus":2}"#)
        #expect(created.status == .created && created.sequences ?? (0, 0) == (1, 1), "a mutation is answered once its record is durable")
        #expect(service.send(.get, "/v1/systems/a").sequences ?? (0, 0) == (1, 1))
        #expect(service.send(.get, "/v1/systems/nope").sequences ?? (0, 0) == (1, 1), "problems too")
        #expect(service.send(.get, "/healthz").sequences ?? (0, 0) == (1, 1))
        #expect(Service.inMemory.send(.get, "/v1/systems").sequences == nil)
    }

    @Test("a default read shows a mutation still being synced and says it is not durable; a durable read waits for the sync")
    func durableReadWaitsForTheSync() throws {
        let directory = try scratch("barrier")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let disk = HeldSync()
        let (service, _) = try Service.recovered(from: directory, syscalls: disk.syscalls)
        let mutation = Background { service.send(.post, "/v1/systems", #"{"name":"a","arch":"arm64","cpus":2}"#).status.rawValue }
        while disk.waiting == 0 { usleep(1_000) }  // record 1 is applied, its sync held

        let applied = service.send(.get, "/v1/systems/a")
        #expect(applied.status == .ok, "the default read shows the applied mutation")
        #expect(applied.sequences ?? (0, 0) == (1, 0), "and says record 1 is not durable yet")

        let durable = Background { service.send(.get, "/v1/systems/a", query: [("consistency", "durable")]) }
        usleep(100_000)
        #expect(!durable.isDone, "the durable read waits while record 1 is not on disk")
        #expect(!mutation.isDone)
        disk.open()
        let answer = durable.wait()
        #expect(answer.status == .ok)
        #expect(answer.sequences ?? (0, 0) == (1, 1))
        #expect(mutation.wait() == 201)
        // Nothing in flight: a durable read answers at once.
        #expect(service.send(.get, "/v1/systems", query: [("consistency", "durable")]).sequences ?? (0, 0) == (1, 1))
    }

    @Test("a durable read after a failed sync answers 503 storage-failed; the default read still answers")
    func durableReadOnAFailedStore() throws {
        let directory = try scratch("failed")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var calls = Syscalls.live
        calls.fdatasync = { _ in errno = EIO; return -1 }
        let (service, _) = try Service.recovered(from: directory, syscalls: calls)
        #expect(service.send(.post, "/v1/systems", #"{"name":"a","arch":"arm64","cpus":2}"#).status == .serviceUnavailable)
        let plain = service.send(.get, "/v1/systems/a")
        #expect(plain.status == .ok && plain.sequences ?? (0, 9) == (1, 0), "applied but never durable")
        let durable = service.send(.get, "/v1/systems/a", query: [("consistency", "durable")])
        #expect(durable.status == .serviceUnavailable)
        #expect(String(decoding: durable.body, as: UTF8.self).contains("/problems/storage-failed"))
    }

    @Test("consistency takes applied or durable; another value is a 400, and in memory a durable read is a 409")
    func parameter() throws {
        let directory = try scratch("parameter")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (service, _) = try Service.recovered(from: directory)
        #expect(service.send(.get, "/v1/systems", query: [("consistency", "applied")]).status == .ok)
        let bad = service.send(.get, "/v1/systems", query: [("consistency", "linearizable")])
        #expect(bad.status == .badRequest)
        #expect(String(decoding: bad.body, as: UTF8.self).contains(#""parameter":"consistency""#))
        let memory = Service.inMemory.send(.get, "/v1/systems", query: [("consistency", "durable")])
        #expect(memory.status == .conflict)
        #expect(String(decoding: memory.body, as: UTF8.self).contains("/problems/persistence-disabled"))
    }
}
