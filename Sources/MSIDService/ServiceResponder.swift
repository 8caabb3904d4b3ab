import IRQModel
import Logging
import MicroHTTP
import SnapshotStore
import Synchronization

/// How a service is set up beyond its state: who may call it, the caps on the state.
public struct ServiceOptions: Sendable {
    /// Bearer tokens; nil lets every request in (loopback use, tests).
    public var tokens: AccessTokens?
    /// Whether `GET /metrics` needs a read token too (when tokens are configured).
    public var protectMetrics: Bool
    public var limits: StateLimits
    /// Where the per-request lines go; nil logs them through the `Logger` (in-process use and
    /// tests: slower, see `AccessLog`).
    public var accessLog: AccessLog?

    public init(tokens: AccessTokens? = nil, protectMetrics: Bool = false, limits: StateLimits = .default, accessLog: AccessLog? = nil) {
        self.tokens = tokens
        self.protectMetrics = protectMetrics
        self.limits = limits
        self.accessLog = accessLog
    }
}

/// msid's HTTP face: access control, the routing table over the shared state, metrics, and one
/// structured log line per request (at info level; 5xx answers at error level, with the
/// problem's detail as the cause). Every answer carries `X-Request-ID`: the client's, when it
/// sent a usable one, or one made here; and, once the state is recovered from a data
/// directory, `MSID-Applied-Sequence` and `MSID-Durable-Sequence` (see `ReadConsistency`).
public struct ServiceResponder: HTTPResponder {
    private let logger: Logger
    private let router: Router
    private let state: ServiceState
    private let metrics = ServiceMetrics()
    private let protectMetrics: Bool
    private let requestIDs = RequestIDSource()
    private let accessLog: AccessLog?
    /// The tokens, replaceable at run time (`reloadTokens`).
    public let authenticator: Authenticator

    /// A service whose state lives in memory only, ready at once (in-process use and tests).
    public init(logger: Logger, options: ServiceOptions = ServiceOptions()) {
        self.init(logger: logger, recovering: false, options: options)
    }

    /// With `recovering`, everything under `/v1` answers 503 (and `/readyz` too) until
    /// `finishRecovery` installs the recovered state.
    public init(logger: Logger, recovering: Bool, options: ServiceOptions = ServiceOptions()) {
        self.logger = logger
        self.router = Router(routes: ServiceResponder.routes)
        self.state = ServiceState(recovering: recovering, limits: options.limits)
        self.authenticator = Authenticator(tokens: options.tokens)
        self.protectMetrics = options.protectMetrics
        self.accessLog = options.accessLog
        if let accessLog = options.accessLog { metrics.watch(accessLog) }
    }

    /// The answer, made on the caller's thread: a mutation waits here for its journal sync
    /// (in-process use and tests; the server uses `answer(to:)`).
    public func respond(to request: HTTPRequest) -> HTTPResponse {
        let started = ContinuousClock.now
        let (response, route) = answer(request, ticket: nil)
        return finish(request, response, route: route, started: started)
    }

    /// The answer through the server: a mutation is applied and its record queued here, and
    /// answered later, once the journal says the record is durable (or 503 when its sync
    /// failed); the server suspends the connection meanwhile, so no worker thread waits for a
    /// sync and one fdatasync covers the records of every connection (group commit).
    public func answer(to request: HTTPRequest) -> HTTPAnswer {
        let started = ContinuousClock.now
        let ticket = DurabilityTicket()
        let (response, route) = answer(request, ticket: ticket)
        guard let sequence = ticket.needed, (state.sequences?.durable ?? 0) < sequence else {
            ticket.settle(response)
            return .now(finish(request, response, route: route, started: started))
        }
        return .later { [self] deliver in
            state.whenDurable(sequence) { failure in
                let final = failure.map { Router.problem($0) } ?? response
                ticket.settle(final)
                deliver(finish(request, final, route: route, started: started))
            }
        }
    }

