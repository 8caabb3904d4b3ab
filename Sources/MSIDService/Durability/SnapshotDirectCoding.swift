import IRQModel

// The snapshot's bulk, IRQs and trail events, written and read without `Codable`'s containers
// (see `JSONDirectEncodable`). Each encoder writes exactly what the synthesized (or the
// model's own) `Codable` conformance writes: members in declaration order, an optional member
// left out when nil, an enum case as `{"case":{...}}` with an unlabeled value under `"_0"`,
// identifiers as bare integers, CPU sets as cpulists and PCI addresses as text. Each decoder
// accepts that form only; anything else gives nil and goes through `Decodable`.

extension JSONWriter {
    /// `"name":value` when `value` is present; nothing when it is nil, as a synthesized
    /// conformance leaves an absent optional out (`CanonicalObject.optional` reads it back).
    fileprivate mutating func optionalMember(_ name: StaticString, _ value: (some JSONDirectEncodable)?) {
        guard let value else { return }
        key(name)
        value.writeJSON(to: &self)
    }

    /// `"name":{"member":value}`: an enum case whose payload is one integer, as a synthesized
    /// conformance writes it (`_0` for an unlabeled value).
    fileprivate mutating func singleMemberCase<Value: UnsignedInteger & FixedWidthInteger>(
        _ name: StaticString, _ member: StaticString, _ value: Value
    ) {
        key(name)
        beginObject()
        self.member(member, value)
        endObject()
    }
}

// MARK: - IRQs

extension IRQDescriptor: JSONDirectEncodable, JSONDirectDecodable {
    func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("virq", virq.rawValue)
        writer.member("device", device.description)
        writer.member("type", type.rawValue)
        writer.member("blockBase", blockBase.rawValue)
        writer.member("blockSize", blockSize)
        writer.member("managed", managed)
        if let affinity { writer.member("affinity", affinity.cpulist) }
        writer.key("levels")
        writer.beginArray()
        for level in levels { level.writeJSON(to: &writer) }
        writer.endArray()
        if let effectiveCPU { writer.member("effectiveCPU", effectiveCPU.rawValue) }
        writer.member("activated", activated)
        writer.member("masked", masked)
        writer.member("managedShutdown", managedShutdown)
        writer.member("affinityBroken", affinityBroken)
        writer.optionalMember("message", message)
        writer.endObject()
    }

    init?(canonicalJSON json: JSONValue) {
        guard var object = CanonicalObject(json),
              let virq = object.next("virq")?.canonicalInteger(UInt32.self),
              let deviceText = object.next("device")?.canonicalString,
              let device = try? PCIAddress(parsing: deviceText),
              let typeText = object.next("type")?.canonicalString, let type = MSIType(rawValue: typeText),
              let blockBase = object.next("blockBase")?.canonicalInteger(UInt32.self),
              let blockSize = object.next("blockSize")?.canonicalInt,
              let managed = object.next("managed")?.canonicalBool
        else { return nil }
        guard let affinity = object.optional("affinity", { $0.canonicalString.flatMap { try? CPUSet(cpulist: $0) } }),
              case .array(let levelValues)? = object.next("levels") else { return nil }
        var levels: [IRQLevel] = []
        levels.reserveCapacity(levelValues.count)
        for value in levelValues {
            guard let level = IRQLevel(canonicalJSON: value) else { return nil }
            levels.append(level)
        }
        guard let effectiveCPU = object.optional("effectiveCPU", \.canonicalCPU),
              let activated = object.next("activated")?.canonicalBool,
              let masked = object.next("masked")?.canonicalBool,
              let managedShutdown = object.next("managedShutdown")?.canonicalBool,
              let affinityBroken = object.next("affinityBroken")?.canonicalBool,
              let message = object.optional("message", MSIMessage.init(canonicalJSON:)),
              object.isAtEnd
        else { return nil }
        self.init(virq: VirtualIRQ(rawValue: virq), device: device, type: type, blockBase: VirtualIRQ(rawValue: blockBase),
                  blockSize: blockSize, managed: managed, affinity: affinity, levels: levels, effectiveCPU: effectiveCPU,
                  activated: activated, masked: masked, managedShutdown: managedShutdown,
                  affinityBroken: affinityBroken, message: message)
    }
}

