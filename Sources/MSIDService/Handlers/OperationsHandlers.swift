import IRQModel
import MicroHTTP

/// Liveness, readiness, metrics and the contract.
enum OperationsHandlers {
    static let routes: [Route] = [
        Route(method: .get, pattern: PathPattern("/healthz"), handler: health),
        Route(method: .get, pattern: PathPattern("/readyz"), handler: ready),
        Route(method: .get, pattern: PathPattern("/openapi.yaml"), handler: contract),
        Route(method: .get, pattern: PathPattern("/metrics"), handler: metrics),
    ]

    static func health(_ context: RequestContext) throws(ServiceError) -> HTTPResponse {
        context.json(.ok, .object([("status", .string("ok"))]))
    }

    /// Ready once the state is recovered; 503 while recovering and after a journal failure.
    static func ready(_ context: RequestContext) throws(ServiceError) -> HTTPResponse {
        switch context.state.phase {
        case .recovering: throw .storage(.recovering)
        case .failed(let reason): throw .storage(.failed(reason))
        case .ready: return context.json(.ok, .object([("status", .string("ready"))]))
        }
    }

    /// The Prometheus text exposition (`ServiceMetrics`), the per-domain gauges read now.
    static func metrics(_ context: RequestContext) throws(ServiceError) -> HTTPResponse {
        context.metrics.setState(context.state.totals, limits: context.state.limits, snapshotAgeSeconds: context.state.snapshotAgeSeconds)
        return HTTPResponse(status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8",
                     body: context.metrics.exposition(of: context.state.readAll { ($0.name, $0.domainViews) }))
    }

    /// `openapi/msid.yaml`, byte for byte (embedded at build time).
    static func contract(_ context: RequestContext) throws(ServiceError) -> HTTPResponse {
        HTTPResponse(status: .ok, contentType: "application/yaml", body: PackageResources.msid_yaml)
    }
}
