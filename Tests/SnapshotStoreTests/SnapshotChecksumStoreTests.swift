import SnapshotStore
import Testing

@Suite("Snapshot checksum, in bytes")
struct SnapshotChecksumStoreTests {
    @Test("seal then unseal gives the document back; an unsealed document is left alone; any flip is a mismatch or unsealed")
    func roundTrip() throws {
        let document = Array(#"{"format":1,"sequence":3,"state":{"systems":{}}}"#.utf8)
        var sealed = document
        SnapshotChecksum.seal(&sealed)
        #expect(String(decoding: sealed, as: UTF8.self).hasPrefix(#"{"format":1,"sequence":3,"state":{"systems":{}},"checksum":"crc32c:"#))
        var opened = sealed
        #expect(try SnapshotChecksum.unseal(&opened))
        #expect(opened == document)
        var plain = document
        #expect(try !SnapshotChecksum.unseal(&plain))
        #expect(plain == document)
        for index in sealed.indices {
            for bit in 0..<8 {
                var damaged = sealed
                damaged[index] ^= 1 << UInt8(bit)
                // Either refused here, or not recognised as sealed (the reader then finds a
                // "checksum" member out of form, or no JSON): never unsealed successfully.
                let unsealed = (try? SnapshotChecksum.unseal(&damaged)) ?? false
                #expect(!unsealed, "byte \(index) bit \(bit)")
            }
        }
    }
}
