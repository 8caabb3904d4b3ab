/// The level operations of a domain, dispatched to its kind's struct (`DomainOperations`) by a
/// switch over `DomainState`: no existential box, and the payload is moved out of `state`
/// (swapped with `.modifying`, which it holds meanwhile, then consumed: no retain, no
/// release) so its bitmaps and tables are mutated without a copy-on-write copy, and put back
/// afterwards, also when the operation throws.
extension Domain {
    /// The kind's `allocate` (`DomainOperations`).
    mutating func allocate(_ request: LevelRequest, context: LevelContext) throws(ModelError) -> LevelGrant {
        var taken = DomainState.modifying
        swap(&taken, &state)
        switch consume taken {
        case .x86Vector(var kind):
            defer { state = .x86Vector(kind) }
            return try kind.allocate(request, context: context)
        case .gicv3(var kind):
            defer { state = .gicv3(kind) }
            return try kind.allocate(request, context: context)
        case .gicv3ITS(var kind):
            defer { state = .gicv3ITS(kind) }
            return try kind.allocate(request, context: context)
        case .gicv2m(var kind):
            defer { state = .gicv2m(kind) }
            return try kind.allocate(request, context: context)
        case .hypervVPCI(var kind):
            defer { state = .hypervVPCI(kind) }
            return try kind.allocate(request, context: context)
        case .pciMSI(var kind):
            defer { state = .pciMSI(kind) }
            return try kind.allocate(request, context: context)
        case .remapping(var kind):
            defer { state = .remapping(kind) }
            return try kind.allocate(request, context: context)
        case .modifying:
            preconditionFailure("re-entrant modification of domain \(name)")
        }
    }

    /// The kind's `rollback` (`DomainOperations`).
    mutating func rollback(_ grant: borrowing LevelGrant, of request: LevelRequest, context: LevelContext) {
        var taken = DomainState.modifying
        swap(&taken, &state)
        switch consume taken {
        case .x86Vector(var kind):
            defer { state = .x86Vector(kind) }
            kind.rollback(grant, of: request, context: context)
        case .gicv3(var kind):
            defer { state = .gicv3(kind) }
            kind.rollback(grant, of: request, context: context)
        case .gicv3ITS(var kind):
            defer { state = .gicv3ITS(kind) }
            kind.rollback(grant, of: request, context: context)
        case .gicv2m(var kind):
            defer { state = .gicv2m(kind) }
            kind.rollback(grant, of: request, context: context)
        case .hypervVPCI(var kind):
            defer { state = .hypervVPCI(kind) }
            kind.rollback(grant, of: request, context: context)
        case .pciMSI(var kind):
            defer { state = .pciMSI(kind) }
            kind.rollback(grant, of: request, context: context)
        case .remapping(var kind):
            defer { state = .remapping(kind) }
            kind.rollback(grant, of: request, context: context)
        case .modifying:
            preconditionFailure("re-entrant modification of domain \(name)")
        }
    }

    /// The kind's `free` (`DomainOperations`).
    mutating func free(_ level: IRQLevel, of irq: IRQDescriptor, context: LevelContext) -> EffectList {
        var taken = DomainState.modifying
        swap(&taken, &state)
        switch consume taken {
        case .x86Vector(var kind):
            defer { state = .x86Vector(kind) }
            return kind.free(level, of: irq, context: context)
        case .gicv3(var kind):
            defer { state = .gicv3(kind) }
            return kind.free(level, of: irq, context: context)
        case .gicv3ITS(var kind):
            defer { state = .gicv3ITS(kind) }
            return kind.free(level, of: irq, context: context)
        case .gicv2m(var kind):
            defer { state = .gicv2m(kind) }
            return kind.free(level, of: irq, context: context)
        case .hypervVPCI(var kind):
            defer { state = .hypervVPCI(kind) }
            return kind.free(level, of: irq, context: context)
        case .pciMSI(var kind):
            defer { state = .pciMSI(kind) }
            return kind.free(level, of: irq, context: context)
        case .remapping(var kind):
            defer { state = .remapping(kind) }
            return kind.free(level, of: irq, context: context)
        case .modifying:
            preconditionFailure("re-entrant modification of domain \(name)")
        }
    }

