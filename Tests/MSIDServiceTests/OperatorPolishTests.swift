import Foundation
import IRQModel
import Logging
@testable import MSIDService
import MicroHTTP
import SnapshotStore
import Testing

/// Issue 16, items 4 and 5 in process: the snapshot upload's own limit, its dry run and backup;
/// typo suggestions; the decode endpoint's role; the build and state metrics; errno texts.
@Suite("Operator polish")
struct OperatorPolishTests {
    static func text(_ response: HTTPResponse) -> String { String(decoding: response.body, as: UTF8.self) }

    // MARK: Snapshot replacement

    @Test("PUT /v1/snapshot?dryRun=true validates, says what it would replace, and changes nothing (no backup either)")
    func dryRun() throws {
        let source = Service.inMemory
        source.drive()
        let document = OperatorPolishTests.text(source.send(.get, "/v1/snapshot"))
        let directory = try scratch("dry-run")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (target, _) = try Service.recovered(from: directory)
        target.send(.post, "/v1/systems", #"{"name":"old","arch":"arm64","cpus":1}"#)
        let before = target.state
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()

        let dry = target.send(.put, "/v1/snapshot", document, query: [("dryRun", "true")])
        #expect(dry.status == .ok)
        #expect(OperatorPolishTests.text(dry)
                == #"{"domains":8,"dryRun":true,"irqs":10,"replaces":{"domains":0,"irqs":0,"sequence":1,"systems":1},"systems":2}"#)
        #expect(target.state == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == files)

        let invalid = target.send(.put, "/v1/snapshot", #"{"format":2,"sequence":0,"state":{"systems":{}}}"#, query: [("dryRun", "true")])
        #expect(invalid.status == .unprocessableContent)
        let bad = target.send(.put, "/v1/snapshot", document, query: [("dryRun", "yes")])
        #expect(bad.status == .badRequest)
        #expect(OperatorPolishTests.text(bad).contains(#""parameter":"dryRun""#))
        #expect(target.state == before)
    }

    @Test("a dry run checks the state caps too: a state over --max-irqs is a 507 without replacing anything")
    func dryRunChecksCaps() {
        let source = Service.inMemory
        source.drive()
        let document = OperatorPolishTests.text(source.send(.get, "/v1/snapshot"))
        let small = Service(responder: ServiceResponder(logger: Logger(label: "test"),
                                                        options: ServiceOptions(limits: StateLimits(systems: 8, domains: 64, irqs: 4))))
        #expect(small.send(.put, "/v1/snapshot", document, query: [("dryRun", "true")]).status.rawValue == 507)
        #expect(small.send(.get, "/v1/systems").body == Array(#"{"next":null,"systems":[]}"#.utf8))
    }

    @Test("a replacement keeps the replaced state in snapshot.replaced.json, a sealed document that uploads back; one backup is kept")
    func backup() throws {
        let source = Service.inMemory
        source.drive()
        let document = OperatorPolishTests.text(source.send(.get, "/v1/snapshot"))
        let directory = try scratch("backup")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (target, _) = try Service.recovered(from: directory)
        target.send(.post, "/v1/systems", #"{"name":"old","arch":"arm64","cpus":1}"#)
        let old = target.state

        let replaced = target.send(.put, "/v1/snapshot", document)
        #expect(replaced.status == .ok)
        let answer = OperatorPolishTests.text(replaced)
        #expect(answer.contains(#""backup":"snapshot.replaced.json""#))
        #expect(answer.contains(#""replaced":{"domains":0,"irqs":0,"sequence":1,"systems":1}"#))
        #expect(target.state == source.state)
        let backupPath = directory + "/" + Persistence.backupName
        let backup = try #require(try FileSystem.read(backupPath))
        #expect(SnapshotChecksum.isSealed(backup))
        let (world, sequence) = try SnapshotDocument.decode(backup)
        #expect(sequence == 1)
        #expect(world.systemCount == 1)

        // The backup goes back in as it is, and the next replacement overwrites it.
        #expect(target.send(.put, "/v1/snapshot", String(decoding: backup, as: UTF8.self)).status == .ok)
        #expect(target.state == old)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("snapshot.replaced") }
        #expect(files == [Persistence.backupName])
        let second = try #require(try FileSystem.read(backupPath))
        #expect(try SnapshotDocument.decode(second).world.systemCount == 2)
    }

    @Test("PUT /v1/snapshot has its own body limit and 413 naming its setting; other requests keep the general one")
    func snapshotBodyLimit() {
        let limit = ServiceResponder.snapshotBodyLimit(bytes: 256 << 20, setting: "--max-snapshot-body, MSID_MAX_SNAPSHOT_BODY")
        let own = limit(.put, "/v1/snapshot")
        #expect(own?.bytes == 256 << 20)
        #expect(limit(.get, "/v1/snapshot") == nil)
        #expect(limit(.post, "/v1/snapshot") == nil)
        #expect(limit(.put, "/v1/systems/a/irqs/1/affinity") == nil)
        let tooLarge = own.map { $0.tooLarge() }
        #expect(tooLarge?.status == .contentTooLarge)
        #expect(tooLarge.map(OperatorPolishTests.text)
                == #"{"type":"/problems/body-too-large","title":"Request body too large","status":413,"detail":"the snapshot upload exceeds the limit of 268435456 bytes (--max-snapshot-body, MSID_MAX_SNAPSHOT_BODY)","limit":268435456}"#
                || tooLarge.map(OperatorPolishTests.text)?.contains("the snapshot upload exceeds the limit of 268435456 bytes (--max-snapshot-body, MSID_MAX_SNAPSHOT_BODY)") == true)
        let general = ServiceResponder.bodyTooLarge(limit: 1 << 20, setting: "--max-body, MSID_MAX_BODY")
        #expect(OperatorPolishTests.text(general).contains("the request body exceeds the limit of 1048576 bytes (--max-body, MSID_MAX_BODY)"))
    }

    // MARK: Typos

    @Test("edit distance: insertions, deletions, substitutions", arguments: [
        ("online", "online", 0), ("onlin", "online", 1), ("onlnie", "online", 2), ("Online", "online", 1), ("", "abc", 3), ("kitten", "sitting", 3),
    ])
    func editDistance(a: String, b: String, distance: Int) {
        #expect(ObjectReader.editDistance(Array(a.unicodeScalars), Array(b.unicodeScalars)) == distance)
    }

    @Test("the nearest known name is suggested within two edits, case aside; nothing further away")
    func nearest() {
        #expect(ObjectReader.nearest(to: "onlne", among: ["online", "cpus"]) == "online")
        #expect(ObjectReader.nearest(to: "Affinity", among: ["affinity", "count", "type"]) == "affinity")
        #expect(ObjectReader.nearest(to: "cuont", among: ["count", "type"]) == "count")
        #expect(ObjectReader.nearest(to: "banana", among: ["count", "type"]) == nil)
        #expect(ObjectReader.nearest(to: "x", among: ["y"]) == nil)
    }

    @Test("a misspelled member is a 400 that suggests the nearest known one: did you mean /online?")
    func didYouMean() {
        let service = Service.inMemory
        service.send(.post, "/v1/systems", #"{"name":"s","arch":"x86_64","cpus":2}"#)
        let typo = service.send(.patch, "/v1/systems/s/cpus/1", #"{"onlne":false}"#)
        #expect(typo.status == .badRequest)
        let text = OperatorPolishTests.text(typo)
        // /online is required, so the typo shows as its absence, with the likely misspelling.
        #expect(text.contains(#""detail":"/online is required (the body has /onlne: did you mean /online?)""#))
        #expect(text.contains(#""suggestion":"/online""#))
        let nested = service.send(.post, "/v1/systems", #"{"name":"t","arch":"x86_64","cpus":[{"id":0,"hwdi":0}]}"#)
        #expect(OperatorPolishTests.text(nested).contains("did you mean /cpus/0/hwid?"))
        // An optional member misspelled: refused as unknown, with the known name.
        service.send(.post, "/v1/systems/s/domains", #"{"name":"vector","kind":"x86-vector"}"#)
        service.send(.post, "/v1/systems/s/domains", #"{"name":"nic","kind":"pci-msi","parent":"vector","device":"0000:00:03.0"}"#)
        let optional = service.send(.post, "/v1/systems/s/domains/nic/irqs", #"{"count":1,"type":"msix","afinity":"1"}"#)
        #expect(optional.status == .badRequest)
        #expect(OperatorPolishTests.text(optional).contains(#""detail":"/afinity is not a known member; did you mean /affinity?""#))
        let far = service.send(.patch, "/v1/systems/s/cpus/1", #"{"online":false,"zzzzzz":1}"#)
        #expect(OperatorPolishTests.text(far).contains(#""detail":"/zzzzzz is not a known member""#))
    }

    // MARK: Roles

    @Test("POST /v1/systems/{s}/msi/decode needs only the read role; other POSTs still need write")
    func decodeIsRead() throws {
        #expect(Role.required(method: .post, path: "/v1/systems/arm/msi/decode") == .read)
        #expect(Role.required(method: .post, path: "/v1/systems/arm/domains") == .write)
        #expect(Role.required(method: .post, path: "/v1/systems//msi/decode") == .write)
        #expect(Role.required(method: .post, path: "/v1/systems/arm/msi/decode/x") == .write)
        #expect(Role.required(method: .put, path: "/v1/systems/arm/msi/decode") == .write)
        let responder = ServiceResponder(logger: Logger(label: "test"), options: ServiceOptions(tokens: try AccessTests.tokens()))
        #expect(AccessTests.send(responder, .post, "/v1/systems", token: AccessTests.writeToken,
                                 json: #"{"name":"s","arch":"x86_64","cpus":2}"#).status == .created)
        let decode = AccessTests.send(responder, .post, "/v1/systems/s/msi/decode", token: AccessTests.readToken,
                                      json: #"{"addressHi":0,"addressLo":4276092928,"data":32}"#)
        #expect(decode.status == .notFound, "the read token reaches the handler: nothing is routed there")
        #expect(AccessTests.send(responder, .post, "/v1/systems", token: AccessTests.readToken,
                                 json: #"{"name":"t","arch":"x86_64","cpus":2}"#).status == .forbidden)
    }

    // MARK: Metrics

    @Test("/metrics has msid_build_info with the version, the state against its caps, and the snapshot's age once there is one")
    func metrics() throws {
        let directory = try scratch("metrics")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (service, _) = try Service.recovered(from: directory)
        service.send(.post, "/v1/systems", #"{"name":"s","arch":"x86_64","cpus":2}"#)
        service.send(.post, "/v1/systems/s/domains", #"{"name":"vector","kind":"x86-vector"}"#)
        let first = OperatorPolishTests.text(service.send(.get, "/metrics"))
        #expect(first.contains(#"msid_build_info{version="\#(BuildInfo.version)"} 1"#))
        #expect(first.contains(#"msid_state_size{resource="systems"} 1"#))
        #expect(first.contains(#"msid_state_size{resource="domains"} 1"#))
        #expect(first.contains(#"msid_state_size{resource="irqs"} 0"#))
        #expect(first.contains(#"msid_state_limit{resource="irqs"} 1048576"#))
        #expect(!first.contains("msid_snapshot_age_seconds "), "no snapshot yet")
        #expect(service.send(.post, "/v1/snapshot").status == .ok)
        let second = OperatorPolishTests.text(service.send(.get, "/metrics"))
        let age = second.split(separator: "\n").first { $0.hasPrefix("msid_snapshot_age_seconds ") }
            .flatMap { Double($0.split(separator: " ")[1]) }
        #expect(age.map { (0..<5).contains($0) } == true, "\(String(describing: age))")
    }

    // MARK: System error texts

    @Test("a failed system call says the system's text, not only the errno number")
    func errnoText() {
        #expect(StoreError.systemCall(name: "open", path: "/x", errno: EACCES).description == "open /x failed: Permission denied (errno 13)")
        #expect(StoreError.text(of: ENOSPC) == "No space left on device")
    }
}
