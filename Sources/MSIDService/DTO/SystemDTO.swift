import IRQModel

/// The JSON forms of systems and CPUs (api.md: lowerCamelCase members; CPU sets as cpulists).
enum SystemDTO {
    static func system(_ system: System) -> JSONValue {
        .object([
            ("name", .string(system.name.rawValue)),
            ("arch", .string(system.architecture.rawValue)),
            ("extendedDestinationId", .bool(system.extendedDestinationID)),
            ("firstVirq", .integer(system.virqs.first.rawValue)),
            ("cpus", .integer(system.cpus.count)),
            ("online", .string(system.online.cpulist)),
            ("domains", .integer(system.allDomains.count)),
            ("irqs", .integer(system.virqs.liveCount)),
            ("numaNodes", .integer((system.cpus.map(\.numaNode).max() ?? 0) + 1)),
        ])
    }

    static func cpu(_ cpu: CPU) -> JSONValue {
        .object([("id", .integer(cpu.id.rawValue)), ("hwid", .integer(cpu.hardwareID)), ("online", .bool(cpu.online)),
                 ("node", .integer(cpu.numaNode))])
    }

    static func hotplug(_ report: HotplugReport) -> JSONValue {
        .object([
            ("cpu", .integer(report.cpu.rawValue)),
            ("online", .bool(report.online)),
            ("migrated", .array(report.migrated.map { migration in
                .object([
                    ("virq", .integer(migration.virq.rawValue)),
                    ("from", .integer(migration.from.rawValue)),
                    ("to", migration.to.map { .integer($0.rawValue) } ?? .null),
                    ("affinityBroken", .bool(migration.affinityBroken)),
                ])
            })),
            ("shutDown", .array(report.shutDown.map { .integer($0.rawValue) })),
            ("started", .array(report.started.map { .integer($0.rawValue) })),
        ])
    }

    /// Reads `POST /v1/systems`: `name`, `arch`, `cpus` (a count, or `[{"id","hwid","node"?}]`
    /// with ids 0..N-1 each once), `extendedDestinationId`, `firstVirq`, and `numaNodes` (a
    /// count: CPU i on node ⌊i·nodes/N⌋, contiguous blocks as a VMM's `-numa` options lay
    /// them out; the per-CPU `node` members describe any other layout).
    static func spec(_ body: JSONValue) throws(RequestError) -> SystemSpec {
        var reader = try ObjectReader(body)
        guard let name = try reader.systemName("name") else { throw reader.missing("name") }
        guard let arch = try reader.enumeration("arch", Architecture.self) else { throw reader.missing("arch") }
        let cpus = try reader.require("cpus")
        let extended = try reader.bool("extendedDestinationId") ?? false
        let firstVirq = try reader.integer("firstVirq", in: 1...Int64(VirqSpace.limit - 1))
        let nodeCount = try reader.integer("numaNodes", in: 1...Int64(System.maxNUMANodes))
        try reader.finish()
        let hardwareIDs: [UInt64]
        var nodes: [Int]?
        switch cpus {
        case .number:
            let count = try ObjectReader.integer(cpus, pointer: "/cpus", in: 1...Int64(CPUSet.capacity))
            hardwareIDs = (0..<UInt64(count)).map { $0 }
            if let nodeCount {
                guard nodeCount <= count else {
                    throw .invalidValue(pointer: "/numaNodes", reason: "\(nodeCount) NUMA nodes for \(count) CPUs leaves a node without CPUs; list each CPU's node instead")
                }
                nodes = (0..<Int(count)).map { $0 * Int(nodeCount) / Int(count) }
            }
        case .array(let elements):
            guard (1...CPUSet.capacity).contains(elements.count) else {
                throw .invalidValue(pointer: "/cpus", reason: "a system has 1 to \(CPUSet.capacity) CPUs; \(elements.count) were given")
            }
            var byID = [UInt64?](repeating: nil, count: elements.count)
            var nodeByID = [Int](repeating: 0, count: elements.count)
            var anyNode = false
            for (index, element) in elements.enumerated() {
                var cpu = try ObjectReader(element, pointer: "/cpus/\(index)")
                guard let id = try cpu.integer("id", in: 0...Int64(elements.count - 1)) else { throw cpu.missing("id") }
                guard let hwid = try cpu.integer("hwid", in: 0...0xFF_FFFF_FFFF) else { throw cpu.missing("hwid") }
                let node = try cpu.integer("node", in: 0...Int64(System.maxNUMANodes - 1))
                try cpu.finish()
                guard byID[Int(id)] == nil else { throw .invalidValue(pointer: "/cpus/\(index)/id", reason: "CPU \(id) is listed twice") }
                byID[Int(id)] = UInt64(hwid)
                if let node {
                    nodeByID[Int(id)] = Int(node)
                    anyNode = true
                }
            }
            hardwareIDs = byID.compactMap { $0 }
            if anyNode {
                guard nodeCount == nil else {
                    throw .invalidValue(pointer: "/numaNodes", reason: "give either numaNodes or each CPU's node, not both")
                }
                nodes = nodeByID
            } else if let nodeCount {
                guard nodeCount <= elements.count else {
                    throw .invalidValue(pointer: "/numaNodes", reason: "\(nodeCount) NUMA nodes for \(elements.count) CPUs leaves a node without CPUs; list each CPU's node instead")
                }
                nodes = (0..<elements.count).map { $0 * Int(nodeCount) / elements.count }
            }
        default:
            throw .wrongType(pointer: "/cpus", expected: "integer or array", found: cpus.typeName)
        }
        var spec = SystemSpec(name: name, architecture: arch, hardwareIDs: hardwareIDs, extendedDestinationID: extended,
                              firstVirq: firstVirq.map { VirtualIRQ(rawValue: UInt32($0)) })
        spec.numaNodes = nodes
        return spec
    }
}
