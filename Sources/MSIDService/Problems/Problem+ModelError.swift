import IRQModel

extension Problem {
    /// The one mapping of model errors to problems: each case its type, a detail naming the
    /// facts, and those facts as extension members.
    init(_ error: ModelError) {
        switch error {
        case .invalidName(let kind, let name, let reason):
            self.init(.invalidParameter, "\(kind.rawValue) name \"\(name)\" \(reason)", [("name", .string(name))])
        case .invalidPCIAddress(let text, let reason):
            self.init(.invalidRequest, "PCI address \"\(text)\": \(reason)", [("device", .string(text))])
        case .invalidCPUList(let syntax):
            self.init(.invalidRequest, "CPU list \"\(syntax.text)\": \(syntax.reason)")
        case .systemNotFound(let system):
            self.init(.systemNotFound, "no system named \(system)", [("system", .string(system.rawValue))])
        case .systemExists(let system):
            self.init(.systemExists, "a system named \(system) exists already", [("system", .string(system.rawValue))])
        case .domainNotFound(let system, let domain):
            self.init(.domainNotFound, "system \(system) has no domain named \(domain)", [("domain", .string(domain.rawValue))])
        case .domainExists(let system, let domain):
            self.init(.domainExists, "system \(system) has a domain named \(domain) already", [("domain", .string(domain.rawValue))])
        case .irqNotFound(let system, let virq):
            self.init(.irqNotFound, "system \(system) has no IRQ \(virq)", [("virq", .integer(virq.rawValue))])
        case .cpuNotFound(let system, let cpu, let count):
            self.init(.cpuNotFound, "system \(system) has CPUs 0-\(count - 1); there is no CPU \(cpu)", [("cpu", .integer(cpu.rawValue)), ("cpuCount", .integer(count))])
        case .invalidSystemConfiguration(let reason):
            self.init(.invalidSystem, reason)
        case .unaddressableAPICID(let cpu, let apicID, let extended):
            self.init(.invalidSystem, "CPU \(cpu) has APIC ID \(apicID), which an MSI cannot address "
                      + (extended ? "(the extended destination id reaches 0x7fff)" : "without the extended destination id (0xff at most)"),
                      [("cpu", .integer(cpu.rawValue)), ("hwid", .integer(apicID.rawValue))])
        case .architectureMismatch(let kind, let architecture):
            self.init(.wrongParent, "a \(kind) domain cannot exist on an \(architecture) system", [("kind", .string(kind.rawValue))])
        case .rootExists(let existing):
            self.init(.wrongParent, "the system has its root domain already: \(existing)", [("root", .string(existing.rawValue))])
        case .parentRequired(let kind):
            self.init(.wrongParent, "a \(kind) domain needs a parent: one of \(kind.allowedParents.map(\.rawValue).joined(separator: ", "))")
        case .parentNotAllowed(let kind):
            self.init(.wrongParent, "a \(kind) domain is a root and takes no parent")
        case .wrongParentKind(let kind, let parent, let parentKind, let allowed):
            self.init(.wrongParent, "a \(kind) domain cannot sit on \(parent), a \(parentKind) domain; allowed parents: \(allowed.map(\.rawValue).joined(separator: ", "))",
                      [("parent", .string(parent.rawValue)), ("allowed", .array(allowed.map { .string($0.rawValue) }))])
        case .invalidDomainConfiguration(let kind, let member, let reason):
            self.init(.invalidDomain, "\(kind) \(member): \(reason)", [("pointer", .string("/" + member))])
        case .spiRangeConflict(let requested, let owner, let claimed):
            let range: (ClosedRange<UInt32>) -> String = { "\($0.lowerBound)-\($0.upperBound)" }
            self.init(.spiRangeConflict, "SPIs \(range(requested)) " + (owner.map { "overlap \(range(claimed)) of \($0)" } ?? "are outside the GIC's SPIs \(range(claimed))"),
                      [("requested", .string(range(requested))), ("claimed", .string(range(claimed)))])
        case .deviceHasDomain(let device, let domain):
            self.init(.deviceHasDomain, "device \(device) has the domain \(domain) already", [("domain", .string(domain.rawValue))])
        case .domainBusy(let domain, let irqs, let children):
            self.init(.domainBusy, "domain \(domain) has \(irqs) allocated IRQs and \(children.count) child domains; free and remove them first",
                      [("allocatedIrqs", .integer(irqs)), ("children", .array(children.map { .string($0.rawValue) }))])
        case .systemBusy(let system, let domains):
            self.init(.systemBusy, "system \(system) still has \(domains.count) domains; remove them first",
                      [("domains", .array(domains.map { .string($0.rawValue) }))])
        case .notAnMSIDomain(let domain, let kind):
            self.init(.notAnMSIDomain, "IRQs are allocated through a pci-msi domain; \(domain) is a \(kind) domain", [("kind", .string(kind.rawValue))])
        case .invalidVectorCount(let requested, let type, let reason):
            self.init(.invalidVectorCount, "\(requested) \(type) vectors: \(reason)", [("requested", .integer(requested))])
        case .invalidAffinitySpread(let reason):
            self.init(.invalidVectorCount, "managed spreading: \(reason)", [])
        case .affinityVectorsTooFew(let requested, let minimum, let enabled, let reserved, let cpus):
            self.init(.invalidVectorCount,
                      "managed spreading enables \(enabled) of \(requested) vectors (irq_calc_affinity_vectors: \(reserved) pre/post vectors plus at most one per CPU, \(cpus) CPUs), fewer than minCount \(minimum); Linux refuses with -ENOSPC",
                      [("requested", .integer(requested)), ("available", .integer(enabled))])
        case .multiMSIUnsupported(let requested, let parent, let parentKind):
            self.init(.multiMSIUnsupported, "\(requested) MSI vectors need a parent with multi-MSI; \(parent) is a \(parentKind) domain (Linux falls back to 1 vector)",
                      [("requested", .integer(requested))])
        case .msiModeConflict(let device, let enabled, let requested):
            self.init(.msiModeConflict, "device \(device) has \(enabled) enabled; it cannot also allocate \(requested)",
                      [("enabled", .string(enabled.rawValue))])
        case .msixEntriesExhausted(let device, let requested, let available, let size):
            self.init(.msixEntriesExhausted, "device \(device) has \(available) of \(size) MSI-X entries free; \(requested) requested",
                      [("requested", .integer(requested)), ("available", .integer(available))])
        case .vectorsExhausted(let requested, let available, let cpus):
            self.init(.vectorsExhausted, "no free vector on CPUs \(cpus.cpulist) (\(available) available)",
                      [("requested", .integer(requested)), ("available", .integer(available)), ("cpus", .string(cpus.cpulist))])
        case .managedVectorsExhausted(let cpu, let cpus):
            self.init(.vectorsExhausted, "CPU \(cpu) of the managed mask \(cpus.cpulist) has no free vector to reserve",
                      [("requested", .integer(cpus.count)), ("available", .integer(0)), ("cpus", .string(cpus.cpulist))])
        case .spisExhausted(let domain, let requested, let available):
            self.init(.spisExhausted, "domain \(domain) has no aligned block of \(requested) free SPIs (\(available) free)",
                      [("requested", .integer(requested)), ("available", .integer(available))])
        case .lpisExhausted(let domain, let requested, let available):
            self.init(.lpisExhausted, "ITS \(domain) has no LPI range for \(requested) events (\(available) LPIs free)",
                      [("requested", .integer(requested)), ("available", .integer(available))])
        case .itsEventsExhausted(let device, let requested, let available, let count):
            self.init(.eventsExhausted, "device \(device) has \(available) of \(count) ITS events free, no aligned block of \(requested)",
                      [("requested", .integer(requested)), ("available", .integer(available))])
        case .virqsExhausted(let requested, let limit):
            self.init(.virqsExhausted, "no run of \(requested) free IRQ numbers below \(limit)", [("requested", .integer(requested))])
        case .cpusOutOfRange(let cpus, let count):
            self.init(.invalidAffinity, "CPUs \(cpus.cpulist) include CPUs the system does not have (0-\(count - 1))", [("cpus", .string(cpus.cpulist))])
        case .emptyCPUSet:
            self.init(.invalidAffinity, "the CPU list is empty")
        case .noOnlineCPUInAffinity(let requested, let online):
            self.init(.invalidAffinity, "none of the CPUs \(requested.cpulist) is online (online: \(online.cpulist))",
                      [("cpus", .string(requested.cpulist)), ("online", .string(online.cpulist))])
        case .managedAffinityImmutable(let virq):
            self.init(.managedAffinity, "IRQ \(virq) is managed: the kernel chooses its affinity", [("virq", .integer(virq.rawValue))])
        case .roundRobinWithoutNextCPU(let online):
            self.init(.roundRobinWithoutNextCPU, "the round-robin activate policy has no CPU after 0 among the online CPUs \(online.cpulist)",
                      [("online", .string(online.cpulist))])
        case .lastOnlineCPU(let cpu):
            self.init(.cpuUnplugRefused, "CPU \(cpu) is the last online CPU", [("cpu", .integer(cpu.rawValue))])
        case .bootCPUNotHotpluggable(let cpu):
            self.init(.cpuUnplugRefused,
                      "CPU \(cpu) is the x86 boot CPU, which cannot go offline (Linux v6.5 removed CPU0 hotplug: arch_cpu_is_hotpluggable() is false for CPU 0)",
                      [("cpu", .integer(cpu.rawValue))])
        case .cpuUnplugWouldExhaustVectors(let cpu, let toMove, let available):
            self.init(.cpuUnplugRefused, "CPU \(cpu) has \(toMove) vectors to move but the other CPUs have \(available) available",
                      [("cpu", .integer(cpu.rawValue)), ("requested", .integer(toMove)), ("available", .integer(available))])
        case .hyperVTargetsUnrepresentable(let version, let cpus):
            self.init(.invalidAffinity, "Hyper-V protocol \(version.rawValue) cannot target CPUs \(cpus.cpulist)", [("cpus", .string(cpus.cpulist))])
        case .irqNotActivated(let system, let virq):
            self.init(.irqNotActivated, "IRQ \(virq) of system \(system) is not activated: it has no message yet; activate it first", [("virq", .integer(virq.rawValue))])
        case .remappingEntriesExhausted(let domain, let requested, let free, let entries):
            self.init(.irtesExhausted, "\(domain) has no aligned block of \(requested) free remapping entries (\(free) of \(entries) free)",
                      [("requested", .integer(requested)), ("available", .integer(free))])
        case .remappingBlockTooLarge(let domain, let requested, let mask):
            self.init(.irtesExhausted, "\(requested) MSI vectors need a handle mask above \(domain)'s ECAP.MHMV \(mask) (alloc_irte refuses it)",
                      [("requested", .integer(requested)), ("maxHandleMask", .integer(mask))])
        case .irqNotRemapped(let system, let virq):
            self.init(.irqNotRemapped, "IRQ \(virq) of system \(system) has no interrupt remapping level; vCPU posting needs one (intel-ir)",
                      [("virq", .integer(virq.rawValue))])
        case .postingUnsupported(let kind):
            self.init(.postingUnsupported, "msid models vCPU posting for VT-d (intel-ir) only; \(kind) guest-mode entries are not modelled",
                      [("kind", .string(kind.rawValue))])
        case .invalidPostedDescriptor(let address, let reason):
            self.init(.invalidRequest, "posted-interrupt descriptor 0x\(String(address, radix: 16)): \(reason)", [("pointer", .string("/descriptor"))])
        case .messageNotRouted(let message):
            self.init(.messageNotRouted, "no live IRQ is reached by address \(message.addressHex), data \(message.data)")
        case .messageAmbiguous(let message, let devices):
            self.init(.messageAmbiguous, "address \(message.addressHex), data \(message.data) reaches IRQs of several devices; name the device",
                      [("devices", .array(devices.map { .string($0.description) }))])
        case .routeNotExpressible(let virq, let format, let refusal):
            var members: [(key: String, value: JSONValue)] = [("virq", .integer(virq.rawValue)), ("format", .string(format.rawValue))]
            let detail: String
            switch refusal {
            case .extendedDestinationIDNeedsX2APICAPI(let apicID):
                detail = "IRQ \(virq) targets APIC ID \(apicID) through the extended destination id (address_lo bits 11:5), which KVM "
                    + "does not read; KVM takes APIC ID bits 31:8 in address_hi only with the x2APIC API "
                    + "(KVM_CAP_X2APIC_API with KVM_X2APIC_API_USE_32BIT_IDS): ask again with x2apicApi=true if the VMM enables it"
                members.append(("apicId", .integer(apicID.rawValue)))
            case .destinationAboveEightBits(let apicID):
                detail = "IRQ \(virq) targets APIC ID \(apicID); an MSHV routing entry carries 8 bits of APIC ID (address_lo bits 19:12) "
                    + "and must have address_hi 0"
                members.append(("apicId", .integer(apicID.rawValue)))
            case .addressHighNotZero(let addressHi):
                detail = "IRQ \(virq)'s message has address_hi \(JSONText.hex(UInt64(addressHi), digits: 8)); MSHV refuses a routing entry "
                    + "whose address_hi is not 0"
                members.append(("addressHi", .integer(addressHi)))
            case .deviceIDNotCarried(let deviceID):
                detail = "IRQ \(virq) reaches a GICv3 ITS, which needs DeviceID \(PCIAddress.hexDeviceID(deviceID)) beside the message; "
                    + "an MSHV routing entry has no member for it"
                members.append(("deviceId", .string(PCIAddress.hexDeviceID(deviceID))))
            case .notHyperV:
                detail = "IRQ \(virq) has no hyperv-vpci level, so there is no Hyper-V request for it; use format=kvm or format=mshv"
            case .postedToVCPU(let descriptor):
                detail = "IRQ \(virq) is posted to a vCPU (its IRTE delivers into the posted-interrupt descriptor at 0x\(String(descriptor, radix: 16))); "
                    + "a \(format) routing entry names an APIC destination only; DELETE .../vcpu-affinity first"
                members.append(("descriptor", .string("0x" + String(descriptor, radix: 16))))
            case .gsiOutOfRange(let gsi, let limit):
                detail = "GSI \(gsi) is not below the \(format) routing table's limit of \(limit) entries; "
                    + "pass a smaller gsi (it defaults to the virq)"
                members.append(("gsi", .integer(gsi)))
                members.append(("limit", .integer(limit)))
            }
            self.init(.routeNotExpressible, detail, members)
        }
    }
}
