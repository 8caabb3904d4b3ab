import IRQModel

/// The JSON forms of hypervisor routing entries (`GET .../irqs/{virq}/routes`). Entry members
/// use the kernel's own field names (`address_lo`, `u.msi.devid`), so that an answer reads
/// against the uapi header; `bytes` is the entry's little-endian encoding in hex, two digits a
/// byte, the way the Hyper-V `bytes` members are written.
enum RouteDTO {
    /// `{"format":"kvm","virq","gsi","entry":{...},"bytes","size","notes"}`.
    static func kvm(_ entry: KVMIRQRoutingEntry, virq: VirtualIRQ, notes: [String]) -> JSONValue {
        let union: JSONValue
        switch entry.routing {
        case .irqchip(let irqchip, let pin):
            union = .object([("irqchip", .object([("irqchip", .integer(irqchip)), ("pin", .integer(pin))]))])
        case .msi(let addressLo, let addressHi, let data, let devid):
            union = .object([("msi", .object([
                ("address_lo", .integer(addressLo)),
                ("address_hi", .integer(addressHi)),
                ("data", .integer(data)),
                ("devid", .integer(devid)),
            ]))])
        }
        let fields: JSONValue = .object([
            ("gsi", .integer(entry.gsi)),
            ("type", .integer(entry.type)),
            ("typeName", .string(entry.typeName)),
            ("flags", .integer(entry.flags)),
            ("pad", .integer(0)),
            ("u", union),
        ])
        return answer(.kvm, virq: virq, gsi: entry.gsi, entry: fields, bytes: entry.bytes, notes: notes)
    }

    /// `{"format":"mshv","virq","gsi","entry":{...},"bytes","size","notes"}`.
    static func mshv(_ entry: MSHVIRQEntry, virq: VirtualIRQ, notes: [String]) -> JSONValue {
        let fields: JSONValue = .object([
            ("gsi", .integer(entry.gsi)),
            ("address_lo", .integer(entry.addressLo)),
            ("address_hi", .integer(entry.addressHi)),
            ("data", .integer(entry.data)),
        ])
        return answer(.mshv, virq: virq, gsi: entry.gsi, entry: fields, bytes: entry.bytes, notes: notes)
    }

    /// `{"format":"hyperv","virq","createInterrupt":{...,"bytes","size"},"retarget":{...}|null,"notes"}`:
    /// the requests the model built, their bytes as the model encoded them.
    static func hyperV(_ requests: HyperVRouteRequests, virq: VirtualIRQ, notes: [String]) -> JSONValue {
        var create = IRQDTO.createRequest(requests.createInterrupt).objectMembers
        create.append(("size", .integer(requests.createInterrupt.bytes.count)))
        var retarget: JSONValue = .null
        if let request = requests.retarget {
            let bytes = request.bytes
            retarget = .object(IRQDTO.retargetMembers(request) + [("bytes", .string(JSONText.hex(bytes))), ("size", .integer(bytes.count))])
        }
        return .object([
            ("format", .string(RouteFormat.hyperv.rawValue)),
            ("virq", .integer(virq.rawValue)),
            ("createInterrupt", .object(create)),
            ("retarget", retarget),
            ("notes", .array(notes.map { .string($0) })),
        ])
    }

    private static func answer(_ format: RouteFormat, virq: VirtualIRQ, gsi: UInt32, entry: JSONValue, bytes: [UInt8],
                               notes: [String]) -> JSONValue {
        .object([
            ("format", .string(format.rawValue)),
            ("virq", .integer(virq.rawValue)),
            ("gsi", .integer(gsi)),
            ("entry", entry),
            ("bytes", .string(JSONText.hex(bytes))),
            ("size", .integer(bytes.count)),
            ("notes", .array(notes.map { .string($0) })),
        ])
    }
}

extension JSONValue {
    /// An object's members in order; empty for any other value.
    var objectMembers: [(key: String, value: JSONValue)] {
        if case .object(let members) = self { return members }
        return []
    }
}

extension RouteDTO {
    /// What a reader of the entry should know about how it was made, by format and delivery.
    static func notes(_ format: RouteFormat, source: RouteSource) -> [String] {
        switch (format, source.delivery) {
        case (.kvm, .localAPIC):
            return ["x86 KVM reads neither flags nor devid of an MSI entry (kvm_set_routing_entry): both are 0"]
        case (.kvm, .its(let deviceID)):
            return ["flags is KVM_MSI_VALID_DEVID and devid the ITS DeviceID \(PCIAddress.hexDeviceID(deviceID)): "
                    + "the vITS needs it (KVM_CAP_MSI_DEVID)"]
        case (.kvm, .spi(let intid)):
            return ["arm64 KVM injects KVM_IRQ_ROUTING_MSI entries only through a virtual ITS; this message writes SPI \(intid) "
                    + "at an SPI doorbell, so the entry is an irqchip route to pin \(intid) - 32"]
        case (.mshv, _):
            return ["mshv_user_irq_entry has no flags or device id, and address_lo comes before address_hi"]
        case (.hyperv, _):
            let create = "createInterrupt is the request hv_compose_msi_msg sent the host when the message was composed"
            return source.architecture == .arm64
                ? [create, "arm64 sends no retarget hypercall (retarget is null)"]
                : [create, "retarget is the HVCALL_RETARGET_INTERRUPT input hv_irq_retarget_interrupt sends on unmask for the "
                    + "current vector and effective CPU; null while the effective CPU is offline"]
        }
    }
}
