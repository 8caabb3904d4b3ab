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
        ])
    }

    static func cpu(_ cpu: CPU) -> JSONValue {
        .object([("id", .integer(cpu.id.rawValue)), ("hwid", .integer(cpu.hardwareID)), ("online", .bool(cpu.online))])
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

    /// Reads `POST /v1/systems`: `name`, `arch`, `cpus` (a count, or `[{"id","hwid"}]` with ids
    /// 0..N-1 each once), `extendedDestinationId`, `firstVirq`.
    static func spec(_ body: JSONValue) throws(RequestError) -> SystemSpec {
        var reader = try ObjectReader(body)
        guard let name = try reader.systemName("name") else { throw .missingMember(pointer: "/name") }
        guard let arch = try reader.enumeration("arch", Architecture.self) else { throw .missingMember(pointer: "/arch") }
        let cpus = try reader.require("cpus")
        let extended = try reader.bool("extendedDestinationId") ?? false
        let firstVirq = try reader.integer("firstVirq", in: 1...Int64(VirqSpace.limit - 1))
        try reader.finish()
        let hardwareIDs: [UInt64]
        switch cpus {
        case .number:
            let count = try ObjectReader.integer(cpus, pointer: "/cpus", in: 1...Int64(CPUSet.capacity))
            hardwareIDs = (0..<UInt64(count)).map { $0 }
        case .array(let elements):
            guard (1...CPUSet.capacity).contains(elements.count) else {
                throw .invalidValue(pointer: "/cpus", reason: "a system has 1 to \(CPUSet.capacity) CPUs; \(elements.count) were given")
            }
            var byID = [UInt64?](repeating: nil, count: elements.count)
            for (index, element) in elements.enumerated() {
                var cpu = try ObjectReader(element, pointer: "/cpus/\(index)")
                guard let id = try cpu.integer("id", in: 0...Int64(elements.count - 1)) else { throw .missingMember(pointer: "/cpus/\(index)/id") }
                guard let hwid = try cpu.integer("hwid", in: 0...0xFF_FFFF_FFFF) else { throw .missingMember(pointer: "/cpus/\(index)/hwid") }
                try cpu.finish()
                guard byID[Int(id)] == nil else { throw .invalidValue(pointer: "/cpus/\(index)/id", reason: "CPU \(id) is listed twice") }
                byID[Int(id)] = UInt64(hwid)
            }
            hardwareIDs = byID.compactMap { $0 }
        default:
            throw .wrongType(pointer: "/cpus", expected: "integer or array", found: cpus.typeName)
        }
        return SystemSpec(name: name, architecture: arch, hardwareIDs: hardwareIDs, extendedDestinationID: extended,
                          firstVirq: firstVirq.map { VirtualIRQ(rawValue: UInt32($0)) })
    }
}
