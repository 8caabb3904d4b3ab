/// Encodes an `Encodable` value straight to JSON bytes, with no intermediate tree: the snapshot
/// of a 100,000-IRQ world is tens of megabytes, and Foundation's `JSONEncoder` (a tree, then
/// text) spends seconds on it.
///
/// Codable never says when a container is finished, so the writer keeps the stack of open
/// containers and closes every container deeper than the one being written to before it
/// writes (and all of them at the end). That is exact for values that use their containers one
/// after the other, as synthesized conformances and msid's own do; a value that wrote to an
/// outer container while an inner one was still in use would be written out of order.
///
/// Keys are written in the order the value encodes them (not sorted): equal values encode to
/// equal bytes because every msid type encodes deterministically.
///
/// A value that is `JSONDirectEncodable` writes its own bytes (the same bytes), without
/// containers: the snapshot's IRQs and events.
enum JSONStreamEncoder {
    /// The JSON text of `value`. `direct: false` encodes everything through `Encodable` (tests
    /// and the codec benchmark compare the two paths).
    /// The text follows `prefix` in the returned bytes (a snapshot's envelope, without
    /// copying tens of megabytes behind it afterwards).
    static func encode<Value: Encodable>(_ value: Value, direct: Bool = true, after prefix: [UInt8] = []) throws -> [UInt8] {
        let writer = JSONStreamWriter(direct: direct, prefix: prefix)
        try writer.encodeValue(value, depth: 0)
        writer.close(to: 0)
        return writer.bytes
    }
}

/// The byte buffer and the stack of open containers shared by every encoder and container of
/// one `JSONStreamEncoder.encode` call.
final class JSONStreamWriter {
    var bytes: [UInt8] = []
    /// Open containers, innermost last: `true` for an object, `false` for an array.
    private var open: [Bool] = []
    /// Whether the innermost open container has a member yet (parallel to `open`).
    private var hasMembers: [Bool] = []
    /// Where `JSONDirectEncodable` values are written before their bytes are appended.
    private var scratch = JSONWriter(capacity: 4096)
    /// Whether `JSONDirectEncodable` values take their direct path.
    private let direct: Bool

    init(direct: Bool, prefix: [UInt8]) {
        self.direct = direct
        bytes = prefix
        bytes.reserveCapacity(4096)
    }

    /// Closes every container deeper than `depth` (the number of containers that stay open).
    func close(to depth: Int) {
        while open.count > depth {
            bytes.append(open.removeLast() ? UInt8(ascii: "}") : UInt8(ascii: "]"))
            hasMembers.removeLast()
        }
    }

    /// Opens an object or an array at `depth` (after closing deeper ones).
    func openContainer(object: Bool) {
        bytes.append(object ? UInt8(ascii: "{") : UInt8(ascii: "["))
        open.append(object)
        hasMembers.append(false)
    }

    /// Starts a member of the container at `depth - 1`: closes deeper containers, writes the
    /// separating comma and, for an object, the key.
    func beginMember(depth: Int, key: String?) {
        close(to: depth)
        if hasMembers[depth - 1] { bytes.append(UInt8(ascii: ",")) } else { hasMembers[depth - 1] = true }
        if let key {
            JSONText.append(key, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
        }
    }

    /// Writes `value` whose containers will open at `depth`; a value that writes nothing
    /// becomes `{}` (as Foundation writes it).
    func encodeValue<Value: Encodable>(_ value: Value, depth: Int) throws {
        if direct, let directValue = value as? any JSONDirectEncodable {
            scratch.reset()
            directValue.writeJSON(to: &scratch)
            scratch.withBytes { bytes.append(contentsOf: $0) }
            return
        }
        let before = bytes.count
        try value.encode(to: JSONStreamValueEncoder(writer: self, depth: depth))
        if bytes.count == before { bytes.append(contentsOf: [UInt8(ascii: "{"), UInt8(ascii: "}")]) }
    }

    func writeNull() { bytes.append(contentsOf: "null".utf8) }
    func write(_ value: Bool) { bytes.append(contentsOf: value ? "true".utf8 : "false".utf8) }
    func write(_ value: String) { JSONText.append(value, to: &bytes) }

    func write<Integer: BinaryInteger>(_ value: Integer) {
        if value == 0 {
            bytes.append(UInt8(ascii: "0"))
            return
        }
        var magnitude = value.magnitude
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        let start = bytes.count
        while magnitude > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: magnitude % 10))
            magnitude /= 10
        }
        bytes[start...].reverse()
    }

    func write(_ value: Double) throws {
        guard value.isFinite else {
            throw EncodingError.invalidValue(value, EncodingError.Context(codingPath: [], debugDescription: "JSON has no \(value)"))
        }
        bytes.append(contentsOf: "\(value)".utf8)
    }
}

