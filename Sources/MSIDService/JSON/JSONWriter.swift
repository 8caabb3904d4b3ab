/// Writes compact JSON straight into one byte buffer, with no tree in between: for answers on
/// hot paths (the composed MSI message), where building a `JSONValue` and rendering it cost as
/// much as everything else the request does.
///
/// The writer places commas and colons; the caller writes a well-formed value and, to give the
/// same bytes as `JSONValue.bytes`, each object's members in ascending key order (the tests
/// hold the hot answers to that: parsing them and rendering the tree gives the same bytes).
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    /// Whether the container being written has a member already (a comma goes first).
    private var needsComma = false
    /// Whether a key was just written (its value follows without a comma).
    private var afterKey = false

    init(capacity: Int = 512) { bytes.reserveCapacity(capacity) }

    mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    /// An object member's key; its value is the next thing written. Keys are plain ASCII
    /// names (no escaping).
    mutating func key(_ key: StaticString) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        afterKey = true
    }

    mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
        needsComma = true
    }

    mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
        needsComma = true
    }

    mutating func string(_ text: String) {
        separate()
        JSONText.append(text, to: &bytes)
        needsComma = true
    }

    /// An unsigned integer in decimal, as `String(value)` writes it.
    mutating func integer<T: UnsignedInteger & FixedWidthInteger>(_ value: T) {
        separate()
        appendDecimal(UInt64(value))
        needsComma = true
    }

    /// `"0x"` and the value in lowercase hex: `digits` wide with leading zeros, or as short as
    /// it goes when `digits` is nil (as `"0x" + String(value, radix: 16)`).
    mutating func hexString<T: UnsignedInteger & FixedWidthInteger>(_ value: T, digits: Int? = nil) {
        separate()
        let value = UInt64(value)
        let width = digits ?? max(1, (64 - value.leadingZeroBitCount + 3) / 4)
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: "0"))
        bytes.append(UInt8(ascii: "x"))
        for shift in stride(from: (width - 1) * 4, through: 0, by: -4) {
            bytes.append(JSONText.hexDigits[Int(truncatingIfNeeded: (value >> UInt64(shift)) & 0xF)])
        }
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    /// Bytes as a string of lowercase hex, two digits each (as `JSONText.hex(_:)`).
    mutating func hexBytes(_ data: [UInt8]) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        for byte in data {
            bytes.append(JSONText.hexDigits[Int(byte >> 4)])
            bytes.append(JSONText.hexDigits[Int(byte & 0xF)])
        }
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    /// The comma before a value in a container that has members already (not after a key).
    private mutating func separate() {
        if afterKey {
            afterKey = false
        } else if needsComma {
            bytes.append(UInt8(ascii: ","))
        }
    }

    private mutating func appendDecimal(_ value: UInt64) {
        guard value >= 10 else {
            bytes.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        // At most 20 digits, written backwards into a fixed buffer.
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            while rest > 0 {
                buffer[23 - count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            }
            bytes.append(contentsOf: buffer[(24 - count)...])
        }
    }
}