extension IRQLevel: JSONDirectEncodable, JSONDirectDecodable {
    func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("domain", domain.rawValue)
        writer.member("hwirq", hwirq.rawValue)
        writer.key("state")
        state.writeJSON(to: &writer)
        writer.endObject()
    }

    init?(canonicalJSON json: JSONValue) {
        guard var object = CanonicalObject(json),
              let domain = object.next("domain")?.canonicalInteger(UInt32.self),
              let hwirq = object.next("hwirq")?.canonicalInteger(UInt32.self),
              let stateValue = object.next("state"), let state = LevelState(canonicalJSON: stateValue),
              object.isAtEnd
        else { return nil }
        self.init(domain: DomainID(rawValue: domain), hwirq: HardwareIRQ(rawValue: hwirq), state: state)
    }
}

extension LevelState: JSONDirectEncodable, JSONDirectDecodable {
    func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        switch self {
        case .pciMSI:
            writer.key("pciMSI")
            writer.emptyObject()
        case .x86Vector(let level):
            writer.key("x86Vector")
            writer.beginObject()
            writer.key("_0")
            writer.beginObject()
            writer.optionalMember("assignment", level.assignment)
            writer.member("holdsReservation", level.holdsReservation)
            writer.endObject()
            writer.endObject()
        case .gicv3(let routedCPU):
            writer.key("gicv3")
            writer.beginObject()
            if let routedCPU { writer.member("routedCPU", routedCPU.rawValue) }
            writer.endObject()
        case .gicv3ITS(let level):
            writer.key("gicv3ITS")
            writer.beginObject()
            writer.key("_0")
            writer.beginObject()
            writer.member("eventID", level.eventID)
            if let collection = level.collection { writer.member("collection", collection.rawValue) }
            writer.endObject()
            writer.endObject()
        case .gicv2m:
            writer.key("gicv2m")
            writer.emptyObject()
        case .hypervVPCI(let level):
            writer.key("hypervVPCI")
            writer.beginObject()
            writer.key("_0")
            writer.beginObject()
            writer.optionalMember("request", level.request)
            writer.optionalMember("answer", level.answer)
            writer.endObject()
            writer.endObject()
        case .remapped(let level):
            writer.key("remapped")
            writer.beginObject()
            writer.key("_0")
            writer.beginObject()
            writer.member("table", level.table)
            writer.member("base", level.base)
            writer.member("offset", level.offset)
            writer.member("order", level.order)
            writer.key("cached")
            level.cached.writeJSON(to: &writer)
            writer.key("hardware")
            level.hardware.writeJSON(to: &writer)
            writer.optionalMember("posted", level.posted)
            writer.endObject()
            writer.endObject()
        }
        writer.endObject()
    }

    init?(canonicalJSON json: JSONValue) {
        guard let (name, payload) = CanonicalObject(json)?.only else { return nil }
        switch name {
        case "pciMSI":
            guard payload.isEmptyObject else { return nil }
            self = .pciMSI
        case "x86Vector":
            guard var object = CanonicalObject(payload), let value = object.next("_0"), object.isAtEnd,
                  var level = CanonicalObject(value),
                  let assignment = level.optional("assignment", VectorAssignment.init(canonicalJSON:)),
                  let holdsReservation = level.next("holdsReservation")?.canonicalBool, level.isAtEnd else { return nil }
            self = .x86Vector(X86VectorLevel(assignment: assignment, holdsReservation: holdsReservation))
        case "gicv3":
            guard var object = CanonicalObject(payload), let routedCPU = object.optional("routedCPU", \.canonicalCPU),
                  object.isAtEnd else { return nil }
            self = .gicv3(routedCPU: routedCPU)
        case "gicv3ITS":
            guard var object = CanonicalObject(payload), let value = object.next("_0"), object.isAtEnd,
                  var level = CanonicalObject(value),
                  let eventID = level.next("eventID")?.canonicalInteger(UInt32.self),
                  let collection = level.optional("collection", \.canonicalCPU), level.isAtEnd else { return nil }
            self = .gicv3ITS(ITSLevel(eventID: eventID, collection: collection))
        case "gicv2m":
            guard payload.isEmptyObject else { return nil }
            self = .gicv2m
        case "hypervVPCI":
            guard var object = CanonicalObject(payload), let value = object.next("_0"), object.isAtEnd,
                  var level = CanonicalObject(value),
                  let request = level.optional("request", HyperVCreateInterruptRequest.init(canonicalJSON:)),
                  let answer = level.optional("answer", MSIMessage.init(canonicalJSON:)), level.isAtEnd else { return nil }
            self = .hypervVPCI(HyperVLevel(request: request, answer: answer))
        case "remapped":
            guard var object = CanonicalObject(payload), let value = object.next("_0"), object.isAtEnd,
                  var level = CanonicalObject(value),
                  let table = level.next("table")?.canonicalInteger(UInt32.self),
                  let base = level.next("base")?.canonicalInteger(UInt32.self),
                  let offset = level.next("offset")?.canonicalInteger(UInt32.self),
                  let order = level.next("order")?.canonicalInteger(UInt8.self),
                  let cachedValue = level.next("cached"), let cached = RemappingEntry(canonicalJSON: cachedValue),
                  let hardwareValue = level.next("hardware"), let hardware = RemappingEntry(canonicalJSON: hardwareValue),
                  let posted = level.optional("posted", PostedTarget.init(canonicalJSON:)), level.isAtEnd,
                  let state = RemappingLevel(table: table, base: base, offset: offset, order: order, cached: cached,
                                             hardware: hardware, posted: posted) else { return nil }
            self = .remapped(state)
        default:
            return nil
        }
    }
}