    /// Headers every answer carries, then the metrics and the log line.
    private func finish(_ request: HTTPRequest, _ answered: HTTPResponse, route: String, started: ContinuousClock.Instant) -> HTTPResponse {
        var response = answered
        // Read after the answer was made: it reflects no record after `applied` (a durable read
        // set the headers already, to the record its barrier waited for).
        if response.headers[ServiceResponder.appliedSequenceHeader] == nil, let (applied, durable) = state.sequences {
            response.headers.set(name: ServiceResponder.appliedSequenceHeader, value: String(applied))
            response.headers.set(name: ServiceResponder.durableSequenceHeader, value: String(durable))
        } else if response.headers[ServiceResponder.durableSequenceHeader] == nil, let (_, durable) = state.sequences {
            // A durable read answered after its barrier (the applied sequence is the one it waited for).
            response.headers.set(name: ServiceResponder.durableSequenceHeader, value: String(durable))
        }
        let duration = ContinuousClock.now - started
        let requestID = RequestIDSource.usable(request.headers["X-Request-ID"]) ?? requestIDs.next()
        response.headers.set(name: "X-Request-ID", value: requestID)
        metrics.record(route: route, method: request.method, status: response.status, duration: duration)
        log(request, route: route, response: response, duration: duration, requestID: requestID)
        return response
    }

    /// The answer and the route template it is counted under.
    private func answer(_ request: HTTPRequest, ticket: DurabilityTicket?) -> (HTTPResponse, String) {
        let isAPI = request.path.hasPrefix("/v1/")
        if isAPI || (protectMetrics && request.path == "/metrics") {
            let required = isAPI ? Role.required(method: request.method, path: request.path) : .read
            switch authenticator.decide(request, required: required) {
            case .allowed:
                break
            case .unauthenticated(let invalidToken):
                let problem = invalidToken
                    ? Problem(.unauthorized, "the bearer token is not one this msid knows")
                    : Problem(.unauthorized, "this msid needs an Authorization: Bearer TOKEN header on \(isAPI ? "/v1" : "/metrics")")
                let challenge = invalidToken ? #"Bearer realm="msid", error="invalid_token""# : #"Bearer realm="msid""#
                return (problem.response(headers: ["WWW-Authenticate": challenge]), router.template(for: request.path))
            case .forbidden(let role, let needed):
                let problem = Problem(.forbidden, "a \(role.rawValue) token may not \(request.method.rawValue) \(request.path); it needs the \(needed.rawValue) role",
                                      [("role", .string(role.rawValue)), ("required", .string(needed.rawValue))])
                return (problem.response(), router.template(for: request.path))
            }
        }
        if case .recovering = state.phase, isAPI {
            let problem = StorageProblem.recovering
            return (Problem(problem).response(headers: problem.headers), router.template(for: request.path))
        }
        let routed = router.respond(to: request, state: state, metrics: metrics, ticket: ticket)
        return (routed.response, routed.route)
    }

    /// One line per request: method, route template, status, duration, request id (never
    /// headers, so never a token). A 5xx is an error, with its problem's detail as the cause.
    private func log(_ request: HTTPRequest, route: String, response: HTTPResponse, duration: Duration, requestID: String) {
        let level: Logger.Level = response.status.rawValue >= 500 ? .error : .info
        if let accessLog {
            guard accessLog.accepts(level) else { return }
            let micros = duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
            accessLog.record(method: request.method.rawValue, route: route, status: response.status.rawValue, microseconds: micros,
                             requestID: requestID, cause: level == .error ? Problem.detail(of: response) : nil)
            return
        }
        guard logger.logLevel <= level else { return }
        var metadata: Logger.Metadata = [
            "method": "\(request.method.rawValue)",
            "route": "\(route)",
            "status": "\(response.status.rawValue)",
            "duration_ms": "\(ServiceResponder.milliseconds(duration))",
            "request_id": "\(requestID)",
        ]
        if level == .error, let detail = Problem.detail(of: response) { metadata["cause"] = "\(detail)" }
        logger.log(level: level, "request", metadata: metadata)
    }

