/// Why a request was refused before it reached the model. Fields are named by JSON pointer
/// (RFC 6901) into the request body, or by parameter name for the path and query.
enum RequestError: Error, Hashable, Sendable {
    case unsupportedMediaType(found: String?)
    case malformedJSON(offset: Int, reason: String)
    /// A required member is absent; `nearby` is the pointer of a member the body has instead
    /// a typo away (a likely misspelling of it).
    case missingMember(pointer: String, nearby: String? = nil)
    /// A member nobody reads; `suggestion` is the pointer of a known member a typo away.
    case unknownMember(pointer: String, suggestion: String? = nil)
    case duplicateMember(pointer: String)
    case wrongType(pointer: String, expected: String, found: String)
    /// The value has the right type but is not acceptable (range, syntax, enumeration).
    case invalidValue(pointer: String, reason: String)
    /// A path or query parameter is not acceptable.
    case invalidParameter(name: String, reason: String)
}
