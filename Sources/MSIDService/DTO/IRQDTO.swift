import IRQModel

/// The JSON forms of IRQs, messages and events.
enum IRQDTO {
    static func message(_ message: MSIMessage) -> JSONValue {
        .object([
            ("addressHi", .integer(message.addressHi)),
            ("addressLo", .integer(message.addressLo)),
            ("address", .string(message.addressHex)),
            ("data", .integer(message.data)),
        ])
    }

    /// What an IRQ's answer needs from its system, taken under the world lock (cheap: the
    /// descriptor and a few level names) so that the answer is built outside it.
    struct IRQFacts: Sendable {
        let irq: IRQDescriptor
        let affinity: CPUSet
        let hierarchy: [LevelView]
        /// The x86 vector or the GIC INTID the IRQ is delivered as.
        let target: RootTarget

        init(_ irq: IRQDescriptor, in system: System) {
            self.irq = irq
            affinity = irq.affinity ?? system.present
            hierarchy = system.hierarchy(of: irq)
            target = system.rootTarget(of: irq)
        }
    }

    /// The IRQ answer as a tree: the readable statement of its content, and the reference the
    /// byte writer below is tested against (answers are written by `writeIRQ`).
    static func irq(_ facts: IRQFacts) -> JSONValue {
        let irq = facts.irq
        return .object([
            ("virq", .integer(irq.virq.rawValue)),
            ("device", .string(irq.device.description)),
            ("type", .string(irq.type.rawValue)),
            ("index", .integer(irq.index)),
            ("managed", .bool(irq.managed)),
            ("activated", .bool(irq.activated)),
            ("masked", .bool(irq.masked)),
            ("managedShutdown", .bool(irq.managedShutdown)),
            ("affinity", .string(facts.affinity.cpulist)),
            ("effectiveAffinity", .string(irq.effectiveCPU.map { CPUSet([$0]).cpulist } ?? "")),
            ("affinityBroken", .bool(irq.affinityBroken)),
            ("hierarchy", .array(facts.hierarchy.map { level in
                var members: [(String, JSONValue)] = [("domain", .string(level.domain.rawValue)), ("kind", .string(level.kind.rawValue)),
                                                      ("hwirq", .integer(level.hwirq.rawValue)), ("chip", .string(level.chip))]
                if let deviceID = level.deviceID { members.append(("deviceId", .string(PCIAddress.hexDeviceID(deviceID)))) }
                if let remapping = level.remapping { members.append(("remapping", RemappingDTO.view(remapping))) }
                return .object(members)
            })),
            ("msi", irq.message.map(message) ?? .null),
        ] + ViewDTO.target(facts.target))
    }

    /// One IRQ's answer (`GET`, activate, mask, ...): `irq(_:)` written straight to bytes, members
    /// in ascending key order so that the bytes are what the tree renders to.
    static func irqAnswer(_ facts: IRQFacts) -> [UInt8] {
        var out = JSONWriter()
        writeIRQ(facts, to: &out)
        return out.bytes
    }

    /// `{"irqs":[...]}` for a list of IRQs (allocation, listing), written straight to bytes.
    /// `{"irqs":[...]}`, and for a listing page its `next` cursor (null on the last page).
    static func irqListAnswer(_ irqs: [IRQFacts], next: String?? = nil) -> [UInt8] {
        var out = JSONWriter(capacity: 4096)
        out.beginObject()
        out.key("irqs")
        out.beginArray()
        for facts in irqs { writeIRQ(facts, to: &out) }
        out.endArray()
        if let next {
            if let cursor = next {
                out.member("next", cursor)
            } else {
                out.key("next")
                out.null()
            }
        }
        out.endObject()
        return out.bytes
    }

