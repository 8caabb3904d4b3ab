extension JSONValue {
    /// Compact JSON text with object members sorted by key (stable bodies, comparable as text).
    var text: String {
        var out = ""
        render(into: &out)
        return out
    }

    var bytes: [UInt8] { Array(text.utf8) }

    private func render(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .number(let text): out += text
        case .string(let text): out += JSONText.string(text)
        case .array(let elements):
            out += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { out += "," }
                element.render(into: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (index, member) in members.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { out += "," }
                out += JSONText.string(member.key)
                out += ":"
                member.value.render(into: &out)
            }
            out += "}"
        }
    }

    static func integer<T: BinaryInteger>(_ value: T) -> JSONValue { .number(String(value)) }

    /// A 64-bit value for people: "0x" and 16 lowercase hex digits.
    static func hex64(_ value: UInt64) -> JSONValue {
        let digits = String(value, radix: 16)
        return .string("0x" + String(repeating: "0", count: 16 - digits.count) + digits)
    }

    static func optional(_ value: JSONValue?) -> JSONValue { value ?? .null }
}

/// Builds a JSON object member by member.
struct JSONObjectBuilder {
    private(set) var members: [(key: String, value: JSONValue)] = []
    mutating func set(_ key: String, _ value: JSONValue) { members.append((key, value)) }
    var value: JSONValue { .object(members) }
}
