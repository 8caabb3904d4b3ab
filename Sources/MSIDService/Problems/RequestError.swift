/// Why a request was refused before it reached the model. Fields are named by JSON pointer
/// (RFC 6901) into the request body, or by parameter name for the path and query.
enum RequestError: Error, Hashable, Sendable {
    case unsupportedMediaType(found: String?)
    case malformedJSON(offset: Int, reason: String)
    case missingMember(pointer: String)
    case unknownMember(pointer: String)
    case duplicateMember(pointer: String)
    case wrongType(pointer: String, expected: String, found: String)
    /// The value has the right type but is not acceptable (range, syntax, enumeration).
    case invalidValue(pointer: String, reason: String)
    /// A path or query parameter is not acceptable.
    case invalidParameter(name: String, reason: String)
}
