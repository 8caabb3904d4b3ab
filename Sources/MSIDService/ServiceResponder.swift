import Logging
import MicroHTTP

/// msid's HTTP face: the routing table over the shared state. One line per request at debug
/// level.
public struct ServiceResponder: HTTPResponder {
    private let logger: Logger
    private let router: Router
    private let state: ServiceState

    public init(logger: Logger) {
        self.logger = logger
        self.router = Router(routes: OperationsHandlers.routes + SystemHandlers.routes + DomainHandlers.routes + IRQHandlers.routes + MessageHandlers.routes)
        self.state = ServiceState()
    }

    public func respond(to request: HTTPRequest) -> HTTPResponse {
        let response = router.respond(to: request, state: state)
        logger.debug("\(request.method) \(request.path) \(response.status)")
        return response
    }

    /// Every routed path template (for the contract test).
    public var routedPaths: [String] { router.paths }

    /// The 413 answer for bodies over the limit, in the service's problem format.
    public static func bodyTooLarge(limit: Int) -> HTTPResponse { Problem.bodyTooLarge(limit: limit).response() }

    /// Every problem type slug (for the contract test).
    public static var problemSlugs: [String] { ProblemType.allCases.map(\.rawValue) }
}