/// The `Encoder` handed to one value: its containers open at `depth`.
struct JSONStreamValueEncoder: Encoder {
    let writer: JSONStreamWriter
    let depth: Int
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        writer.close(to: depth)
        writer.openContainer(object: true)
        return KeyedEncodingContainer(JSONStreamKeyedContainer<Key>(writer: writer, depth: depth + 1))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        writer.close(to: depth)
        writer.openContainer(object: false)
        return JSONStreamUnkeyedContainer(writer: writer, depth: depth + 1)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        JSONStreamSingleValueContainer(writer: writer, depth: depth)
    }
}

/// An object being written; `depth` counts the open containers including this one.
struct JSONStreamKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let writer: JSONStreamWriter
    let depth: Int
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil(forKey key: Key) throws { writer.beginMember(depth: depth, key: key.stringValue); writer.writeNull() }
    mutating func encode(_ value: Bool, forKey key: Key) throws { writer.beginMember(depth: depth, key: key.stringValue); writer.write(value) }
    mutating func encode(_ value: String, forKey key: Key) throws { writer.beginMember(depth: depth, key: key.stringValue); writer.write(value) }
    mutating func encode(_ value: Double, forKey key: Key) throws { writer.beginMember(depth: depth, key: key.stringValue); try writer.write(value) }
    mutating func encode(_ value: Float, forKey key: Key) throws { writer.beginMember(depth: depth, key: key.stringValue); try writer.write(Double(value)) }
    mutating func encode(_ value: Int, forKey key: Key) throws { writer.beginMember(depth: depth, key: key.stringValue); writer.write(value) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { writer.beginMember(depth: depth, key: key.stringValue); writer.write(value) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { writer.beginMember(depth: depth, key: key.stringValue); writer.write(value) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { writer.beginMember(depth: depth, key: key.stringValue); writer.write(value) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { writer.beginMember(depth: depth, key: key.stringValue); writer.write(value) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { writer.beginMember(depth: depth, key: key.stringValue); writer.write(value) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { writer.beginMember(depth: depth, key: key.stringValue); writer.write(value) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { writer.beginMember(depth: depth, key: key.stringValue); writer.write(value) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { writer.beginMember(depth: depth, key: key.stringValue); writer.write(value) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { writer.beginMember(depth: depth, key: key.stringValue); writer.write(value) }

    mutating func encode<Value: Encodable>(_ value: Value, forKey key: Key) throws {
        writer.beginMember(depth: depth, key: key.stringValue)
        try writer.encodeValue(value, depth: depth)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        writer.beginMember(depth: depth, key: key.stringValue)
        writer.openContainer(object: true)
        return KeyedEncodingContainer(JSONStreamKeyedContainer<NestedKey>(writer: writer, depth: depth + 1))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        writer.beginMember(depth: depth, key: key.stringValue)
        writer.openContainer(object: false)
        return JSONStreamUnkeyedContainer(writer: writer, depth: depth + 1)
    }

    mutating func superEncoder() -> any Encoder {
        writer.beginMember(depth: depth, key: "super")
        return JSONStreamValueEncoder(writer: writer, depth: depth)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        writer.beginMember(depth: depth, key: key.stringValue)
        return JSONStreamValueEncoder(writer: writer, depth: depth)
    }
}

/// An array being written; `depth` counts the open containers including this one.
struct JSONStreamUnkeyedContainer: UnkeyedEncodingContainer {
    let writer: JSONStreamWriter
    let depth: Int
    private(set) var count = 0
    var codingPath: [any CodingKey] { [] }

    init(writer: JSONStreamWriter, depth: Int) {
        self.writer = writer
        self.depth = depth
    }

    private mutating func begin() {
        writer.beginMember(depth: depth, key: nil)
        count += 1
    }

    mutating func encodeNil() throws { begin(); writer.writeNull() }
    mutating func encode(_ value: Bool) throws { begin(); writer.write(value) }
    mutating func encode(_ value: String) throws { begin(); writer.write(value) }
    mutating func encode(_ value: Double) throws { begin(); try writer.write(value) }
    mutating func encode(_ value: Float) throws { begin(); try writer.write(Double(value)) }
    mutating func encode(_ value: Int) throws { begin(); writer.write(value) }
    mutating func encode(_ value: Int8) throws { begin(); writer.write(value) }
    mutating func encode(_ value: Int16) throws { begin(); writer.write(value) }
    mutating func encode(_ value: Int32) throws { begin(); writer.write(value) }
    mutating func encode(_ value: Int64) throws { begin(); writer.write(value) }
    mutating func encode(_ value: UInt) throws { begin(); writer.write(value) }
    mutating func encode(_ value: UInt8) throws { begin(); writer.write(value) }
    mutating func encode(_ value: UInt16) throws { begin(); writer.write(value) }
    mutating func encode(_ value: UInt32) throws { begin(); writer.write(value) }
    mutating func encode(_ value: UInt64) throws { begin(); writer.write(value) }

    mutating func encode<Value: Encodable>(_ value: Value) throws {
        begin()
        try writer.encodeValue(value, depth: depth)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        begin()
        writer.openContainer(object: true)
        return KeyedEncodingContainer(JSONStreamKeyedContainer<NestedKey>(writer: writer, depth: depth + 1))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        begin()
        writer.openContainer(object: false)
        return JSONStreamUnkeyedContainer(writer: writer, depth: depth + 1)
    }

    mutating func superEncoder() -> any Encoder {
        begin()
        return JSONStreamValueEncoder(writer: writer, depth: depth)
    }
}

/// One scalar (or a value that forwards to its own encoding, as a `RawRepresentable` does).
struct JSONStreamSingleValueContainer: SingleValueEncodingContainer {
    let writer: JSONStreamWriter
    let depth: Int
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil() throws { writer.close(to: depth); writer.writeNull() }
    mutating func encode(_ value: Bool) throws { writer.close(to: depth); writer.write(value) }
    mutating func encode(_ value: String) throws { writer.close(to: depth); writer.write(value) }
    mutating func encode(_ value: Double) throws { writer.close(to: depth); try writer.write(value) }
    mutating func encode(_ value: Float) throws { writer.close(to: depth); try writer.write(Double(value)) }
    mutating func encode(_ value: Int) throws { writer.close(to: depth); writer.write(value) }
    mutating func encode(_ value: Int8) throws { writer.close(to: depth); writer.write(value) }
    mutating func encode(_ value: Int16) throws { writer.close(to: depth); writer.write(value) }
    mutating func encode(_ value: Int32) throws { writer.close(to: depth); writer.write(value) }
    mutating func encode(_ value: Int64) throws { writer.close(to: depth); writer.write(value) }
    mutating func encode(_ value: UInt) throws { writer.close(to: depth); writer.write(value) }
    mutating func encode(_ value: UInt8) throws { writer.close(to: depth); writer.write(value) }
    mutating func encode(_ value: UInt16) throws { writer.close(to: depth); writer.write(value) }
    mutating func encode(_ value: UInt32) throws { writer.close(to: depth); writer.write(value) }
    mutating func encode(_ value: UInt64) throws { writer.close(to: depth); writer.write(value) }

    mutating func encode<Value: Encodable>(_ value: Value) throws {
        writer.close(to: depth)
        try writer.encodeValue(value, depth: depth)
    }
}
