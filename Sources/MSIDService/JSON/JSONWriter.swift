/// Writes compact JSON straight into one byte buffer, with no tree in between: for answers on
/// hot paths (the composed MSI message), where building a `JSONValue` and rendering it cost as
/// much as everything else the request does.
///
/// The writer places commas and colons; the caller writes a well-formed value and, to give the
/// same bytes as `JSONValue.bytes`, each object's members in ascending key order (the tests
/// hold the hot answers to that: parsing them and rendering the tree gives the same bytes).
/// The snapshot's direct encoders (`JSONDirectEncodable`) write members in their `Codable`
/// order instead, the order `JSONStreamEncoder` gives.
///
/// The buffer is raw memory the writer owns (it is not copyable): a write checks the room
/// once and stores its bytes, with none of an array's per-append uniqueness and capacity
/// checks. Invariant: `count <= capacity`, and the first `count` bytes are initialized.
struct JSONWriter: ~Copyable {
    private var storage: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var count = 0
    /// Whether the container being written has a member already (a comma goes first).
    private var needsComma = false
    /// Whether a key was just written (its value follows without a comma).
    private var afterKey = false

    init(capacity: Int = 1024) {
        self.capacity = max(64, capacity)
        storage = .allocate(capacity: self.capacity)
    }

    deinit { storage.deallocate() }

    /// The JSON written so far.
    var bytes: [UInt8] { Array(UnsafeBufferPointer(start: storage, count: count)) }

