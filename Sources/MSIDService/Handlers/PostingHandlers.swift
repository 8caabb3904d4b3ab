import IRQModel
import MicroHTTP

/// vCPU posting of remapped IRQs (`irq_set_vcpu_affinity`): what a hypervisor does when it
/// assigns a device's interrupt to a guest vCPU with VT-d posted interrupts.
enum PostingHandlers {
    static let routes: [Route] = [
        Route(method: .put, pattern: PathPattern("/v1/systems/{system}/irqs/{virq}/vcpu-affinity"), handler: post),
        Route(method: .delete, pattern: PathPattern("/v1/systems/{system}/irqs/{virq}/vcpu-affinity"), handler: unpost),
    ]

    /// `PUT .../vcpu-affinity` `{"vector", "descriptor", "urgent"?}`: the IRQ's IRTE becomes a
    /// posted-format entry for the vCPU whose posted-interrupt descriptor is at `descriptor`.
    /// Answers the IRQ (its remapping level shows the entry) and the events it caused.
    static func post(_ context: RequestContext) throws(ServiceError) -> HTTPResponse {
        let name = try context.systemName()
        let virq = try context.virq()
        let body = try context.jsonBody()
        let target = try context.decode { () throws(RequestError) in
            var reader = try ObjectReader(body)
            guard let vector = try reader.integer("vector", in: 0...255) else { throw reader.missing("vector") }
            guard let descriptor = try reader.address("descriptor") else { throw reader.missing("descriptor") }
            let urgent = try reader.bool("urgent") ?? false
            try reader.finish()
            return PostedTarget(vector: Vector(rawValue: UInt8(vector)), descriptor: descriptor, urgent: urgent)
        }
        return try answer(context, .setVCPUAffinity(system: name, virq: virq, target: target), name: name, virq: virq)
    }

    /// `DELETE .../vcpu-affinity`: back to remapped delivery (the cached remapped entry is written).
    static func unpost(_ context: RequestContext) throws(ServiceError) -> HTTPResponse {
        let name = try context.systemName()
        let virq = try context.virq()
        return try answer(context, .setVCPUAffinity(system: name, virq: virq, target: nil), name: name, virq: virq)
    }

    private static func answer(_ context: RequestContext, _ command: Command, name: SystemName, virq: VirtualIRQ) throws(ServiceError) -> HTTPResponse {
        let irq = try context.apply(command) { _, system in
            system.flatMap { system in (try? system.irqDescriptor(virq)).map { IRQDTO.IRQFacts($0, in: system) } }
        }
        guard let irq else { throw .model(.irqNotFound(system: name, virq: virq)) }
        return HTTPResponse(status: .ok, contentType: "application/json", body: IRQDTO.irqAnswer(irq))
    }
}
