/// Decodes a `Decodable` value from a parsed `JSONValue` (msid's strict parser), the inverse of
/// `JSONStreamEncoder`. Errors are `DecodingError`s whose coding path names the bad member.
///
/// Objects look members up by a linear scan while small and through an index built once when
/// they have more than `JSONTreeKeyedContainer.indexThreshold` members, so decoding is linear
/// in the document for any shape.
enum JSONTreeDecoder {
    /// `direct: false` decodes everything through `Decodable` (tests and the codec benchmark
    /// compare the two paths).
    static func decode<Value: Decodable>(_ type: Value.Type, from value: JSONValue, direct: Bool = true) throws -> Value {
        try decodeValue(type, from: value, node: .root, direct: direct)
    }

    /// Every nested value goes through here: a `JSONDirectDecodable` type in its canonical form
    /// is read directly; anything else (or a non-canonical form) through `Decodable`.
    static func decodeValue<Value: Decodable>(_ type: Value.Type, from value: JSONValue, node: JSONCodingPathNode,
                                              direct: Bool) throws -> Value {
        if direct, let directType = Value.self as? any JSONDirectDecodable.Type,
           let decoded = directType.init(canonicalJSON: value) as? Value {
            return decoded
        }
        return try Value(from: JSONTreeValueDecoder(value: value, node: node, direct: direct))
    }
}

/// A coding path built only when an error needs it: one node per nested value, shared by its
/// children, instead of an array copied at every level.
indirect enum JSONCodingPathNode {
    case root
    case key(any CodingKey, JSONCodingPathNode)

    var path: [any CodingKey] {
        var keys: [any CodingKey] = []
        var node = self
        while case .key(let key, let parent) = node {
            keys.append(key)
            node = parent
        }
        return keys.reversed()
    }

    func appending(_ key: any CodingKey) -> JSONCodingPathNode { .key(key, self) }
}

/// The `Decoder` handed to one value.
struct JSONTreeValueDecoder: Decoder {
    let value: JSONValue
    let node: JSONCodingPathNode
    /// Whether `JSONDirectDecodable` values take their direct path.
    let direct: Bool
    var codingPath: [any CodingKey] { node.path }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw mismatch("an object", value, node) }
        return KeyedDecodingContainer(JSONTreeKeyedContainer<Key>(members: members, node: node, direct: direct))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = value else { throw mismatch("an array", value, node) }
        return JSONTreeUnkeyedContainer(elements: elements, node: node, direct: direct)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        JSONTreeSingleValueContainer(value: value, node: node, direct: direct)
    }
}

/// The scalar conversions every container shares; the coding path is built only on failure.
enum JSONTreeScalar {
    static func bool(_ value: JSONValue, _ node: @autoclosure () -> JSONCodingPathNode) throws -> Bool {
        guard case .bool(let flag) = value else { throw mismatch("a boolean", value, node()) }
        return flag
    }

    static func string(_ value: JSONValue, _ node: @autoclosure () -> JSONCodingPathNode) throws -> String {
        guard case .string(let text) = value else { throw mismatch("a string", value, node()) }
        return text
    }

    static func integer<Integer: FixedWidthInteger>(_ value: JSONValue, _ node: @autoclosure () -> JSONCodingPathNode) throws -> Integer {
        guard case .number(let text) = value else { throw mismatch("an integer", value, node()) }
        guard let integer = Integer(text) else {
            throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: node().path, debugDescription: "\(text) is not a \(Integer.self)"))
        }
        return integer
    }

    static func double(_ value: JSONValue, _ node: @autoclosure () -> JSONCodingPathNode) throws -> Double {
        guard case .number(let text) = value, let double = Double(text) else { throw mismatch("a number", value, node()) }
        return double
    }
}

private func mismatch(_ expected: String, _ value: JSONValue, _ node: JSONCodingPathNode) -> DecodingError {
    DecodingError.typeMismatch(Any.self, DecodingError.Context(codingPath: node.path, debugDescription: "expected \(expected), found \(value.typeName)"))
}

