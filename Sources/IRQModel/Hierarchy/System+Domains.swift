extension System {
    /// Creates a domain after checking the parent rules of interrupt-model.md §3, the kind's
    /// configuration, and SPI windows on the GIC (no INTID may be claimed twice).
    mutating func createDomain(_ spec: DomainSpec) throws(ModelError) -> DomainID {
        guard domainIDs[spec.name] == nil else { throw .domainExists(system: name, domain: spec.name) }
        let kind = spec.configuration.kind
        let id = DomainID(rawValue: UInt32(domains.count))
        var parentID: DomainID?
        if kind.isRoot {
            guard spec.parent == nil else { throw .parentNotAllowed(kind: kind) }
            guard architecture.rootKind == kind else { throw .architectureMismatch(kind: kind, architecture: architecture) }
            if let root = rootID { throw .rootExists(existing: domain(root).name) }
        } else {
            guard let parentName = spec.parent else { throw .parentRequired(kind: kind) }
            let parent = domain(try domainID(parentName))
            guard kind.allowedParents.contains(parent.kind) else {
                throw .wrongParentKind(kind: kind, parent: parentName, parentKind: parent.kind, allowed: kind.allowedParents)
            }
            parentID = parent.id
        }
        let state = try makeState(for: spec, id: id, parent: parentID)
        if let parentID {
            try claimSPIWindow(of: spec, id: id, parent: parentID)
            domains[parentID.index]?.children.append(id)
        } else {
            rootID = id
            if case .gicv3(let gic) = state { distributorBase = gic.distributorBase }
        }
        domains.append(Domain(id: id, name: spec.name, parent: parentID, state: state))
        domainIDs[spec.name] = id
        return id
    }

    /// Validates the kind's configuration and builds its initial state.
    private func makeState(for spec: DomainSpec, id: DomainID, parent: DomainID?) throws(ModelError) -> DomainState {
        switch spec.configuration {
        case .x86Vector(let reserved):
            try X86VectorDomain.validate(reservedVectors: reserved)
            return .x86Vector(X86VectorDomain(reservedVectors: reserved, cpuCount: cpus.count))
        case .gicv3(let base, let spis, let mbi):
            try GICv3Domain.validate(spiCount: spis, mbiRanges: mbi)
            return .gicv3(GICv3Domain(distributorBase: base, spiCount: spis, mbiRanges: mbi, id: id))
        case .gicv3ITS(let base, let map):
            try GICv3ITSDomain.validate(msiMap: map ?? [])
            return .gicv3ITS(GICv3ITSDomain(itsBase: base, msiMap: map ?? [], cpuCount: cpus.count))
        case .gicv2m(let base, let spis):
            guard spis.count >= 1 else {
                throw .invalidDomainConfiguration(kind: .gicv2m, member: "spiCount", reason: "a frame has at least one SPI")
            }
            return .gicv2m(GICv2mDomain(frameBase: base, spis: spis))
        case .hypervVPCI(let policy, let version, let instance):
            if version == .v1_1 && cpus.count > 64 {
                throw .invalidDomainConfiguration(kind: .hypervVPCI, member: "protocolVersion",
                                                  reason: "protocol 1.1 targets VPs through a 64-bit mask; this system has \(cpus.count) CPUs")
            }
            return .hypervVPCI(HyperVPCIDomain(activatePolicy: policy, protocolVersion: version,
                                               instanceID: instance, architecture: architecture))
        case .pciMSI(let device, let tableSize, let alias):
            try PCIMSIDomain.validate(msixTableSize: tableSize)
            if let alias, alias.segment != device.segment {
                throw .invalidDomainConfiguration(kind: .pciMSI, member: "dmaAlias",
                                                  reason: "the alias \(alias) is on another PCI segment than \(device); a bridge aliases devices of its own segment")
            }
            if let existing = allDomains.first(where: { if case .pciMSI(let d) = $0.state { d.device == device } else { false } }) {
                throw .deviceHasDomain(device: device, domain: existing.name)
            }
            if let parent, case .gicv3(let gic) = domain(parent).state, gic.mbiRanges.isEmpty {
                throw .invalidDomainConfiguration(kind: .pciMSI, member: "parent",
                                                  reason: "a pci-msi domain on a gicv3 parent needs the GIC's MBI ranges, and \(domain(parent).name) has none")
            }
            return .pciMSI(PCIMSIDomain(device: device, msixTableSize: tableSize, dmaAlias: alias))
        case .remapping(let configuration):
            try InterruptRemappingDomain.validate(configuration, apicIDs: cpus.map { UInt32(truncatingIfNeeded: $0.hardwareID) })
            return .remapping(InterruptRemappingDomain(kind: configuration.kind, format: configuration.format,
                                                       entriesPerTable: configuration.entriesPerTable,
                                                       extendedInterruptMode: configuration.extendedInterruptMode,
                                                       maxHandleMask: configuration.maxHandleMask))
        }
    }

    /// A GICv2m frame or the arm64 Hyper-V window claims its SPIs on the GIC parent.
    private mutating func claimSPIWindow(of spec: DomainSpec, id: DomainID, parent: DomainID) throws(ModelError) {
        let window: ClosedRange<UInt32>
        switch spec.configuration {
        case .gicv2m(_, let spis):
            guard let intids = spis.intids else { return }
            window = intids
        case .hypervVPCI where architecture == .arm64:
            window = HyperVPCIDomain.windowINTIDs
        default:
            return
        }
        guard case .gicv3(let gic) = domain(parent).state else { return }
        guard gic.spiINTIDs.contains(window.lowerBound) && gic.spiINTIDs.contains(window.upperBound) else {
            throw .spiRangeConflict(requested: window, claimedBy: nil, claimed: gic.spiINTIDs)
        }
        if let clash = gic.claims.first(where: { $0.intids.overlaps(window) }) {
            throw .spiRangeConflict(requested: window, claimedBy: domain(clash.owner).name, claimed: clash.intids)
        }
        if case .gicv3(var gic)? = domains[parent.index]?.state {
            domains[parent.index]?.state = .modifying
            gic.claims.append(SPIClaim(intids: window, owner: id))
            domains[parent.index]?.state = .gicv3(gic)
        }
    }

    /// Removes a domain; refused while it has allocated IRQs or child domains (the seed: an
    /// interrupt controller must never go away while interrupts may still target it).
    mutating func deleteDomain(_ name: DomainName) throws(ModelError) {
        let id = try domainID(name)
        let target = domain(id)
        guard target.allocatedIRQs == 0 && target.children.isEmpty else {
            throw .domainBusy(domain: name, allocatedIRQs: target.allocatedIRQs, children: target.children.map { domain($0).name })
        }
        if let parent = target.parent {
            domains[parent.index]?.children.removeAll { $0 == id }
            if case .gicv3(var gic)? = domains[parent.index]?.state {
                domains[parent.index]?.state = .modifying
                gic.claims.removeAll { $0.owner == id }
                domains[parent.index]?.state = .gicv3(gic)
            }
        } else {
            rootID = nil
            distributorBase = nil
        }
        domains[id.index] = nil
        domainIDs[name] = nil
        while let last = domains.last, last == nil { domains.removeLast() }
    }
}
