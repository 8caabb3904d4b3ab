import MicroHTTP
import Synchronization

/// Decides whether a request may go on: the configured tokens (replaceable at run time, on
/// SIGHUP), or none at all when msid runs without tokens.
public final class Authenticator: Sendable {
    /// The outcome for one request.
    enum Decision: Equatable {
        case allowed
        /// No `Authorization: Bearer` header, or an unknown token.
        case unauthenticated(invalidToken: Bool)
        /// A known token whose role is below the one the request needs.
        case forbidden(role: Role, required: Role)
    }

    private let tokens: Mutex<AccessTokens?>

    /// `nil`: every request is allowed (no tokens configured).
    public init(tokens: AccessTokens?) {
        self.tokens = Mutex(tokens)
    }

    /// Whether tokens are configured.
    public var isEnabled: Bool { tokens.withLock { $0 != nil } }

    /// Replaces the tokens (a re-read token file); requests after this see only the new ones.
    public func replace(with newTokens: AccessTokens) {
        tokens.withLock { $0 = newTokens }
    }

    /// The decision for a request that needs `required`.
    func decide(_ request: HTTPRequest, required: Role) -> Decision {
        guard let current = tokens.withLock({ $0 }) else { return .allowed }
        guard let header = request.headers["Authorization"], let candidate = Authenticator.bearerToken(header) else {
            return .unauthenticated(invalidToken: false)
        }
        guard let role = current.role(of: candidate) else { return .unauthenticated(invalidToken: true) }
        return role >= required ? .allowed : .forbidden(role: role, required: required)
    }

    /// The token of an `Authorization: Bearer TOKEN` header (scheme case-insensitive, RFC 9110
    /// §11.1), or nil.
    static func bearerToken(_ header: String) -> ArraySlice<UInt8>? {
        let bytes = Array(header.utf8)
        let scheme = Array("bearer ".utf8)
        guard bytes.count > scheme.count,
              zip(bytes, scheme).allSatisfy({ $1 == UInt8(ascii: " ") ? $0 == $1 : ($0 | 0x20) == $1 }) else { return nil }
        var token = bytes[scheme.count...]
        while token.first == UInt8(ascii: " ") { token = token.dropFirst() }
        while token.last == UInt8(ascii: " ") { token = token.dropLast() }
        return token.isEmpty ? nil : token
    }
}
