import Foundation
import IRQModel
import Logging
@testable import MSIDService
import MicroHTTP
import SnapshotStore
import Testing

/// A responder and the data directory it persists to (or none: memory only).
struct Service {
    let responder: ServiceResponder

    /// A service recovered from `directory` (created and locked here).
    static func recovered(from directory: String, syscalls: Syscalls = .live, threshold: SnapshotThreshold = .default) throws -> (Service, Persistence.Report) {
        let lock = try Persistence.lockDirectory(directory)
        let (persistence, world, report) = try Persistence.recover(directory: directory, lock: lock, threshold: threshold, repair: false,
                                                                   logger: Logger(label: "test"), syscalls: syscalls)
        let responder = ServiceResponder(logger: Logger(label: "test"), recovering: true)
        responder.finishRecovery(world: world, persistence: persistence)
        return (Service(responder: responder), report)
    }

    static var inMemory: Service { Service(responder: ServiceResponder(logger: Logger(label: "test"))) }

    @discardableResult
    func send(_ method: HTTPMethod, _ path: String, _ json: String? = nil, query: [(name: String, value: String?)] = []) -> HTTPResponse {
        var headers: HTTPHeaders = [:]
        if json != nil { headers.add(name: "Content-Type", value: "application/json") }
        return responder.respond(to: HTTPRequest(method: method, path: path, query: query, headers: headers, body: Array((json ?? "").utf8)))
    }