    /// Calls `body` with the JSON written so far (valid only during the call).
    func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        try body(UnsafeBufferPointer(start: storage, count: count))
    }

    /// Forgets what was written, keeping the memory, so that the writer starts a new value.
    mutating func reset() {
        count = 0
        needsComma = false
        afterKey = false
    }

    /// Makes room for `needed` more bytes.
    @inline(__always)
    private mutating func reserve(_ needed: Int) {
        if count + needed > capacity { grow(needed) }
    }

    @inline(never)
    private mutating func grow(_ needed: Int) {
        let grown = max(capacity * 2, count + needed)
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
        moved.update(from: storage, count: count)
        storage.deallocate()
        storage = moved
        capacity = grown
    }

    @inline(__always)
    private mutating func put(_ byte: UInt8) {
        reserve(1)
        storage[count] = byte
        count += 1
    }

    private mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) {
        reserve(bytes.count)
        if let base = bytes.baseAddress { (storage + count).update(from: base, count: bytes.count) }
        count += bytes.count
    }

    private mutating func put(_ text: StaticString) {
        text.withUTF8Buffer { put($0) }
    }

    mutating func beginObject() { open(UInt8(ascii: "{")) }
    mutating func endObject() { close(UInt8(ascii: "}")) }

    /// `{}`.
    mutating func emptyObject() {
        beginObject()
        endObject()
    }

    mutating func beginArray() { open(UInt8(ascii: "[")) }
    mutating func endArray() { close(UInt8(ascii: "]")) }

    /// A container starts: a comma before it if it follows a sibling, none before its first member.
    private mutating func open(_ bracket: UInt8) {
        separate()
        put(bracket)
        needsComma = false
    }

    /// A container ends: whatever follows it is a sibling.
    private mutating func close(_ bracket: UInt8) {
        put(bracket)
        needsComma = true
    }

    /// An object member's key; its value is the next thing written. Keys are plain ASCII
    /// names (no escaping).
    mutating func key(_ key: StaticString) {
        // A literal stored as one scalar has no UTF-8 pointer: `withUTF8Buffer` serves it.
        guard key.hasPointerRepresentation else {
            key.withUTF8Buffer { writeKey(UnsafeBufferPointer(start: $0.baseAddress, count: $0.count)) }
            return
        }
        writeKey(UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
    }

    @inline(__always)
    private mutating func writeKey(_ utf8: UnsafeBufferPointer<UInt8>) {
        reserve(utf8.count + 4)
        if needsComma {
            storage[count] = UInt8(ascii: ",")
            count += 1
        }
        storage[count] = UInt8(ascii: "\"")
        if let base = utf8.baseAddress { (storage + count + 1).update(from: base, count: utf8.count) }
        count += 1 + utf8.count
        storage[count] = UInt8(ascii: "\"")
        storage[count + 1] = UInt8(ascii: ":")
        count += 2
        afterKey = true
    }

    /// A member with an unsigned integer value.
    mutating func member<T: UnsignedInteger & FixedWidthInteger>(_ name: StaticString, _ value: T) {
        key(name)
        integer(value)
    }

    /// A member with a signed integer value.
    mutating func member(_ name: StaticString, _ value: Int) {
        key(name)
        integer(value)
    }

    /// A member with a boolean value.
    mutating func member(_ name: StaticString, _ value: Bool) {
        key(name)
        bool(value)
    }

    /// A member with a string value.
    mutating func member(_ name: StaticString, _ text: String) {
        key(name)
        string(text)
    }

    mutating func null() {
        separate()
        put("null")
        needsComma = true
    }

    mutating func bool(_ value: Bool) {
        separate()
        put(value ? "true" : "false")
        needsComma = true
    }

    mutating func string(_ text: String) {
        separate()
        var text = text
        let plain = text.withUTF8 { utf8 -> Bool in
            // Most strings need no escape: copied in one go.
            guard !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else { return false }
            put(UInt8(ascii: "\""))
            put(utf8)
            put(UInt8(ascii: "\""))
            return true
        }
        if !plain {
            var escaped: [UInt8] = []
            JSONText.append(text, to: &escaped)
            escaped.withUnsafeBufferPointer { put($0) }
        }
        needsComma = true
    }

    /// An unsigned integer in decimal, as `String(value)` writes it.
    mutating func integer<T: UnsignedInteger & FixedWidthInteger>(_ value: T) {
        separate()
        digits(UInt64(value))
    }

    /// A signed integer in decimal, as `String(value)` writes it.
    mutating func integer(_ value: Int) {
        separate()
        if value < 0 { put(UInt8(ascii: "-")) }
        digits(UInt64(value.magnitude))
    }

    /// The decimal digits of `value`, with no separator before them.
    private mutating func digits(_ value: UInt64) {
        var rest = value
        var digits = 1
        var scale: UInt64 = 10
        while digits < 20 && rest >= scale {
            digits += 1
            scale &*= 10
        }
        reserve(digits)
        for position in stride(from: count + digits - 1, through: count, by: -1) {
            storage[position] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
        count += digits
        needsComma = true
    }

    /// `"0x"` and the value in lowercase hex: `digits` wide with leading zeros, or as short as
    /// it goes when `digits` is nil (as `"0x" + String(value, radix: 16)`).
    mutating func hexString<T: UnsignedInteger & FixedWidthInteger>(_ value: T, digits: Int? = nil) {
        separate()
        let value = UInt64(value)
        let width = min(16, digits ?? max(1, (64 - value.leadingZeroBitCount + 3) / 4))
        reserve(width + 4)
        storage[count] = UInt8(ascii: "\"")
        storage[count + 1] = UInt8(ascii: "0")
        storage[count + 2] = UInt8(ascii: "x")
        count += 3
        for index in 0..<width {
            let shift = UInt64((width - 1 - index) * 4)
            storage[count + index] = JSONWriter.hexDigit(UInt8(truncatingIfNeeded: (value >> shift) & 0xF))
        }
        count += width
        storage[count] = UInt8(ascii: "\"")
        count += 1
        needsComma = true
    }

    /// Bytes as a string of lowercase hex, two digits each (as `JSONText.hex(_:)`).
    mutating func hexBytes(_ data: [UInt8]) {
        separate()
        reserve(data.count * 2 + 2)
        storage[count] = UInt8(ascii: "\"")
        count += 1
        for byte in data {
            storage[count] = JSONWriter.hexDigit(byte >> 4)
            storage[count + 1] = JSONWriter.hexDigit(byte & 0xF)
            count += 2
        }
        storage[count] = UInt8(ascii: "\"")
        count += 1
        needsComma = true
    }

    /// The lowercase hex digit of a nibble.
    @inline(__always)
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    /// The comma before a value in a container that has members already (not after a key).
    @inline(__always)
    private mutating func separate() {
        if afterKey {
            afterKey = false
        } else if needsComma {
            put(UInt8(ascii: ","))
        }
    }
}
