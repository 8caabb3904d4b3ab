import IRQModel
import MicroHTTP

/// IRQs: allocate through a pci-msi domain, list with filters, show with the hierarchy,
/// activate/deactivate/mask/unmask, free, the composed message, affinity.
enum IRQHandlers {
    static let routes: [Route] = [
        Route(method: .post, pattern: PathPattern("/v1/systems/{system}/domains/{domain}/irqs"), handler: allocate),
        Route(method: .get, pattern: PathPattern("/v1/systems/{system}/irqs"), handler: list),
        Route(method: .get, pattern: PathPattern("/v1/systems/{system}/irqs/{virq}"), handler: show),
        Route(method: .delete, pattern: PathPattern("/v1/systems/{system}/irqs/{virq}"), handler: free),
        Route(method: .post, pattern: PathPattern("/v1/systems/{system}/irqs/{virq}/activate"), handler: action { .activate(system: $0, virq: $1) }),
        Route(method: .post, pattern: PathPattern("/v1/systems/{system}/irqs/{virq}/deactivate"), handler: action { .deactivate(system: $0, virq: $1) }),
        Route(method: .post, pattern: PathPattern("/v1/systems/{system}/irqs/{virq}/mask"), handler: action { .mask(system: $0, virq: $1) }),
        Route(method: .post, pattern: PathPattern("/v1/systems/{system}/irqs/{virq}/unmask"), handler: action { .unmask(system: $0, virq: $1) }),
        Route(method: .get, pattern: PathPattern("/v1/systems/{system}/irqs/{virq}/msi"), handler: msi),
        Route(method: .put, pattern: PathPattern("/v1/systems/{system}/irqs/{virq}/affinity"), handler: affinity),
    ]

    static func allocate(_ context: RequestContext) throws(ServiceError) -> HTTPResponse {
        let name = try context.systemName()
        let domain = try context.domainName()
        let body = try context.jsonBody()
        let request = try context.decode { () throws(RequestError) in try IRQDTO.allocation(body) }
        let (first, irqs) = try context.apply(.allocateIRQs(system: name, domain: domain, request: request)) { outcome, system in
            guard case .irqsAllocated(let virqs) = outcome, let system else { return (VirtualIRQ?.none, [IRQDTO.IRQFacts]()) }
            return (virqs.first, virqs.compactMap { try? system.irqDescriptor($0) }.map { IRQDTO.IRQFacts($0, in: system) })
        }
        guard let first else { throw .model(.systemNotFound(name)) }
        return HTTPResponse(status: .created, contentType: "application/json", body: IRQDTO.irqListAnswer(irqs),
                            headers: ["Location": "/v1/systems/\(name)/irqs/\(first)"])
    }

    /// `GET .../irqs`: a page of IRQs by virq (`limit`, `cursor`), filtered by `domain`,
    /// `device`, `cpu` (effective), `managed`, `masked`. A page is read under the lock (its
    /// scan is bounded) and rendered outside it.
    static func list(_ context: RequestContext) throws(ServiceError) -> HTTPResponse {
        try context.onlyQuery(["domain", "device", "cpu", "managed", "masked", "limit", "cursor"])
        let name = try context.systemName()
        let page = try Page(context, list: "irqs")
        var filter = IRQFilter(domain: try context.queryDomain(), device: try context.queryDevice())
        filter.cpu = try context.queryInteger("cpu", in: 0...Int64(CPUSet.capacity - 1)).map { CPUID(Int($0)) }
        filter.managed = try context.queryBool("managed")
        filter.masked = try context.queryBool("masked")
        var after: VirtualIRQ?
        if let key = page.after {
            guard let value = UInt32(key) else { throw .request(.invalidParameter(name: "cursor", reason: "not a cursor of this list")) }
            after = VirtualIRQ(rawValue: value)
        }
        let (irqs, resume) = try context.model { () throws(ModelError) in
            try context.state.read(name) { (system) throws(ModelError) in
                let found = try system.irqPage(after: after, limit: page.limit, filter: filter)
                return (found.irqs.map { IRQDTO.IRQFacts($0, in: system) }, found.resumeAfter)
            }
        }
        let next = resume.map { Page.cursor(list: "irqs", after: String($0.rawValue)) }
        var headers: HTTPHeaders = [:]
        if let next { headers.add(name: "Link", value: Page.link(context.request, next: next)) }
        return HTTPResponse(status: .ok, contentType: "application/json", body: IRQDTO.irqListAnswer(irqs, next: .some(next)),
                            headers: headers)
    }

