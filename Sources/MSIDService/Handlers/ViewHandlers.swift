import IRQModel
import MicroHTTP

/// Whole-system views for people and tools: the interrupt table (`/proc/interrupts`-like, text
/// for curl, JSON on `Accept: application/json`) and one CPU with what is routed to it.
enum ViewHandlers {
    static let routes: [Route] = [
        Route(method: .get, pattern: PathPattern("/v1/systems/{system}/interrupts"), handler: interrupts),
        Route(method: .get, pattern: PathPattern("/v1/systems/{system}/cpus/{cpu}"), handler: cpu),
    ]

    /// `GET .../interrupts[?device=]`: every IRQ, by virq.
    static func interrupts(_ context: RequestContext) throws(ServiceError) -> HTTPResponse {
        try context.onlyQuery(["device"])
        let name = try context.systemName()
        let device = try context.queryDevice()
        let (rows, architecture) = try context.model { () throws(ModelError) in
            try context.state.read(name) { ($0.interruptRows(device: device), $0.architecture) }
        }
        if context.acceptsJSON { return context.json(.ok, ViewDTO.interrupts(rows)) }
        return context.text(ViewDTO.interruptsText(rows, architecture: architecture))
    }

    /// `GET .../cpus/{cpu}`: the CPU, its vector counters (x86) and the IRQs routed to it.
    static func cpu(_ context: RequestContext) throws(ServiceError) -> HTTPResponse {
        try context.onlyQuery([])
        let name = try context.systemName()
        let cpu = CPUID(try context.integerParameter("cpu", below: CPUSet.capacity))
        let view = try context.model { () throws(ModelError) in try context.state.read(name) { (system) throws(ModelError) in try system.cpuView(cpu) } }
        return context.json(.ok, ViewDTO.cpu(view))
    }
}

extension RequestContext {
    /// Refuses query parameters the resource does not take (400 naming the first); every GET
    /// also takes `consistency`, which the router reads.
    func onlyQuery(_ known: Set<String>) throws(ServiceError) {
        if let unknown = request.query.first(where: { !known.contains($0.name) && $0.name != "consistency" }) {
            let list = known.isEmpty ? "it takes none" : "it takes " + known.sorted().joined(separator: ", ")
            throw .request(.invalidParameter(name: unknown.name, reason: "is not a query parameter of \(request.path); \(list)"))
        }
    }

    /// Whether the client asked for JSON (`Accept` names `application/json`).
    var acceptsJSON: Bool { request.headers["Accept"]?.lowercased().contains("application/json") == true }

    /// Whether the client asked for text and not JSON.
    var prefersText: Bool {
        guard let accept = request.headers["Accept"]?.lowercased() else { return false }
        return accept.contains("text/plain") && !accept.contains("application/json")
    }

    func text(_ text: String, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8))
    }
}
