import MicroHTTP

/// Liveness, readiness and the contract.
enum OperationsHandlers {
    static let routes: [Route] = [
        Route(method: .get, pattern: PathPattern("/healthz"), handler: health),
        Route(method: .get, pattern: PathPattern("/readyz"), handler: ready),
        Route(method: .get, pattern: PathPattern("/openapi.yaml"), handler: contract),
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

    /// `openapi/msid.yaml`, byte for byte (embedded at build time).
    static func contract(_ context: RequestContext) throws(ServiceError) -> HTTPResponse {
        HTTPResponse(status: .ok, contentType: "application/yaml", body: PackageResources.msid_yaml)
    }
}
