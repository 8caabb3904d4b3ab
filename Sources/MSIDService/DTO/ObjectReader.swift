import IRQModel

/// Strict reading of a JSON object: every member read by name, by type, with range checks;
/// `finish()` refuses members nobody read (so typos do not pass silently) and duplicates.
/// Errors name the field by JSON pointer.
struct ObjectReader {
    let pointer: String
    private let members: [String: JSONValue]
    private var read: Set<String> = []

    init(_ value: JSONValue, pointer: String = "") throws(RequestError) {
        guard case .object(let list) = value else {
            throw .wrongType(pointer: pointer.isEmpty ? "/" : pointer, expected: "object", found: value.typeName)
        }
        var members: [String: JSONValue] = [:]
        for member in list {
            guard members[member.key] == nil else { throw .duplicateMember(pointer: ObjectReader.child(pointer, member.key)) }
            members[member.key] = member.value
        }
        self.pointer = pointer
        self.members = members
    }

    /// RFC 6901 escaping of one reference token.
    static func child(_ pointer: String, _ key: String) -> String {
        var token = ""
        for character in key {
            switch character {
            case "~": token += "~0"
            case "/": token += "~1"
            default: token.append(character)
            }
        }
        return pointer + "/" + token
    }

    func path(_ key: String) -> String { ObjectReader.child(pointer, key) }

    /// The member's value; nil when absent (JSON null counts as absent).
    mutating func value(_ key: String) -> JSONValue? {
        read.insert(key)
        guard let value = members[key], value != .null else { return nil }
        return value
    }

    mutating func require(_ key: String) throws(RequestError) -> JSONValue {
        guard let value = value(key) else { throw missing(key) }
        return value
    }

    /// Refuses the first member (in sorted order) nobody read, suggesting the known member
    /// nearest to it when one is at most two edits away.
    /// The error for a required member that is absent: with the member the body has a typo
    /// away that nothing has read yet (likely a misspelling of it), when there is one.
    func missing(_ key: String) -> RequestError {
        let unread = Set(members.keys.filter { !read.contains($0) && members[$0] != .null })
        return .missingMember(pointer: path(key), nearby: ObjectReader.nearest(to: key, among: unread).map(path))
    }

    func finish() throws(RequestError) {
        if let unknown = members.keys.sorted().first(where: { !read.contains($0) }) {
            throw .unknownMember(pointer: path(unknown), suggestion: ObjectReader.nearest(to: unknown, among: read).map(path))
        }
    }

    /// The name in `known` with the fewest edits from `name` (Levenshtein, case-insensitive),
    /// when that is 1 or 2 and less than the name's length; ties go to the first in sorted order.
    /// - Complexity: O(known × name length × candidate length), on a handful of short names.
    static func nearest(to name: String, among known: Set<String>, maximum: Int = 2) -> String? {
        let target = Array(name.lowercased().unicodeScalars)
        var best: (name: String, distance: Int)?
        for candidate in known.sorted() {
            let distance = editDistance(target, Array(candidate.lowercased().unicodeScalars))
            guard distance <= maximum, distance < target.count, distance < (best?.distance ?? .max) else { continue }
            best = (candidate, distance)
        }
        return best?.name
    }

    /// Levenshtein distance (insertions, deletions, substitutions), one row at a time.
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    // MARK: Typed members

    mutating func string(_ key: String) throws(RequestError) -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let text) = value else { throw .wrongType(pointer: path(key), expected: "string", found: value.typeName) }
        return text
    }

    mutating func bool(_ key: String) throws(RequestError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .bool(let flag) = value else { throw .wrongType(pointer: path(key), expected: "boolean", found: value.typeName) }
        return flag
    }

    mutating func integer(_ key: String, in range: ClosedRange<Int64>) throws(RequestError) -> Int64? {
        guard let value = value(key) else { return nil }
        return try ObjectReader.integer(value, pointer: path(key), in: range)
    }

    static func integer(_ value: JSONValue, pointer: String, in range: ClosedRange<Int64>) throws(RequestError) -> Int64 {
        guard case .number(let text) = value else { throw .wrongType(pointer: pointer, expected: "integer", found: value.typeName) }
        guard let number = Int64(text) ?? integralValue(of: text) else {
            if text.contains(".") || text.lowercased().contains("e") {
                throw .wrongType(pointer: pointer, expected: "integer", found: "number with a fraction")
            }
            throw .invalidValue(pointer: pointer, reason: "\(text) is out of range \(range.lowerBound)...\(range.upperBound)")
        }
        guard range.contains(number) else {
            throw .invalidValue(pointer: pointer, reason: "\(number) is out of range \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }

    /// JSON Schema counts 666.0 and 6.66e2 as integers: accept a number written with a fraction
    /// or an exponent when its value is a whole number that a Double holds exactly (|n| < 2^53).
    static func integralValue(of text: String) -> Int64? {
        guard let double = Double(text), double.rounded() == double, abs(double) < 9_007_199_254_740_992 else { return nil }
        return Int64(double)
    }

    /// An address: a JSON integer or a "0x"-prefixed hex string (api.md).
    mutating func address(_ key: String) throws(RequestError) -> UInt64? {
        guard let value = value(key) else { return nil }
        switch value {
        case .number(let text):
            guard let number = UInt64(text) else {
                throw .invalidValue(pointer: path(key), reason: "\(text) is not an unsigned 64-bit integer")
            }
            return number
        case .string(let text):
            guard text.hasPrefix("0x") || text.hasPrefix("0X"), (3...18).contains(text.count),
                  let number = UInt64(text.dropFirst(2), radix: 16) else {
                throw .invalidValue(pointer: path(key), reason: "\"\(text)\" is not a 0x-prefixed hex address of at most 16 digits")
            }
            return number
        default:
            throw .wrongType(pointer: path(key), expected: "integer or hex string", found: value.typeName)
        }
    }

    mutating func cpuSet(_ key: String) throws(RequestError) -> CPUSet? {
        guard let text = try string(key) else { return nil }
        do { return try CPUSet(cpulist: text) } catch { throw .invalidValue(pointer: path(key), reason: error.reason) }
    }

    mutating func systemName(_ key: String) throws(RequestError) -> SystemName? {
        guard let text = try string(key) else { return nil }
        guard let name = SystemName(rawValue: text) else {
            throw .invalidValue(pointer: path(key), reason: "a name is 1-63 characters of a-z, 0-9 and '-', starting with a letter or digit")
        }
        return name
    }

    mutating func domainName(_ key: String) throws(RequestError) -> DomainName? {
        guard let text = try string(key) else { return nil }
        guard let name = DomainName(rawValue: text) else {
            throw .invalidValue(pointer: path(key), reason: "a name is 1-63 characters of a-z, 0-9 and '-', starting with a letter or digit")
        }
        return name
    }

    mutating func enumeration<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type) throws(RequestError) -> T? where T.RawValue == String {
        guard let text = try string(key) else { return nil }
        guard let value = T(rawValue: text) else {
            throw .invalidValue(pointer: path(key), reason: "\"\(text)\" is not one of \(T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
        }
        return value
    }
}
