/// A domain as clients see it.
public struct DomainView: Hashable, Sendable, Codable {
    public let name: DomainName
    public let kind: DomainKind
    public let parent: DomainName?
    public let children: [DomainName]
    public let allocatedIRQs: Int
    public let configuration: DomainConfiguration
    public let occupancy: DomainOccupancy
}

/// One level of an IRQ as clients see it, outermost first.
public struct LevelView: Hashable, Sendable, Codable {
    public let domain: DomainName
    public let kind: DomainKind
    public let hwirq: HardwareIRQ
    /// The irq_chip name Linux shows in /proc/interrupts for this level.
    public let chip: String
    /// An ITS level: the DeviceID the device's MSIs carry to the ITS.
    public let deviceID: UInt32?
    /// A remapping level: the IRQ's table entry.
    public let remapping: RemappingView?
}

/// The composed message of an IRQ with what it means.
public struct MessageView: Hashable, Sendable, Codable {
    public let virq: VirtualIRQ
    public let message: MSIMessage
    /// x86 fields as the hardware reads them (x86 roots).
    public let x86: X86MSIFields?
    /// The doorbell register the message writes (arm64): "GICD_SETSPI_NSR", "GITS_TRANSLATER", "V2M_MSI_SETSPI_NS".
    public let doorbell: String?
    public let cpu: CPUID?
    public let vector: Vector?
    /// The root's hwirq (INTID on arm64, virq on x86).
    public let hwirq: HardwareIRQ
    /// For a Hyper-V hierarchy: what was asked of the host and what it answered.
    public let hyperVRequest: HyperVCreateInterruptRequest?
    public let hyperVAnswer: MSIMessage?
    /// For a remapped IRQ: the table entry its message selects.
    public let remapping: RemappingView?
}

/// An IRQ's interrupt remapping entry: where it lies and what it holds.
public struct RemappingView: Hashable, Sendable, Codable {
    public let domain: DomainName
    public let kind: DomainKind
    /// AMD: the requester id whose table holds the entry; VT-d: nil (one table per unit).
    public let table: UInt32?
    public let index: UInt32
    /// VT-d: the handle (the block's first entry) and the sub-handle the data carries.
    public let handle: UInt32?
    public let subhandle: UInt32?
    /// "remapped" or "posted".
    public let mode: String
    public let entry: RemappingEntry
    public let posted: PostedTarget?
}

extension System {
    /// The remapping entry of `irq`, when its hierarchy has a remapping level.
    func remappingView(of irq: borrowing IRQDescriptor) -> RemappingView? {
        // A remapping domain is always the parent of the pci-msi level (its children are
        // pci-msi domains, its parent the vector domain): only depth 1 is looked at.
        guard irq.levels.count > 2, case .remapped(let state) = irq.levels[1].state else { return nil }
        let id = irq.levels[1].domain
        // Name and kind read in place: a copy of the domain would retain its tables.
        let facts: (name: DomainName, kind: DomainKind)? = withDomains { domains in
            guard id.index < domains.count, let name = domains[id.index]?.name, let kind = domains[id.index]?.state.kind else { return nil }
            return (name, kind)
        }
        guard let (name, kind) = facts else { return nil }
        let intel = kind == .intelIR
        return RemappingView(domain: name, kind: kind, table: intel ? nil : state.table, index: state.index,
                             handle: intel ? state.base : nil, subhandle: intel ? state.offset : nil,
                             mode: state.posted == nil ? "remapped" : "posted", entry: state.hardware, posted: state.posted)
    }
}

extension DomainState {
    /// The configuration the domain was created with.
    public var configuration: DomainConfiguration {
        switch self {
        case .x86Vector(let d): .x86Vector(reservedVectors: d.reservedVectors)
        case .gicv3(let d): .gicv3(distributorBase: d.distributorBase, spis: d.spiCount, mbi: d.mbiRanges)
        case .gicv3ITS(let d): .gicv3ITS(itsBase: d.itsBase, msiMap: d.msiMap.isEmpty ? nil : d.msiMap)
        case .gicv2m(let d): .gicv2m(frameBase: d.frameBase, spis: d.spis)
        case .hypervVPCI(let d): .hypervVPCI(activatePolicy: d.activatePolicy, protocolVersion: d.protocolVersion, instanceID: d.instanceID)
        case .pciMSI(let d): .pciMSI(device: d.device, msixTableSize: d.msixTableSize, dmaAlias: d.dmaAlias)
        case .remapping(let d):
            .remapping(RemappingConfiguration(kind: d.kind, entriesPerTable: d.entriesPerTable, extendedInterruptMode: d.extendedInterruptMode,
                                              maxHandleMask: d.maxHandleMask, format: d.format))
        case .modifying: preconditionFailure("domain state observed while being modified")
        }
    }
}

extension System {
    public func domainView(_ name: DomainName) throws(ModelError) -> DomainView {
        view(of: domain(try domainID(name)))
    }

    /// Every domain, parents before children (creation order).
    public var domainViews: [DomainView] { allDomains.map(view(of:)) }

