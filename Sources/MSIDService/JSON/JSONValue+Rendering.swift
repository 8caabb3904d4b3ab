extension JSONValue {
    /// Compact JSON as UTF-8 bytes, object members sorted by key (stable bodies, comparable as
    /// text). Written straight into one byte buffer: this is on every response's path.
    var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        render(into: &out)
        return out
    }

    var text: String { String(decoding: bytes, as: UTF8.self) }

    private func render(into out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let value): out.append(contentsOf: (value ? "true" : "false").utf8)
        case .number(let text): out.append(contentsOf: text.utf8)
        case .string(let text): JSONText.append(text, to: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                element.render(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            let ordered = members.count < 2 ? members : members.sorted { $0.key < $1.key }
            for (index, member) in ordered.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONText.append(member.key, to: &out)
                out.append(UInt8(ascii: ":"))
                member.value.render(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func integer<T: BinaryInteger>(_ value: T) -> JSONValue { .number(String(value)) }

    /// A 64-bit value for people: "0x" and 16 lowercase hex digits.
    static func hex64(_ value: UInt64) -> JSONValue {
        .string(JSONText.hex(value, digits: 16))
    }

    static func optional(_ value: JSONValue?) -> JSONValue { value ?? .null }
}

/// Builds a JSON object member by member.
struct JSONObjectBuilder {
    private(set) var members: [(key: String, value: JSONValue)] = []
    mutating func set(_ key: String, _ value: JSONValue) { members.append((key, value)) }
    var value: JSONValue { .object(members) }
}

extension JSONValue {
    /// An object's member by key (the first, as a parser keeps order); nil for other values.
    func member(_ key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }
}
