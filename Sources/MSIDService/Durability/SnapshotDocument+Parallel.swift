import Glibc
import IRQModel
import SnapshotStore
import Synchronization

// Reading a snapshot in the layout msid writes, its systems side by side. Parsing the JSON and
// decoding the systems were four fifths of recovering 100,000 IRQs, one system after the
// other on one core of two. The systems of a world are independent, so a document in exactly
// the layout `SnapshotDocument.encode` writes has its systems' byte ranges found by a
// bracket scan and each parsed, decoded and validated on its own thread. Anything else (another
// layout, white space, a document that fails anywhere) gives nil, and the sequential path reads
// the document or refuses it with its precise error: this path changes the speed, never what
// is accepted or what it decodes to.

extension SnapshotDocument {
    /// The world and sequence of a document in `encode`'s layout, or nil (see above).
    static func decodeSystemsInParallel(_ bytes: [UInt8], threads: Int = ParallelJobs.processors) -> (world: World, sequence: UInt64)? {
        var cursor = CanonicalCursor(bytes: bytes)
        guard cursor.take(#"{"format":"#), let format = cursor.unsignedInteger(), format == UInt64(SnapshotDocument.format),
              cursor.take(#","msid":"#), cursor.plainString() != nil,
              cursor.take(#","sequence":"#), let sequence = cursor.unsignedInteger(),
              cursor.take(#","state":{"systems":{"#)
        else { return nil }
        // The document ends with the brackets of the systems, the state and the envelope.
        let systemsEnd = bytes.count - 3
        guard systemsEnd >= cursor.position, bytes[systemsEnd...].elementsEqual("}}}".utf8) else { return nil }

        var jobs: [(name: SystemName, range: Range<Int>)] = []
        while cursor.position < systemsEnd {
            if !jobs.isEmpty { guard cursor.take(",") else { return nil } }
            guard let key = cursor.plainString(), let name = SystemName(rawValue: key), cursor.take(":"),
                  let end = containerEnd(bytes, from: cursor.position, limit: systemsEnd)
            else { return nil }
            jobs.append((name, cursor.position..<end))
            cursor.position = end
        }
        guard cursor.position == systemsEnd, Set(jobs.map(\.name)).count == jobs.count else { return nil }
        // One system has nothing to run beside it: the sequential path reads it without the
        // copy (the scan, about 75 ms for 60 MB, is then the only cost of trying).
        if jobs.count == 1 { return nil }
        jobs.sort { $0.range.count > $1.range.count }  // the largest first, for an even finish

        let decoded = Mutex<[SystemName: System]>([:])
        let failed = Atomic<Bool>(false)
        let work = jobs
        ParallelJobs.run(count: work.count, threads: threads) { index in
            guard !failed.load(ordering: .relaxed) else { return }
            guard let system = decodeSystem(bytes, work[index].range, named: work[index].name) else {
                failed.store(true, ordering: .relaxed)
                return
            }
            decoded.withLock { $0[work[index].name] = system }
        }
        guard !failed.load(ordering: .relaxed) else { return nil }
        return (World(systems: decoded.withLock { $0 }), sequence)
    }

    /// One system from its bytes: parsed, decoded, filed under its own name and valid; nil
    /// otherwise. The parser works on a copy of the system's bytes: every string it makes from
    /// a slice of a shared array would retain and release that one array, and two cores
    /// bouncing its reference count between them ran no faster than one. Its parse tree is
    /// freed on another thread.
    private static func decodeSystem(_ bytes: [UInt8], _ range: Range<Int>, named name: SystemName) -> System? {
        guard let tree = try? JSONParser.parse(Array(bytes[range])) else { return nil }
        let system = try? JSONTreeDecoder.decode(System.self, from: tree)
        BackgroundRelease.drop(consume tree)
        guard let system, system.name == name, (try? system.validate()) != nil else { return nil }
        return system
    }

    /// The index just past the object or array that starts at `start`, or nil when its
    /// brackets do not close before `limit`. Strings are skipped whole (escapes included), so
    /// brackets inside them do not count; nothing else is checked: the parser that reads the
    /// range does that.
    static func containerEnd(_ bytes: [UInt8], from start: Int, limit: Int) -> Int? {
        bytes.withUnsafeBufferPointer { buffer -> Int? in
            guard start < limit, buffer[start] == UInt8(ascii: "{") || buffer[start] == UInt8(ascii: "[") else { return nil }
            var depth = 0
            var index = start
            while index < limit {
                switch buffer[index] {
                case UInt8(ascii: "\""):
                    index += 1
                    while index < limit && buffer[index] != UInt8(ascii: "\"") {
                        index += buffer[index] == UInt8(ascii: "\\") ? 2 : 1
                    }
                    guard index < limit else { return nil }
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return index + 1 }
                default:
                    break
                }
                index += 1
            }
            return nil
        }
    }
}

/// Reads the fixed parts of a document in `encode`'s layout, byte by byte.
private struct CanonicalCursor {
    let bytes: [UInt8]
    var position = 0

    /// Consumes `text` when the input continues with it.
    mutating func take(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard bytes.count - position >= count else { return false }
        let matches = text.withUTF8Buffer { expected in expected.indices.allSatisfy { bytes[position + $0] == expected[$0] } }
        if matches { position += count }
        return matches
    }

    /// Digits without a leading zero (or "0"), as JSON writes a non-negative integer; nil when
    /// there are none or the value overflows.
    mutating func unsignedInteger() -> UInt64? {
        let start = position
        var value: UInt64 = 0
        while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
            let (times, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, carry) = times.addingReportingOverflow(UInt64(bytes[position] - UInt8(ascii: "0")))
            guard !overflow, !carry else { return nil }
            value = sum
            position += 1
        }
        guard position > start, bytes[start] != UInt8(ascii: "0") || position == start + 1 else { return nil }
        return value
    }

    /// A string of printable ASCII without escapes (names and versions are); nil otherwise.
    mutating func plainString() -> String? {
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { return nil }
        var end = position + 1
        while end < bytes.count, bytes[end] != UInt8(ascii: "\"") {
            guard bytes[end] >= 0x20, bytes[end] < 0x7F, bytes[end] != UInt8(ascii: "\\") else { return nil }
            end += 1
        }
        guard end < bytes.count else { return nil }
        let text = String(decoding: bytes[(position + 1)..<end], as: UTF8.self)
        position = end + 1
        return text
    }
}
