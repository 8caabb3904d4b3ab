/// One request of a capacity plan: an allocation through an existing `pci-msi` domain, or
/// through a `pci-msi` domain the plan first creates for a device that has none.
public struct PlanRequest: Hashable, Sendable {
    /// Where the IRQs are allocated.
    public enum Target: Hashable, Sendable {
        /// An existing `pci-msi` domain.
        case domain(DomainName)
        /// A device with no domain yet: the plan creates its `pci-msi` domain under `parent`
        /// (as `POST .../domains` would), then allocates through it.
        case device(PCIAddress, parent: DomainName, msixTableSize: Int?, dmaAlias: PCIAddress?)
    }

    public var target: Target
    /// Exactly what `POST .../domains/{domain}/irqs` takes.
    public var allocation: AllocationRequest

    public init(target: Target, allocation: AllocationRequest) {
        self.target = target
        self.allocation = allocation
    }
}

/// What one request of a plan would do.
public struct PlanOutcome: Hashable, Sendable {
    /// The request's position in the plan, from 0.
    public let index: Int
    /// The device of the `pci-msi` domain; nil when the request named no such domain.
    public let device: PCIAddress?
    /// The `pci-msi` domain: the one named, or the one the plan created for the device.
    public let domain: DomainName
    /// The virqs the allocation would get, ascending (empty when refused).
    public let virqs: VirqList
    /// The effective CPUs the activated IRQs landed on (empty without `activate`).
    public let effectiveCPUs: CPUSet
    /// Why the request is refused: the error the real command would throw.
    public let error: ModelError?

    public var fits: Bool { error == nil }
}

/// One CPU's counters before and after a plan.
public struct CPUPressure: Hashable, Sendable {
    public let before: CPUOccupancy
    public let after: CPUOccupancy
}

/// One domain's number space before and after a plan.
public struct DomainPressure: Hashable, Sendable {
    public let name: DomainName
    public let kind: DomainKind
    /// Nil for a domain the plan created.
    public let before: DomainOccupancy?
    public let after: DomainOccupancy
}

/// The answer of a capacity plan: each request's outcome in order, and the pressure on CPUs
/// and domains before the first request and after the last.
public struct PlanReport: Hashable, Sendable {
    public let outcomes: [PlanOutcome]
    /// By CPU id.
    public let cpus: [CPUPressure]
    /// Every domain after the plan, in creation order (those the plan created last).
    public let domains: [DomainPressure]

    /// Whether every request fits.
    public var fits: Bool { outcomes.allSatisfy(\.fits) }
    /// The first refused request, if any.
    public var firstFailure: PlanOutcome? { outcomes.first { !$0.fits } }
}

extension System {
    /// Answers whether `requests` fit, without changing the system: each request runs, in order,
    /// through the same operations the commands use (`createDomain`, `allocateIRQs(through:)`
    /// inside the same `transaction` `World.apply` wraps them in) on a copy of the system, which
    /// is dropped with its events afterwards. A refused request is rolled back as the real
    /// command is (and what the kernel's failure paths leave behind, a managed reservation or an
    /// ITS device sharer, stays, as it does after the real refusal), and evaluation goes on with
    /// the next, so every request has an outcome.
    ///
    /// A `device` request creates the device's domain, named `plan-<bdf>` (`:` and `.` as `-`,
    /// with `-2`, `-3`, ... when a domain has that name already). Later requests naming the
    /// same device with the same parent, table size and alias allocate through that domain;
    /// any other request for a device that has a domain is refused as `createDomain` refuses it.
    /// A domain created for a request whose allocation is then refused stays for later
    /// requests, as a client's `POST .../domains` would have.
    ///
    /// Per-CPU pressure is the x86 vector matrix's counters (the root's occupancy); without an
    /// x86 root (arm64), the started IRQs routed to each CPU (`allocated`) and the managed ones
    /// among them (`managedAllocated`), over every kind of level (LPIs, SPIs, Hyper-V).
    ///
    /// `consuming`: a caller that hands over its last copy (`(consume system).plan(...)`, as the
    /// service does with the copy it took under the lock) becomes the trial itself, so the first
    /// change to each shared buffer copies it once and drops the share, and a writer of the
    /// original does not have to copy it again. A caller that keeps its copy is unaffected.
    ///
    /// - Complexity: one copy-on-write copy of the storage the requests touch (the IRQ table,
    ///   the event trail, the domains), plus the allocations themselves and O(IRQs) for the
    ///   arm64 per-CPU counts.
    public consuming func plan(_ requests: [PlanRequest]) -> PlanReport {
        let cpusBefore = cpuPressure()
        let domainsBefore = Dictionary(uniqueKeysWithValues: allDomains.map { ($0.id, occupancy(of: $0)) })
        var trial = consume self
        var created: [PCIAddress: (spec: DomainSpec, id: DomainID)] = [:]
        var outcomes: [PlanOutcome] = []
        outcomes.reserveCapacity(requests.count)
        for (index, request) in requests.enumerated() {
            outcomes.append(trial.evaluate(request, at: index, created: &created))
        }
        let cpusAfter = trial.cpuPressure()
        let cpus = zip(cpusBefore, cpusAfter).map { CPUPressure(before: $0, after: $1) }
        let domains = trial.allDomains.map { domain in
            DomainPressure(name: domain.name, kind: domain.kind, before: domainsBefore[domain.id], after: trial.occupancy(of: domain))
        }
        return PlanReport(outcomes: outcomes, cpus: cpus, domains: domains)
    }

