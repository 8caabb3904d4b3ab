import IRQModel
import MicroHTTP

/// What a handler can fail with; mapped to a problem in one place (`Router.respond`).
enum ServiceError: Error {
    case request(RequestError)
    case model(ModelError)
    case storage(StorageProblem)
}

/// One request as a handler sees it: the request, its path parameters, the shared state.
struct RequestContext {
    let request: HTTPRequest
    let parameters: [String: String]
    let state: ServiceState

    func parameter(_ name: String) -> String { parameters[name] ?? "" }
}

/// A route: method, path pattern, handler.
struct Route: Sendable {
    let method: HTTPMethod
    let pattern: PathPattern
    let handler: @Sendable (RequestContext) throws(ServiceError) -> HTTPResponse
}

/// The routing table, built once and never changed: 404 problem for unknown paths, 405 problem
/// with `Allow` for a known path with another method, and the single place where errors
/// become problems.
struct Router: Sendable {
    let routes: [Route]

    func respond(to request: HTTPRequest, state: ServiceState) -> HTTPResponse {
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var allowed: [HTTPMethod] = []
        for route in routes {
            guard let parameters = route.pattern.match(parts) else { continue }
            guard route.method == request.method || (route.method == .get && request.method == .head) else {
                allowed.append(route.method)
                continue
            }
            guard request.method == .post, let key = request.headers["Idempotency-Key"] else {
                return run(route, request: request, parameters: parameters, state: state)
            }
            guard !key.isEmpty && key.utf8.count <= 255 else {
                return Problem(.invalidParameter, "the Idempotency-Key header must have 1 to 255 characters",
                               [("parameter", .string("Idempotency-Key"))]).response()
            }
            switch state.idempotency.begin(key: key, fingerprint: IdempotencyCache.fingerprint(request)) {
            case .replay(let response):
                return response
            case .inProgress:
                return Problem(.idempotencyKeyInUse, "a request with Idempotency-Key \(key) is still being served").response()
            case .mismatch:
                return Problem(.idempotencyKeyReused, "Idempotency-Key \(key) was used for a different request").response()
            case .fresh:
                let response = run(route, request: request, parameters: parameters, state: state)
                state.idempotency.finish(key: key, response: response)
                return response
            }
        }
        if !allowed.isEmpty {
            if allowed.contains(.get) { allowed.append(.head) }
            return Problem.methodNotAllowed(method: request.method, path: request.path, allowed: allowed)
                .response(headers: ["Allow": allowed.map(\.rawValue).joined(separator: ", ")])
        }
        return Problem.notFound(path: request.path).response()
    }

    /// Runs a handler; the single place where its errors become problems.
    private func run(_ route: Route, request: HTTPRequest, parameters: [String: String], state: ServiceState) -> HTTPResponse {
        do {
            return try route.handler(RequestContext(request: request, parameters: parameters, state: state))
        } catch {
            switch error {
            case .request(let requestError): return Problem(requestError).response()
            case .model(let modelError): return Problem(modelError).response()
            case .storage(let storageProblem): return Problem(storageProblem).response(headers: storageProblem.headers)
            }
        }
    }

    /// Every documented path template.
    var paths: [String] { Array(Set(routes.map(\.pattern.description))).sorted() }
}
