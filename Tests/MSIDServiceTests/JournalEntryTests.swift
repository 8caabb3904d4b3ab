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
            guard case .command(let replayed) = try JournalEntry.decode(direct.bytes) else {
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
            guard case .command(let replayed) = try JournalEntry.decode(payload.bytes) else {
                Issue.record("\(command) does not read back as a command")
                continue
            }
            #expect(replayed == command)
        }
    }
}
