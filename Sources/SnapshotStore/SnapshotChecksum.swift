/// The checksum of a snapshot file: a last member `"checksum":"crc32c:<8 lowercase hex>"` of
/// its JSON object, holding the CRC-32C of every byte before that member (the document up to
/// its closing brace, exclusive). The exact bytes are checked, white space included, so any
/// change to a sealed file is refused, never read as another valid state: CRC-32C catches every
/// error of up to 32 consecutive bits, and a flip in the member itself either breaks the
/// member's fixed form (the document then has a `checksum` member not in that form, which the
/// reader refuses) or changes the stored value.
///
/// A document that does not end in the member is unsealed (snapshots written before the
/// checksum): it is read as it is, and the reader refuses any `checksum` member it contains.
public enum SnapshotChecksum {
    /// The member's text before the digits.
    static let head = Array(#","checksum":"crc32c:"#.utf8)
    /// The text after the digits: the end of the string and of the object.
    static let tail = Array(#""}"#.utf8)
    /// The member's length, digits and closing brace included.
    static let sealLength = head.count + 8 + tail.count

    /// The stored checksum did not match the bytes.
    public struct Mismatch: Error, Hashable, Sendable {
        public let stored: UInt32
        public let computed: UInt32
    }

    /// Seals a JSON object's bytes: its closing brace becomes the checksum member and the brace.
    /// Bytes that do not end in `}` are left as they are (there is no object to seal).
    public static func seal(_ document: inout [UInt8]) {
        guard document.last == UInt8(ascii: "}") else { return }
        document.removeLast()
        let crc = document.withUnsafeBufferPointer { CRC32C.checksum($0) }
        document.append(contentsOf: head)
        document.append(contentsOf: hex(crc))
        document.append(contentsOf: tail)
    }

    /// Checks and removes the checksum member of a sealed document, giving back the document
    /// as it was before `seal`; returns false, changing nothing, when the document is not
    /// sealed; throws when the checksum does not match.
    public static func unseal(_ document: inout [UInt8]) throws(Mismatch) -> Bool {
        guard let stored = storedChecksum(document) else { return false }
        let covered = document.count - sealLength
        let computed = document.withUnsafeBufferPointer { CRC32C.checksum($0[..<covered]) }
        guard computed == stored else { throw Mismatch(stored: stored, computed: computed) }
        document.removeLast(sealLength)
        document.append(UInt8(ascii: "}"))
        return true
    }

    /// Whether `document` ends in a checksum member in the form `seal` writes (unchecked).
    public static func isSealed(_ document: [UInt8]) -> Bool { storedChecksum(document) != nil }

    /// The value of the checksum member that ends `document` in exactly the form `seal`
    /// writes, or nil.
    static func storedChecksum(_ document: [UInt8]) -> UInt32? {
        guard document.count > sealLength else { return nil }
        let start = document.count - sealLength
        let digitsStart = start + head.count
        guard document[start..<digitsStart].elementsEqual(head), document[(digitsStart + 8)...].elementsEqual(tail) else { return nil }
        var value: UInt32 = 0
        for byte in document[digitsStart..<(digitsStart + 8)] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// Eight lowercase hex digits.
    public static func hex(_ value: UInt32) -> [UInt8] {
        let digits = Array("0123456789abcdef".utf8)
        return (0..<8).reversed().map { digits[Int((value >> (4 * UInt32($0))) & 0xF)] }
    }
}