// MARK: - Values shared by IRQs and events

extension MSIMessage: JSONDirectEncodable, JSONDirectDecodable {
    func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("addressHi", addressHi)
        writer.member("addressLo", addressLo)
        writer.member("data", data)
        writer.endObject()
    }

    init?(canonicalJSON json: JSONValue) {
        guard var object = CanonicalObject(json),
              let addressHi = object.next("addressHi")?.canonicalInteger(UInt32.self),
              let addressLo = object.next("addressLo")?.canonicalInteger(UInt32.self),
              let data = object.next("data")?.canonicalInteger(UInt32.self),
              object.isAtEnd
        else { return nil }
        self.init(addressHi: addressHi, addressLo: addressLo, data: data)
    }
}

extension VectorAssignment: JSONDirectEncodable, JSONDirectDecodable {
    func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("cpu", cpu.rawValue)
        writer.member("vector", vector.rawValue)
        writer.endObject()
    }

    init?(canonicalJSON json: JSONValue) {
        guard var object = CanonicalObject(json),
              let cpu = object.next("cpu")?.canonicalInteger(UInt32.self),
              let vector = object.next("vector")?.canonicalInteger(UInt8.self),
              object.isAtEnd
        else { return nil }
        self.init(cpu: CPUID(rawValue: cpu), vector: Vector(rawValue: vector))
    }
}

extension HyperVCreateInterruptRequest: JSONDirectEncodable, JSONDirectDecodable {
    func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("protocolVersion", protocolVersion.rawValue)
        writer.member("winSlot", winSlot)
        writer.member("vector", vector)
        writer.member("deliveryMode", deliveryMode)
        writer.member("vectorCount", vectorCount)
        writer.member("processor", processor.rawValue)
        writer.endObject()
    }

    init?(canonicalJSON json: JSONValue) {
        guard var object = CanonicalObject(json),
              let versionText = object.next("protocolVersion")?.canonicalString,
              let protocolVersion = HyperVProtocolVersion(rawValue: versionText),
              let winSlot = object.next("winSlot")?.canonicalInteger(UInt32.self),
              let vector = object.next("vector")?.canonicalInteger(UInt32.self),
              let deliveryMode = object.next("deliveryMode")?.canonicalInteger(UInt8.self),
              let vectorCount = object.next("vectorCount")?.canonicalInteger(UInt16.self),
              let processor = object.next("processor")?.canonicalInteger(UInt32.self),
              object.isAtEnd
        else { return nil }
        self.init(protocolVersion: protocolVersion, winSlot: winSlot, vector: vector, deliveryMode: deliveryMode,
                  vectorCount: vectorCount, processor: VPIndex(rawValue: processor))
    }
}