    /// The members of `irq(_:)`, in key order.
    private static func writeIRQ(_ facts: IRQFacts, to out: inout JSONWriter) {
        let irq = facts.irq
        out.beginObject()
        out.member("activated", irq.activated)
        out.member("affinity", facts.affinity.cpulist)
        out.member("affinityBroken", irq.affinityBroken)
        out.member("device", irq.device.description)
        out.member("effectiveAffinity", irq.effectiveCPU.map { CPUSet([$0]).cpulist } ?? "")
        out.key("hierarchy")
        out.beginArray()
        for level in facts.hierarchy {
            out.beginObject()
            out.member("chip", level.chip)
            if let deviceID = level.deviceID { out.member("deviceId", PCIAddress.hexDeviceID(deviceID)) }
            out.member("domain", level.domain.rawValue)
            out.member("hwirq", level.hwirq.rawValue)
            out.member("kind", level.kind.rawValue)
            if let remapping = level.remapping {
                out.key("remapping")
                RemappingDTO.writeView(remapping, to: &out)
            }
            out.endObject()
        }
        out.endArray()
        out.member("index", irq.index)
        if let intid = facts.target.intid { out.member("intid", intid) }
        out.member("managed", irq.managed)
        out.member("managedShutdown", irq.managedShutdown)
        out.member("masked", irq.masked)
        out.key("msi")
        writeMessage(irq.message, to: &out)
        out.member("type", irq.type.rawValue)
        if let vector = facts.target.vector { out.member("vector", vector.rawValue) }
        out.member("virq", irq.virq.rawValue)
        out.endObject()
    }

    /// The composed message answer (`GET .../msi`), written straight to bytes: this is the
    /// hottest read msid serves. Members go in ascending key order, so the bytes are what the
    /// same object would render to as a `JSONValue`.
    static func messageView(_ view: MessageView) -> [UInt8] {
        var out = JSONWriter()
        out.beginObject()
        writeMessageMembers(view.message, to: &out)
        out.key("decoded")
        out.beginObject()
        let x86 = view.x86
        if let x86 {
            out.member("deliveryMode", x86.deliveryMode == 0 ? "fixed" : String(x86.deliveryMode))
            out.member("destinationId", x86.destinationID)
            out.member("destinationMode", x86.destinationModeLogical ? "logical" : "physical")
        }
        if let doorbell = view.doorbell {
            out.member("doorbell", doorbell)
            out.member("intid", view.hwirq.rawValue)
        }
        if let x86 {
            out.key("redirectionHint")
            out.bool(x86.redirectionHint)
            out.member("trigger", x86.levelTriggered ? "level" : "edge")
            out.member("vector", x86.vector)
        }
        out.endObject()
        if let request = view.hyperVRequest {
            out.key("hypervAnswer")
            writeMessage(view.hyperVAnswer, to: &out)
            out.key("hypervCreateInterrupt")
            out.beginObject()
            out.key("bytes")
            out.hexBytes(request.bytes)
            out.member("deliveryMode", request.deliveryMode)
            out.key("messageType")
            out.hexString(request.messageType)
            out.member("processor", request.processor.rawValue)
            out.member("protocolVersion", request.protocolVersion.rawValue)
            out.member("vector", request.vector)
            out.member("vectorCount", request.vectorCount)
            out.member("winSlot", request.winSlot)
            out.endObject()
        }
        if let remapping = view.remapping {
            out.key("remapping")
            RemappingDTO.writeView(remapping, to: &out)
        }
        out.key("target")
        out.beginObject()
        out.key("cpu")
        if let cpu = view.cpu { out.integer(cpu.rawValue) } else { out.null() }
        if let vector = view.vector {
            out.member("vector", vector.rawValue)
        } else {
            out.member("hwirq", view.hwirq.rawValue)
        }
        out.endObject()
        out.endObject()
        return out.bytes
    }

    /// `message(_:)` as an object, or null without a message.
    private static func writeMessage(_ message: MSIMessage?, to out: inout JSONWriter) {
        guard let message else {
            out.null()
            return
        }
        out.beginObject()
        writeMessageMembers(message, to: &out)
        out.endObject()
    }

    /// The members of `message(_:)`, in key order.
    private static func writeMessageMembers(_ message: MSIMessage, to out: inout JSONWriter) {
        out.key("address")
        out.hexString(message.address, digits: 16)
        out.member("addressHi", message.addressHi)
        out.member("addressLo", message.addressLo)
        out.member("data", message.data)
    }

    static func createRequest(_ request: HyperVCreateInterruptRequest) -> JSONValue {
        .object([
            ("messageType", .string("0x" + String(request.messageType, radix: 16))),
            ("protocolVersion", .string(request.protocolVersion.rawValue)),
            ("winSlot", .integer(request.winSlot)),
            ("vector", .integer(request.vector)),
            ("deliveryMode", .integer(request.deliveryMode)),
            ("vectorCount", .integer(request.vectorCount)),
            ("processor", .integer(request.processor.rawValue)),
            ("bytes", .string(JSONText.hex(request.bytes))),
        ])
    }

