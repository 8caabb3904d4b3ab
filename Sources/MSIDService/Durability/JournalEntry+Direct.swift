import IRQModel

// The journal records of the commands requests repeat at a high rate (an IRQ's activation,
// mask, affinity or free; a CPU going on- or offline), written without `Codable`'s containers.
// Encoding the command through `JSONStreamEncoder` was a tenth of the CPU of a durable mutation
// with 16 clients (boxes, dynamic dispatch and a container stack for five members). The bytes
// are exactly those of the synthesized `Codable` conformance (JournalEntryTests hold the two
// equal for every case), so replay reads them through `Decodable` as before.

extension Command {
    /// The journal payload `{"command":{...}}` of a command on one IRQ or one CPU; nil for the
    /// commands that create or delete systems, domains and IRQ blocks, which are rare and take
    /// the `Codable` path.
    func directJournalPayload() -> [UInt8]? {
        var writer = JSONWriter(capacity: 128)
        writer.beginObject()
        writer.key("command")
        switch self {
        case .activate(let system, let virq): writer.irqCommand("activate", system, virq)
        case .deactivate(let system, let virq): writer.irqCommand("deactivate", system, virq)
        case .mask(let system, let virq): writer.irqCommand("mask", system, virq)
        case .unmask(let system, let virq): writer.irqCommand("unmask", system, virq)
        case .free(let system, let virq): writer.irqCommand("free", system, virq)
        case .setAffinity(let system, let virq, let cpus):
            writer.irqCommand("setAffinity", system, virq) { $0.member("cpus", cpus.cpulist) }
        case .setCPUOnline(let system, let cpu, let online):
            writer.beginObject()
            writer.key("setCPUOnline")
            writer.beginObject()
            writer.member("system", system.rawValue)
            writer.member("cpu", cpu.rawValue)
            writer.member("online", online)
            writer.endObject()
            writer.endObject()
        case .createSystem, .deleteSystem, .createDomain, .deleteDomain, .allocateIRQs, .deleteDomainCascade, .deleteSystemCascade,
             .freeDeviceIRQs, .setCPUsOnline, .setVCPUAffinity:
            return nil
        }
        writer.endObject()
        return writer.bytes
    }
}

extension JSONWriter {
    /// `{"<name>":{"system":...,"virq":...<more>}}`: a command case on one IRQ, members in
    /// declaration order as the synthesized conformance writes them.
    fileprivate mutating func irqCommand(_ name: StaticString, _ system: SystemName, _ virq: VirtualIRQ,
                                         more: (inout JSONWriter) -> Void = { _ in }) {
        beginObject()
        key(name)
        beginObject()
        member("system", system.rawValue)
        member("virq", virq.rawValue)
        more(&self)
        endObject()
        endObject()
    }
}
