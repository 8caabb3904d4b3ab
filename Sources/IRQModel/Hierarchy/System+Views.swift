/// Where a started IRQ is delivered at the root: the CPU and the x86 vector, or the GIC INTID
/// (an SPI below 1020, an LPI from 8192).
public struct RootTarget: Hashable, Sendable {
    public let cpu: CPUID?
    public let vector: Vector?
    public let intid: UInt32?
}

/// One row of the whole-system interrupt table (what /proc/interrupts and
/// /sys/kernel/debug/irq/irqs show of an IRQ, msid's way).
public struct InterruptRow: Hashable, Sendable {
    public let irq: IRQDescriptor
    /// The chip of each level, outermost first (`PCI-MSIX`, `Hyper-V PCIe MSI`, `APIC`).
    public let chips: [String]
    public let target: RootTarget
}

/// A started IRQ routed to a CPU.
public struct RoutedIRQ: Hashable, Sendable {
    public let virq: VirtualIRQ
    public let target: RootTarget
    public let managed: Bool
}

/// One CPU and what is routed to it.
public struct CPUView: Hashable, Sendable {
    public let cpu: CPU
    /// x86: the CPU's vector-matrix counters (nil on arm64).
    public let vectorCounters: CPUOccupancy?
    /// x86: the managed vectors reserved on this CPU and not allocated.
    public let reservedManagedVectors: [Vector]
    /// The started IRQs whose effective CPU this is, by virq.
    public let interrupts: [RoutedIRQ]
}

extension System {
    /// The root target of an IRQ: its x86 vector assignment, or its INTID at the GIC (the
    /// root level's hwirq), with the effective CPU; nil members while it is not started.
    public func rootTarget(of irq: IRQDescriptor) -> RootTarget {
        guard let root = irq.levels.last else { return RootTarget(cpu: nil, vector: nil, intid: nil) }
        switch root.state {
        case .x86Vector(let state):
            return RootTarget(cpu: state.assignment?.cpu, vector: state.assignment?.vector, intid: nil)
        default:
            return RootTarget(cpu: irq.effectiveCPU, vector: nil, intid: architecture == .arm64 ? root.hwirq.rawValue : nil)
        }
    }

    /// Every live IRQ as a row of the interrupt table, by virq, optionally only those of one
    /// device. - Complexity: O(IRQs × levels).
    public func interruptRows(device: PCIAddress? = nil) -> [InterruptRow] {
        liveIRQs.compactMap { irq in
            if let device, irq.device != device { return nil }
            return InterruptRow(irq: irq, chips: hierarchy(of: irq).map(\.chip), target: rootTarget(of: irq))
        }
    }

    /// One CPU with its vector counters (x86), reserved managed vectors and the IRQs routed to
    /// it. - Complexity: O(IRQs).
    public func cpuView(_ cpu: CPUID) throws(ModelError) -> CPUView {
        guard cpu.index < cpus.count else { throw .cpuNotFound(system: name, cpu: cpu, cpuCount: cpus.count) }
        var counters: CPUOccupancy?
        var reserved: [Vector] = []
        if let root = rootID, case .x86Vector(let vectors) = domain(root).state {
            let map = vectors.matrix.cpus[cpu.index]
            counters = CPUOccupancy(cpu: cpu, online: map.online, available: Int(map.available), allocated: map.allocatedCount,
                                    managed: map.managed, managedAllocated: map.managedAllocated,
                                    availableWrapped: map.availableWrapped ? true : nil)
            let unallocated = map.managedMap.subtracting(map.allocated)
            reserved = VectorMatrix.window.filter { unallocated[$0] }.map { Vector(rawValue: UInt8($0)) }
        }
        let routed = liveIRQs.filter { $0.activated && $0.effectiveCPU == cpu }
            .map { RoutedIRQ(virq: $0.virq, target: rootTarget(of: $0), managed: $0.managed) }
        return CPUView(cpu: cpus[cpu.index], vectorCounters: counters, reservedManagedVectors: reserved, interrupts: routed)
    }
}

/// What a filtered IRQ listing keeps (all given conditions must hold).
public struct IRQFilter: Sendable {
    public var domain: DomainName?
    public var device: PCIAddress?
    /// The effective CPU (started IRQs only).
    public var cpu: CPUID?
    public var managed: Bool?
    public var masked: Bool?

    public init(domain: DomainName? = nil, device: PCIAddress? = nil, cpu: CPUID? = nil, managed: Bool? = nil, masked: Bool? = nil) {
        self.domain = domain
        self.device = device
        self.cpu = cpu
        self.managed = managed
        self.masked = masked
    }
}

/// One page of a listing: the items, and where the next page starts (nil: this was the last).
public struct IRQPage: Sendable {
    public let irqs: [IRQDescriptor]
    public let resumeAfter: VirtualIRQ?
}

extension System {
    /// Live IRQs with virq above `after`, ascending, that pass `filter`: at most `limit` of them,
    /// and at most `scanLimit` virq slots looked at, so that one page holds the state lock for a
    /// bounded time however sparse the matches (a page may then be short yet have a next one).
    /// - Complexity: O(min(scanLimit, slots after `after`) + limit × levels).
    public func irqPage(after: VirtualIRQ?, limit: Int, scanLimit: Int = 65_536, filter: IRQFilter) throws(ModelError) -> IRQPage {
        let domainID = try filter.domain.map { (name) throws(ModelError) in try self.domainID(name) }
        var found: [IRQDescriptor] = []
        found.reserveCapacity(min(limit, 256))
        var index = after.map { Int($0.rawValue) + 1 } ?? 0
        let end = min(irqs.count, index + max(1, scanLimit))
        while index < end && found.count < limit {
            if let irq = irqs[index], matches(irq, filter, domainID: domainID) { found.append(irq) }
            index += 1
        }
        // Trailing empty slots are trimmed, so a slot left to look at means a live IRQ remains.
        let more = index < irqs.count
        return IRQPage(irqs: found, resumeAfter: more ? VirtualIRQ(rawValue: UInt32(index - 1)) : nil)
    }

    private func matches(_ irq: IRQDescriptor, _ filter: IRQFilter, domainID: DomainID?) -> Bool {
        if let domainID, !irq.levels.contains(where: { $0.domain == domainID }) { return false }
        if let device = filter.device, irq.device != device { return false }
        if let cpu = filter.cpu, !(irq.activated && irq.effectiveCPU == cpu) { return false }
        if let managed = filter.managed, irq.managed != managed { return false }
        if let masked = filter.masked, irq.masked != masked { return false }
        return true
    }
}
