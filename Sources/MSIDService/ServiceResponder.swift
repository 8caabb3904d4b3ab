import IRQModel
import Logging
import MicroHTTP
import SnapshotStore

/// msid's HTTP face: the routing table over the shared state. One line per request at debug
/// level.
public struct ServiceResponder: HTTPResponder {
    private let logger: Logger
    private let router: Router
    private let state: ServiceState

    /// A service whose state lives in memory only, ready at once (in-process use and tests).
    public init(logger: Logger) {
        self.init(logger: logger, recovering: false)
    }

    /// With `recovering`, everything under `/v1` answers 503 (and `/readyz` too) until
    /// `finishRecovery` installs the recovered state.
    public init(logger: Logger, recovering: Bool) {
        self.logger = logger
        self.router = Router(routes: OperationsHandlers.routes + SystemHandlers.routes + DomainHandlers.routes + IRQHandlers.routes
                             + MessageHandlers.routes + SnapshotHandlers.routes)
        self.state = ServiceState(recovering: recovering)
    }

    public func respond(to request: HTTPRequest) -> HTTPResponse {
        let response: HTTPResponse
        if case .recovering = state.phase, request.path.hasPrefix("/v1/") {
            let problem = StorageProblem.recovering
            response = Problem(problem).response(headers: problem.headers)
        } else {
            response = router.respond(to: request, state: state)
        }
        logger.debug("\(request.method) \(request.path) \(response.status)")
        return response
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

    /// Every routed path template (for the contract test).
    public var routedPaths: [String] { router.paths }

    /// The 413 answer for bodies over the limit, in the service's problem format.
    public static func bodyTooLarge(limit: Int) -> HTTPResponse { Problem.bodyTooLarge(limit: limit).response() }

    /// Every problem type slug (for the contract test).
    public static var problemSlugs: [String] { ProblemType.allCases.map(\.rawValue) }
}