    /// The kind's `activate` (`DomainOperations`).
    mutating func activate(_ irq: inout IRQDescriptor, depth: Int, context: inout LevelContext) throws(ModelError) -> EffectList {
        var taken = DomainState.modifying
        swap(&taken, &state)
        switch consume taken {
        case .x86Vector(var kind):
            defer { state = .x86Vector(kind) }
            return try kind.activate(&irq, depth: depth, context: &context)
        case .gicv3(var kind):
            defer { state = .gicv3(kind) }
            return try kind.activate(&irq, depth: depth, context: &context)
        case .gicv3ITS(var kind):
            defer { state = .gicv3ITS(kind) }
            return try kind.activate(&irq, depth: depth, context: &context)
        case .gicv2m(var kind):
            defer { state = .gicv2m(kind) }
            return try kind.activate(&irq, depth: depth, context: &context)
        case .hypervVPCI(var kind):
            defer { state = .hypervVPCI(kind) }
            return try kind.activate(&irq, depth: depth, context: &context)
        case .pciMSI(var kind):
            defer { state = .pciMSI(kind) }
            return try kind.activate(&irq, depth: depth, context: &context)
        case .remapping(var kind):
            defer { state = .remapping(kind) }
            return try kind.activate(&irq, depth: depth, context: &context)
        case .modifying:
            preconditionFailure("re-entrant modification of domain \(name)")
        }
    }

    /// The kind's `deactivate` (`DomainOperations`).
    mutating func deactivate(_ irq: inout IRQDescriptor, depth: Int, context: LevelContext) -> EffectList {
        var taken = DomainState.modifying
        swap(&taken, &state)
        switch consume taken {
        case .x86Vector(var kind):
            defer { state = .x86Vector(kind) }
            return kind.deactivate(&irq, depth: depth, context: context)
        case .gicv3(var kind):
            defer { state = .gicv3(kind) }
            return kind.deactivate(&irq, depth: depth, context: context)
        case .gicv3ITS(var kind):
            defer { state = .gicv3ITS(kind) }
            return kind.deactivate(&irq, depth: depth, context: context)
        case .gicv2m(var kind):
            defer { state = .gicv2m(kind) }
            return kind.deactivate(&irq, depth: depth, context: context)
        case .hypervVPCI(var kind):
            defer { state = .hypervVPCI(kind) }
            return kind.deactivate(&irq, depth: depth, context: context)
        case .pciMSI(var kind):
            defer { state = .pciMSI(kind) }
            return kind.deactivate(&irq, depth: depth, context: context)
        case .remapping(var kind):
            defer { state = .remapping(kind) }
            return kind.deactivate(&irq, depth: depth, context: context)
        case .modifying:
            preconditionFailure("re-entrant modification of domain \(name)")
        }
    }

    /// The kind's `setAffinity` (`DomainOperations`). The kind is put back on both paths
    /// explicitly: with a `defer`, as the other verbs do, the compiler copied the whole kind
    /// (the vector matrix's arrays retained and released) on every call.
    mutating func setAffinity(_ irq: inout IRQDescriptor, depth: Int, to target: CPUSet, context: LevelContext) throws(ModelError) -> AffinityStep {
        var taken = DomainState.modifying
        swap(&taken, &state)
        switch consume taken {
        case .x86Vector(var kind):
            do {
                let step = try kind.setAffinity(&irq, depth: depth, to: target, context: context)
                state = .x86Vector(kind)
                return step
            } catch {
                state = .x86Vector(kind)
                throw error
            }
        case .gicv3(var kind):
            do {
                let step = try kind.setAffinity(&irq, depth: depth, to: target, context: context)
                state = .gicv3(kind)
                return step
            } catch {
                state = .gicv3(kind)
                throw error
            }
        case .gicv3ITS(var kind):
            do {
                let step = try kind.setAffinity(&irq, depth: depth, to: target, context: context)
                state = .gicv3ITS(kind)
                return step
            } catch {
                state = .gicv3ITS(kind)
                throw error
            }
        case .gicv2m(var kind):
            do {
                let step = try kind.setAffinity(&irq, depth: depth, to: target, context: context)
                state = .gicv2m(kind)
                return step
            } catch {
                state = .gicv2m(kind)
                throw error
            }
        case .hypervVPCI(var kind):
            do {
                let step = try kind.setAffinity(&irq, depth: depth, to: target, context: context)
                state = .hypervVPCI(kind)
                return step
            } catch {
                state = .hypervVPCI(kind)
                throw error
            }
        case .pciMSI(var kind):
            do {
                let step = try kind.setAffinity(&irq, depth: depth, to: target, context: context)
                state = .pciMSI(kind)
                return step
            } catch {
                state = .pciMSI(kind)
                throw error
            }
        case .remapping(var kind):
            do {
                let step = try kind.setAffinity(&irq, depth: depth, to: target, context: context)
                state = .remapping(kind)
                return step
            } catch {
                state = .remapping(kind)
                throw error
            }
        case .modifying:
            preconditionFailure("re-entrant modification of domain \(name)")
        }
    }

