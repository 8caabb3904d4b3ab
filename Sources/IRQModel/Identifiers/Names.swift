/// The validation rule shared by system and domain names (api.md): 1 to 63 characters of
/// `[a-z0-9-]`, starting with a letter or a digit.
enum NameRule {
    static let maximumLength = 63

    /// Why `text` is not a valid name, or nil when it is.
    static func violation(in text: String) -> String? {
        let bytes = Array(text.utf8)
        if bytes.isEmpty { return "must not be empty" }
        if bytes.count > maximumLength { return "is \(bytes.count) characters long; at most \(maximumLength) are allowed" }
        for (offset, byte) in bytes.enumerated() {
            let isLower = byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")
            let isDigit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
            let isDash = byte == UInt8(ascii: "-")
            if offset == 0 && isDash { return "must start with a lowercase letter or a digit" }
            if !(isLower || isDigit || isDash) {
                return "may contain only lowercase letters, digits and '-' (offending character at offset \(offset))"
            }
        }
        return nil
    }

    /// Hashes a valid name by its UTF-8 bytes. A valid name is ASCII, so its bytes are its
    /// canonical form: two names are equal exactly when their bytes are, and hashing the bytes
    /// agrees with `==` without the Unicode normalization of `String.hash(into:)` (names are
    /// hashed on every command, to find the system and the domain).
    static func hash(_ name: String, into hasher: inout Hasher) {
        let hashed: Void? = name.utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        if hashed == nil {
            // The same byte stream, one byte at a time (a bridged, non-contiguous string).
            for byte in name.utf8 { hasher.combine(byte) }
        }
    }
}

/// The name of a system (a machine). Invariant: satisfies `NameRule`.
public struct SystemName: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    /// Accepts only valid names; returns nil otherwise (Codable and tests).
    public init?(rawValue: String) {
        guard NameRule.violation(in: rawValue) == nil else { return nil }
        self.rawValue = rawValue
    }
    /// Validates `text`, throwing `ModelError.invalidName` with the reason.
    public init(validating text: String) throws(ModelError) {
        if let reason = NameRule.violation(in: text) { throw .invalidName(kind: .system, name: text, reason: reason) }
        self.rawValue = text
    }
    public static func < (lhs: SystemName, rhs: SystemName) -> Bool { lhs.rawValue < rhs.rawValue }
    public static func == (lhs: SystemName, rhs: SystemName) -> Bool { lhs.rawValue == rhs.rawValue }
    public func hash(into hasher: inout Hasher) { NameRule.hash(rawValue, into: &hasher) }
    public var description: String { rawValue }
}

/// The name of a domain, unique within its system. Invariant: satisfies `NameRule`.
public struct DomainName: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init?(rawValue: String) {
        guard NameRule.violation(in: rawValue) == nil else { return nil }
        self.rawValue = rawValue
    }
    public init(validating text: String) throws(ModelError) {
        if let reason = NameRule.violation(in: text) { throw .invalidName(kind: .domain, name: text, reason: reason) }
        self.rawValue = text
    }
    public static func < (lhs: DomainName, rhs: DomainName) -> Bool { lhs.rawValue < rhs.rawValue }
    public static func == (lhs: DomainName, rhs: DomainName) -> Bool { lhs.rawValue == rhs.rawValue }
    public func hash(into hasher: inout Hasher) { NameRule.hash(rawValue, into: &hasher) }
    public var description: String { rawValue }
}
