import IRQModel
import MicroHTTP

/// Systems and their CPUs (api.md): create, list, show, delete; list CPUs, take one offline
/// or online with the migration report.
enum SystemHandlers {
    static let routes: [Route] = [
        Route(method: .post, pattern: PathPattern("/v1/systems"), handler: create),
        Route(method: .get, pattern: PathPattern("/v1/systems"), handler: list),
        Route(method: .get, pattern: PathPattern("/v1/systems/{system}"), handler: show),
        Route(method: .delete, pattern: PathPattern("/v1/systems/{system}"), handler: delete),
        Route(method: .get, pattern: PathPattern("/v1/systems/{system}/cpus"), handler: cpus),
        Route(method: .patch, pattern: PathPattern("/v1/systems/{system}/cpus/{cpu}"), handler: setCPU),
    ]

    static func create(_ context: RequestContext) throws(ServiceError) -> HTTPResponse {
        let body = try context.jsonBody()
        let spec = try context.decode { () throws(RequestError) in try SystemDTO.spec(body) }
        let system = try context.apply(.createSystem(spec)) { _, system in system.map(SystemDTO.system) }
        guard let system else { throw .model(.systemNotFound(spec.name)) }
        return context.json(.created, system, headers: ["Location": "/v1/systems/\(spec.name)"])
    }

    /// `GET /v1/systems`: a page of systems in name order (`limit`, `cursor`).
    static func list(_ context: RequestContext) throws(ServiceError) -> HTTPResponse {
        try context.onlyQuery(["limit", "cursor"])
        let page = try Page(context, list: "systems")
        // One pass under the lock, in name order: the page's systems rendered, one more seen
        // to know whether a next page exists.
        var taken = 0
        var more = false
        let after = page.after ?? ""
        let rendered = context.state.readAll { (system) -> (name: String, value: JSONValue)? in
            guard page.after == nil || system.name.rawValue > after else { return nil }
            guard taken < page.limit else {
                more = true
                return nil
            }
            taken += 1
            return (system.name.rawValue, SystemDTO.system(system))
        }.compactMap { $0 }
        let systems = rendered.map(\.value)
        let next = more ? rendered.last.map { Page.cursor(list: "systems", after: $0.name) } : nil
        var headers: HTTPHeaders = [:]
        if let next { headers.add(name: "Link", value: Page.link(context.request, next: next)) }
        return context.json(.ok, .object([("systems", .array(systems)), ("next", next.map { .string($0) } ?? .null)]), headers: headers)
    }

    static func show(_ context: RequestContext) throws(ServiceError) -> HTTPResponse {
        try context.onlyQuery([])
        let name = try context.systemName()
        let system = try context.model { () throws(ModelError) in try context.state.read(name, SystemDTO.system) }
        return context.json(.ok, system)
    }

    /// `DELETE /v1/systems/{system}[?cascade=true]`: 409 while it has domains, or with
    /// `cascade` everything in it freed and deleted, in one change.
    static func delete(_ context: RequestContext) throws(ServiceError) -> HTTPResponse {
        let cascade = try BulkHandlers.cascade(context)
        let name = try context.systemName()
        if cascade { return BulkHandlers.cascadeAnswer(context, try context.apply(.deleteSystemCascade(name))) }
        try context.apply(.deleteSystem(name))
        return HTTPResponse(status: .noContent)
    }

    static func cpus(_ context: RequestContext) throws(ServiceError) -> HTTPResponse {
        try context.onlyQuery([])
        let name = try context.systemName()
        let cpus = try context.model { () throws(ModelError) in try context.state.read(name) { $0.cpus.map(SystemDTO.cpu) } }
        return context.json(.ok, .object([("cpus", .array(cpus))]))
    }

    /// `PATCH .../cpus/{cpu}` `{"online": bool}`: hotplug, answered with what moved.
    static func setCPU(_ context: RequestContext) throws(ServiceError) -> HTTPResponse {
        let name = try context.systemName()
        let cpu = CPUID(try context.integerParameter("cpu", below: CPUSet.capacity))
        let body = try context.jsonBody()
        let online = try context.decode { () throws(RequestError) in
            var reader = try ObjectReader(body)
            guard let value = try reader.bool("online") else { throw reader.missing("online") }
            try reader.finish()
            return value
        }
        let outcome = try context.apply(.setCPUOnline(system: name, cpu: cpu, online: online))
        guard case .cpuChanged(let report) = outcome else { return context.json(.ok, .object([])) }
        return context.json(.ok, SystemDTO.hotplug(report))
    }
}