/// A key for coding paths inside arrays.
private struct IndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { intValue.map(String.init) ?? "" }
    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}

struct JSONTreeKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    /// Objects with more members than this get a key index.
    static var indexThreshold: Int { 12 }

    let members: [(key: String, value: JSONValue)]
    let node: JSONCodingPathNode
    let direct: Bool
    private let index: [String: Int]?

    init(members: [(key: String, value: JSONValue)], node: JSONCodingPathNode, direct: Bool) {
        self.members = members
        self.node = node
        self.direct = direct
        if members.count > Self.indexThreshold {
            var index: [String: Int] = [:]
            index.reserveCapacity(members.count)
            for (position, member) in members.enumerated() where index[member.key] == nil { index[member.key] = position }
            self.index = index
        } else {
            self.index = nil
        }
    }

    var codingPath: [any CodingKey] { node.path }
    var allKeys: [Key] { members.compactMap { Key(stringValue: $0.key) } }

    private func lookup(_ name: String) -> JSONValue? {
        if let index { return index[name].map { members[$0].value } }
        return members.first { $0.key == name }?.value
    }

    private func required(_ key: Key) throws -> JSONValue {
        guard let value = lookup(key.stringValue) else {
            throw DecodingError.keyNotFound(key, DecodingError.Context(codingPath: codingPath, debugDescription: "no member \"\(key.stringValue)\""))
        }
        return value
    }

    func contains(_ key: Key) -> Bool { lookup(key.stringValue) != nil }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard case .null = try required(key) else { return false }
        return true
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try JSONTreeScalar.bool(required(key), node.appending(key)) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try JSONTreeScalar.string(required(key), node.appending(key)) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try JSONTreeScalar.double(required(key), node.appending(key)) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try JSONTreeScalar.double(required(key), node.appending(key))) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try JSONTreeScalar.integer(required(key), node.appending(key)) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try JSONTreeScalar.integer(required(key), node.appending(key)) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try JSONTreeScalar.integer(required(key), node.appending(key)) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try JSONTreeScalar.integer(required(key), node.appending(key)) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try JSONTreeScalar.integer(required(key), node.appending(key)) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try JSONTreeScalar.integer(required(key), node.appending(key)) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try JSONTreeScalar.integer(required(key), node.appending(key)) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try JSONTreeScalar.integer(required(key), node.appending(key)) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try JSONTreeScalar.integer(required(key), node.appending(key)) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try JSONTreeScalar.integer(required(key), node.appending(key)) }

    func decode<Value: Decodable>(_ type: Value.Type, forKey key: Key) throws -> Value {
        try JSONTreeDecoder.decodeValue(type, from: required(key), node: node.appending(key), direct: direct)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try JSONTreeValueDecoder(value: required(key), node: node.appending(key), direct: direct).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try JSONTreeValueDecoder(value: required(key), node: node.appending(key), direct: direct).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        JSONTreeValueDecoder(value: lookup("super") ?? .null, node: node, direct: direct)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        JSONTreeValueDecoder(value: lookup(key.stringValue) ?? .null, node: node.appending(key), direct: direct)
    }
}

struct JSONTreeUnkeyedContainer: UnkeyedDecodingContainer {
    let elements: [JSONValue]
    let node: JSONCodingPathNode
    let direct: Bool
    private(set) var currentIndex = 0

    init(elements: [JSONValue], node: JSONCodingPathNode, direct: Bool) {
        self.elements = elements
        self.node = node
        self.direct = direct
    }

    var codingPath: [any CodingKey] { node.path }
    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    /// The next element and the path node of its position.
    private mutating func next() throws -> JSONValue {
        guard currentIndex < elements.count else {
            throw DecodingError.valueNotFound(Any.self, DecodingError.Context(codingPath: codingPath, debugDescription: "the array has only \(elements.count) elements"))
        }
        defer { currentIndex += 1 }
        return elements[currentIndex]
    }

