import Foundation
import Logging
@testable import MSIDService
import MicroHTTP
import SnapshotStore
import Synchronization
import Testing

/// The server's path for mutations (`answer(to:)`): applied and queued at once, answered once
/// the record is durable, without a thread waiting.
@Suite("Deferred durable answers")
struct DeferredDurabilityTests {
    /// The response of `answer`, waiting for a later one; and whether it was later.
    static func answer(_ responder: ServiceResponder, _ request: HTTPRequest) -> (response: HTTPResponse?, deferred: Bool) {
        switch responder.answer(to: request) {
        case .now(let response):
            return (response, false)
        case .later(let start):
            let box = Mutex<HTTPResponse?>(nil)
            let done = DispatchSemaphore(value: 0)
            start { response in
                box.withLock { $0 = $0 ?? response }
                done.signal()
            }
            _ = done.wait(timeout: .now() + 10)
            return (box.withLock { $0 }, true)
        }
    }

    static func post(_ path: String, _ json: String, key: String? = nil) -> HTTPRequest {
        var headers: HTTPHeaders = ["Content-Type": "application/json"]
        if let key { headers.add(name: "Idempotency-Key", value: key) }
        return HTTPRequest(method: .post, path: path, headers: headers, body: Array(json.utf8))
    }

    @Test("a mutation is answered later, once durable (the durable sequence covers it); reads and refusals at once")
    func mutationIsDeferred() throws {
        let directory = try scratch("deferred")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (service, _) = try Service.recovered(from: directory)
        let created = DeferredDurabilityTests.answer(service.responder, DeferredDurabilityTests.post("/v1/systems", #"{"name":"a","arch":"arm64","cpus":2}"#, key: "k1"))
        #expect(created.deferred)
        let response = try #require(created.response)
        #expect(response.status == .created)
        let applied = UInt64(response.headers[ServiceResponder.appliedSequenceHeader] ?? "") ?? 0
        let durable = UInt64(response.headers[ServiceResponder.durableSequenceHeader] ?? "") ?? 0
        #expect(applied >= 1 && durable >= applied)
        // The idempotency cache holds the final answer: a repeat replays it, nothing is done twice.
        let replay = DeferredDurabilityTests.answer(service.responder, DeferredDurabilityTests.post("/v1/systems", #"{"name":"a","arch":"arm64","cpus":2}"#, key: "k1"))
        #expect(!replay.deferred)
        #expect(replay.response?.status == .created)
        #expect(replay.response?.body == response.body)
        let read = DeferredDurabilityTests.answer(service.responder, HTTPRequest(method: .get, path: "/v1/systems/a"))
        #expect(!read.deferred && read.response?.status == .ok)
        let refused = DeferredDurabilityTests.answer(service.responder, DeferredDurabilityTests.post("/v1/systems", #"{"name":"a","arch":"arm64","cpus":2}"#))
        #expect(!refused.deferred && refused.response?.status == .conflict)
    }

    @Test("after a failed sync the deferred answer is 503 storage-failed, the idempotent repeat too, and later mutations are refused")
    func failedSync() throws {
        let directory = try scratch("deferred-failure")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var calls = Syscalls.live
        calls.fdatasync = { _ in errno = EIO; return -1 }
        let (service, _) = try Service.recovered(from: directory, syscalls: calls)
        let request = DeferredDurabilityTests.post("/v1/systems", #"{"name":"a","arch":"arm64","cpus":2}"#, key: "k2")
        let failed = DeferredDurabilityTests.answer(service.responder, request)
        #expect(failed.deferred)
        #expect(failed.response?.status == .serviceUnavailable)
        let failedBody = String(decoding: failed.response?.body ?? [], as: UTF8.self)
        #expect(failedBody.contains("/problems/storage-failed"))
        #expect(DeferredDurabilityTests.answer(service.responder, request).response?.status == .serviceUnavailable)
        let next = DeferredDurabilityTests.answer(service.responder, DeferredDurabilityTests.post("/v1/systems", #"{"name":"b","arch":"arm64","cpus":2}"#))
        #expect(next.response?.status == .serviceUnavailable)
    }

    @Test("a durable read on the server's path waits with its ticket, not its thread, and says which record it waited for")
    func durableRead() throws {
        let directory = try scratch("deferred-read")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (service, _) = try Service.recovered(from: directory)
        _ = DeferredDurabilityTests.answer(service.responder, DeferredDurabilityTests.post("/v1/systems", #"{"name":"a","arch":"arm64","cpus":2}"#))
        let read = DeferredDurabilityTests.answer(service.responder, HTTPRequest(method: .get, path: "/v1/systems/a", query: [("consistency", "durable")]))
        let response = try #require(read.response)
        #expect(response.status == .ok)
        let applied = UInt64(response.headers[ServiceResponder.appliedSequenceHeader] ?? "") ?? 0
        let durable = UInt64(response.headers[ServiceResponder.durableSequenceHeader] ?? "") ?? 0
        #expect(applied == 1)
        #expect(durable >= applied)
    }
}
