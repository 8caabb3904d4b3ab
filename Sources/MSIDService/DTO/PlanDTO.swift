import IRQModel

/// The JSON forms of a capacity plan (`POST /v1/systems/{system}/plan`).
enum PlanDTO {
    /// The most requests one plan takes. Each runs the whole allocation path (up to 2048 IRQs)
    /// on a copy of the system, so the bound keeps the work of one plan, which a read token may
    /// ask for, to a known size.
    static let maximumRequests = 256

    /// Reads `{"requests": [...]}`: 1 to `maximumRequests` requests, each one allocation
    /// request (the members `POST .../domains/{domain}/irqs` takes, read by the same parser)
    /// plus its target: `domain`, an existing `pci-msi` domain, or `device` with `parent` (and
    /// optionally `msixTableSize`, `dmaAlias`) for a device whose domain the plan creates.
    static func requests(_ body: JSONValue) throws(RequestError) -> [PlanRequest] {
        var reader = try ObjectReader(body)
        let list = try reader.require("requests")
        try reader.finish()
        guard case .array(let elements) = list else {
            throw .wrongType(pointer: "/requests", expected: "array", found: list.typeName)
        }
        guard !elements.isEmpty else { throw .invalidValue(pointer: "/requests", reason: "a plan needs at least one request") }
        guard elements.count <= maximumRequests else {
            throw .invalidValue(pointer: "/requests",
                                reason: "\(elements.count) requests; a plan takes at most \(maximumRequests), since each runs the whole allocation path on a copy of the system: split it into plans of at most \(maximumRequests), or allocate larger counts per request")
        }
        var requests: [PlanRequest] = []
        requests.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            requests.append(try request(element, pointer: "/requests/\(index)"))
        }
        return requests
    }

    /// One request of a plan; its allocation members are read (and unknown members refused)
    /// before the target's members are checked against each other.
    static func request(_ value: JSONValue, pointer: String) throws(RequestError) -> PlanRequest {
        var reader = try ObjectReader(value, pointer: pointer)
        let domain = try reader.domainName("domain")
        let device = try pciAddress(&reader, "device")
        let parent = try reader.domainName("parent")
        let tableSize = try reader.integer("msixTableSize", in: 1...2048).map { Int($0) }
        let alias = try pciAddress(&reader, "dmaAlias")
        let allocation = try IRQDTO.allocation(&reader)
        let target: PlanRequest.Target
        if let domain {
            for (member, given) in [("device", device != nil), ("parent", parent != nil), ("msixTableSize", tableSize != nil),
                                    ("dmaAlias", alias != nil)] where given {
                throw .invalidValue(pointer: reader.path(member),
                                    reason: "describes a new device's domain; a request names either domain (an existing pci-msi domain) or device and parent")
            }
            target = .domain(domain)
        } else if let device {
            guard let parent else { throw .missingMember(pointer: reader.path("parent")) }
            target = .device(device, parent: parent, msixTableSize: tableSize, dmaAlias: alias)
        } else {
            for (member, given) in [("parent", parent != nil), ("msixTableSize", tableSize != nil), ("dmaAlias", alias != nil)]
            where given {
                throw .invalidValue(pointer: reader.path(member), reason: "applies to a request that names a device")
            }
            throw .invalidValue(pointer: pointer,
                                reason: "names neither domain (an existing pci-msi domain) nor device (with parent, for a new one)")
        }
        return PlanRequest(target: target, allocation: allocation)
    }

    /// A BDF member (`DDDD:BB:DD.F`), as `POST .../domains` reads `device`; nil when absent.
    private static func pciAddress(_ reader: inout ObjectReader, _ key: String) throws(RequestError) -> PCIAddress? {
        guard let text = try reader.string(key) else { return nil }
        do { return try PCIAddress(parsing: text) } catch {
            guard case .invalidPCIAddress(_, let reason) = error else { throw .invalidValue(pointer: reader.path(key), reason: "\(error)") }
            throw .invalidValue(pointer: reader.path(key), reason: reason)
        }
    }

    /// The answer: whether everything fits, the first failure, each request's outcome (with the
    /// problem the real allocation would have answered), and the per-CPU and per-domain pressure
    /// before and after.
    static func report(_ report: PlanReport) -> JSONValue {
        var object = JSONObjectBuilder()
        object.set("fits", .bool(report.fits))
        object.set("firstFailure", report.firstFailure.map { failure in
            .object([("index", .integer(failure.index)), ("problem", failure.error.map { Problem($0).json } ?? .null)])
        } ?? .null)
        object.set("requests", .array(report.outcomes.map(outcome)))
        object.set("cpus", .array(report.cpus.map { pressure in
            var entry = JSONObjectBuilder()
            entry.set("cpu", .integer(pressure.after.cpu.rawValue))
            entry.set("online", .bool(pressure.after.online))
            var before = JSONObjectBuilder()
            DomainDTO.counters(pressure.before, into: &before)
            var after = JSONObjectBuilder()
            DomainDTO.counters(pressure.after, into: &after)
            entry.set("before", before.value)
            entry.set("after", after.value)
            return entry.value
        }))
        object.set("domains", .array(report.domains.map { pressure in
            .object([
                ("name", .string(pressure.name.rawValue)),
                ("kind", .string(pressure.kind.rawValue)),
                ("unit", .string(pressure.after.unit)),
                ("before", pressure.before.map(pool) ?? .null),
                ("after", pool(pressure.after)),
            ])
        }))
        return object.value
    }

    static func outcome(_ outcome: PlanOutcome) -> JSONValue {
        .object([
            ("index", .integer(outcome.index)),
            ("device", outcome.device.map { .string($0.description) } ?? .null),
            ("domain", .string(outcome.domain.rawValue)),
            ("fits", .bool(outcome.fits)),
            ("allocated", .integer(outcome.virqs.count)),
            ("virqs", .array(outcome.virqs.map { .integer($0.rawValue) })),
            ("cpus", .string(outcome.effectiveCPUs.cpulist)),
            ("problem", outcome.error.map { Problem($0).json } ?? .null),
        ])
    }

    private static func pool(_ occupancy: DomainOccupancy) -> JSONValue {
        .object([("used", .integer(occupancy.used)), ("free", .integer(occupancy.free))])
    }
}