    /// Runs one request of a plan on this (trial) system.
    private mutating func evaluate(_ request: PlanRequest, at index: Int,
                                   created: inout [PCIAddress: (spec: DomainSpec, id: DomainID)]) -> PlanOutcome {
        let domainName: DomainName
        var device: PCIAddress?
        switch request.target {
        case .domain(let name):
            domainName = name
            if let id = domainIDs[name], case .pciMSI(let msi) = domain(id).state { device = msi.device }
        case .device(let address, let parent, let tableSize, let alias):
            device = address
            let configuration = DomainConfiguration.pciMSI(device: address, msixTableSize: tableSize, dmaAlias: alias)
            if let earlier = created[address], earlier.spec.parent == parent, earlier.spec.configuration == configuration,
               domainIDs[earlier.spec.name] == earlier.id {
                domainName = earlier.spec.name
            } else {
                let spec = DomainSpec(name: planDomainName(for: address), parent: parent, configuration: configuration)
                domainName = spec.name
                do throws(ModelError) {
                    var id: DomainID?
                    _ = try transaction { (system) throws(ModelError) in
                        id = try system.createDomain(spec)
                        return .domainCreated(spec.name)
                    }
                    if let id { created[address] = (spec, id) }
                } catch {
                    return PlanOutcome(index: index, device: device, domain: domainName, virqs: [], effectiveCPUs: CPUSet(), error: error)
                }
            }
        }
        do throws(ModelError) {
            var virqs = VirqList()
            var residue = false
            _ = try transaction { (system) throws(ModelError) in
                virqs = try system.allocateIRQs(through: domainName, request.allocation, leftResidue: &residue)
                return .irqsAllocated(virqs)
            }
            var landed = CPUSet()
            for virq in virqs {
                if let cpu = try? withIRQ(virq, { $0.effectiveCPU }) { landed.insert(cpu) }
            }
            return PlanOutcome(index: index, device: device, domain: domainName, virqs: virqs, effectiveCPUs: landed, error: nil)
        } catch {
            return PlanOutcome(index: index, device: device, domain: domainName, virqs: [], effectiveCPUs: CPUSet(), error: error)
        }
    }

    /// `plan-<bdf>` with `:` and `.` as `-` (`plan-0000-03-00-0`), made unique with `-2`, `-3`, ...
    private func planDomainName(for device: PCIAddress) -> DomainName {
        let base = "plan-" + String(device.description.map { $0 == ":" || $0 == "." ? "-" : $0 })
        var name = DomainName(generated: base)
        var suffix = 2
        while domainIDs[name] != nil {
            name = DomainName(generated: base + "-\(suffix)")
            suffix += 1
        }
        return name
    }

    /// The per-CPU counters a plan compares (see `plan(_:)`), by CPU id.
    /// - Complexity: O(CPUs) on x86, O(IRQ slots + CPUs) otherwise.
    func cpuPressure() -> [CPUOccupancy] {
        if let root = rootID, case .x86Vector(let vectors) = domain(root).state,
           let perCPU = vectors.occupancy(context: context(for: root)).perCPU {
            return perCPU
        }
        var routed = [Int](repeating: 0, count: cpus.count)
        var managed = [Int](repeating: 0, count: cpus.count)
        irqs.withUnsafeBufferPointer { slots in
            for slot in slots {
                guard let cpu = slot?.effectiveCPU, cpu.index < routed.count else { continue }
                routed[cpu.index] += 1
                if slot?.managed == true { managed[cpu.index] += 1 }
            }
        }
        return cpus.indices.map { index in
            CPUOccupancy(cpu: CPUID(index), online: cpus[index].online, available: nil, allocated: routed[index], managed: nil,
                         managedAllocated: managed[index], availableWrapped: nil)
        }
    }
}

extension DomainName {
    /// A name the model makes itself from a fixed letter prefix and `[0-9a-f-]` (a BDF with
    /// `:` and `.` as `-`, a decimal suffix): valid by construction, checked in debug builds.
    fileprivate init(generated text: String) {
        assert(NameRule.violation(in: text) == nil, "generated domain name \(text) breaks the name rule")
        self.rawValue = text
    }
}
