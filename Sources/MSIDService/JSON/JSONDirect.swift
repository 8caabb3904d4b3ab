import IRQModel

/// The direct path around `Codable` for the bulk of a snapshot (IRQs and trail events: hundreds
/// of thousands of values whose containers, boxes and dynamic dispatch cost seconds).
///
/// A direct encoder writes exactly the bytes the value's `Encodable` conformance writes through
/// `JSONStreamEncoder` (tests hold the two to byte equality). A direct decoder reads only that
/// canonical form (members in their order, optional members absent rather than null) and gives
/// nil for anything else, and `JSONTreeDecoder` then decodes the value through `Decodable`,
/// which either accepts it or throws the precise error: the direct path changes the speed,
/// never what is accepted or what it decodes to.
protocol JSONDirectEncodable: Encodable {
    /// Writes the value as its `Encodable` conformance would.
    func writeJSON(to writer: inout JSONWriter)
}

/// See `JSONDirectEncodable`.
protocol JSONDirectDecodable: Decodable {
    /// The value, when `json` is in the canonical form; nil otherwise (never an error).
    init?(canonicalJSON json: JSONValue)
}

/// Reads an object's members in one expected order, the order its direct encoder writes them.
struct CanonicalObject {
    private let members: [(key: String, value: JSONValue)]
    private var position = 0

    /// Nil unless `json` is an object.
    init?(_ json: JSONValue) {
        guard case .object(let members) = json else { return nil }
        self.members = members
    }

    /// The next member's value if its key is `name` (the member is then consumed).
    mutating func next(_ name: String) -> JSONValue? {
        guard position < members.count, members[position].key == name else { return nil }
        defer { position += 1 }
        return members[position].value
    }

    /// An optional member, which the encoder leaves out when nil: `.some(nil)` when the next
    /// member is not `name`, `.some(value)` when it is and `read` accepts it, and nil when it
    /// is but `read` does not (the form is not canonical).
    mutating func optional<Value>(_ name: String, _ read: (JSONValue) -> Value?) -> Value?? {
        guard let json = next(name) else { return .some(nil) }
        guard let value = read(json) else { return nil }
        return .some(value)
    }

    /// Whether every member has been read.
    var isAtEnd: Bool { position == members.count }

    /// The single member of an object that holds one (the form of a synthesized enum case).
    var only: (key: String, value: JSONValue)? { members.count == 1 ? members[0] : nil }
}

extension JSONValue {
    /// An unsigned integer written as plain decimal digits that fits `Integer`; nil for
    /// anything else (a sign, a fraction, an exponent, an overflow), which `Integer(text)`,
    /// the `Decodable` path, then judges.
    func canonicalInteger<Integer: FixedWidthInteger & UnsignedInteger>(_: Integer.Type = Integer.self) -> Integer? {
        guard case .number(let text) = self else { return nil }
        var value: Integer = 0
        var digits = 0
        for byte in text.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (scaled, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, carry) = scaled.addingReportingOverflow(Integer(byte - UInt8(ascii: "0")))
            guard !overflow, !carry else { return nil }
            value = sum
            digits += 1
        }
        return digits > 0 ? value : nil
    }

    /// A CPU number (see `canonicalInteger`).
    var canonicalCPU: CPUID? { canonicalInteger(UInt32.self).map(CPUID.init(rawValue:)) }

    /// A signed machine integer (rare in the bulk: sizes and counts).
    var canonicalInt: Int? {
        guard case .number(let text) = self else { return nil }
        return Int(text)
    }

    var canonicalBool: Bool? {
        guard case .bool(let flag) = self else { return nil }
        return flag
    }

    var canonicalString: String? {
        guard case .string(let text) = self else { return nil }
        return text
    }

    /// Whether this is `{}`, the payload of an enum case without associated values.
    var isEmptyObject: Bool {
        guard case .object(let members) = self else { return false }
        return members.isEmpty
    }
}
