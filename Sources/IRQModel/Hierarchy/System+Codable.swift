extension System: Codable {
    private enum CodingKeys: String, CodingKey {
        case name, architecture, extendedDestinationID, cpus, domains, irqs, virqs, events, cursors
    }

    /// Encodes the state only: lookup tables (names, the decode index, the root) are derived
    /// again on decoding, and IRQs are listed in virq order, so equal systems encode to equal
    /// bytes (with sorted keys).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(architecture, forKey: .architecture)
        try container.encode(extendedDestinationID, forKey: .extendedDestinationID)
        try container.encode(cpus, forKey: .cpus)
        try container.encode(domains, forKey: .domains)
        try container.encode(liveIRQs, forKey: .irqs)
        try container.encode(virqs, forKey: .virqs)
        try container.encode(events, forKey: .events)
        try container.encode(cursors, forKey: .cursors)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(SystemName.self, forKey: .name)
        architecture = try container.decode(Architecture.self, forKey: .architecture)
        extendedDestinationID = try container.decode(Bool.self, forKey: .extendedDestinationID)
        cpus = try container.decode([CPU].self, forKey: .cpus)
        guard !cpus.isEmpty, cpus.count <= CPUSet.capacity, cpus.enumerated().allSatisfy({ $0.offset == $0.element.id.index }) else {
            throw DecodingError.dataCorruptedError(forKey: .cpus, in: container, debugDescription: "CPUs must be numbered 0..N-1 with 1 <= N <= 4096")
        }
        hardwareIDs = cpus.map(\.hardwareID)
        present = CPUSet.range(0..<cpus.count)
        online = CPUSet(cpus.filter(\.online).map(\.id))
        domains = try container.decode([Domain?].self, forKey: .domains)
        virqs = try container.decode(VirqSpace.self, forKey: .virqs)
        events = try container.decode(EventTrail.self, forKey: .events)
        cursors = try container.decode(HyperVCursors.self, forKey: .cursors)
        for domain in domains.compactMap({ $0 }) {
            guard domain.id.index < domains.count, domainIDs[domain.name] == nil else {
                throw DecodingError.dataCorruptedError(forKey: .domains, in: container, debugDescription: "duplicate or misplaced domain \(domain.name)")
            }
            domainIDs[domain.name] = domain.id
            if domain.parent == nil {
                rootID = domain.id
                if case .gicv3(let gic) = domain.state { distributorBase = gic.distributorBase }
            }
        }
        for irq in try container.decode([IRQDescriptor].self, forKey: .irqs) {
            let index = Int(irq.virq.rawValue)
            guard index < Int(VirqSpace.limit), irq.levels.allSatisfy({ $0.domain.index < domains.count && domains[$0.domain.index] != nil }) else {
                throw DecodingError.dataCorruptedError(forKey: .irqs, in: container, debugDescription: "IRQ \(irq.virq) refers to a missing domain")
            }
            if irqs.count <= index { irqs.append(contentsOf: repeatElement(nil, count: index + 1 - irqs.count)) }
            irqs[index] = irq
            if let message = irq.message { decodeIndex.insert(irq.virq, for: message) }
        }
    }
}
