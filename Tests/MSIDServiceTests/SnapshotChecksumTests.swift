import Foundation
import IRQModel
@testable import MSIDService
import MicroHTTP
import SnapshotStore
import Testing

@Suite("Snapshot checksum")
struct SnapshotChecksumTests {
    /// A data directory holding a snapshot of a small but complete state (two systems, MSI and
    /// MSI-X, moved affinity, hotplug), and the snapshot's bytes.
    static func writtenSnapshot(_ label: String) throws -> (directory: String, bytes: [UInt8]) {
        let directory = try scratch(label)
        let (service, _) = try Service.recovered(from: directory)
        service.send(.post, "/v1/systems", #"{"name":"x86","arch":"x86_64","cpus":2}"#)
        service.send(.post, "/v1/systems/x86/domains", #"{"name":"vector","kind":"x86-vector"}"#)
        service.send(.post, "/v1/systems/x86/domains", #"{"name":"nic","kind":"pci-msi","parent":"vector","device":"0000:00:02.0"}"#)
        service.send(.post, "/v1/systems/x86/domains/nic/irqs", #"{"count":2,"type":"msix"}"#)
        service.send(.put, "/v1/systems/x86/irqs/24/affinity", #"{"cpus":"1"}"#)
        #expect(service.send(.post, "/v1/snapshot").status == .ok)
        let bytes = try #require(try FileSystem.read(directory + "/" + Persistence.snapshotName))
        return (directory, bytes)
    }

    /// Issue 14, item 8: 5 of 40 bit flips of snapshot.json were read as another valid state.
    @Test("every single-bit flip of a written snapshot.json is refused")
    func everyBitFlipIsRefused() throws {
        let (directory, bytes) = try SnapshotChecksumTests.writtenSnapshot("flip")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let original = try SnapshotDocument.decode(bytes)
        var flips = 0
        var acceptedDifferent: [String] = []
        var acceptedSame: [String] = []
        for index in bytes.indices {
            for bit in 0..<8 {
                var damaged = bytes
                damaged[index] ^= 1 << UInt8(bit)
                flips += 1
                guard let decoded = try? SnapshotDocument.decode(damaged) else { continue }
                let place = "byte \(index) bit \(bit) ('\(Character(Unicode.Scalar(bytes[index])))')"
                if decoded.world == original.world && decoded.sequence == original.sequence { acceptedSame.append(place) } else { acceptedDifferent.append(place) }
            }
        }
        #expect(acceptedDifferent.isEmpty, "\(acceptedDifferent.count) of \(flips) flips read as a different valid state: \(acceptedDifferent.prefix(10))")
        #expect(acceptedSame.isEmpty, "\(acceptedSame.count) of \(flips) flips accepted as the same state: \(acceptedSame.prefix(10))")
    }

    @Test("a written snapshot is sealed with the CRC-32C of its bytes; GET /v1/snapshot exports the document without it")
    func sealedFileUnsealedExport() throws {
        let (directory, bytes) = try SnapshotChecksumTests.writtenSnapshot("sealed")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let text = String(decoding: bytes, as: UTF8.self)
        let suffix = try #require(text.range(of: #","checksum":"crc32c:"#))
        let unsealed = Array((text[..<suffix.lowerBound] + "}").utf8)
        #expect(text[suffix.upperBound...] == String(decoding: SnapshotChecksum.hex(CRC32C.checksum(unsealed.dropLast())), as: UTF8.self) + #""}"#)
        let (service, _) = try Service.recovered(from: directory)
        #expect(service.send(.get, "/v1/snapshot").body == unsealed, "the export is the document the file seals")
        // PUT takes a copy of the file as it is, checksum and all.
        #expect(service.send(.put, "/v1/snapshot", text).status == .ok)
    }

    @Test("a snapshot without a checksum (written before it existed) is still read; a misplaced checksum is refused")
    func unsealedSnapshots() throws {
        let (directory, bytes) = try SnapshotChecksumTests.writtenSnapshot("legacy")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let text = String(decoding: bytes, as: UTF8.self)
        let suffix = try #require(text.range(of: #","checksum":"#))
        let legacy = text[..<suffix.lowerBound] + "}"
        let expected = try SnapshotDocument.decode(bytes)
        let decoded = try SnapshotDocument.decode(Array(legacy.utf8))
        #expect(decoded.world == expected.world && decoded.sequence == expected.sequence)
        try Data(legacy.utf8).write(to: URL(fileURLWithPath: directory + "/" + Persistence.snapshotName))
        let (service, report) = try Service.recovered(from: directory)
        #expect(report.snapshotSequence == 5)
        #expect(String(decoding: service.send(.get, "/v1/systems/x86/irqs").body, as: UTF8.self).contains(#""virq":25"#))

        let stored = String(text[text.index(suffix.upperBound, offsetBy: 0)...].dropLast())
        let misplaced = #"{"checksum":\#(stored),"# + legacy.dropFirst()
        #expect(throws: SnapshotDocument.Failure.badEnvelope(pointer: "/checksum", reason: #"a checksum must be the document's last member, "checksum":"crc32c:<8 lowercase hex digits>", exactly as msid writes it"#)) {
            _ = try SnapshotDocument.decode(Array(misplaced.utf8))
        }
        let mismatched = Array(text.utf8)
        var altered = mismatched
        altered[10] ^= 0x01
        guard case .checksumMismatch? = decodeFailure(altered) else {
            Issue.record("a flipped bit was not a checksum mismatch")
            return
        }
    }

    func decodeFailure(_ bytes: [UInt8]) -> SnapshotDocument.Failure? {
        do {
            _ = try SnapshotDocument.decode(bytes)
            return nil
        } catch {
            return error
        }
    }
}
