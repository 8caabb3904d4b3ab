import Foundation
import Glibc
import SnapshotStore
import Synchronization
import Testing

@Suite("Journal records")
struct JournalTests {
    static func journal(_ count: Int) -> (records: [JournalRecord], bytes: [UInt8]) {
        let records = (1...UInt64(count)).map { sequence in
            JournalRecord(sequence: sequence, payload: Array(#"{"command":"allocate","n":\#(sequence),"text":"é \"q\""}"#.utf8))
        }
        return (records, records.flatMap(\.encoded))
    }

    @Test("records round trip, and an empty journal is clean")
    func roundTrip() {
        let (records, bytes) = JournalTests.journal(20)
        #expect(JournalReader.read(bytes) == JournalReader.Result(records: records, ending: .clean))
        #expect(JournalReader.read([]) == JournalReader.Result(records: [], ending: .clean))
        #expect(String(decoding: records[0].encoded, as: UTF8.self).hasPrefix("1 "))
    }

    @Test("the journal cut at every byte offset of its last record reads back exactly the whole records before it")
    func tornTail() {
        let (records, bytes) = JournalTests.journal(5)
        let lastStart = bytes.count - records[4].encoded.count
        for cut in lastStart..<bytes.count {
            let result = JournalReader.read(Array(bytes[..<cut]))
            #expect(result.records == Array(records.prefix(4)))
            #expect(result.ending == (cut == lastStart ? .clean : .tornTail(validLength: lastStart)))
        }
    }

    @Test("zeros the file system left after the data are a torn tail")
    func zeroTail() {
        let (records, bytes) = JournalTests.journal(3)
        let result = JournalReader.read(bytes + Array(repeating: 0, count: 4096))
        #expect(result.records == records)
        #expect(result.ending == .tornTail(validLength: bytes.count))
    }

    @Test("a flipped byte anywhere is detected: the altered record is never returned, and only a terminator's damage keeps its record")
    func flippedByte() {
        let (records, bytes) = JournalTests.journal(4)
        for index in bytes.indices {
            for bit in [0, 3, 7] {
                var damaged = bytes
                damaged[index] ^= 1 << UInt8(bit)
                let result = JournalReader.read(damaged)
                if bytes[index] == 0x0A {
                    // A terminator carries no information: every record is kept, the damage reported.
                    #expect(result.records == records && result.ending == .clean)
                    #expect(result.damagedTerminators.map(\.offset) == [index], "flip at \(index)")
                    continue
                }
                #expect(result.ending != .clean, "flip at \(index) went unnoticed")
                #expect(result.records.count < records.count)
                #expect(result.records == Array(records.prefix(result.records.count)))
            }
        }
    }

    /// Issue 14, item 9: the last record's newline flipped was read as a torn tail, and
    /// recovery cut an acknowledged record.
    @Test("a whole record whose newline is damaged is kept, at the end or in the middle, with every bit of the terminator flipped")
    func damagedTerminator() {
        let (records, bytes) = JournalTests.journal(3)
        let terminators = bytes.indices.filter { bytes[$0] == 0x0A }
        for (position, index) in terminators.enumerated() {
            for bit in 0..<8 {
                var damaged = bytes
                damaged[index] ^= 1 << UInt8(bit)
                let result = JournalReader.read(damaged)
                #expect(result.records == records, "terminator of record \(position + 1), bit \(bit)")
                #expect(result.ending == .clean)
                #expect(result.damagedTerminators == [JournalReader.DamagedTerminator(sequence: UInt64(position + 1), offset: index, byte: damaged[index])])
            }
        }
        // A record cut before its terminator is still torn (a write that did not finish).
        #expect(JournalReader.read(Array(bytes.dropLast())).ending == .tornTail(validLength: bytes.count - records[2].encoded.count))
        // Zeros the file system left after a record with a damaged terminator are a torn tail.
        var damaged = bytes
        damaged[bytes.count - 1] = 0x00
        let zeros = JournalReader.read(damaged + Array(repeating: 0, count: 64))
        #expect(zeros.records == records && zeros.ending == .tornTail(validLength: bytes.count))
    }

    @Test("a bad record followed by good ones is corruption, not a torn tail")
    func corruptionInTheMiddle() {
        let (records, bytes) = JournalTests.journal(3)
        var damaged = bytes
        damaged[records[0].encoded.count + 2] ^= 0x01
        guard case .corrupt(let offset, _) = JournalReader.read(damaged).ending else {
            Issue.record("expected corruption")
            return
        }
        #expect(offset == records[0].encoded.count)
        let gap = records[0].encoded + records[2].encoded
        guard case .corrupt(_, let reason) = JournalReader.read(gap).ending else {
            Issue.record("expected a sequence gap to be corruption")
            return
        }
        #expect(reason == "sequence 3 follows 1")
    }
}

@Suite("Journal completions")
struct JournalCompletionTests {
    @Test("whenDurable calls back once the record is synced, in order, and at once for a record already durable")
    func completions() throws {
        let directory = try scratchDirectory("completions")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let journal = Journal(directory: directory, nextSequence: 1)
        let seen = Mutex<[UInt64]>([])
        let done = DispatchSemaphore(value: 0)
        for index in 1...20 {
            let sequence = try journal.append(payload("{\"n\":\(index)}"))
            journal.whenDurable(sequence) { error in
                #expect(error == nil)
                #expect(journal.sequences.durable >= sequence)
                seen.withLock { $0.append(sequence) }
                done.signal()
            }
        }
        for _ in 1...20 { #expect(done.wait(timeout: .now() + 10) == .success) }
        #expect(seen.withLock { $0 } == Array(1...20))
        #expect(journal.batching.records == 20)
        let immediate = Mutex(false)
        journal.whenDurable(5) { _ in immediate.withLock { $0 = true } }
        #expect(immediate.withLock { $0 })
        journal.stopCompletions()
    }

    @Test("a failed sync reaches every waiting completion as the error")
    func failedSync() throws {
        let directory = try scratchDirectory("completions-fail")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var calls = Syscalls.live
        calls.fdatasync = { _ in
            errno = EIO
            return -1
        }
        let journal = Journal(directory: directory, nextSequence: 1, syscalls: calls)
        let failures = Mutex(0)
        let done = DispatchSemaphore(value: 0)
        for index in 1...5 {
            let sequence = try journal.append(payload("{\"n\":\(index)}"))
            journal.whenDurable(sequence) { error in
                if error != nil { failures.withLock { $0 += 1 } }
                done.signal()
            }
        }
        for _ in 1...5 { #expect(done.wait(timeout: .now() + 10) == .success) }
        #expect(failures.withLock { $0 } == 5)
        journal.stopCompletions()
    }
}
