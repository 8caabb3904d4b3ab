import IRQModel
import MicroHTTP

/// Bulk operations, each one command and one journal record: cascading deletes of a system or
/// a domain (`?cascade=true`), freeing a device's IRQs, hotplug of a cpulist.
enum BulkHandlers {
    static let routes: [Route] = [
        Route(method: .delete, pattern: PathPattern("/v1/systems/{system}/domains/{domain}/irqs"), handler: freeDevice),
        Route(method: .patch, pattern: PathPattern("/v1/systems/{system}/cpus"), handler: setCPUs),
    ]

    /// Whether a DELETE asked for `cascade=true` (nothing else is taken; `false` is the default).
    static func cascade(_ context: RequestContext) throws(ServiceError) -> Bool {
        try context.onlyQuery(["cascade"])
        return try context.queryBool("cascade") ?? false
    }

    /// The answer of a cascade: what was freed and deleted.
    static func cascadeAnswer(_ context: RequestContext, _ outcome: Outcome) -> HTTPResponse {
        guard case .cascadeDeleted(let freed, let domains) = outcome else { return HTTPResponse(status: .noContent) }
        return context.json(.ok, .object([
            ("freed", .array(freed.map { .integer($0.rawValue) })),
            ("domains", .array(domains.map { .string($0.rawValue) })),
        ]))
    }

    /// `DELETE .../domains/{domain}/irqs`: every IRQ of a `pci-msi` domain, freed as one change.
    static func freeDevice(_ context: RequestContext) throws(ServiceError) -> HTTPResponse {
        try context.onlyQuery([])
        let name = try context.systemName()
        let domain = try context.domainName()
        let outcome = try context.apply(.freeDeviceIRQs(system: name, domain: domain))
        guard case .irqsFreed(let freed) = outcome else { return context.json(.ok, .object([("freed", .array([]))])) }
        return context.json(.ok, .object([("freed", .array(freed.map { .integer($0.rawValue) }))]))
    }

    /// `PATCH .../cpus` `{"cpus": "<cpulist>", "online": bool}`: one CPU after the other,
    /// ascending, all or nothing; the answer has each CPU's report and the events caused.
    static func setCPUs(_ context: RequestContext) throws(ServiceError) -> HTTPResponse {
        try context.onlyQuery([])
        let name = try context.systemName()
        let body = try context.jsonBody()
        let (cpus, online) = try context.decode { () throws(RequestError) in
            var reader = try ObjectReader(body)
            guard let cpus = try reader.cpuSet("cpus") else { throw .missingMember(pointer: "/cpus") }
            guard let online = try reader.bool("online") else { throw .missingMember(pointer: "/online") }
            try reader.finish()
            guard !cpus.isEmpty else { throw .invalidValue(pointer: "/cpus", reason: "names no CPU") }
            return (cpus, online)
        }
        let (reports, events) = try context.apply(.setCPUsOnline(system: name, cpus: cpus, online: online)) { outcome, system in
            guard case .cpusChanged(let reports) = outcome, let system else { return ([JSONValue](), [JSONValue]()) }
            let first = reports.first?.events.lowerBound ?? 0
            let next = reports.last?.events.upperBound ?? 0
            let caused = next > first ? system.events.events(after: EventSequence(rawValue: first - 1), limit: Int(next - first)) : []
            return (reports.map(SystemDTO.hotplug), caused.map(IRQDTO.event))
        }
        return context.json(.ok, .object([("cpus", .array(reports)), ("events", .array(events))]))
    }
}