extension HyperVRetargetRequest: JSONDirectEncodable, JSONDirectDecodable {
    func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("deviceID", deviceID)
        writer.member("address", address)
        writer.member("data", data)
        writer.member("vector", vector)
        writer.member("flags", flags)
        writer.key("target")
        writer.beginObject()
        switch target {
        case .vpMask(let mask):
            writer.singleMemberCase("vpMask", "_0", mask)
        case .vpSet(let validBankMask, let banks):
            writer.key("vpSet")
            writer.beginObject()
            writer.member("validBankMask", validBankMask)
            writer.key("banks")
            writer.beginArray()
            for bank in banks { writer.integer(bank) }
            writer.endArray()
            writer.endObject()
        }
        writer.endObject()
        writer.endObject()
    }

    init?(canonicalJSON json: JSONValue) {
        guard var object = CanonicalObject(json),
              let deviceID = object.next("deviceID")?.canonicalInteger(UInt64.self),
              let address = object.next("address")?.canonicalInteger(UInt32.self),
              let data = object.next("data")?.canonicalInteger(UInt32.self),
              let vector = object.next("vector")?.canonicalInteger(UInt32.self),
              let flags = object.next("flags")?.canonicalInteger(UInt32.self),
              let targetValue = object.next("target"), object.isAtEnd,
              let (name, payload) = CanonicalObject(targetValue)?.only,
              var fields = CanonicalObject(payload)
        else { return nil }
        let target: Target
        switch name {
        case "vpMask":
            guard let mask = fields.next("_0")?.canonicalInteger(UInt64.self), fields.isAtEnd else { return nil }
            target = .vpMask(mask)
        case "vpSet":
            guard let validBankMask = fields.next("validBankMask")?.canonicalInteger(UInt64.self),
                  case .array(let bankValues)? = fields.next("banks"), fields.isAtEnd else { return nil }
            var banks: [UInt64] = []
            banks.reserveCapacity(bankValues.count)
            for value in bankValues {
                guard let bank = value.canonicalInteger(UInt64.self) else { return nil }
                banks.append(bank)
            }
            target = .vpSet(validBankMask: validBankMask, banks: banks)
        default:
            return nil
        }
        self.init(deviceID: deviceID, address: address, data: data, vector: vector, flags: flags, target: target)
    }
}

// MARK: - Events

extension HardwareEvent: JSONDirectEncodable, JSONDirectDecodable {
    func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("sequence", sequence.rawValue)
        if let virq { writer.member("virq", virq.rawValue) }
        writer.key("effect")
        effect.writeJSON(to: &writer)
        if let time { writer.member("time", time) }
        writer.endObject()
    }

    init?(canonicalJSON json: JSONValue) {
        guard var object = CanonicalObject(json),
              let sequence = object.next("sequence")?.canonicalInteger(UInt64.self),
              let virq = object.optional("virq", { $0.canonicalInteger(UInt32.self).map(VirtualIRQ.init(rawValue:)) }),
              let effectValue = object.next("effect"),
              let time = object.optional("time", { $0.canonicalInteger(UInt64.self) }), object.isAtEnd,
              let effect = HardwareEffect(canonicalJSON: effectValue) else { return nil }
        self.init(sequence: EventSequence(rawValue: sequence), virq: virq, effect: effect, time: time)
    }
}

