import IRQModel
import MicroHTTP

/// Capacity planning: the dry run of the allocation path.
enum PlanHandlers {
    static let routes: [Route] = [
        Route(method: .post, pattern: PathPattern("/v1/systems/{system}/plan"), handler: plan),
    ]

    /// `{"requests": [...]}`: whether the allocations would fit, request by request, and the
    /// pressure on CPUs and domains before and after, without changing anything. A read: the
    /// system is copied under the lock (`ServiceState.copy(of:)`, O(1): the copy shares its
    /// storage) and the plan runs on the copy outside it, so the lock is held no longer than
    /// by any small read, nothing is journaled, and the read role suffices.
    static func plan(_ context: RequestContext) throws(ServiceError) -> HTTPResponse {
        try context.onlyQuery([])
        let name = try context.systemName()
        let body = try context.jsonBody()
        let requests = try context.decode { () throws(RequestError) in try PlanDTO.requests(body) }
        let system = try context.model { () throws(ModelError) in try context.state.copy(of: name) }
        // Handed over, so the trial's first write to each buffer it shares with the state
        // releases that share (see `System.plan`).
        let report = (consume system).plan(requests)
        return context.json(.ok, PlanDTO.report(report))
    }
}
