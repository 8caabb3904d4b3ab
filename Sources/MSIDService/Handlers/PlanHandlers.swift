import IRQModel
import MicroHTTP

/// Capacity planning: the dry run of the allocation path.
enum PlanHandlers {
    static let routes: [Route] = [
        Route(method: .post, pattern: PathPattern("/v1/systems/{system}/plan"), handler: plan),
    ]

    /// `{"requests": [...]}`: whether the allocations would fit, request by request, and the
    /// pressure on CPUs and domains before and after, without changing anything. A read: the
    /// system is copied under the lock (O(1), as the IRQ listing copies it) and the plan runs
    /// on the copy outside it, so nothing is journaled and the read role suffices.
    static func plan(_ context: RequestContext) throws(ServiceError) -> HTTPResponse {
        try context.onlyQuery([])
        let name = try context.systemName()
        let body = try context.jsonBody()
        let requests = try context.decode { () throws(RequestError) in try PlanDTO.requests(body) }
        let system = try context.model { () throws(ModelError) in try context.state.copy(of: name) }
        return context.json(.ok, PlanDTO.report(system.plan(requests)))
    }
}
