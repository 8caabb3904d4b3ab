extension System {
    /// Checks the invariants listed on `System` and every allocator's own, structure first (so
    /// that no later check can trap on a forged document): domain ids, parent and child links
    /// (a parent is always created before its children, so links point backwards and cannot
    /// loop), CPU counts, then every IRQ against the allocators and counters.
    /// - Complexity: O(IRQs + domains × their sizes).
    public func validate() throws(InvariantViolation) {
        try validateStructure()
        try virqs.validate()
        let live = liveIRQs
        try require(virqs.liveCount == live.count, "virq space counts \(virqs.liveCount), \(live.count) IRQs live")
        var perDomain: [DomainID: Int] = [:]
        // Domain id and hwirq in one word (a 100,000-IRQ snapshot is validated on every load:
        // a two-element array per level was an allocation each).
        var hwirqOwners = Set<UInt64>(minimumCapacity: live.count * 3)
        var vectorOwners = Set<VectorAssignment>()
        // The path from each device domain to the root, computed once per domain.
        var paths: [DomainID: [DomainID]] = [:]
        // LPIs routed to each CPU by each ITS, recounted from the IRQs (plain, managed).
        let noLPIs = [UInt32](repeating: 0, count: cpus.count)
        var routedLPIs: [DomainID: (plain: [UInt32], managed: [UInt32])] = [:]
        var reservations = 0
        var indexed = 0
        // Remapping entries owned per domain and table, and every (domain, table, index) seen.
        var remappingOwners: [DomainID: [UInt32: Int]] = [:]
        var remappingEntries = Set<UInt64>()
        for irq in live {
            try require(virqs.contains(irq.virq), "IRQ \(irq.virq) is not in the virq space")
            try require(!irq.levels.isEmpty, "IRQ \(irq.virq) has no levels")
            let first = irq.levels[0].domain
            let expected = paths[first] ?? path(from: first)
            paths[first] = expected
            try require(irq.levels.elementsEqual(expected) { $0.domain == $1 }, "IRQ \(irq.virq): levels do not follow the hierarchy")
            if let cpu = irq.effectiveCPU { try require(cpu.index < cpus.count, "IRQ \(irq.virq): effective CPU \(cpu) does not exist") }
            if let affinity = irq.affinity { try require(affinity.isSubset(of: present), "IRQ \(irq.virq): affinity names CPUs that do not exist") }
            for level in irq.levels {
                perDomain[level.domain, default: 0] += 1
                // AMD-IR's hwirqs are (devid << 16) + i: IRQs of one device repeat them, as in
                // Linux (irq_remapping_alloc); their entries are checked below instead.
                let repeatsHwirqs: Bool = if case .remapped = level.state, domains[level.domain.index]?.kind == .amdIR { true } else { false }
                try require(repeatsHwirqs || hwirqOwners.insert(UInt64(level.domain.rawValue) << 32 | UInt64(level.hwirq.rawValue)).inserted,
                            "hwirq \(level.hwirq) of domain \(level.domain) used twice")
                if case .x86Vector(let state) = level.state {
                    if let assignment = state.assignment {
                        try require(assignment.cpu.index < cpus.count, "IRQ \(irq.virq): vector on CPU \(assignment.cpu), which does not exist")
                        try require(vectorOwners.insert(assignment).inserted, "vector \(assignment.vector) on CPU \(assignment.cpu) twice")
                        try require(irq.effectiveCPU == assignment.cpu, "IRQ \(irq.virq): effective CPU is not the vector's")
                    }
                    if state.holdsReservation { reservations += 1 }
                }
                if case .gicv3ITS(let state) = level.state, case .gicv3ITS(let its)? = domains[level.domain.index]?.state {
                    // The IRQ's device is served by an ITS device whose event and LPI are this IRQ's.
                    guard let device = its.device(serving: irq.device), Int(state.eventID) < device.events.bitCount else {
                        throw InvariantViolation("IRQ \(irq.virq): no ITS device of \(domains[level.domain.index]?.name.rawValue ?? "?") serves \(irq.device) with event \(state.eventID)")
                    }
                    try require(device.events[Int(state.eventID)] && level.hwirq.rawValue == device.lpiBase + state.eventID,
                                "IRQ \(irq.virq): event \(state.eventID) is not its LPI \(level.hwirq) on DeviceID \(device.deviceID)")
                }
                if case .remapped(let state) = level.state, case .remapping(let unit)? = domains[level.domain.index]?.state {
                    // Every IRQ owns its entry (a VT-d block is counted once, by sub-handle 0)
                    // and no entry is owned twice.
                    let block = unit.kind == .intelIR ? (state.offset == 0 ? 1 << Int(state.order) : 0) : 1
                    remappingOwners[level.domain, default: [:]][state.table, default: 0] += block
                    try require(state.base % (1 << UInt32(state.order)) == 0 && state.offset < 1 << UInt32(state.order) || unit.kind == .amdIR && state.order == 0,
                                "IRQ \(irq.virq): remapping block at \(state.base) is not aligned to its \(1 << Int(state.order)) entries")
                    try require(unit.tables[state.table]?[Int(state.index)] == true,
                                "IRQ \(irq.virq): remapping entry \(state.index) of table \(state.table) is not allocated")
                    try require(remappingEntries.insert(UInt64(level.domain.rawValue) << 48 | UInt64(state.table) << 20 | UInt64(state.index)).inserted,
                                "remapping entry \(state.index) of table \(state.table) used twice")
                }
                if case .gicv3ITS(let state) = level.state, let cpu = state.collection {
                    try require(cpu.index < cpus.count, "IRQ \(irq.virq): LPI routed to CPU \(cpu), which does not exist")
                    if irq.managed {
                        routedLPIs[level.domain, default: (noLPIs, noLPIs)].managed[cpu.index] += 1
                    } else {
                        routedLPIs[level.domain, default: (noLPIs, noLPIs)].plain[cpu.index] += 1
                    }
                }
            }
            if irq.activated {
                guard let cpu = irq.effectiveCPU else { throw InvariantViolation("IRQ \(irq.virq): activated without an effective CPU") }
                try require(online.contains(cpu), "IRQ \(irq.virq): effective CPU \(cpu) is offline")
                if !irq.affinityBroken {
                    try require((irq.affinity ?? present).contains(cpu), "IRQ \(irq.virq): effective CPU \(cpu) outside its affinity")
                }
            } else {
                try require(irq.effectiveCPU == nil && irq.message == nil, "IRQ \(irq.virq): inactive but routed")
            }
            if let message = irq.message {
                try require(decodeIndex[message].contains(irq.virq), "IRQ \(irq.virq): message not in the decode index")
                indexed += 1
            }
        }
        try require(decodeIndex.count == indexed, "decode index has stale entries")
        for domain in allDomains {
            try require(domain.allocatedIRQs == perDomain[domain.id, default: 0],
                        "domain \(domain.name): allocatedIRQs \(domain.allocatedIRQs), levels \(perDomain[domain.id, default: 0])")
            switch domain.state {
            case .x86Vector(let vectors):
                try require(vectors.matrix.cpus.count == cpus.count, "domain \(domain.name): the vector matrix has \(vectors.matrix.cpus.count) CPUs, the system \(cpus.count)")
                try require(vectors.matrix.cpus.map(\.online) == cpus.map(\.online), "domain \(domain.name): the vector matrix disagrees on which CPUs are online")
                try vectors.matrix.validate()
                try require(vectors.matrix.globalReserved == reservations, "reservations drifted")
                try require(vectors.matrix.cpus.map(\.allocatedCount).reduce(0, +) == vectorOwners.count, "matrix counts vectors no IRQ holds")
            case .gicv3(let gic):
                try gic.spis.validate()
                for map in gic.mbiMaps { try map.validate() }
            case .gicv3ITS(let its):
                for device in its.devices.values { try device.events.validate() }
                let routed = routedLPIs[domain.id] ?? (noLPIs, noLPIs)
                try require(its.lpiCounts == routed.plain && its.managedLPICounts == routed.managed,
                            "gicv3-its \(domain.name): the LPI counts per CPU are not the LPIs routed to each CPU")
            case .gicv2m(let frame):
                try frame.map.validate()
            case .hypervVPCI(let hyperV):
                try hyperV.spiWindow?.validate()
            case .pciMSI(let pci):
                try pci.indices.validate()
                try require(pci.indices.setCount == domain.allocatedIRQs, "pci-msi \(domain.name): indices drifted")
            case .remapping(let unit):
                for table in unit.tables.values { try table.validate() }
                let owned = remappingOwners[domain.id] ?? [:]
                for (key, table) in unit.tables {
                    try require(table.setCount == owned[key, default: 0],
                                "\(domain.kind) \(domain.name): table \(key) has \(table.setCount) entries allocated, its IRQs own \(owned[key, default: 0])")
                }
            case .modifying:
                break  // refused by validateStructure
            }
        }
    }

    /// Ids, links and names: what every other check relies on to index safely.
    private func validateStructure() throws(InvariantViolation) {
        try require(!cpus.isEmpty && cpus.count <= CPUSet.capacity, "a system has 1 to \(CPUSet.capacity) CPUs")
        var roots = 0
        for (index, slot) in domains.enumerated() {
            guard let domain = slot else { continue }
            try require(domain.id.index == index, "domain \(domain.name) is stored at \(index) but has id \(domain.id)")
            if case .modifying = domain.state { throw InvariantViolation("domain \(domain.name) has no kind (left in the modifying state)") }
            try require(domainIDs[domain.name] == domain.id, "domain \(domain.name) is not found by its name")
            if let parent = domain.parent {
                try require(parent.index < index && domains[parent.index] != nil, "domain \(domain.name): its parent must exist and be older")
                try require(domains[parent.index]?.children.contains(domain.id) == true, "domain \(domain.name) is missing from its parent's children")
            } else {
                roots += 1
                try require(rootID == domain.id, "domain \(domain.name) has no parent but is not the root")
            }
            for child in domain.children {
                try require(child.index > index && child.index < domains.count && domains[child.index]?.parent == domain.id,
                            "domain \(domain.name): child link \(child) broken")
            }
        }
        try require(roots <= 1, "a system has one root domain, found \(roots)")
        try require(domainIDs.count == allDomains.count, "domain names and domains disagree")
    }

    /// Traps on a broken invariant (tests call it after every operation).
    public func checkInvariants() { trapping(validate) }
}