extension HardwareEffect: JSONDirectEncodable, JSONDirectDecodable {
    func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        switch self {
        case .messageWritten(let device, let type, let index, let message):
            writer.key("messageWritten")
            writer.beginObject()
            writer.member("device", device.description)
            writer.member("type", type.rawValue)
            writer.member("index", index)
            writer.key("message")
            message.writeJSON(to: &writer)
            writer.endObject()
        case .vectorAssigned(let cpu, let vector, let previous, let affinityBroken):
            writer.key("vectorAssigned")
            writer.beginObject()
            writer.member("cpu", cpu.rawValue)
            writer.member("vector", vector.rawValue)
            writer.optionalMember("previous", previous)
            writer.member("affinityBroken", affinityBroken)
            writer.endObject()
        case .vectorReleased(let cpu, let vector):
            writer.key("vectorReleased")
            writer.beginObject()
            writer.member("cpu", cpu.rawValue)
            writer.member("vector", vector.rawValue)
            writer.endObject()
        case .routeWritten(let intid, let cpu, let register, let value):
            writer.key("routeWritten")
            writer.beginObject()
            writer.member("intid", intid.rawValue)
            writer.member("cpu", cpu.rawValue)
            writer.member("register", register)
            writer.member("value", value)
            writer.endObject()
        case .itsCommand(let command):
            writer.key("itsCommand")
            writer.beginObject()
            writer.key("_0")
            command.writeJSON(to: &writer)
            writer.endObject()
        case .hyperVCreateInterrupt(let request, let answer):
            writer.key("hyperVCreateInterrupt")
            writer.beginObject()
            writer.key("request")
            request.writeJSON(to: &writer)
            writer.key("answer")
            answer.writeJSON(to: &writer)
            writer.endObject()
        case .hyperVDeleteInterrupt(let winSlot, let answer):
            writer.key("hyperVDeleteInterrupt")
            writer.beginObject()
            writer.member("winSlot", winSlot)
            writer.key("answer")
            answer.writeJSON(to: &writer)
            writer.endObject()
        case .hyperVRetarget(let request):
            writer.key("hyperVRetarget")
            writer.beginObject()
            writer.key("_0")
            request.writeJSON(to: &writer)
            writer.endObject()
        case .irteWritten(let table, let index, let entry):
            writer.key("irteWritten")
            writer.beginObject()
            if let table { writer.member("table", table) }
            writer.member("index", index)
            writer.key("entry")
            entry.writeJSON(to: &writer)
            writer.endObject()
        case .masked:
            writer.key("masked")
            writer.emptyObject()
        case .unmasked:
            writer.key("unmasked")
            writer.emptyObject()
        case .migrated(let from, let to, let affinityBroken):
            writer.key("migrated")
            writer.beginObject()
            writer.member("from", from.rawValue)
            writer.member("to", to.rawValue)
            writer.member("affinityBroken", affinityBroken)
            writer.endObject()
        case .managedShutdown(let cpu):
            writer.singleMemberCase("managedShutdown", "cpu", cpu.rawValue)
        case .managedStartup(let cpu):
            writer.singleMemberCase("managedStartup", "cpu", cpu.rawValue)
        case .cpuOffline(let cpu):
            writer.singleMemberCase("cpuOffline", "_0", cpu.rawValue)
        case .cpuOnline(let cpu):
            writer.singleMemberCase("cpuOnline", "_0", cpu.rawValue)
        }
        writer.endObject()
    }

    init?(canonicalJSON json: JSONValue) {
        guard let (name, payload) = CanonicalObject(json)?.only, var fields = CanonicalObject(payload) else { return nil }
        func cpuMember(_ key: String) -> CPUID? { fields.next(key)?.canonicalCPU }
        let effect: HardwareEffect
        switch name {
        case "messageWritten":
            guard let deviceText = fields.next("device")?.canonicalString, let device = try? PCIAddress(parsing: deviceText),
                  let typeText = fields.next("type")?.canonicalString, let type = MSIType(rawValue: typeText),
                  let index = fields.next("index")?.canonicalInteger(UInt32.self),
                  let messageValue = fields.next("message"), let message = MSIMessage(canonicalJSON: messageValue)
            else { return nil }
            effect = .messageWritten(device: device, type: type, index: index, message: message)
        case "vectorAssigned":
            guard let cpu = cpuMember("cpu"), let vector = fields.next("vector")?.canonicalInteger(UInt8.self),
                  let previous = fields.optional("previous", VectorAssignment.init(canonicalJSON:)),
                  let affinityBroken = fields.next("affinityBroken")?.canonicalBool else { return nil }
            effect = .vectorAssigned(cpu: cpu, vector: Vector(rawValue: vector), previous: previous, affinityBroken: affinityBroken)
        case "vectorReleased":
            guard let cpu = cpuMember("cpu"), let vector = fields.next("vector")?.canonicalInteger(UInt8.self) else { return nil }
            effect = .vectorReleased(cpu: cpu, vector: Vector(rawValue: vector))
        case "routeWritten":
            guard let intid = fields.next("intid")?.canonicalInteger(UInt32.self), let cpu = cpuMember("cpu"),
                  let register = fields.next("register")?.canonicalInteger(UInt64.self),
                  let value = fields.next("value")?.canonicalInteger(UInt64.self) else { return nil }
            effect = .routeWritten(intid: HardwareIRQ(rawValue: intid), cpu: cpu, register: register, value: value)
        case "itsCommand":
            guard let value = fields.next("_0"), let command = ITSCommand(canonicalJSON: value) else { return nil }
            effect = .itsCommand(command)
        case "hyperVCreateInterrupt":
            guard let requestValue = fields.next("request"), let request = HyperVCreateInterruptRequest(canonicalJSON: requestValue),
                  let answerValue = fields.next("answer"), let answer = MSIMessage(canonicalJSON: answerValue) else { return nil }
            effect = .hyperVCreateInterrupt(request: request, answer: answer)
        case "hyperVDeleteInterrupt":
            guard let winSlot = fields.next("winSlot")?.canonicalInteger(UInt32.self),
                  let answerValue = fields.next("answer"), let answer = MSIMessage(canonicalJSON: answerValue) else { return nil }
            effect = .hyperVDeleteInterrupt(winSlot: winSlot, answer: answer)
        case "hyperVRetarget":
            guard let value = fields.next("_0"), let request = HyperVRetargetRequest(canonicalJSON: value) else { return nil }
            effect = .hyperVRetarget(request)
        case "irteWritten":
            guard let table = fields.optional("table", { $0.canonicalInteger(UInt32.self) }),
                  let index = fields.next("index")?.canonicalInteger(UInt32.self),
                  let entryValue = fields.next("entry"), let entry = RemappingEntry(canonicalJSON: entryValue) else { return nil }
            effect = .irteWritten(table: table, index: index, entry: entry)
        case "masked":
            effect = .masked
        case "unmasked":
            effect = .unmasked
        case "migrated":
            guard let from = cpuMember("from"), let to = cpuMember("to"),
                  let affinityBroken = fields.next("affinityBroken")?.canonicalBool else { return nil }
            effect = .migrated(from: from, to: to, affinityBroken: affinityBroken)
        case "managedShutdown":
            guard let cpu = cpuMember("cpu") else { return nil }
            effect = .managedShutdown(cpu: cpu)
        case "managedStartup":
            guard let cpu = cpuMember("cpu") else { return nil }
            effect = .managedStartup(cpu: cpu)
        case "cpuOffline":
            guard let cpu = cpuMember("_0") else { return nil }
            effect = .cpuOffline(cpu)
        case "cpuOnline":
            guard let cpu = cpuMember("_0") else { return nil }
            effect = .cpuOnline(cpu)
        default:
            return nil
        }
        guard fields.isAtEnd else { return nil }
        self = effect
    }
}