    /// The members of a Hyper-V retarget request (its event, and its route export): the
    /// hypercall control word, the device id, the host's address and data, the vector, the
    /// flags and the VP mask or VP set.
    static func retargetMembers(_ request: HyperVRetargetRequest) -> [(key: String, value: JSONValue)] {
        var members: [(key: String, value: JSONValue)] = [
            ("control", .hex64(request.controlWord)),
            ("deviceId", .hex64(request.deviceID)),
            ("address", .integer(request.address)),
            ("data", .integer(request.data)),
            ("vector", .integer(request.vector)),
            ("flags", .integer(request.flags)),
        ]
        switch request.target {
        case .vpMask(let mask): members.append(("vpMask", .hex64(mask)))
        case .vpSet(let valid, let banks):
            members.append(("validBankMask", .hex64(valid)))
            members.append(("banks", .array(banks.map { .hex64($0) })))
        }
        return members
    }

    /// A UTC time as RFC 3339 with milliseconds (`2026-12-04T16:35:00.123Z`).
    static func rfc3339(milliseconds: UInt64) -> String {
        let date = CivilDate(secondsSinceEpoch: Int64(milliseconds / 1000))
        let clock = date.secondOfDay
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let millis = Int64(milliseconds % 1000)
        let fraction = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(date.year)-\(two(date.month))-\(two(date.day))T\(two(clock / 3600)):\(two(clock / 60 % 60)):\(two(clock % 60)).\(fraction)Z"
    }

    /// Every `kind` an event can have (the events list filters by it).
    static let eventKinds: Set<String> = [
        "cpu-offline", "cpu-online", "hyperv-create-interrupt", "hyperv-delete-interrupt", "hyperv-retarget", "irte-written", "its-command",
        "managed-shutdown", "managed-startup", "masked", "message-written", "migrated", "route-written", "unmasked",
        "vector-assigned", "vector-released",
    ]

    static func event(_ event: HardwareEvent) -> JSONValue {
        var object = JSONObjectBuilder()
        object.set("sequence", .integer(event.sequence.rawValue))
        object.set("virq", event.virq.map { .integer($0.rawValue) } ?? .null)
        if let time = event.time { object.set("time", .string(IRQDTO.rfc3339(milliseconds: time))) }
        switch event.effect {
        case .messageWritten(let device, let type, let index, let msg):
            object.set("kind", .string("message-written"))
            object.set("device", .string(device.description))
            object.set("type", .string(type.rawValue))
            object.set("index", .integer(index))
            object.set("message", message(msg))
        case .vectorAssigned(let cpu, let vector, let previous, let broken):
            object.set("kind", .string("vector-assigned"))
            object.set("cpu", .integer(cpu.rawValue))
            object.set("vector", .integer(vector.rawValue))
            object.set("previous", previous.map { .object([("cpu", .integer($0.cpu.rawValue)), ("vector", .integer($0.vector.rawValue))]) } ?? .null)
            object.set("affinityBroken", .bool(broken))
        case .vectorReleased(let cpu, let vector):
            object.set("kind", .string("vector-released"))
            object.set("cpu", .integer(cpu.rawValue))
            object.set("vector", .integer(vector.rawValue))
        case .routeWritten(let intid, let cpu, let register, let value):
            object.set("kind", .string("route-written"))
            object.set("intid", .integer(intid.rawValue))
            object.set("cpu", .integer(cpu.rawValue))
            object.set("register", .hex64(register))
            object.set("value", .hex64(value))
        case .itsCommand(let command):
            object.set("kind", .string("its-command"))
            switch command {
            case .mapDevice(let device, let itt, let valid):
                object.set("command", .string("MAPD"))
                object.set("deviceId", .integer(device))
                object.set("ittEntries", .integer(itt))
                object.set("valid", .bool(valid))
            case .mapEvent(let device, let eventID, let lpi, let cpu):
                object.set("command", .string("MAPTI"))
                object.set("deviceId", .integer(device))
                object.set("eventId", .integer(eventID))
                object.set("lpi", .integer(lpi.rawValue))
                object.set("cpu", .integer(cpu.rawValue))
            case .moveEvent(let device, let eventID, let cpu):
                object.set("command", .string("MOVI"))
                object.set("deviceId", .integer(device))
                object.set("eventId", .integer(eventID))
                object.set("cpu", .integer(cpu.rawValue))
            case .discardEvent(let device, let eventID):
                object.set("command", .string("DISCARD"))
                object.set("deviceId", .integer(device))
                object.set("eventId", .integer(eventID))
            }
        case .hyperVCreateInterrupt(let request, let answer):
            object.set("kind", .string("hyperv-create-interrupt"))
            object.set("request", createRequest(request))
            object.set("answer", message(answer))
        case .hyperVDeleteInterrupt(let slot, let answer):
            object.set("kind", .string("hyperv-delete-interrupt"))
            object.set("winSlot", .integer(slot))
            object.set("answer", message(answer))
        case .hyperVRetarget(let request):
            object.set("kind", .string("hyperv-retarget"))
            for (key, value) in retargetMembers(request) { object.set(key, value) }
        case .irteWritten(let table, let index, let entry):
            object.set("kind", .string("irte-written"))
            if let table { object.set("table", .string(PCIAddress.hexDeviceID(table))) }
            object.set("index", .integer(index))
            object.set("entry", RemappingDTO.entry(entry))
        case .masked: object.set("kind", .string("masked"))
        case .unmasked: object.set("kind", .string("unmasked"))
        case .migrated(let from, let to, let broken):
            object.set("kind", .string("migrated"))
            object.set("from", .integer(from.rawValue))
            object.set("to", .integer(to.rawValue))
            object.set("affinityBroken", .bool(broken))
        case .managedShutdown(let cpu):
            object.set("kind", .string("managed-shutdown"))
            object.set("cpu", .integer(cpu.rawValue))
        case .managedStartup(let cpu):
            object.set("kind", .string("managed-startup"))
            object.set("cpu", .integer(cpu.rawValue))
        case .cpuOffline(let cpu):
            object.set("kind", .string("cpu-offline"))
            object.set("cpu", .integer(cpu.rawValue))
        case .cpuOnline(let cpu):
            object.set("kind", .string("cpu-online"))
            object.set("cpu", .integer(cpu.rawValue))
        }
        return object.value
    }

