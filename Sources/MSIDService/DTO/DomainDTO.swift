import IRQModel

/// The JSON forms of domains (api.md: kind configuration members flat beside `kind`).
enum DomainDTO {
    static func domain(_ view: DomainView) -> JSONValue {
        var object = JSONObjectBuilder()
        object.set("name", .string(view.name.rawValue))
        object.set("kind", .string(view.kind.rawValue))
        object.set("parent", view.parent.map { .string($0.rawValue) } ?? .null)
        object.set("children", .array(view.children.map { .string($0.rawValue) }))
        object.set("allocatedIrqs", .integer(view.allocatedIRQs))
        switch view.configuration {
        case .x86Vector(let reserved):
            object.set("reservedVectors", .array(reserved.map { .integer($0.rawValue) }))
        case .gicv3(let base, let spis, let mbi):
            object.set("distributorBase", .hex64(base))
            object.set("spis", .integer(spis))
            object.set("mbi", .array(mbi.map { .object([("spiBase", .integer($0.base)), ("spiCount", .integer($0.count))]) }))
        case .gicv3ITS(let base, let map):
            object.set("itsBase", .hex64(base))
            object.set("msiMap", .array((map ?? []).map { entry in
                .object([("segment", .integer(entry.segment)), ("ridBase", .string(PCIAddress.hexDeviceID(entry.ridBase))),
                         ("deviceIdBase", .string(PCIAddress.hexDeviceID(entry.deviceIDBase))), ("length", .integer(entry.length))])
            }))
        case .gicv2m(let base, let spis):
            object.set("frameBase", .hex64(base))
            object.set("spiBase", .integer(spis.base))
            object.set("spiCount", .integer(spis.count))
        case .hypervVPCI(let policy, let version, let instance):
            object.set("activatePolicy", .string(policy.rawValue))
            object.set("protocolVersion", .string(version.rawValue))
            object.set("instanceId", .string(instance.description))
        case .pciMSI(let device, let tableSize, let alias):
            object.set("device", .string(device.description))
            object.set("msixTableSize", tableSize.map { .integer($0) } ?? .null)
            object.set("dmaAlias", alias.map { .string($0.description) } ?? .null)
        case .remapping(let configuration):
            object.set("tableEntries", .integer(configuration.entriesPerTable))
            object.set("format", .string(configuration.format.rawValue))
            if configuration.kind == .intelIR {
                object.set("extendedInterruptMode", .bool(configuration.extendedInterruptMode))
                object.set("maxHandleMask", .integer(configuration.maxHandleMask))
            }
        }
        object.set("occupancy", occupancy(view.occupancy))
        return object.value
    }

    static func occupancy(_ occupancy: DomainOccupancy) -> JSONValue {
        var object = JSONObjectBuilder()
        object.set("unit", .string(occupancy.unit))
        object.set("used", .integer(occupancy.used))
        object.set("free", .integer(occupancy.free))
        if let reserved = occupancy.reserved { object.set("reserved", .integer(reserved)) }
        if let perCPU = occupancy.perCPU {
            object.set("perCpu", .array(perCPU.map { cpu in
                var entry = JSONObjectBuilder()
                entry.set("cpu", .integer(cpu.cpu.rawValue))
                entry.set("online", .bool(cpu.online))
                counters(cpu, into: &entry)
                return entry.value
            }))
        }
        if let ranges = occupancy.ranges {
            object.set("ranges", .array(ranges.map {
                .object([("name", .string($0.name)), ("first", .integer($0.first)), ("count", .integer($0.count)), ("used", .integer($0.used))])
            }))
        }
        return object.value
    }

    /// A CPU's counters (the members of a `perCpu` entry beside `cpu` and `online`): what is
    /// allocated, and on x86 the vector matrix's `available`, `managed` and `managedAllocated`.
    static func counters(_ cpu: CPUOccupancy, into entry: inout JSONObjectBuilder) {
        entry.set("allocated", .integer(cpu.allocated))
        if let available = cpu.available { entry.set("available", .integer(available)) }
        if let managed = cpu.managed { entry.set("managed", .integer(managed)) }
        if let managedAllocated = cpu.managedAllocated { entry.set("managedAllocated", .integer(managedAllocated)) }
        if cpu.availableWrapped == true {
            entry.set("availableWrapped", .bool(true))
            entry.set("note", .string(
                "available wrapped below zero as the kernel's unsigned int does (kernel/irq/matrix.c): a managed vector was released while this CPU was offline, so the count is one short; matrix_find_best_cpu now ranks this CPU first and allocations that pick it fail with -ENOSPC, as in Linux"))
        }
    }