    /// The kind's `compose` (`DomainOperations`).
    mutating func compose(_ irq: inout IRQDescriptor, depth: Int, context: inout LevelContext) -> Composition? {
        var taken = DomainState.modifying
        swap(&taken, &state)
        switch consume taken {
        case .x86Vector(var kind):
            defer { state = .x86Vector(kind) }
            return kind.compose(&irq, depth: depth, context: &context)
        case .gicv3(var kind):
            defer { state = .gicv3(kind) }
            return kind.compose(&irq, depth: depth, context: &context)
        case .gicv3ITS(var kind):
            defer { state = .gicv3ITS(kind) }
            return kind.compose(&irq, depth: depth, context: &context)
        case .gicv2m(var kind):
            defer { state = .gicv2m(kind) }
            return kind.compose(&irq, depth: depth, context: &context)
        case .hypervVPCI(var kind):
            defer { state = .hypervVPCI(kind) }
            return kind.compose(&irq, depth: depth, context: &context)
        case .pciMSI(var kind):
            defer { state = .pciMSI(kind) }
            return kind.compose(&irq, depth: depth, context: &context)
        case .remapping(var kind):
            defer { state = .remapping(kind) }
            return kind.compose(&irq, depth: depth, context: &context)
        case .modifying:
            preconditionFailure("re-entrant modification of domain \(name)")
        }
    }

    /// Runs `body` on the `pci-msi` kind in place; nil for another kind. (Binding the kind out
    /// of `state` with a pattern copies it, its index bitmap retained and released.)
    mutating func withPCIMSI<R, E: Error>(_ body: (inout PCIMSIDomain) throws(E) -> R) throws(E) -> R? {
        guard case .pciMSI = state else { return nil }
        var taken = DomainState.modifying
        swap(&taken, &state)
        guard case .pciMSI(var kind) = consume taken else { preconditionFailure("domain \(name) changed kind") }
        defer { state = .pciMSI(kind) }
        return try body(&kind)
    }

    /// Runs `body` on the remapping kind in place; nil for another kind (see `withPCIMSI`).
    mutating func withRemapping<R>(_ body: (inout InterruptRemappingDomain) -> R) -> R? {
        guard case .remapping = state else { return nil }
        var taken = DomainState.modifying
        swap(&taken, &state)
        guard case .remapping(var kind) = consume taken else { preconditionFailure("domain \(name) changed kind") }
        defer { state = .remapping(kind) }
        return body(&kind)
    }

    /// The kind's `cpuStateChanged` (`DomainOperations`).
    mutating func cpuStateChanged(_ cpu: CPUID, online: Bool) {
        var taken = DomainState.modifying
        swap(&taken, &state)
        switch consume taken {
        case .x86Vector(var kind):
            defer { state = .x86Vector(kind) }
            kind.cpuStateChanged(cpu, online: online)
        case .gicv3(var kind):
            defer { state = .gicv3(kind) }
            kind.cpuStateChanged(cpu, online: online)
        case .gicv3ITS(var kind):
            defer { state = .gicv3ITS(kind) }
            kind.cpuStateChanged(cpu, online: online)
        case .gicv2m(var kind):
            defer { state = .gicv2m(kind) }
            kind.cpuStateChanged(cpu, online: online)
        case .hypervVPCI(var kind):
            defer { state = .hypervVPCI(kind) }
            kind.cpuStateChanged(cpu, online: online)
        case .pciMSI(var kind):
            defer { state = .pciMSI(kind) }
            kind.cpuStateChanged(cpu, online: online)
        case .remapping(var kind):
            defer { state = .remapping(kind) }
            kind.cpuStateChanged(cpu, online: online)
        case .modifying:
            preconditionFailure("re-entrant modification of domain \(name)")
        }
    }
}