    /// Reads `POST .../irqs`: `count`, `type`, `affinity`, `managed`, `activate` (default true),
    /// and for managed vectors without an explicit `affinity` (`PCI_IRQ_AFFINITY`, spread over
    /// the CPUs) `preVectors`, `postVectors`, `setSizes` and `minCount`.
    static func allocation(_ body: JSONValue) throws(RequestError) -> AllocationRequest {
        var reader = try ObjectReader(body)
        return try allocation(&reader)
    }

    /// The same members read from `reader`, which may have read others before (a plan's
    /// request reads its target first); ends with `finish()`, so any member neither read is
    /// refused, and errors name members below `reader.pointer`.
    static func allocation(_ reader: inout ObjectReader) throws(RequestError) -> AllocationRequest {
        guard let count = try reader.integer("count", in: 1...2048) else { throw reader.missing("count") }
        guard let type = try reader.enumeration("type", MSIType.self) else { throw reader.missing("type") }
        let affinity = try reader.cpuSet("affinity")
        let managed = try reader.bool("managed") ?? false
        let activate = try reader.bool("activate") ?? true
        let preVectors = try reader.integer("preVectors", in: 0...2048)
        let postVectors = try reader.integer("postVectors", in: 0...2048)
        let minCount = try reader.integer("minCount", in: 1...2048)
        var setSizes: [Int]?
        if let sets = reader.value("setSizes") {
            guard case .array(let elements) = sets else {
                throw .wrongType(pointer: reader.path("setSizes"), expected: "array", found: sets.typeName)
            }
            var sizes: [Int] = []
            for (index, element) in elements.enumerated() {
                sizes.append(Int(try ObjectReader.integer(element, pointer: reader.path("setSizes") + "/\(index)", in: 1...2048)))
            }
            setSizes = sizes
        }
        try reader.finish()
        let spreads = managed && affinity == nil
        if !spreads {
            for (member, given) in [("preVectors", preVectors != nil), ("postVectors", postVectors != nil),
                                    ("setSizes", setSizes != nil), ("minCount", minCount != nil)] where given {
                throw .invalidValue(pointer: reader.path(member),
                                    reason: "applies to managed vectors spread over the CPUs (managed: true without affinity)")
            }
        }
        let spread = spreads
            ? AffinitySpreadRequest(preVectors: Int(preVectors ?? 0), postVectors: Int(postVectors ?? 0), setSizes: setSizes)
            : nil
        return AllocationRequest(count: Int(count), type: type, affinity: affinity, managed: managed, activate: activate,
                                 spread: spread, minCount: minCount.map { Int($0) })
    }
}
