import Synchronization

/// What the C callbacks reach through their `cls` pointer: the responder, the limits, the
/// drain flag and the count of requests in flight. Immutable apart from atomics and a mutex,
/// hence `Sendable`.
final class ServerContext: Sendable {
    let responder: any HTTPResponder
    let maximumBodyBytes: Int
    let logSink: @Sendable (String) -> Void
    let bodyTooLarge: @Sendable (Int) -> HTTPResponse
    let bodyLimit: @Sendable (HTTPMethod, String) -> ServerConfiguration.BodyLimit?
    let refusal: @Sendable (HTTPStatus, String) -> HTTPResponse
    /// Set when stopping: every response then carries `Connection: close`.
    let draining = Atomic<Bool>(false)
    /// Requests between their first callback and their completion.
    let inFlight = Atomic<Int>(0)
    /// Requests whose answer comes later, from `HTTPAnswer.later` to their completion (the
    /// stop delivers a 503 to those still waiting: a suspended connection must be resumed
    /// before libmicrohttpd's daemon stops).
    let pending = Mutex<[ObjectIdentifier: DeferredAnswer]>([:])
    /// Deadlines and lingering close (started with the daemon, stopped after it).
    let watch = ConnectionWatch()
    let connectionLimit: Int
    let reservedPaths: Set<String>
    /// Nanoseconds: a regular connection's first request deadline, the idle allowance added
    /// for later ones, and a reserve connection's deadline (0: none).
    let requestDeadline: Int64
    let idleAllowance: Int64
    let reserveDeadline: Int64
    /// Bodies this large or larger are sent from the Swift array and count against the budget.
    let largeResponseBytes: Int
    let responseBufferLimit: Int
    /// Bytes of large bodies queued and not yet destroyed by libmicrohttpd.
    let responseBytes = Atomic<Int>(0)
    /// Large answers replaced by a 503 because the budget was spent.
    let budgetRefusals = Atomic<Int>(0)
    /// Connections between libmicrohttpd's "started" and "closed" notifications.
    let openConnections = Atomic<Int>(0)
    /// The last lines libmicrohttpd logged (for start errors).
    private let recentLog = Mutex<[String]>([])

    init(responder: any HTTPResponder, configuration: ServerConfiguration) {
        self.responder = responder
        self.maximumBodyBytes = configuration.maximumBodyBytes
        self.logSink = configuration.logSink
        self.bodyTooLarge = configuration.bodyTooLarge
        self.bodyLimit = configuration.bodyLimit
        self.refusal = configuration.refusal
        self.connectionLimit = configuration.reservedConnections > 0 ? configuration.connectionLimit : 0
        self.reservedPaths = configuration.reservedPaths
        self.largeResponseBytes = max(1, configuration.largeResponseBytes)
        self.responseBufferLimit = max(0, configuration.responseBufferLimit)
        self.requestDeadline = Int64(max(0, configuration.requestTimeoutSeconds)) * 1_000_000_000
        self.idleAllowance = Int64(max(0, configuration.connectionTimeoutSeconds)) * 1_000_000_000
        let reserve = Int64(max(1, configuration.reservedRequestSeconds)) * 1_000_000_000
        self.reserveDeadline = requestDeadline > 0 ? min(reserve, requestDeadline) : reserve
    }

    func log(_ line: String) {
        recentLog.withLock { lines in
            lines.append(line)
            if lines.count > 8 { lines.removeFirst(lines.count - 8) }
        }
        logSink(line)
    }

    var recentLogLines: [String] { recentLog.withLock { $0 } }

    /// The body limit of a request and its 413 answer: the route's own, or the general one.
    func bodyLimit(method: HTTPMethod, path: String) -> (bytes: Int, tooLarge: @Sendable () -> HTTPResponse) {
        if let own = bodyLimit(method, path) { return (own.bytes, own.tooLarge) }
        let general = maximumBodyBytes
        let answer = bodyTooLarge
        return (general, { answer(general) })
    }
}