    /// The state as a snapshot document's `state` member (the sequence left out).
    var state: String {
        let text = String(decoding: send(.get, "/v1/snapshot").body, as: UTF8.self)
        guard let range = text.range(of: #","state":"#) else { return text }
        return String(text[range.upperBound...])
    }

    /// A session on both architectures touching every kind of mutation: systems, domains,
    /// MSI and MSI-X allocations, activation, masks, affinity moves, hotplug, frees.
    func drive() {
        send(.post, "/v1/systems", #"{"name":"arm","arch":"arm64","cpus":4}"#)
        send(.post, "/v1/systems/arm/domains", #"{"name":"gic","kind":"gicv3","distributorBase":"0x08000000"}"#)
        send(.post, "/v1/systems/arm/domains", #"{"name":"its","kind":"gicv3-its","parent":"gic","itsBase":"0x08080000"}"#)
        send(.post, "/v1/systems/arm/domains", #"{"name":"vpci","kind":"hyperv-vpci","parent":"gic","instanceId":"abee639e-0b9d-49b7-9a07-c54ba8cd5734"}"#)
        send(.post, "/v1/systems/arm/domains", #"{"name":"nvme0","kind":"pci-msi","parent":"vpci","device":"0b9d:00:00.0"}"#)
        send(.post, "/v1/systems/arm/domains", #"{"name":"gpu","kind":"pci-msi","parent":"its","device":"0000:03:00.0"}"#)
        send(.post, "/v1/systems/arm/domains/nvme0/irqs", #"{"count":3,"type":"msix"}"#)
        send(.post, "/v1/systems/arm/domains/gpu/irqs", #"{"count":4,"type":"msi"}"#)
        send(.put, "/v1/systems/arm/irqs/1/affinity", #"{"cpus":"2-3"}"#)
        send(.patch, "/v1/systems/arm/cpus/2", #"{"online":false}"#)
        send(.post, "/v1/systems", #"{"name":"x86","arch":"x86_64","cpus":4}"#)
        send(.post, "/v1/systems/x86/domains", #"{"name":"vector","kind":"x86-vector"}"#)
        send(.post, "/v1/systems/x86/domains", #"{"name":"vpci","kind":"hyperv-vpci","parent":"vector","protocolVersion":"1.4","instanceId":"abee639e-0b9d-49b7-9a07-c54ba8cd5734"}"#)
        send(.post, "/v1/systems/x86/domains", #"{"name":"nic","kind":"pci-msi","parent":"vpci","device":"0b9d:00:02.0"}"#)
        send(.post, "/v1/systems/x86/domains/nic/irqs", #"{"count":4,"type":"msix","affinity":"1"}"#)
        send(.post, "/v1/systems/x86/irqs/24/mask")
        send(.put, "/v1/systems/x86/irqs/24/affinity", #"{"cpus":"3"}"#)
        send(.post, "/v1/systems/x86/irqs/24/unmask")
        send(.patch, "/v1/systems/x86/cpus/1", #"{"online":false}"#)
        send(.delete, "/v1/systems/x86/irqs/25")
        send(.post, "/v1/systems/x86/irqs/26/deactivate")
    }
}

func scratch(_ label: String) throws -> String {
    let path = NSTemporaryDirectory() + "msid-durability-\(label)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

@Suite("Durability")
struct DurabilityTests {
    @Test("the snapshot codec agrees with Foundation's Codable JSON in both directions, and re-encodes byte for byte")
    func codecAgreesWithFoundation() throws {
        let service = Service.inMemory
        service.drive()
        let document = service.send(.get, "/v1/snapshot").body
        let (world, sequence) = try SnapshotDocument.decode(document)
        #expect(sequence == 0)
        #expect(world.systems.count == 2)
        #expect(SnapshotDocument.encode(world, sequence: 0) == document)

        let stateBytes = SnapshotDocument.stateBytes(world)
        #expect(try JSONDecoder().decode(World.self, from: Data(stateBytes)) == world)
        let foundation = try JSONEncoder().encode(world)
        #expect(try JSONTreeDecoder.decode(World.self, from: JSONParser.parse(Array(foundation))) == world)
    }

    @Test("replaying the journal gives the same state and the same event trail")
    func replayDeterminism() throws {
        let directory = try scratch("replay")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let before: String
        do {
            let (service, report) = try Service.recovered(from: directory)
            #expect(report.replayedRecords == 0 && report.snapshotSequence == 0)
            service.drive()
            before = service.state
        }
        #expect(!FileSystem.exists(directory + "/" + Persistence.snapshotName), "no snapshot: everything comes from the journal")
        let (again, report) = try Service.recovered(from: directory)
        #expect(report.replayedRecords == 21, "every mutation of the session is one record")
        #expect(again.state == before)
        #expect(again.send(.get, "/v1/systems/x86/events?limit=1000").body.count > 100)
    }

    @Test("a refused allocation that moved a managed reservation, as the kernel's cleanup does, is journaled and replays")
    func refusedWithResidueReplays() throws {
        let directory = try scratch("refused")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let before: String
        do {
            let (service, _) = try Service.recovered(from: directory)
            service.send(.post, "/v1/systems", #"{"name":"x","arch":"x86_64","cpus":2}"#)
            service.send(.post, "/v1/systems/x/domains", #"{"name":"vector","kind":"x86-vector"}"#)
            service.send(.post, "/v1/systems/x/domains", #"{"name":"a","kind":"pci-msi","parent":"vector","device":"0000:00:01.0"}"#)
            service.send(.post, "/v1/systems/x/domains", #"{"name":"b","kind":"pci-msi","parent":"vector","device":"0000:00:02.0"}"#)
            service.send(.post, "/v1/systems/x/domains/a/irqs", #"{"count":1,"type":"msix","affinity":"0-1","managed":true}"#)
            service.send(.post, "/v1/systems/x/domains/b/irqs", #"{"count":201,"type":"msix","affinity":"1"}"#)
            let refused = service.send(.post, "/v1/systems/x/domains/a/irqs", #"{"count":1,"type":"msix","affinity":"0-1","managed":true}"#)
            #expect(refused.status == .conflict)
            before = service.state
            #expect(before.contains(#""managedMap""#))
        }
        let (again, report) = try Service.recovered(from: directory)
        #expect(report.replayedRecords == 7)
        #expect(again.state == before)
        // CPU 1 goes away: the first IRQ moves to CPU 0's remaining reservation, 0x21.
        again.send(.patch, "/v1/systems/x/cpus/1", #"{"online":false}"#)
        #expect(String(decoding: again.send(.get, "/v1/systems/x/irqs/24/msi").body, as: UTF8.self).contains(#""data":33"#))
    }

    @Test("a snapshot in the middle: recovery loads it and replays only the records after it")
    func snapshotThenJournal() throws {
        let directory = try scratch("middle")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let before: String
        do {
            let (service, _) = try Service.recovered(from: directory)
            service.send(.post, "/v1/systems", #"{"name":"a","arch":"arm64","cpus":2}"#)
            service.send(.post, "/v1/systems", #"{"name":"b","arch":"arm64","cpus":2}"#)
            let written = service.send(.post, "/v1/snapshot")
            #expect(written.status == .ok)
            #expect(String(decoding: written.body, as: UTF8.self).hasSuffix(#","sequence":2}"#))
            service.send(.post, "/v1/systems", #"{"name":"c","arch":"x86_64","cpus":2}"#)
            before = service.state
        }
        #expect(try JournalSegment.list(in: directory).map(\.start) == [3], "the covered segment is gone")
        let (again, report) = try Service.recovered(from: directory)
        #expect(report.snapshotSequence == 2 && report.replayedRecords == 1)
        #expect(again.state == before)
    }

    @Test("the snapshot threshold cuts snapshots in the background and bounds the journal")
    func thresholdSnapshots() throws {
        let directory = try scratch("threshold")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (service, _) = try Service.recovered(from: directory, threshold: .records(4))
        for index in 0..<10 { service.send(.post, "/v1/systems", #"{"name":"s\#(index)","arch":"arm64","cpus":1}"#) }
        let deadline = ContinuousClock.now + .seconds(10)
        while (try JournalSegment.list(in: directory)).count > 1 && ContinuousClock.now < deadline { usleep(5_000) }
        let segments = try JournalSegment.list(in: directory)
        #expect(segments.count <= 1)
        #expect(FileSystem.exists(directory + "/" + Persistence.snapshotName))
        let (_, snapshotSequence) = try SnapshotDocument.decode(try #require(try FileSystem.read(directory + "/" + Persistence.snapshotName)))
        #expect(snapshotSequence >= 4)
    }

    @Test("PUT /v1/snapshot replaces the state with a valid document; an invalid one changes nothing")
    func replaceState() throws {
        let source = Service.inMemory
        source.drive()
        let document = String(decoding: source.send(.get, "/v1/snapshot").body, as: UTF8.self)

        let target = Service.inMemory
        target.send(.post, "/v1/systems", #"{"name":"old","arch":"arm64","cpus":1}"#)
        let untouched = target.state

        let forged = document.replacingOccurrences(of: #""allocatedIRQs":3"#, with: #""allocatedIRQs":2"#)
        #expect(forged != document)
        let refused = target.send(.put, "/v1/snapshot", forged)
        #expect(refused.status == .unprocessableContent)
        #expect(String(decoding: refused.body, as: UTF8.self).contains("allocatedIRQs 2, levels 3"))
        let future = target.send(.put, "/v1/snapshot", document.replacingOccurrences(of: #"{"format":1,"#, with: #"{"format":2,"#))
        #expect(String(decoding: future.body, as: UTF8.self) == #"{"detail":"the snapshot was refused and the state is unchanged: unknown snapshot format 2; this msid reads format 1","format":2,"status":422,"title":"Invalid snapshot","type":"/problems/invalid-snapshot"}"#)
        let badType = target.send(.put, "/v1/snapshot", document.replacingOccurrences(of: #""extendedDestinationID":false"#, with: #""extendedDestinationID":"no""#))
        #expect(badType.status == .unprocessableContent)
        #expect(String(decoding: badType.body, as: UTF8.self).contains(#""pointer":"/state/systems/"#))
        #expect(target.send(.put, "/v1/snapshot", #"{"format":1,"sequence":0,"state":{"systems":{}},"extra":1}"#).status == .unprocessableContent)
        #expect(target.send(.put, "/v1/snapshot", "{").status == .badRequest)
        let kindless = target.send(.put, "/v1/snapshot", try withFirstDomainKindless(document))
        #expect(kindless.status == .unprocessableContent)
        #expect(String(decoding: kindless.body, as: UTF8.self).contains("has no kind"))
        #expect(target.state == untouched)

        let replaced = target.send(.put, "/v1/snapshot", document)
        #expect(replaced.status == .ok)
        #expect(String(decoding: replaced.body, as: UTF8.self)
                == #"{"domains":8,"irqs":10,"replaced":{"domains":0,"irqs":0,"sequence":0,"systems":1},"systems":2}"#)
        #expect(target.state == source.state)
    }

    /// `document` with its first domain's state replaced by the model's internal `modifying`
    /// placeholder, which Codable would otherwise accept.
    private func withFirstDomainKindless(_ document: String) throws -> String {
        func rewrite(_ value: Any, done: inout Bool) -> Any {
            if var object = value as? [String: Any] {
                if !done, let state = object["state"] as? [String: Any], state.count == 1,
                   let kind = state.keys.first, ["x86Vector", "gicv3", "gicv3ITS", "gicv2m", "hypervVPCI", "pciMSI"].contains(kind) {
                    object["state"] = ["modifying": [String: Any]()]
                    done = true
                    return object
                }
                for key in object.keys.sorted() { object[key] = rewrite(object[key] as Any, done: &done) }
                return object
            }
            if let array = value as? [Any] { return array.map { rewrite($0, done: &done) } }
            return value
        }
        var done = false
        let rewritten = rewrite(try JSONSerialization.jsonObject(with: Data(document.utf8)), done: &done)
        #expect(done, "the document has a domain state to rewrite")
        return String(decoding: try JSONSerialization.data(withJSONObject: rewritten), as: UTF8.self)
    }

    @Test("a replaced state is journaled and snapshotted: it survives a restart")
    func replaceIsDurable() throws {
        let source = Service.inMemory
        source.drive()
        let document = String(decoding: source.send(.get, "/v1/snapshot").body, as: UTF8.self)
        let directory = try scratch("replace")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let (service, _) = try Service.recovered(from: directory)
            service.send(.post, "/v1/systems", #"{"name":"gone","arch":"arm64","cpus":1}"#)
            #expect(service.send(.put, "/v1/snapshot", document).status == .ok)
        }
        let (again, _) = try Service.recovered(from: directory)
        #expect(again.state == source.state)
    }

    @Test("in memory there is nothing to snapshot to: 409 persistence-disabled")
    func inMemorySnapshot() {
        let response = Service.inMemory.send(.post, "/v1/snapshot")
        #expect(response.status == .conflict)
        #expect(String(decoding: response.body, as: UTF8.self).contains("/problems/persistence-disabled"))
    }

    @Test("while recovering, /v1 and /readyz answer 503 not-ready with Retry-After; /healthz answers")
    func recovering() {
        let responder = ServiceResponder(logger: Logger(label: "test"), recovering: true)
        let systems = responder.respond(to: HTTPRequest(method: .get, path: "/v1/systems"))
        #expect(systems.status == .serviceUnavailable)
        #expect(systems.headers["Retry-After"] == "1")
        #expect(String(decoding: systems.body, as: UTF8.self).contains("/problems/not-ready"))
        #expect(responder.respond(to: HTTPRequest(method: .get, path: "/readyz")).status == .serviceUnavailable)
        #expect(responder.respond(to: HTTPRequest(method: .get, path: "/healthz")).status == .ok)
    }

    @Test("after a failed sync: 503 storage-failed for mutations, reads still served, not ready")
    func storageFailure() throws {
        let directory = try scratch("failure")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var calls = Syscalls.live
        calls.fdatasync = { _ in errno = EIO; return -1 }
        let (service, _) = try Service.recovered(from: directory, syscalls: calls)
        let failed = service.send(.post, "/v1/systems", #"{"name":"a","arch":"arm64","cpus":2}"#)
        #expect(failed.status == .serviceUnavailable)
        #expect(String(decoding: failed.body, as: UTF8.self).contains("/problems/storage-failed"))
        #expect(service.send(.post, "/v1/systems", #"{"name":"b","arch":"arm64","cpus":2}"#).status == .serviceUnavailable)
        #expect(service.send(.get, "/v1/systems").status == .ok)
        #expect(service.send(.get, "/readyz").status == .serviceUnavailable)
    }

    @Test("snapshot thresholds parse as records or sizes")
    func thresholds() {
        #expect(SnapshotThreshold(parsing: "10000") == .records(10_000))
        #expect(SnapshotThreshold(parsing: "64MiB") == .bytes(64 << 20))
        #expect(SnapshotThreshold(parsing: "512KiB") == .bytes(512 << 10))
        #expect(SnapshotThreshold(parsing: "4096B") == .bytes(4096))
        for bad in ["", "0", "-1", "MiB", "1.5GiB", "10 records", "99999999999999999999GiB"] { #expect(SnapshotThreshold(parsing: bad) == nil, "\(bad)") }
    }
}