    /// The path node of the element `next()` returned last.
    private var here: JSONCodingPathNode { node.appending(IndexKey(currentIndex - 1)) }

    mutating func decodeNil() throws -> Bool {
        guard currentIndex < elements.count, case .null = elements[currentIndex] else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { let value = try next(); return try JSONTreeScalar.bool(value, here) }
    mutating func decode(_ type: String.Type) throws -> String { let value = try next(); return try JSONTreeScalar.string(value, here) }
    mutating func decode(_ type: Double.Type) throws -> Double { let value = try next(); return try JSONTreeScalar.double(value, here) }
    mutating func decode(_ type: Float.Type) throws -> Float { let value = try next(); return Float(try JSONTreeScalar.double(value, here)) }
    mutating func decode(_ type: Int.Type) throws -> Int { let value = try next(); return try JSONTreeScalar.integer(value, here) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { let value = try next(); return try JSONTreeScalar.integer(value, here) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { let value = try next(); return try JSONTreeScalar.integer(value, here) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { let value = try next(); return try JSONTreeScalar.integer(value, here) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { let value = try next(); return try JSONTreeScalar.integer(value, here) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { let value = try next(); return try JSONTreeScalar.integer(value, here) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { let value = try next(); return try JSONTreeScalar.integer(value, here) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { let value = try next(); return try JSONTreeScalar.integer(value, here) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { let value = try next(); return try JSONTreeScalar.integer(value, here) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { let value = try next(); return try JSONTreeScalar.integer(value, here) }

    mutating func decode<Value: Decodable>(_ type: Value.Type) throws -> Value {
        let value = try next()
        return try JSONTreeDecoder.decodeValue(type, from: value, node: here, direct: direct)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let value = try next()
        return try JSONTreeValueDecoder(value: value, node: here, direct: direct).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let value = try next()
        return try JSONTreeValueDecoder(value: value, node: here, direct: direct).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let value = try next()
        return JSONTreeValueDecoder(value: value, node: here, direct: direct)
    }
}

struct JSONTreeSingleValueContainer: SingleValueDecodingContainer {
    let value: JSONValue
    let node: JSONCodingPathNode
    let direct: Bool
    var codingPath: [any CodingKey] { node.path }

    func decodeNil() -> Bool {
        guard case .null = value else { return false }
        return true
    }

    func decode(_ type: Bool.Type) throws -> Bool { try JSONTreeScalar.bool(value, node) }
    func decode(_ type: String.Type) throws -> String { try JSONTreeScalar.string(value, node) }
    func decode(_ type: Double.Type) throws -> Double { try JSONTreeScalar.double(value, node) }
    func decode(_ type: Float.Type) throws -> Float { Float(try JSONTreeScalar.double(value, node)) }
    func decode(_ type: Int.Type) throws -> Int { try JSONTreeScalar.integer(value, node) }
    func decode(_ type: Int8.Type) throws -> Int8 { try JSONTreeScalar.integer(value, node) }
    func decode(_ type: Int16.Type) throws -> Int16 { try JSONTreeScalar.integer(value, node) }
    func decode(_ type: Int32.Type) throws -> Int32 { try JSONTreeScalar.integer(value, node) }
    func decode(_ type: Int64.Type) throws -> Int64 { try JSONTreeScalar.integer(value, node) }
    func decode(_ type: UInt.Type) throws -> UInt { try JSONTreeScalar.integer(value, node) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try JSONTreeScalar.integer(value, node) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try JSONTreeScalar.integer(value, node) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try JSONTreeScalar.integer(value, node) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try JSONTreeScalar.integer(value, node) }

    func decode<Value: Decodable>(_ type: Value.Type) throws -> Value {
        try JSONTreeDecoder.decodeValue(type, from: value, node: node, direct: direct)
    }
}
