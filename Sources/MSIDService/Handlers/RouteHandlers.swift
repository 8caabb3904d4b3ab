import IRQModel
import MicroHTTP

/// Hypervisor routing entries for one IRQ (issue 17, item 3).
enum RouteHandlers {
    static let routes: [Route] = [
        Route(method: .get, pattern: PathPattern("/v1/systems/{system}/irqs/{virq}/routes"), handler: export),
    ]

    /// `GET .../irqs/{virq}/routes?format=kvm|mshv|hyperv[&gsi=N][&x2apicApi=true]`: the
    /// structure the hypervisor takes for this IRQ, as fields and as little-endian bytes.
    /// `gsi` (kvm, mshv; 0-4095, the `KVM_MAX_IRQ_ROUTES` and `MSHV_MAX_GUEST_IRQS` limit)
    /// defaults to the virq; `x2apicApi` (kvm on x86_64) says the VMM enabled the x2APIC API,
    /// so a destination above 0xFF can go in address_hi. The facts are taken under the lock
    /// (`System.routeSource(of:)`, O(levels)); the entry is built and rendered outside it.
    /// Refusals are `route-not-expressible` (422) and, without a message, `irq-not-activated` (409).
    static func export(_ context: RequestContext) throws(ServiceError) -> HTTPResponse {
        try context.onlyQuery(["format", "gsi", "x2apicApi"])
        let name = try context.systemName()
        let virq = try context.virq()
        let formats = RouteFormat.allCases.map(\.rawValue).joined(separator: ", ")
        guard let text = context.request.queryValue("format") else {
            throw .request(.invalidParameter(name: "format", reason: "is required; one of \(formats)"))
        }
        guard let format = RouteFormat(rawValue: text) else {
            throw .request(.invalidParameter(name: "format", reason: "\"\(text)\" is not a route format; one of \(formats)"))
        }
        let gsi = try context.queryInteger("gsi", in: 0...Int64(KVMIRQRoutingEntry.maxRoutes - 1)).map { UInt32($0) }
        let x2apicAPI = try context.queryBool("x2apicApi")
        if format == .hyperv, gsi != nil {
            throw .request(.invalidParameter(name: "gsi", reason: "applies to format=kvm and format=mshv; Hyper-V requests have no GSI"))
        }
        if format != .kvm, x2apicAPI != nil {
            throw .request(.invalidParameter(name: "x2apicApi", reason: "applies to format=kvm only"))
        }
        let source = try context.model { () throws(ModelError) in
            try context.state.read(name) { (system) throws(ModelError) in try system.routeSource(of: virq, format: format) }
        }
        if source.architecture == .arm64, x2apicAPI != nil {
            throw .request(.invalidParameter(name: "x2apicApi", reason: "applies to x86_64 systems only"))
        }
        let answer = try context.model { () throws(ModelError) -> JSONValue in
            let entryGSI = gsi ?? virq.rawValue
            var notes = RouteDTO.notes(format, source: source)
            if gsi == nil, format != .hyperv { notes.insert("gsi is the virq (no gsi given)", at: 0) }
            switch format {
            case .kvm:
                let entry = try RouteExport.kvm(source, gsi: entryGSI, x2apicAPI: x2apicAPI ?? false)
                if case .msi(_, let addressHi, _, _) = entry.routing, addressHi != source.message.addressHi {
                    notes.append("APIC ID bits 31:8 moved from the extended destination id (address_lo bits 11:5) to address_hi, "
                                 + "as QEMU's kvm_swizzle_msi_ext_dest_id does; KVM reads them with the x2APIC API only")
                }
                return RouteDTO.kvm(entry, virq: virq, notes: notes)
            case .mshv:
                return RouteDTO.mshv(try RouteExport.mshv(source, gsi: entryGSI), virq: virq, notes: notes)
            case .hyperv:
                return RouteDTO.hyperV(try RouteExport.hyperV(source), virq: virq, notes: notes)
            }
        }
        return context.json(.ok, answer)
    }
}
