import Foundation
import MicroHTTP
import IRQModel
@testable import MSIDService
import SnapshotStore
import Testing

/// The journal's payloads: the direct path for IRQ and CPU commands against the `Codable` path
/// it replaces (same bytes), and both read back by replay's decoder.
@Suite("Journal entries")
struct JournalEntryTests {
    static func name(_ text: String) -> SystemName {
        guard let name = SystemName(rawValue: text) else { preconditionFailure("invalid test name \(text)") }
        return name
    }

    static func cpus(_ list: String) -> CPUSet {
        guard let set = try? CPUSet(cpulist: list) else { preconditionFailure("invalid test cpulist \(list)") }
        return set
    }

    /// Every command case the direct path writes, over names, numbers and CPU sets whose text
    /// differs in length and shape (a one-letter name and the longest, ranges, singles, an empty
    /// set, the largest virq).
    static let directCommands: [Command] = ["a", "bench", "x86-host-01", String(repeating: "0123456789", count: 6) + "abc"].flatMap { text -> [Command] in
        let system = name(text)
        return [VirtualIRQ(rawValue: 0), VirtualIRQ(rawValue: 24), VirtualIRQ(rawValue: .max)].flatMap { virq -> [Command] in
            [.activate(system: system, virq: virq), .deactivate(system: system, virq: virq), .mask(system: system, virq: virq),
             .unmask(system: system, virq: virq), .free(system: system, virq: virq),
             .setAffinity(system: system, virq: virq, cpus: cpus("0")), .setAffinity(system: system, virq: virq, cpus: cpus("0-3,8,10-255")),
             .setAffinity(system: system, virq: virq, cpus: CPUSet())]
        } + [.setCPUOnline(system: system, cpu: CPUID(0), online: false), .setCPUOnline(system: system, cpu: CPUID(4095), online: true)]
    }

    @Test("the direct payload of every IRQ and CPU command is the Codable payload, byte for byte, and replays to the command")
    func directMatchesCodable() throws {
        for command in Self.directCommands {
            let direct = try JournalEntry.command(command).payload()
            let codable = try JournalEntry.command(command).payload(direct: false)
            #expect(command.directJournalPayload() != nil, "\(command) takes the direct path")
            #expect(direct.bytes == codable.bytes, "\(command): \(String(decoding: direct.bytes, as: UTF8.self)) vs \(String(decoding: codable.bytes, as: UTF8.self))")
            guard case .command(let replayed, _) = try JournalEntry.decode(direct.bytes) else {
                Issue.record("\(command) does not read back as a command")
                continue
            }
            #expect(replayed == command)
        }
    }

    @Test("commands that build or delete systems, domains and IRQ blocks take the Codable path")
    func othersTakeCodable() throws {
        let system = Self.name("bench")
        guard let domain = DomainName(rawValue: "dev0") else { preconditionFailure("invalid test domain name") }
        let others: [Command] = [
            .createSystem(SystemSpec(name: system, architecture: .arm64, hardwareIDs: [0, 1])),
            .deleteSystem(system),
            .deleteDomain(system: system, domain: domain),
            .allocateIRQs(system: system, domain: domain, request: AllocationRequest(count: 2, type: .msix, affinity: Self.cpus("1"))),
        ]
        for command in others {
            #expect(command.directJournalPayload() == nil, "\(command)")
            let payload = try JournalEntry.command(command).payload()
            guard case .command(let replayed, _) = try JournalEntry.decode(payload.bytes) else {
                Issue.record("\(command) does not read back as a command")
                continue
            }
            #expect(replayed == command)
        }
    }
}

/// Events carry the time their command was applied; the journal carries it with the command.
@Suite("Event times")
struct EventTimeTests {
    @Test("a command's time goes into its journal record and back, on the direct and the Codable path")
    func journalRoundTrip() throws {
        let system = try #require(SystemName(rawValue: "x"))
        for command in [Command.mask(system: system, virq: VirtualIRQ(rawValue: 24)), .deleteSystem(system)] {
            let payload = try JournalEntry.command(command, at: 1_764_864_000_123).payload()
            #expect(String(decoding: payload.bytes, as: UTF8.self).hasSuffix(#","at":1764864000123}"#))
            guard case .command(let decoded, let time) = try JournalEntry.decode(payload.bytes) else {
                Issue.record("not a command")
                continue
            }
            #expect(decoded == command && time == 1_764_864_000_123)
        }
        // Records written before times existed read back without one.
        guard case .command(_, let none) = try JournalEntry.decode(Array(#"{"command":{"deleteSystem":{"_0":"x"}}}"#.utf8)) else {
            Issue.record("old record refused")
            return
        }
        #expect(none == nil)
    }

    @Test("RFC 3339 from milliseconds", arguments: [
        (UInt64(0), "1970-01-01T00:00:00.000Z"), (951_782_400_005, "2000-02-29T00:00:00.005Z"),
        (1_764_864_000_123, "2025-12-04T16:00:00.123Z"), (4_107_542_399_999, "2100-02-28T23:59:59.999Z"),
    ])
    func rfc3339(milliseconds: UInt64, expected: String) {
        #expect(IRQDTO.rfc3339(milliseconds: milliseconds) == expected)
    }

    @Test("events served carry the time; a restart replays the same times")
    func servedAndReplayed() throws {
        let directory = try scratch("times")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let before: String
        do {
            let (service, _) = try Service.recovered(from: directory)
            service.send(.post, "/v1/systems", #"{"name":"x","arch":"x86_64","cpus":2}"#)
            service.send(.post, "/v1/systems/x/domains", #"{"name":"vector","kind":"x86-vector"}"#)
            service.send(.post, "/v1/systems/x/domains", #"{"name":"a","kind":"pci-msi","parent":"vector","device":"0000:00:01.0"}"#)
            service.send(.post, "/v1/systems/x/domains/a/irqs", #"{"count":1,"type":"msix"}"#)
            before = String(decoding: service.send(.get, "/v1/systems/x/events").body, as: UTF8.self)
            #expect(before.contains(#""time":"20"#))
        }
        let (again, _) = try Service.recovered(from: directory)
        #expect(String(decoding: again.send(.get, "/v1/systems/x/events").body, as: UTF8.self) == before)
    }
}