    /// Milliseconds with three decimals.
    private static func milliseconds(_ duration: Duration) -> String {
        let micros = duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
        let fraction = String(micros % 1000)
        return "\(micros / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }

    /// Re-reads tokens (SIGHUP): the new set replaces the old one for every later request.
    public func reloadTokens(_ tokens: AccessTokens) {
        authenticator.replace(with: tokens)
    }

    /// Records a journal flush in the metrics (give it to `Persistence.recover`).
    public var journalObserver: @Sendable (Journal.Flush) -> Void {
        { [metrics] flush in metrics.record(flush) }
    }

    /// Installs the world `Persistence.recover` returned; the service is ready afterwards.
    public func finishRecovery(world: World, persistence: Persistence) {
        state.finishRecovery(world: world, persistence: persistence)
    }

    /// At graceful shutdown (after the server stopped): a final snapshot, so the next start
    /// replays nothing. Returns a sentence for the log.
    public func shutdown() -> String {
        do throws(ServiceError) {
            guard let info = try state.shutdown() else { return "nothing to persist (in memory)" }
            return "final snapshot covers journal record \(info.sequence) (\(info.bytes) bytes)"
        } catch {
            return "no final snapshot: \(error)"
        }
    }

    /// The last journal record applied when the answer was made.
    public static let appliedSequenceHeader = "MSID-Applied-Sequence"
    /// The last journal record on disk when the answer left.
    public static let durableSequenceHeader = "MSID-Durable-Sequence"

    /// The routing table.
    static let routes: [Route] = OperationsHandlers.routes + SystemHandlers.routes + DomainHandlers.routes + IRQHandlers.routes
        + PostingHandlers.routes
        + MessageHandlers.routes + SnapshotHandlers.routes + ViewHandlers.routes + BulkHandlers.routes
        + RouteHandlers.routes
        + PlanHandlers.routes

    /// Every routed path template (for the contract test).
    public var routedPaths: [String] { router.paths }

    /// The 413 answer for bodies over the limit, in the service's problem format.
    public static func bodyTooLarge(limit: Int) -> HTTPResponse { Problem.bodyTooLarge(limit: limit).response() }

    /// The 413 answer for bodies over the general limit, naming the setting that sets it.
    public static func bodyTooLarge(limit: Int, setting: String) -> HTTPResponse {
        Problem.bodyTooLarge(limit: limit, setting: setting).response()
    }

    /// `PUT /v1/snapshot`'s own body limit (a state downloaded with `GET /v1/snapshot` is
    /// usually far larger than any other request), for `ServerConfiguration.bodyLimit`; other
    /// requests keep the general limit. `setting` names the flag and variable, for the 413.
    public static func snapshotBodyLimit(bytes: Int, setting: String) -> @Sendable (HTTPMethod, String) -> ServerConfiguration.BodyLimit? {
        let limit = ServerConfiguration.BodyLimit(bytes: bytes) {
            Problem.bodyTooLarge(limit: bytes, setting: setting, what: "the snapshot upload").response()
        }
        return { method, path in method == .put && SnapshotHandlers.isSnapshotPath(path) ? limit : nil }
    }

    /// Every problem type slug (for the contract test).
    public static var problemSlugs: [String] { ProblemType.allCases.map(\.rawValue) }
}

/// Request ids for requests that bring none: a per-process random prefix and a counter, so
/// ids are unique within a run and unlikely to collide across runs, at the cost of an
/// increment.
final class RequestIDSource: Sendable {
    private let prefix: String
    private let counter = Atomic<UInt64>(0)

    init() {
        prefix = String(UInt64.random(in: 0..<(1 << 40)), radix: 16)
    }

    func next() -> String {
        let number = counter.wrappingAdd(1, ordering: .relaxed).newValue
        return "\(prefix)-\(String(number, radix: 16))"
    }

    /// A client's id, when it is 1 to 128 visible ASCII characters (it is echoed into a header
    /// and a log line, so nothing else is taken).
    static func usable(_ value: String?) -> String? {
        guard let value, !value.isEmpty, value.utf8.count <= 128,
              value.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else { return nil }
        return value
    }
}
