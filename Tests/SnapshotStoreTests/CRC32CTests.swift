import Testing
import SnapshotStore

@Suite("CRC-32C")
struct CRC32CTests {
    static let checkVectors: [([UInt8], UInt32)] = [
        (Array("123456789".utf8), 0xE306_9283),
        (Array(repeating: 0, count: 32), 0x8A91_36AA),
        (Array(repeating: 0xFF, count: 32), 0x62A8_AB43),
        (Array(0...31), 0x46DD_794E),
        ([], 0),
    ]

    @Test("the standard check value and the RFC 3720 vectors", arguments: checkVectors)
    func vectors(bytes: [UInt8], expected: UInt32) {
        #expect(CRC32C.checksum(bytes) == expected)
    }

    @Test("checksumming in pieces gives the checksum of the whole")
    func incremental() {
        let bytes = Array("the journal frames each record with its length and a checksum".utf8)
        for split in 0...bytes.count {
            let state = CRC32C.update(CRC32C.update(CRC32C.start, with: bytes[..<split]), with: bytes[split...])
            #expect(CRC32C.finalize(state) == CRC32C.checksum(bytes))
        }
    }

    @Test("eight bytes at a time (contiguous bytes) agrees with one at a time (any sequence), at every length and offset")
    func slicingAgreesWithBytewise() {
        let bytes = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 151 &+ 7) }
        for start in 0..<9 {
            for end in stride(from: start, through: bytes.count, by: 7) {
                let slice = bytes[start..<end]
                let bytewise = CRC32C.update(CRC32C.start, with: slice.lazy.map { $0 })
                #expect(CRC32C.update(CRC32C.start, with: slice) == bytewise, "\(start)..<\(end)")
                #expect(CRC32C.update(0x1234_5678, with: Array(slice)) == CRC32C.update(0x1234_5678, with: slice.lazy.map { $0 }))
            }
        }
    }

    @Test("a flipped bit changes the checksum")
    func detectsFlips() {
        let bytes = Array("snapshot".utf8)
        let reference = CRC32C.checksum(bytes)
        for index in bytes.indices {
            for bit in 0..<8 {
                var flipped = bytes
                flipped[index] ^= 1 << UInt8(bit)
                #expect(CRC32C.checksum(flipped) != reference)
            }
        }
    }
}
