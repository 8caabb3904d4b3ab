/// The bearer tokens of a token file, each with its role. The file has one `ROLE TOKEN` line
/// per token (`read`, `write` or `admin`, then the token, separated by blanks); blank lines and
/// lines starting with `#` are skipped. A token is 16 to 512 characters of RFC 6750's
/// `b64token` set (`A-Z a-z 0-9 - . _ ~ + /`, then any `=`) and appears once.
public struct AccessTokens: Sendable {
    struct Entry: Sendable {
        let role: Role
        let token: [UInt8]
    }

    let entries: [Entry]

    /// Why a token file was refused (with the line, never the token).
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let line: Int
        public let reason: String
        public var description: String { line == 0 ? reason : "line \(line): \(reason)" }
    }

    public static let minimumLength = 16
    public static let maximumLength = 512

    public init(parsing text: String) throws(Failure) {
        var entries: [Entry] = []
        // `\r\n` is one Character (a newline), so CRLF files split like LF ones.
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let first = fields.first, !first.hasPrefix("#") else { continue }
            let number = index + 1
            guard fields.count == 2 else {
                throw Failure(line: number, reason: "expected `ROLE TOKEN`, found \(fields.count) fields")
            }
            guard let role = Role(rawValue: String(first)) else {
                throw Failure(line: number, reason: "unknown role \"\(first)\" (read, write or admin)")
            }
            let token = Array(fields[1].utf8)
            guard (AccessTokens.minimumLength...AccessTokens.maximumLength).contains(token.count) else {
                throw Failure(line: number, reason: "a token has \(AccessTokens.minimumLength) to \(AccessTokens.maximumLength) characters, this one \(token.count)")
            }
            guard AccessTokens.isB64Token(token) else {
                throw Failure(line: number, reason: "a token has only the characters A-Z a-z 0-9 - . _ ~ + / and trailing =")
            }
            guard !entries.contains(where: { $0.token == token }) else {
                throw Failure(line: number, reason: "this token is already listed")
            }
            entries.append(Entry(role: role, token: token))
        }
        guard !entries.isEmpty else { throw Failure(line: 0, reason: "the token file lists no token") }
        self.entries = entries
    }

    /// Tokens per role, for the log (never the tokens themselves).
    public var summary: String {
        Role.allCases.map { role in "\(entries.filter { $0.role == role }.count) \(role.rawValue)" }.joined(separator: ", ")
    }

    /// The role of `candidate`, or nil. Every token is compared in full, in constant time, and
    /// the match is selected without a branch on it, so the time depends on the configured
    /// tokens only, not on the candidate or on which token (if any) it matches.
    func role(of candidate: ArraySlice<UInt8>) -> Role? {
        var matched = -1
        for (index, entry) in entries.enumerated() {
            let equal = ConstantTime.equals(entry.token, candidate)
            let mask = equal ? ~0 : 0  // select without a branch on which entry matched
            matched = (index & mask) | (matched & ~mask)
        }
        return matched < 0 ? nil : entries[matched].role
    }

    static func isB64Token(_ token: [UInt8]) -> Bool {
        var index = 0
        while index < token.count, isTokenCharacter(token[index]) { index += 1 }
        guard index > 0 else { return false }
        while index < token.count, token[index] == UInt8(ascii: "=") { index += 1 }
        return index == token.count
    }

    private static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "+"), UInt8(ascii: "/"):
            true
        default:
            false
        }
    }
}
