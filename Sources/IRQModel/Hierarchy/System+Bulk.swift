extension System {
    /// The root domain's name, if the system has one.
    var rootName: DomainName? { rootID.map { name(of: $0) } }

    /// Frees every IRQ with a level in `name` (ascending virq; a multi-MSI block as one, as
    /// `pci_free_irq_vectors` disables a device's MSI), then deletes `name` and every domain
    /// below it, children before parents (the reverse of creation order), as a driver unbind
    /// and an irqchip removal would. Nothing can fail once the domain is found.
    /// - Returns: the virqs freed, ascending, and the domains deleted, in deletion order.
    /// - Complexity: O(IRQs + domains).
    mutating func deleteCascade(_ name: DomainName) throws(ModelError) -> (freed: VirqList, domains: [DomainName]) {
        let id = try domainID(name)
        var subtree: [DomainID] = [id]
        var index = 0
        while index < subtree.count {
            subtree.append(contentsOf: domain(subtree[index]).children)
            index += 1
        }
        let doomed = liveIRQs.filter { irq in irq.levels.contains { $0.domain == id } }.map(\.virq)
        var freed = VirqList()
        for virq in doomed where (try? self.irq(virq)) != nil {
            // A multi-MSI block goes as a whole with its first member.
            guard let block = try? freeIRQ(virq) else { continue }
            for member in block { freed.append(member) }
        }
        var deleted: [DomainName] = []
        for child in subtree.sorted(by: >) {
            let childName = self.name(of: child)
            try deleteDomain(childName)
            deleted.append(childName)
        }
        // Ascending already: blocks are freed with their first (lowest) member, in virq order.
        return (freed, deleted)
    }

    /// Frees every IRQ of the `pci-msi` domain `name`, ascending (`pci_free_irq_vectors`).
    mutating func freeDeviceIRQs(_ name: DomainName) throws(ModelError) -> VirqList {
        let id = try domainID(name)
        guard case .pciMSI = domain(id).state else { throw .notAnMSIDomain(domain: name, kind: domain(id).kind) }
        var freed = VirqList()
        for virq in liveIRQs.filter({ $0.levels.first?.domain == id }).map(\.virq) where (try? self.irq(virq)) != nil {
            guard let block = try? freeIRQ(virq) else { continue }
            for member in block { freed.append(member) }
        }
        return freed
    }

    /// Takes the CPUs of `cpus` offline (or online) one at a time, ascending, as
    /// `echo 0 > /sys/devices/system/cpu/cpuN/online` for each would; CPUs already in that
    /// state are skipped. All or nothing: when one CPU is refused (the boot CPU, the last online
    /// CPU, vectors short), the system is restored as it was before the first, and the error
    /// names that CPU.
    /// - Complexity: O(CPUs × IRQs); on a refusal the state touched so far is copied once.
    mutating func setCPUs(_ cpus: CPUSet, online: Bool) throws(ModelError) -> [HotplugReport] {
        guard let last = cpus.last, last.index < self.cpus.count else {
            throw .cpuNotFound(system: name, cpu: cpus.last ?? CPUID(0), cpuCount: self.cpus.count)
        }
        let saved = self
        var reports: [HotplugReport] = []
        do {
            for cpu in cpus where self.cpus[cpu.index].online != online {
                reports.append(try setCPU(cpu, online: online))
            }
        } catch {
            self = saved
            throw error
        }
        return reports
    }
}
