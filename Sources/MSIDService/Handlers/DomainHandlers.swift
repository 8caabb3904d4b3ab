import IRQModel
import MicroHTTP

/// Domains of a system: create (with kind configuration), list as a tree (parents before
/// children, each naming its parent and children), show with occupancy, delete (409 while
/// busy).
enum DomainHandlers {
    static let routes: [Route] = [
        Route(method: .post, pattern: PathPattern("/v1/systems/{system}/domains"), handler: create),
        Route(method: .get, pattern: PathPattern("/v1/systems/{system}/domains"), handler: list),
        Route(method: .get, pattern: PathPattern("/v1/systems/{system}/domains/{domain}"), handler: show),
        Route(method: .delete, pattern: PathPattern("/v1/systems/{system}/domains/{domain}"), handler: delete),
    ]

    static func create(_ context: RequestContext) throws(ServiceError) -> HTTPResponse {
        let system = try context.systemName()
        let body = try context.jsonBody()
        let spec = try context.decode { () throws(RequestError) in try DomainDTO.spec(body, system: system) }
        let domain = try context.apply(.createDomain(system: system, spec: spec)) { _, after in
            (try? after?.domainView(spec.name)).map(DomainDTO.domain)
        }
        guard let domain else { throw .model(.domainNotFound(system: system, domain: spec.name)) }
        return context.json(.created, domain, headers: ["Location": "/v1/systems/\(system)/domains/\(spec.name)"])
    }

    /// `GET .../domains[?view=tree]`: every domain, parents first; `view=tree` nests them from
    /// the root (as text on `Accept: text/plain`).
    static func list(_ context: RequestContext) throws(ServiceError) -> HTTPResponse {
        try context.onlyQuery(["view", "limit", "cursor"])
        let name = try context.systemName()
        switch context.request.queryValue("view") {
        case nil, "list":
            let page = try Page(context, list: "domains")
            var after: UInt32?
            if let key = page.after {
                guard let value = UInt32(key) else { throw .request(.invalidParameter(name: "cursor", reason: "not a cursor of this list")) }
                after = value
            }
            let (domains, last) = try context.model { () throws(ModelError) in
                try context.state.read(name) { system in
                    let found = system.domainPage(after: after, limit: page.limit)
                    return (found.views.map(DomainDTO.domain), found.lastID)
                }
            }
            let next = last.map { Page.cursor(list: "domains", after: String($0)) }
            var headers: HTTPHeaders = [:]
            if let next { headers.add(name: "Link", value: Page.link(context.request, next: next)) }
            return context.json(.ok, .object([("domains", .array(domains)), ("next", next.map { .string($0) } ?? .null)]), headers: headers)
        case "tree":
            let views = try context.model { () throws(ModelError) in try context.state.read(name) { $0.domainViews } }
            return context.prefersText ? context.text(ViewDTO.treeText(views)) : context.json(.ok, ViewDTO.tree(views))
        case let other?:
            throw .request(.invalidParameter(name: "view", reason: "\"\(other)\" is not a view; use list or tree"))
        }
    }

    static func show(_ context: RequestContext) throws(ServiceError) -> HTTPResponse {
        try context.onlyQuery([])
        let name = try context.systemName()
        let domain = try context.domainName()
        let view = try context.model { () throws(ModelError) in
            try context.state.read(name) { (system) throws(ModelError) in DomainDTO.domain(try system.domainView(domain)) }
        }
        return context.json(.ok, view)
    }

    /// `DELETE .../domains/{domain}[?cascade=true]`: 409 while busy, or with `cascade` its IRQs
    /// freed and the domains below it deleted first, in one change.
    static func delete(_ context: RequestContext) throws(ServiceError) -> HTTPResponse {
        let cascade = try BulkHandlers.cascade(context)
        let name = try context.systemName()
        let domain = try context.domainName()
        if cascade { return BulkHandlers.cascadeAnswer(context, try context.apply(.deleteDomainCascade(system: name, domain: domain))) }
        try context.apply(.deleteDomain(system: name, domain: domain))
        return HTTPResponse(status: .noContent)
    }
}
