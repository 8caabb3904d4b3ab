import IRQModel
import MicroHTTP

/// What a handler can fail with; mapped to a problem in one place (`Router.respond`).
enum ServiceError: Error {
    case request(RequestError)
    case model(ModelError)
    case storage(StorageProblem)
    case stateLimit(StateLimits.Exceeded)
}

/// One request as a handler sees it: the request, its path parameters, the shared state and
/// the metrics.
struct RequestContext {
    let request: HTTPRequest
    let parameters: PathParameters
    let state: ServiceState
    let metrics: ServiceMetrics
    /// Where a mutation's journal record goes instead of being waited for (nil: wait).
    let ticket: DurabilityTicket?

    /// `ServiceState.apply`, not waiting for the sync when the request has a ticket.
    func apply<Answer: Sendable>(_ command: Command, answer: (Outcome, System?) -> Answer) throws(ServiceError) -> Answer {
        try state.apply(command, deferringTo: ticket, answer: answer)
    }

    @discardableResult
    func apply(_ command: Command) throws(ServiceError) -> Outcome {
        try state.apply(command, deferringTo: ticket)
    }

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
    /// The routes by segment count (a path matches only patterns of its own length), each list
    /// in table order.
    private let routesByLength: [[Route]]

    init(routes: [Route]) {
        self.routes = routes
        let longest = routes.map(\.pattern.segments.count).max() ?? 0
        routesByLength = (0...longest).map { length in routes.filter { $0.pattern.segments.count == length } }
    }

    /// The routes whose patterns have as many segments as `path`.
    private func candidates(for path: SplitPath) -> [Route] {
        path.count < routesByLength.count ? routesByLength[path.count] : []
    }

    /// The answer, and the template of the route that matched the path (`unmatched` when none
    /// did), for metrics and logs.
    ///
    /// With a `ticket`, mutations do not wait for their sync (see `DurabilityTicket`): the
    /// caller answers after `ServiceState.whenDurable` and then settles the ticket.
    func respond(to request: HTTPRequest, state: ServiceState, metrics: ServiceMetrics,
                 ticket: DurabilityTicket? = nil) -> (response: HTTPResponse, route: String) {
        let path = SplitPath(request.path)
        var allowed: [HTTPMethod] = []
        var template: String?
        for route in candidates(for: path) {
            guard let parameters = route.pattern.match(path) else { continue }
            template = template ?? route.pattern.description
            guard route.method == request.method || (route.method == .get && request.method == .head) else {
                allowed.append(route.method)
                continue
            }
            let matched = route.pattern.description
            guard request.method == .post, let key = request.headers["Idempotency-Key"] else {
                return (run(route, request: request, parameters: parameters, state: state, metrics: metrics, ticket: ticket), matched)
            }
            guard !key.isEmpty && key.utf8.count <= 255 else {
                return (Problem(.invalidParameter, "the Idempotency-Key header must have 1 to 255 characters",
                                [("parameter", .string("Idempotency-Key"))]).response(), matched)
            }
            // Keys are scoped by caller (the Authorization header): one token's key never
            // replays another token's answer.
            let scopedKey = (request.headers["Authorization"] ?? "") + "\n" + key
            switch state.idempotency.begin(key: scopedKey, fingerprint: IdempotencyCache.fingerprint(request)) {
            case .replay(let response):
                return (response, matched)
            case .inProgress:
                return (Problem(.idempotencyKeyInUse, "a request with Idempotency-Key \(key) is still being served").response(), matched)
            case .mismatch:
                return (Problem(.idempotencyKeyReused, "Idempotency-Key \(key) was used for a different request").response(), matched)
            case .fresh:
                let response = run(route, request: request, parameters: parameters, state: state, metrics: metrics, ticket: ticket)
                if let ticket {
                    // Kept once final: after its record is durable, or as the 503 of a failed sync.
                    let idempotency = state.idempotency
                    ticket.whenSettled { final in idempotency.finish(key: scopedKey, response: final) }
                } else {
                    state.idempotency.finish(key: scopedKey, response: response)
                }
                return (response, matched)
            }
        }
        if let template, !allowed.isEmpty {
            if allowed.contains(.get) { allowed.append(.head) }
            return (Problem.methodNotAllowed(method: request.method, path: request.path, allowed: allowed)
                .response(headers: ["Allow": allowed.map(\.rawValue).joined(separator: ", ")]), template)
        }
        return (Problem.notFound(path: request.path).response(), Router.unmatched)
    }

    /// The route label of a path no route matches.
    static let unmatched = "unmatched"

    /// The template of the first route whose pattern matches `path` (for the metrics of
    /// requests refused before routing), or `unmatched`.
    func template(for path: String) -> String {
        let split = SplitPath(path)
        return candidates(for: split).first { $0.pattern.match(split) != nil }?.pattern.description ?? Router.unmatched
    }

    /// Runs a handler, then, for `?consistency=durable`, the read barrier (so that the answer,
    /// success or problem, shows only durable state); the single place where errors become
    /// problems.
    private func run(_ route: Route, request: HTTPRequest, parameters: PathParameters, state: ServiceState,
                     metrics: ServiceMetrics, ticket: DurabilityTicket?) -> HTTPResponse {
        let context = RequestContext(request: request, parameters: parameters, state: state, metrics: metrics, ticket: ticket)
        let consistency: ReadConsistency
        do throws(ServiceError) { consistency = try context.readConsistency() } catch { return Router.problem(error) }
        var response: HTTPResponse
        do throws(ServiceError) { response = try route.handler(context) } catch { response = Router.problem(error) }
        // Reads only: a mutation is answered once its own record is durable anyway.
        if consistency == .durable && (request.method == .get || request.method == .head) {
            if let ticket {
                // The server's path: the barrier is waited for with the connection suspended;
                // the durable sequence is added once it holds (`ServiceResponder.finish`).
                do throws(ServiceError) {
                    let (applied, _) = try state.appliedForDurableRead()
                    ticket.need(applied)
                    response.headers.set(name: ServiceResponder.appliedSequenceHeader, value: String(applied))
                } catch {
                    response = Router.problem(error)
                }
                return response
            }
            do throws(ServiceError) {
                // The answer reflects no record after the one waited for: say so, rather than
                // the sequence applied by the time the answer leaves.
                let (applied, durable) = try state.waitUntilAppliedIsDurable()
                response.headers.set(name: ServiceResponder.appliedSequenceHeader, value: String(applied))
                response.headers.set(name: ServiceResponder.durableSequenceHeader, value: String(durable))
            } catch {
                response = Router.problem(error)
            }
        }
        return response
    }

    /// The problem answer for a handler's error.
    static func problem(_ error: ServiceError) -> HTTPResponse {
        switch error {
        case .request(let requestError): Problem(requestError).response()
        case .model(let modelError): Problem(modelError).response()
        case .storage(let storageProblem): Problem(storageProblem).response(headers: storageProblem.headers)
        case .stateLimit(let exceeded): Problem(exceeded).response()
        }
    }

    /// Every documented path template.
    var paths: [String] { Array(Set(routes.map(\.pattern.description))).sorted() }
}
