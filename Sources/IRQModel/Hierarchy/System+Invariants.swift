extension System {
    /// Checks the invariants listed on `System` and every allocator's own; traps on a broken
    /// one (a bug in msid, never bad input). Tests call it after every operation.
    /// - Complexity: O(IRQs + domains × their sizes).
    public func checkInvariants() {
        virqs.checkInvariants()
        let live = liveIRQs
        precondition(virqs.liveCount == live.count, "virq space counts \(virqs.liveCount), \(live.count) IRQs live")
        var perDomain: [DomainID: Int] = [:]
        var hwirqOwners = Set<[UInt32]>()
        var vectorOwners = Set<VectorAssignment>()
        var reservations = 0
        var indexed = 0
        for irq in live {
            let expected = path(from: irq.levels[0].domain)
            precondition(irq.levels.map(\.domain) == expected, "IRQ \(irq.virq): levels do not follow the hierarchy")
            for level in irq.levels {
                perDomain[level.domain, default: 0] += 1
                precondition(hwirqOwners.insert([level.domain.rawValue, level.hwirq.rawValue]).inserted,
                             "hwirq \(level.hwirq) of domain \(level.domain) used twice")
                if case .x86Vector(let state) = level.state {
                    if let assignment = state.assignment {
                        precondition(vectorOwners.insert(assignment).inserted, "vector \(assignment.vector) on CPU \(assignment.cpu) twice")
                        precondition(irq.effectiveCPU == assignment.cpu, "IRQ \(irq.virq): effective CPU is not the vector's")
                    }
                    if state.holdsReservation { reservations += 1 }
                }
            }
            if irq.activated {
                guard let cpu = irq.effectiveCPU else { preconditionFailure("IRQ \(irq.virq): activated without an effective CPU") }
                precondition(online.contains(cpu), "IRQ \(irq.virq): effective CPU \(cpu) is offline")
                if !irq.affinityBroken {
                    precondition((irq.affinity ?? present).contains(cpu), "IRQ \(irq.virq): effective CPU \(cpu) outside its affinity")
                }
            } else {
                precondition(irq.effectiveCPU == nil && irq.message == nil, "IRQ \(irq.virq): inactive but routed")
            }
            if let message = irq.message {
                precondition(decodeIndex[message].contains(irq.virq), "IRQ \(irq.virq): message not in the decode index")
                indexed += 1
            }
        }
        precondition(decodeIndex.count == indexed, "decode index has stale entries")
        for domain in allDomains {
            precondition(domain.allocatedIRQs == perDomain[domain.id, default: 0],
                         "domain \(domain.name): allocatedIRQs \(domain.allocatedIRQs), levels \(perDomain[domain.id, default: 0])")
            for child in domain.children { precondition(self.domain(child).parent == domain.id, "domain \(domain.name): child link broken") }
            switch domain.state {
            case .x86Vector(let vectors):
                vectors.matrix.checkInvariants()
                precondition(vectors.matrix.globalReserved == reservations, "reservations drifted")
                precondition(vectors.matrix.cpus.map(\.allocatedCount).reduce(0, +) == vectorOwners.count, "matrix counts vectors no IRQ holds")
            case .gicv3(let gic):
                gic.spis.checkInvariants()
                gic.mbiMaps.forEach { $0.checkInvariants() }
            case .gicv3ITS(let its):
                its.devices.values.forEach { $0.events.checkInvariants() }
            case .gicv2m(let frame):
                frame.map.checkInvariants()
            case .hypervVPCI(let hyperV):
                hyperV.spiWindow?.checkInvariants()
            case .pciMSI(let pci):
                pci.indices.checkInvariants()
                precondition(pci.indices.setCount == domain.allocatedIRQs, "pci-msi \(domain.name): indices drifted")
            case .modifying:
                preconditionFailure("domain \(domain.name) left in the modifying state")
            }
        }
    }
}