    /// Reads `POST .../domains`: `name`, `kind`, `parent` (absent or null for roots) and the
    /// kind's members; members of other kinds are unknown members.
    static func spec(_ body: JSONValue, system: SystemName) throws(RequestError) -> DomainSpec {
        var reader = try ObjectReader(body)
        guard let name = try reader.domainName("name") else { throw reader.missing("name") }
        guard let kind = try reader.enumeration("kind", DomainKind.self) else { throw reader.missing("kind") }
        let parent = try reader.domainName("parent")
        let configuration: DomainConfiguration
        switch kind {
        case .x86Vector:
            var vectors: [Vector] = []
            if let list = reader.value("reservedVectors") {
                guard case .array(let elements) = list else {
                    throw .wrongType(pointer: "/reservedVectors", expected: "array", found: list.typeName)
                }
                for (index, element) in elements.enumerated() {
                    vectors.append(Vector(rawValue: UInt8(try ObjectReader.integer(element, pointer: "/reservedVectors/\(index)", in: 0x20...0xEA))))
                }
            }
            configuration = .x86Vector(reservedVectors: vectors)
        case .gicv3:
            guard let base = try reader.address("distributorBase") else { throw reader.missing("distributorBase") }
            let spis = try reader.integer("spis", in: 1...Int64(DomainConfiguration.maximumSPIs)) ?? Int64(DomainConfiguration.maximumSPIs)
            var ranges: [SPIRange] = []
            if let list = reader.value("mbi") {
                guard case .array(let elements) = list else { throw .wrongType(pointer: "/mbi", expected: "array", found: list.typeName) }
                for (index, element) in elements.enumerated() {
                    var range = try ObjectReader(element, pointer: "/mbi/\(index)")
                    guard let spiBase = try range.integer("spiBase", in: 32...1019) else { throw range.missing("spiBase") }
                    guard let spiCount = try range.integer("spiCount", in: 1...988) else { throw range.missing("spiCount") }
                    try range.finish()
                    ranges.append(SPIRange(base: UInt32(spiBase), count: UInt32(spiCount)))
                }
            }
            configuration = .gicv3(distributorBase: base, spis: UInt32(spis), mbi: ranges)
        case .gicv3ITS:
            guard let base = try reader.address("itsBase") else { throw reader.missing("itsBase") }
            var map: [MSIMapEntry]?
            if let entries = reader.value("msiMap") {
                guard case .array(let elements) = entries else {
                    throw .wrongType(pointer: "/msiMap", expected: "array", found: entries.typeName)
                }
                map = try elements.enumerated().map { (index, element) throws(RequestError) in
                    let pointer = "/msiMap/\(index)"
                    var entry = try ObjectReader(element, pointer: pointer)
                    let segment = try entry.integer("segment", in: 0...0xFFFF) ?? 0
                    guard let ridBase = try entry.address("ridBase") else { throw entry.missing("segment") }
                    guard let deviceIDBase = try entry.address("deviceIdBase") else { throw entry.missing("deviceIdBase") }
                    guard let length = try entry.integer("length", in: 1...0x1_0000) else { throw entry.missing("length") }
                    try entry.finish()
                    guard ridBase <= 0xFFFF else { throw .invalidValue(pointer: pointer + "/ridBase", reason: "a requester id has 16 bits") }
                    guard deviceIDBase <= 0xFFFF_FFFF else { throw .invalidValue(pointer: pointer + "/deviceIdBase", reason: "a DeviceID has at most 32 bits") }
                    return MSIMapEntry(segment: UInt16(segment), ridBase: UInt32(ridBase), deviceIDBase: UInt32(deviceIDBase),
                                       length: UInt32(length))
                }
            }
            configuration = .gicv3ITS(itsBase: base, msiMap: map?.isEmpty == true ? nil : map)
        case .gicv2m:
            guard let base = try reader.address("frameBase") else { throw reader.missing("frameBase") }
            guard let spiBase = try reader.integer("spiBase", in: 32...1019) else { throw reader.missing("spiBase") }
            guard let spiCount = try reader.integer("spiCount", in: 1...988) else { throw reader.missing("spiCount") }
            configuration = .gicv2m(frameBase: base, spis: SPIRange(base: UInt32(spiBase), count: UInt32(spiCount)))
        case .hypervVPCI:
            let policy = try reader.enumeration("activatePolicy", HyperVActivatePolicy.self) ?? .firstPresent
            let version = try reader.enumeration("protocolVersion", HyperVProtocolVersion.self) ?? .v1_4
            var instance = defaultInstanceID(system: system, domain: name)
            if let text = try reader.string("instanceId") {
                guard let parsed = HyperVInstanceID(string: text) else {
                    throw .invalidValue(pointer: "/instanceId", reason: "\"\(text)\" is not a GUID (8-4-4-4-12 hex digits)")
                }
                instance = parsed
            }
            configuration = .hypervVPCI(activatePolicy: policy, protocolVersion: version, instanceID: instance)
        case .pciMSI:
            guard let text = try reader.string("device") else { throw reader.missing("device") }
            let device: PCIAddress
            do { device = try PCIAddress(parsing: text) } catch {
                guard case .invalidPCIAddress(_, let reason) = error else { throw .invalidValue(pointer: "/device", reason: "\(error)") }
                throw .invalidValue(pointer: "/device", reason: reason)
            }
            let tableSize = try reader.integer("msixTableSize", in: 1...2048).map { Int($0) }
            var alias: PCIAddress?
            if let text = try reader.string("dmaAlias") {
                do { alias = try PCIAddress(parsing: text) } catch {
                    guard case .invalidPCIAddress(_, let reason) = error else { throw .invalidValue(pointer: "/dmaAlias", reason: "\(error)") }
                    throw .invalidValue(pointer: "/dmaAlias", reason: reason)
                }
            }
            configuration = .pciMSI(device: device, msixTableSize: tableSize, dmaAlias: alias)
        case .intelIR:
            let entries = try reader.integer("tableEntries", in: 2...Int64(InterruptRemappingDomain.intelTableEntries)).map { Int($0) }
            let eim = try reader.bool("extendedInterruptMode") ?? true
            let mask = Int(try reader.integer("maxHandleMask", in: 0...15) ?? 15)
            configuration = .remapping(RemappingConfiguration(kind: .intelIR, entriesPerTable: entries, extendedInterruptMode: eim, maxHandleMask: mask))
        case .amdIR:
            let entries = try reader.integer("tableEntries", in: 256...2048).map { Int($0) }
            let format = try reader.enumeration("format", AMDIRTEFormatName.self)
            configuration = .remapping(RemappingConfiguration(kind: .amdIR, entriesPerTable: entries, format: format?.format))
        }
        try reader.finish()
        return DomainSpec(name: name, parent: parent, configuration: configuration)
    }

    /// A stable instance GUID when the client names none: FNV-1a of "system/domain", twice
    /// with different offsets, so replays and restarts give the same device ids.
    static func defaultInstanceID(system: SystemName, domain: DomainName) -> HyperVInstanceID {
        func fnv(_ text: String, _ offset: UInt64) -> UInt64 {
            text.utf8.reduce(offset) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
        }
        let key = "\(system)/\(domain)"
        let high = fnv(key, 0xCBF2_9CE4_8422_2325)
        let low = fnv(key, 0x84222325_CBF29CE4)
        return HyperVInstanceID(bytes: (0..<8).map { UInt8(truncatingIfNeeded: high >> (8 * $0)) } + (0..<8).map { UInt8(truncatingIfNeeded: low >> (8 * $0)) })
    }
}

/// The IRTE formats an `amd-ir` domain may be created with.
enum AMDIRTEFormatName: String, CaseIterable {
    case amd32 = "amd-32"
    case amd128 = "amd-128"

    var format: IRTEFormat { self == .amd32 ? .amd32 : .amd128 }
}