extension ITSCommand: JSONDirectEncodable, JSONDirectDecodable {
    func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        switch self {
        case .mapDevice(let deviceID, let ittEntries, let valid):
            writer.key("mapDevice")
            writer.beginObject()
            writer.member("deviceID", deviceID)
            writer.member("ittEntries", ittEntries)
            writer.member("valid", valid)
            writer.endObject()
        case .mapEvent(let deviceID, let eventID, let lpi, let cpu):
            writer.key("mapEvent")
            writer.beginObject()
            writer.member("deviceID", deviceID)
            writer.member("eventID", eventID)
            writer.member("lpi", lpi.rawValue)
            writer.member("cpu", cpu.rawValue)
            writer.endObject()
        case .moveEvent(let deviceID, let eventID, let cpu):
            writer.key("moveEvent")
            writer.beginObject()
            writer.member("deviceID", deviceID)
            writer.member("eventID", eventID)
            writer.member("cpu", cpu.rawValue)
            writer.endObject()
        case .discardEvent(let deviceID, let eventID):
            writer.key("discardEvent")
            writer.beginObject()
            writer.member("deviceID", deviceID)
            writer.member("eventID", eventID)
            writer.endObject()
        }
        writer.endObject()
    }

    init?(canonicalJSON json: JSONValue) {
        guard let (name, payload) = CanonicalObject(json)?.only, var fields = CanonicalObject(payload),
              let deviceID = fields.next("deviceID")?.canonicalInteger(UInt32.self) else { return nil }
        let command: ITSCommand
        switch name {
        case "mapDevice":
            guard let ittEntries = fields.next("ittEntries")?.canonicalInt,
                  let valid = fields.next("valid")?.canonicalBool else { return nil }
            command = .mapDevice(deviceID: deviceID, ittEntries: ittEntries, valid: valid)
        case "mapEvent":
            guard let eventID = fields.next("eventID")?.canonicalInteger(UInt32.self),
                  let lpi = fields.next("lpi")?.canonicalInteger(UInt32.self),
                  let cpu = fields.next("cpu")?.canonicalInteger(UInt32.self) else { return nil }
            command = .mapEvent(deviceID: deviceID, eventID: eventID, lpi: HardwareIRQ(rawValue: lpi), cpu: CPUID(rawValue: cpu))
        case "moveEvent":
            guard let eventID = fields.next("eventID")?.canonicalInteger(UInt32.self),
                  let cpu = fields.next("cpu")?.canonicalInteger(UInt32.self) else { return nil }
            command = .moveEvent(deviceID: deviceID, eventID: eventID, cpu: CPUID(rawValue: cpu))
        case "discardEvent":
            guard let eventID = fields.next("eventID")?.canonicalInteger(UInt32.self) else { return nil }
            command = .discardEvent(deviceID: deviceID, eventID: eventID)
        default:
            return nil
        }
        guard fields.isAtEnd else { return nil }
        self = command
    }
}

