import Synchronization

/// What the C callbacks reach through their `cls` pointer: the responder, the limits, the
/// drain flag and the count of requests in flight. Immutable apart from atomics and a mutex,
/// hence `Sendable`.
final class ServerContext: Sendable {
    let responder: any HTTPResponder
    let maximumBodyBytes: Int
    let logSink: @Sendable (String) -> Void
    let bodyTooLarge: @Sendable (Int) -> HTTPResponse
    let refusal: @Sendable (HTTPStatus, String) -> HTTPResponse
    /// Set when stopping: every response then carries `Connection: close`.
    let draining = Atomic<Bool>(false)
    /// Requests between their first callback and their completion.
    let inFlight = Atomic<Int>(0)
    /// The last lines libmicrohttpd logged (for start errors).
    private let recentLog = Mutex<[String]>([])

    init(responder: any HTTPResponder, configuration: ServerConfiguration) {
        self.responder = responder
        self.maximumBodyBytes = configuration.maximumBodyBytes
        self.logSink = configuration.logSink
        self.bodyTooLarge = configuration.bodyTooLarge
        self.refusal = configuration.refusal
    }

    func log(_ line: String) {
        recentLog.withLock { lines in
            lines.append(line)
            if lines.count > 8 { lines.removeFirst(lines.count - 8) }
        }
        logSink(line)
    }

    var recentLogLines: [String] { recentLog.withLock { $0 } }
}
