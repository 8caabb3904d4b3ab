import Foundation
import IRQModel
@testable import MSIDService
import Testing

/// The parallel path for snapshots in msid's own layout against the sequential path it stands
/// in front of: the same world, and nil (so the sequential path answers) for anything else.
@Suite("Snapshot parallel decoding")
struct SnapshotParallelDecodingTests {
    @Test("a document msid wrote decodes on the parallel path to the world the sequential path gives", arguments: [1, 2] as [UInt64])
    func sameWorld(seed: UInt64) throws {
        let world = try SnapshotDirectCodingTests.randomWorld(seed: seed, steps: 400)
        #expect(world.systemCount == 2)
        let document = SnapshotDocument.encode(world, sequence: 41)
        for threads in [1, 2, 4] {
            let parallel = try #require(SnapshotDocument.decodeSystemsInParallel(document, threads: threads), "the parallel path refused it")
            #expect(parallel.world == world && parallel.sequence == 41)
        }
        let decoded = try SnapshotDocument.decode(document)
        #expect(decoded.world == world && decoded.sequence == 41)
    }

    @Test("an empty world takes the parallel path; a one-system world is left to the sequential path")
    func smallWorlds() throws {
        let empty = try #require(SnapshotDocument.decodeSystemsInParallel(SnapshotDocument.encode(World(), sequence: 0)))
        #expect(empty.world == World() && empty.sequence == 0)
        let world = try SnapshotDirectCodingTests.randomWorld(seed: 3, steps: 100)
        let one = try #require(world.systems.values.first)
        let single = World(systems: [one.name: one])
        let document = SnapshotDocument.encode(single, sequence: 5)
        #expect(SnapshotDocument.decodeSystemsInParallel(document) == nil)
        #expect(try SnapshotDocument.decode(document).world == single)
    }

    @Test("any other layout, and any document that fails, is left to the sequential path", arguments: [
        ("white space", #""format":1"#, #""format": 1"#),
        ("members reordered", #"{"format":1,"msid":"0.1.0","#, #"{"msid":"0.1.0","format":1,"#),
        ("another format", #""format":1"#, #""format":2"#),
        ("a leading zero", #""sequence":41"#, #""sequence":041"#),
        ("a system filed under another name", #""systems":{"arm":"#, #""systems":{"arn":"#),
        ("a duplicate system", #""systems":{"arm":"#, #""systems":{"x86":"#),
        ("an unbalanced bracket", #""systems":{"arm":{"#, #""systems":{"arm":{{"#),
        ("a truncated document", "", ""),
    ])
    func othersFallBack(change: String, find: String, replacement: String) throws {
        let world = try SnapshotDirectCodingTests.randomWorld(seed: 4, steps: 200)
        let text = String(decoding: SnapshotDocument.encode(world, sequence: 41), as: UTF8.self)
        let edited = find.isEmpty ? String(text.dropLast()) : text.replacingOccurrences(of: find, with: replacement)
        #expect(edited != text, "the edit '\(change)' changed nothing")
        let bytes = Array(edited.utf8)
        #expect(SnapshotDocument.decodeSystemsInParallel(bytes) == nil, "\(change)")
        // Whatever the sequential path makes of it, decode gives the same.
        let sequential = Result { () throws(SnapshotDocument.Failure) in try SnapshotDocument.decode(bytes, direct: true, parallel: false) }
        let full = Result { () throws(SnapshotDocument.Failure) in try SnapshotDocument.decode(bytes) }
        switch (sequential, full) {
        case (.success(let a), .success(let b)): #expect(a == b, "\(change)")
        case (.failure(let a), .failure(let b)): #expect(a == b, "\(change)")
        default: Issue.record("\(change): the parallel path changed the outcome")
        }
    }
}