    static func show(_ context: RequestContext) throws(ServiceError) -> HTTPResponse {
        try context.onlyQuery([])
        let name = try context.systemName()
        let virq = try context.virq()
        let irq = try context.model { () throws(ModelError) in
            try context.state.read(name) { (system) throws(ModelError) in IRQDTO.IRQFacts(try system.irqDescriptor(virq), in: system) }
        }
        return HTTPResponse(status: .ok, contentType: "application/json", body: IRQDTO.irqAnswer(irq))
    }

    /// Frees the IRQ; for a multi-MSI block, the whole block (listed in `freed`).
    static func free(_ context: RequestContext) throws(ServiceError) -> HTTPResponse {
        let name = try context.systemName()
        let virq = try context.virq()
        let outcome = try context.apply(.free(system: name, virq: virq))
        guard case .irqsFreed(let freed) = outcome else { return context.json(.ok, .object([("freed", .array([]))])) }
        return context.json(.ok, .object([("freed", .array(freed.map { .integer($0.rawValue) }))]))
    }

    static func action(_ command: @escaping @Sendable (SystemName, VirtualIRQ) -> Command) -> @Sendable (RequestContext) throws(ServiceError) -> HTTPResponse {
        { (context) throws(ServiceError) -> HTTPResponse in
            let name = try context.systemName()
            let virq = try context.virq()
            let irq = try context.apply(command(name, virq)) { _, system in
                system.flatMap { system in (try? system.irqDescriptor(virq)).map { IRQDTO.IRQFacts($0, in: system) } }
            }
            guard let irq else { throw .model(.irqNotFound(system: name, virq: virq)) }
            return HTTPResponse(status: .ok, contentType: "application/json", body: IRQDTO.irqAnswer(irq))
        }
    }

    static func msi(_ context: RequestContext) throws(ServiceError) -> HTTPResponse {
        try context.onlyQuery([])
        let name = try context.systemName()
        let virq = try context.virq()
        let view = try context.model { () throws(ModelError) in
            try context.state.read(name) { (system) throws(ModelError) in
                guard let view = try system.messageView(virq) else { throw ModelError.irqNotActivated(system: name, virq: virq) }
                return view
            }
        }
        return HTTPResponse(status: .ok, contentType: "application/json", body: IRQDTO.messageView(view))
    }

    /// `PUT .../affinity` `{"cpus": "<cpulist>"}`: requested and effective affinity, the new
    /// message and the events the change caused (vector move, route write, retarget).
    static func affinity(_ context: RequestContext) throws(ServiceError) -> HTTPResponse {
        let name = try context.systemName()
        let virq = try context.virq()
        let body = try context.jsonBody()
        let cpus = try context.decode { () throws(RequestError) in
            var reader = try ObjectReader(body)
            guard let cpus = try reader.cpuSet("cpus") else { throw reader.missing("cpus") }
            try reader.finish()
            return cpus
        }
        let outcome = try context.apply(.setAffinity(system: name, virq: virq, cpus: cpus))
        guard case .affinityChanged(let report) = outcome else { throw .model(.irqNotFound(system: name, virq: virq)) }
        return context.json(.ok, .object([
            ("virq", .integer(report.virq.rawValue)),
            ("requested", .string(report.requested.cpulist)),
            ("effective", .string(report.effectiveCPU.map { CPUSet([$0]).cpulist } ?? "")),
            ("msi", report.message.map(IRQDTO.message) ?? .null),
            ("events", .array(report.events.map(IRQDTO.event))),
        ]))
    }
}