    /// At most `limit` domains created after the one with id `after` (creation order), and the
    /// id of the last one when more follow. Ids are never reused, so a page boundary survives
    /// the deletion of any domain.
    public func domainPage(after: UInt32?, limit: Int) -> (views: [DomainView], lastID: UInt32?) {
        let rest = allDomains.filter { after == nil || $0.id.rawValue > after ?? 0 }
        let page = rest.prefix(limit)
        return (page.map(view(of:)), rest.count > page.count ? page.last?.id.rawValue : nil)
    }

    private func view(of domain: Domain) -> DomainView {
        DomainView(name: domain.name, kind: domain.kind, parent: domain.parent.map { self.domain($0).name },
                   children: domain.children.map { self.domain($0).name }, allocatedIRQs: domain.allocatedIRQs,
                   configuration: domain.state.configuration, occupancy: occupancy(of: domain))
    }

    /// What `GET .../domains/{domain}` reports of a domain's number space (and what a plan
    /// compares before and after).
    func occupancy(of domain: Domain) -> DomainOccupancy {
        var occupancy = domain.state.occupancy(context: context(for: domain.id))
        if occupancy.unit == "virqs" {
            // The x86 Hyper-V level has no number space of its own (hwirq = virq): report the
            // system's virq space.
            occupancy.used = domain.allocatedIRQs
            occupancy.free = Int(VirqSpace.limit) - Int(virqs.first.rawValue) - virqs.liveCount
        }
        return occupancy
    }

    /// Live IRQs in virq order, optionally only those with a level in `domain` or of `device`.
    public func irqs(inDomain domainName: DomainName? = nil, device: PCIAddress? = nil) throws(ModelError) -> [IRQDescriptor] {
        let id = try domainName.map { (name) throws(ModelError) in try domainID(name) }
        return liveIRQs.filter { irq in
            (id == nil || irq.levels.contains { $0.domain == id }) && (device == nil || irq.device == device)
        }
    }

    public func irqDescriptor(_ virq: VirtualIRQ) throws(ModelError) -> IRQDescriptor { try irq(virq) }

    /// The IRQ's levels, outermost first.
    public func hierarchy(of irq: IRQDescriptor) -> [LevelView] {
        irq.levels.map { level in
            let domain = domain(level.domain)
            var deviceID: UInt32?
            if case .gicv3ITS(let its) = domain.state { deviceID = its.deviceIDs[irq.device] }
            var remapping: RemappingView?
            if case .remapped = level.state { remapping = remappingView(of: irq) }
            return LevelView(domain: domain.name, kind: domain.kind, hwirq: level.hwirq, chip: chipName(domain.kind, irq: irq),
                             deviceID: deviceID, remapping: remapping)
        }
    }

    private func chipName(_ kind: DomainKind, irq: IRQDescriptor) -> String {
        switch kind {
        case .pciMSI: irq.type == .msi ? "PCI-MSI" : "PCI-MSIX"
        case .x86Vector: "APIC"
        case .gicv3: "GICv3"
        case .gicv3ITS: "ITS"
        case .gicv2m: "GICv2m"
        case .hypervVPCI: architecture == .arm64 ? "hv_vpci_arm64" : "Hyper-V PCIe MSI"
        case .intelIR: "INTEL-IR"
        case .amdIR: "AMD-IR"
        }
    }

    /// The composed message of an activated IRQ; nil when it has none (not activated).
    public func messageView(_ virq: VirtualIRQ) throws(ModelError) -> MessageView? {
        try withIRQ(virq) { irq in messageView(of: irq) }
    }

    private func messageView(of irq: borrowing IRQDescriptor) -> MessageView? {
        let virq = irq.virq
        guard let message = irq.message, let root = irq.levels.last else { return nil }
        var vector: Vector?
        if case .x86Vector(let state) = root.state { vector = state.assignment?.vector }
        var request: HyperVCreateInterruptRequest?
        var answer: MSIMessage?
        var doorbell: String?
        if irq.levels.count > 1 {
            switch irq.levels[1].state {
            case .hypervVPCI(let state):
                request = state.request
                answer = state.answer
                if architecture == .arm64 { doorbell = "GICD_SETSPI_NSR" }
            case .gicv3ITS: doorbell = "GITS_TRANSLATER"
            case .gicv2m: doorbell = "V2M_MSI_SETSPI_NS"
            case .gicv3: doorbell = "GICD_SETSPI_NSR"
            case .pciMSI, .x86Vector, .remapped: break
            }
        }
        let remapping = remappingView(of: irq)
        let fields = architecture == .x86_64 && remapping == nil ? X86MSIMessage.decode(message, extendedDestinationID: extendedDestinationID) : nil
        return MessageView(virq: virq, message: message, x86: fields, doorbell: doorbell, cpu: irq.effectiveCPU, vector: vector,
                           hwirq: root.hwirq, hyperVRequest: request, hyperVAnswer: answer, remapping: remapping)
    }
}

extension DomainState {
    func occupancy(context: LevelContext) -> DomainOccupancy {
        switch self {
        case .x86Vector(let d): d.occupancy(context: context)
        case .gicv3(let d): d.occupancy(context: context)
        case .gicv3ITS(let d): d.occupancy(context: context)
        case .gicv2m(let d): d.occupancy(context: context)
        case .hypervVPCI(let d): d.occupancy(context: context)
        case .pciMSI(let d): d.occupancy(context: context)
        case .remapping(let d): d.occupancy(context: context)
        case .modifying: preconditionFailure("domain state observed while being modified")
        }
    }
}
