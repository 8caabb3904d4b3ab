import MicroHTTP

/// An RFC 9457 problem details object: `type` (`/problems/<slug>`, stable per kind), a fixed
/// `title`, the `status`, a `detail` about this occurrence, and extension members with the
/// facts (`requested`, `available`, `pointer`, ...). Encoded with sorted keys, so bodies can be
/// compared as text.
struct Problem: Sendable, Equatable {
    /// The base of every problem type URI (a path reference, RFC 9457 §3.1.1); the slug follows.
    static let typeBase = "/problems/"

    let type: ProblemType
    let detail: String
    var extensions: [(key: String, value: JSONValue)] = []

    init(_ type: ProblemType, _ detail: String, _ extensions: [(key: String, value: JSONValue)] = []) {
        self.type = type
        self.detail = detail
        self.extensions = extensions
    }

    static func == (lhs: Problem, rhs: Problem) -> Bool { lhs.type == rhs.type && lhs.json == rhs.json }

    var json: JSONValue {
        .object([
            ("type", .string(Problem.typeBase + type.rawValue)),
            ("title", .string(type.title)),
            ("status", .integer(type.status.rawValue)),
            ("detail", .string(detail)),
        ] + extensions)
    }

    var body: [UInt8] { json.bytes }

    func response(headers: HTTPHeaders = [:]) -> HTTPResponse {
        HTTPResponse(status: type.status, contentType: "application/problem+json", body: body, headers: headers)
    }

    /// The `detail` of a problem response (for the log line of a 5xx), or nil.
    static func detail(of response: HTTPResponse) -> String? {
        guard response.headers["Content-Type"] == "application/problem+json",
              case .object(let members)? = try? JSONParser.parse(response.body),
              case .string(let detail)? = members.first(where: { $0.key == "detail" })?.value else { return nil }
        return detail
    }

    static func notFound(path: String) -> Problem { Problem(.notFound, "no resource at \(path)") }

    static func methodNotAllowed(method: HTTPMethod, path: String, allowed: [HTTPMethod]) -> Problem {
        Problem(.methodNotAllowed, "\(method) is not allowed on \(path); allowed: \(allowed.map(\.rawValue).joined(separator: ", "))",
                [("allowed", .array(allowed.map { .string($0.rawValue) }))])
    }

    /// A body over a limit; `setting` names the flag and variable that set it, so the reader
    /// knows what an operator could raise.
    static func bodyTooLarge(limit: Int, setting: String? = nil, what: String = "the request body") -> Problem {
        Problem(.bodyTooLarge, "\(what) exceeds the limit of \(limit) bytes" + (setting.map { " (\($0))" } ?? ""), [("limit", .integer(limit))])
    }
}
