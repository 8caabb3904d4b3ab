import MicroHTTP

/// An RFC 9457 problem details object: a stable `type` URI per kind of error, a fixed
/// `title`, the `status`, and a `detail` about this occurrence. Encoded with sorted keys so
/// bodies can be compared as text.
struct Problem: Sendable, Hashable {
    /// The base of every problem type URI (a path reference, RFC 9457 §3.1.1); the slug follows.
    static let typeBase = "/problems/"

    let slug: String
    let title: String
    let status: HTTPStatus
    let detail: String

    var body: [UInt8] {
        let members = [
            ("detail", JSONText.string(detail)),
            ("status", String(status.rawValue)),
            ("title", JSONText.string(title)),
            ("type", JSONText.string(Problem.typeBase + slug)),
        ]
        return Array(("{" + members.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}").utf8)
    }

    func response(headers: HTTPHeaders = [:]) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "application/problem+json", body: body, headers: headers)
    }

    static func notFound(path: String) -> Problem {
        Problem(slug: "not-found", title: "Resource not found", status: .notFound, detail: "no resource at \(path)")
    }

    static func methodNotAllowed(method: HTTPMethod, path: String, allowed: [HTTPMethod]) -> Problem {
        Problem(slug: "method-not-allowed", title: "Method not allowed", status: .methodNotAllowed,
                detail: "\(method) is not allowed on \(path); allowed: \(allowed.map(\.rawValue).joined(separator: ", "))")
    }

    static func bodyTooLarge(limit: Int) -> Problem {
        Problem(slug: "body-too-large", title: "Request body too large", status: .contentTooLarge,
                detail: "the request body exceeds the limit of \(limit) bytes")
    }
}