// MARK: - Interrupt remapping

extension RemappingEntry: JSONDirectEncodable, JSONDirectDecodable {
    func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("format", format.rawValue)
        writer.member("low", low)
        writer.member("high", high)
        writer.endObject()
    }

    init?(canonicalJSON json: JSONValue) {
        guard var object = CanonicalObject(json), let text = object.next("format")?.canonicalString, let format = IRTEFormat(rawValue: text),
              let low = object.next("low")?.canonicalInteger(UInt64.self), let high = object.next("high")?.canonicalInteger(UInt64.self),
              object.isAtEnd else { return nil }
        self.init(format: format, low: low, high: high)
    }
}

extension PostedTarget: JSONDirectEncodable, JSONDirectDecodable {
    func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("vector", vector.rawValue)
        writer.member("descriptor", descriptor)
        writer.member("urgent", urgent)
        writer.endObject()
    }

    init?(canonicalJSON json: JSONValue) {
        guard var object = CanonicalObject(json), let vector = object.next("vector")?.canonicalInteger(UInt8.self),
              let descriptor = object.next("descriptor")?.canonicalInteger(UInt64.self),
              let urgent = object.next("urgent")?.canonicalBool, object.isAtEnd else { return nil }
        self.init(vector: Vector(rawValue: vector), descriptor: descriptor, urgent: urgent)
    }
}
