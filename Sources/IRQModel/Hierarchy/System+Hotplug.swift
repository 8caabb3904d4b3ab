/// What taking a CPU offline or bringing it online did.
public struct HotplugReport: Hashable, Sendable, Codable {
    public struct Migration: Hashable, Sendable, Codable {
        public let virq: VirtualIRQ
        public let from: CPUID
        public let to: CPUID?
        public let affinityBroken: Bool
    }
    public let cpu: CPUID
    public let online: Bool
    /// IRQs moved off the CPU (offline).
    public internal(set) var migrated: [Migration] = []
    /// Managed IRQs shut down (offline) because no CPU of their mask stayed online.
    public internal(set) var shutDown: [VirtualIRQ] = []
    /// Managed IRQs started again (online).
    public internal(set) var started: [VirtualIRQ] = []
    /// The sequence numbers of the events the change recorded (`first ..< next`).
    public internal(set) var events: Range<UInt64> = 0 ..< 0
}

extension System {
    /// Takes a CPU offline or brings it online (kernel/irq/cpuhotplug.c). Setting the state it
    /// already has does nothing.
    mutating func setCPU(_ cpu: CPUID, online wanted: Bool) throws(ModelError) -> HotplugReport {
        guard cpu.index < cpus.count else { throw .cpuNotFound(system: name, cpu: cpu, cpuCount: cpus.count) }
        var report = HotplugReport(cpu: cpu, online: wanted)
        guard cpus[cpu.index].online != wanted else { return report }
        let first = events.nextSequence.rawValue
        if wanted { bringOnline(cpu, &report) } else { try takeOffline(cpu, &report) }
        report.events = first ..< events.nextSequence.rawValue
        return report
    }

    /// `migrate_one_irq` for every started IRQ whose effective CPU is going away, in virq
    /// order: a managed IRQ with no other online CPU in its mask is shut down (its affinity
    /// untouched); any other moves to requested ∩ online, or, when that is empty or its vectors
    /// are exhausted, to all online CPUs with its affinity broken (the affinity becomes the
    /// online mask). x86 first refuses when the other CPUs lack the vectors
    /// (`lapic_can_unplug_cpu`); the last online CPU never goes offline.
    ///
    /// On x86 the boot CPU, CPU 0, cannot go offline: since v6.5 (commit e59e74dc48a3,
    /// "x86/topology: Remove CPU0 hotplug option") `arch_cpu_is_hotpluggable()` is false for
    /// it. arm64 has no such rule: with PSCI any CPU can go down unless a trusted OS is
    /// resident on it (`cpu_psci_cpu_can_disable`), which msid does not model.
    private mutating func takeOffline(_ cpu: CPUID, _ report: inout HotplugReport) throws(ModelError) {
        if architecture == .x86_64 && cpu == CPUID(0) { throw .bootCPUNotHotpluggable(cpu: cpu) }
        guard online.count > 1 else { throw .lastOnlineCPU(cpu: cpu) }
        if let root = rootID, case .x86Vector(let vectors) = domain(root).state,
           let shortfall = vectors.matrix.unplugShortfall(of: cpu) {
            throw .cpuUnplugWouldExhaustVectors(cpu: cpu, vectorsToMove: shortfall.toMove, available: shortfall.available)
        }
        online.remove(cpu)
        cpus[cpu.index].online = false
        setMatrixOnline(cpu, false)
        record([.cpuOffline(cpu)], virq: nil)

        for index in irqs.indices {
            guard irqs[index]?.activated == true, irqs[index]?.effectiveCPU == cpu,
                  var irq = try? takeIRQ(VirtualIRQ(rawValue: UInt32(index))) else { continue }
            let requested = irq.affinity ?? present
            var target = requested.intersection(online)
            var broken = false
            if target.isEmpty {
                if irq.managed {
                    shutdown(&irq)
                    irq.managedShutdown = true
                    record([.managedShutdown(cpu: cpu)], virq: irq.virq)
                    report.shutDown.append(irq.virq)
                    store(irq)
                    continue
                }
                target = online
                broken = true
            }
            do {
                try applyAffinity(&irq, target: target)
            } catch {
                if !irq.managed {
                    broken = true
                    try? applyAffinity(&irq, target: online)
                }
            }
            if broken {
                irq.affinity = online == present ? nil : online
                irq.affinityBroken = true
            }
            let moved = irq.effectiveCPU != cpu
            record([.migrated(from: cpu, to: moved ? (irq.effectiveCPU ?? cpu) : cpu, affinityBroken: broken)], virq: irq.virq)
            report.migrated.append(.init(virq: irq.virq, from: cpu, to: moved ? irq.effectiveCPU : nil, affinityBroken: broken))
            store(irq)
        }
    }

    /// `irq_affinity_online_cpu`: managed IRQs shut down by hotplug whose mask contains the CPU
    /// start again; nothing else moves back.
    private mutating func bringOnline(_ cpu: CPUID, _ report: inout HotplugReport) {
        online.insert(cpu)
        cpus[cpu.index].online = true
        setMatrixOnline(cpu, true)
        record([.cpuOnline(cpu)], virq: nil)
        for index in irqs.indices {
            guard let irq = irqs[index], irq.managedShutdown, (irq.affinity ?? present).contains(cpu) else { continue }
            if (try? startup(irq.virq)) != nil, let started = try? self.irq(irq.virq), started.activated {
                record([.managedStartup(cpu: started.effectiveCPU ?? cpu)], virq: irq.virq)
                report.started.append(irq.virq)
            }
        }
    }

    private mutating func setMatrixOnline(_ cpu: CPUID, _ isOnline: Bool) {
        guard let root = rootID else { return }
        withLevel(root) { operations, _ in operations.cpuStateChanged(cpu, online: isOnline) }
    }
}
