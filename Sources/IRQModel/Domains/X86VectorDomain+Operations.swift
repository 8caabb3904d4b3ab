extension X86VectorDomain: DomainOperations {
    /// `x86_vector_alloc_irqs`: hwirq = virq; managed IRQs reserve a vector on every CPU of
    /// their mask (`reserve_managed_vector`), others take a global reservation (`reserve_irq_vector`).
    /// When one IRQ of the block cannot reserve, the ones before it are freed as
    /// `x86_vector_free_irqs` frees them: `irq_matrix_remove_managed` on each one's mask, which
    /// gives back the lowest unallocated managed vector of every CPU, not the one just reserved.
    mutating func allocate(_ request: LevelRequest, context: LevelContext) throws(ModelError) -> LevelGrant {
        var grant = LevelGrant()
        for offset in 0..<request.count {
            if request.isManaged(offset) {
                do {
                    try matrix.reserveManaged(on: request.affinity(offset))
                } catch {
                    rollback(grant, of: request, context: context)
                    throw error
                }
            } else {
                matrix.reserve()
            }
            grant.hwirqs.append(HardwareIRQ(rawValue: request.firstVirq.rawValue + UInt32(offset)))
            grant.states.append(.x86Vector(X86VectorLevel(assignment: nil, holdsReservation: !request.isManaged(offset))))
        }
        return grant
    }

    /// `x86_vector_free_irqs` for the IRQs a grant holds (`vector_free_reserved_and_managed`):
    /// a managed one releases, on every CPU of its mask, the lowest unallocated managed vector;
    /// any other drops its reservation.
    mutating func rollback(_ grant: borrowing LevelGrant, of request: LevelRequest, context: LevelContext) {
        for offset in (0..<grant.states.count).reversed() {
            if request.isManaged(offset) {
                matrix.removeManaged(on: request.affinity(offset))
            } else {
                matrix.removeReservation()
            }
        }
    }

    /// `x86_vector_free_irqs`: the vector is gone already (deactivation); managed reservations
    /// are removed on the affinity mask, a reservation is dropped.
    mutating func free(_ level: IRQLevel, of irq: IRQDescriptor, context: LevelContext) -> EffectList {
        guard case .x86Vector(let state) = level.state else { return EffectList() }
        var effects = EffectList()
        if let assignment = state.assignment {
            matrix.free(cpu: assignment.cpu, vector: assignment.vector, managed: irq.managed)
            effects.append(.vectorReleased(cpu: assignment.cpu, vector: assignment.vector))
        }
        if irq.managed {
            matrix.removeManaged(on: irq.affinity ?? context.allCPUs)
        } else if state.holdsReservation {
            matrix.removeReservation()
        }
        return effects
    }

    /// `x86_vector_activate`: managed IRQs take the reserved vector on the managed CPU with the
    /// fewest managed vectors (`activate_managed`); others `assign_irq_vector_any_locked`:
    /// requested ∩ online first, then all online CPUs ("affinity broken"), else -ENOSPC.
    mutating func activate(_ irq: inout IRQDescriptor, depth: Int, context: inout LevelContext) throws(ModelError) -> EffectList {
        guard case .x86Vector(var state) = irq.levels[depth].state, state.assignment == nil else { return EffectList() }
        let mask = (irq.affinity ?? context.allCPUs).intersection(context.online)
        var broken = false
        let chosen: (cpu: CPUID, vector: Vector)
        if irq.managed {
            guard let managed = matrix.allocateManaged(in: mask) else {
                throw .vectorsExhausted(requested: 1, available: 0, cpus: mask)
            }
            chosen = managed
        } else if let inMask = matrix.allocate(in: mask, consumesReservation: state.holdsReservation) {
            chosen = inMask
        } else if let anywhere = matrix.allocate(in: context.online, consumesReservation: state.holdsReservation) {
            chosen = anywhere
            broken = true
        } else {
            throw .vectorsExhausted(requested: 1, available: matrix.available(in: context.online), cpus: context.online)
        }
        state.assignment = VectorAssignment(cpu: chosen.cpu, vector: chosen.vector)
        state.holdsReservation = false
        irq.levels[depth].state = .x86Vector(state)
        irq.effectiveCPU = chosen.cpu
        irq.affinityBroken = broken
        return EffectList(.vectorAssigned(cpu: chosen.cpu, vector: chosen.vector, previous: nil, affinityBroken: broken))
    }

    /// `x86_vector_deactivate`: the vector is released; a non-managed IRQ goes back to a
    /// reservation, a managed one keeps its managed reservation (placeholder vector 0xEF).
    mutating func deactivate(_ irq: inout IRQDescriptor, depth: Int, context: LevelContext) -> EffectList {
        guard case .x86Vector(var state) = irq.levels[depth].state, let assignment = state.assignment else { return EffectList() }
        matrix.free(cpu: assignment.cpu, vector: assignment.vector, managed: irq.managed)
        if !irq.managed {
            matrix.reserve()
            state.holdsReservation = true
        }
        state.assignment = nil
        irq.levels[depth].state = .x86Vector(state)
        return EffectList(.vectorReleased(cpu: assignment.cpu, vector: assignment.vector))
    }

    /// `apic_set_affinity` → `assign_vector_locked` (or `assign_managed_vector`): nothing moves
    /// when the current CPU is online and in the target; otherwise a new vector on the best CPU
    /// of the target, and the old one is released at once (msid does not model the deferred
    /// cleanup that waits for the first interrupt on the new vector). Returns `IRQ_SET_MASK_OK`,
    /// so the MSI level recomposes.
    mutating func setAffinity(_ irq: inout IRQDescriptor, depth: Int, to target: CPUSet, context: LevelContext) throws(ModelError) -> AffinityStep {
        guard case .x86Vector(var state) = irq.levels[depth].state, let old = state.assignment else { return .unchanged }
        if target.contains(old.cpu) && context.online.contains(old.cpu) { return .unchanged }
        let chosen = irq.managed ? matrix.allocateManaged(in: target) : matrix.allocate(in: target, consumesReservation: false)
        guard let chosen else {
            throw .vectorsExhausted(requested: 1, available: matrix.available(in: target), cpus: target)
        }
        matrix.free(cpu: old.cpu, vector: old.vector, managed: irq.managed)
        state.assignment = VectorAssignment(cpu: chosen.cpu, vector: chosen.vector)
        irq.levels[depth].state = .x86Vector(state)
        irq.effectiveCPU = chosen.cpu
        return .moved(recompose: true, effects: [
            .vectorAssigned(cpu: chosen.cpu, vector: chosen.vector, previous: old, affinityBroken: false),
        ])
    }

    /// `x86_vector_msi_compose_msg`: the physical-mode message for the assigned CPU and vector.
    mutating func compose(_ irq: inout IRQDescriptor, depth: Int, context: inout LevelContext) -> Composition? {
        guard case .x86Vector(let state) = irq.levels[depth].state, let assignment = state.assignment else { return nil }
        return X86MSIMessage.compose(apicID: context.apicID(assignment.cpu), vector: assignment.vector,
                                     extendedDestinationID: context.extendedDestinationID)
            .map { Composition(message: $0) }
    }

    mutating func cpuStateChanged(_ cpu: CPUID, online: Bool) { matrix.setOnline(cpu, online) }

    func occupancy(context: LevelContext) -> DomainOccupancy {
        var used = 0
        var free: UInt32 = 0
        let perCPU = matrix.cpus.enumerated().map { index, map in
            used += map.allocatedCount
            if !map.availableWrapped { free &+= map.available }
            return CPUOccupancy(cpu: CPUID(index), online: map.online, available: Int(map.available),
                                allocated: map.allocatedCount, managed: map.managed, managedAllocated: map.managedAllocated,
                                availableWrapped: map.availableWrapped ? true : nil)
        }
        return DomainOccupancy(unit: "vectors", used: used, free: Int(free), perCPU: perCPU, reserved: matrix.globalReserved)
    }
}

extension VectorMatrix {
    /// The vectors available for non-managed allocation on the online CPUs of `mask` (a CPU
    /// whose count wrapped below zero contributes none: it has no free vector).
    public func available(in mask: CPUSet) -> Int {
        var sum = 0
        for cpu in mask where cpu.index < cpus.count && cpus[cpu.index].online && !cpus[cpu.index].availableWrapped {
            sum += Int(cpus[cpu.index].available)
        }
        return sum
    }
}
