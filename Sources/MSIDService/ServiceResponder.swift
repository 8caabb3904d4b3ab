import Logging
import MicroHTTP

/// msid's HTTP face. For now the operational endpoint `/healthz`; every other path is a 404
/// problem and a wrong method a 405 problem with `Allow`.
public struct ServiceResponder: HTTPResponder {
    private let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    public func respond(to request: HTTPRequest) -> HTTPResponse {
        let response = route(request)
        logger.debug("\(request.method) \(request.path) \(response.status)")
        return response
    }

    private func route(_ request: HTTPRequest) -> HTTPResponse {
        switch request.path {
        case "/healthz":
            guard request.method == .get || request.method == .head else {
                return Problem.methodNotAllowed(method: request.method, path: request.path, allowed: [.get, .head])
                    .response(headers: ["Allow": "GET, HEAD"])
            }
            return HTTPResponse(status: .ok, contentType: "application/json", body: Array(#"{"status":"ok"}"#.utf8))
        default:
            return Problem.notFound(path: request.path).response()
        }
    }

    /// The 413 answer for bodies over the limit, in the service's problem format.
    public static func bodyTooLarge(limit: Int) -> HTTPResponse { Problem.bodyTooLarge(limit: limit).response() }
}
