/// Every mutation of the model, as a value. `World.apply(_:)` is the only way state changes, so
/// a journal of commands replayed on an empty world rebuilds the identical world, events
/// included.
public enum Command: Hashable, Sendable, Codable {
    case createSystem(SystemSpec)
    case deleteSystem(SystemName)
    case setCPUOnline(system: SystemName, cpu: CPUID, online: Bool)
    case createDomain(system: SystemName, spec: DomainSpec)
    case deleteDomain(system: SystemName, domain: DomainName)
    case allocateIRQs(system: SystemName, domain: DomainName, request: AllocationRequest)
    case activate(system: SystemName, virq: VirtualIRQ)
    case deactivate(system: SystemName, virq: VirtualIRQ)
    case mask(system: SystemName, virq: VirtualIRQ)
    case unmask(system: SystemName, virq: VirtualIRQ)
    case free(system: SystemName, virq: VirtualIRQ)
    case setAffinity(system: SystemName, virq: VirtualIRQ, cpus: CPUSet)
    /// Frees every IRQ through a domain, then deletes it and every domain below it.
    case deleteDomainCascade(system: SystemName, domain: DomainName)
    /// `deleteDomainCascade` from the root, then the system.
    case deleteSystemCascade(SystemName)
    /// Frees every IRQ of a `pci-msi` domain (a driver's `pci_free_irq_vectors`).
    case freeDeviceIRQs(system: SystemName, domain: DomainName)
    /// Takes CPUs offline or online one by one, ascending, as a hotplug script would; all or none.
    case setCPUsOnline(system: SystemName, cpus: CPUSet, online: Bool)
    /// `irq_set_vcpu_affinity` on a remapped IRQ: post it to a vCPU's posted-interrupt
    /// descriptor (VT-d posted format), or back to remapped delivery with nil.
    case setVCPUAffinity(system: SystemName, virq: VirtualIRQ, target: PostedTarget?)

    /// The system the command acts on.
    public var system: SystemName {
        switch self {
        case .createSystem(let spec): spec.name
        case .deleteSystem(let name), .deleteSystemCascade(let name): name
        case .deleteDomainCascade(let system, _), .freeDeviceIRQs(let system, _), .setCPUsOnline(let system, _, _): system
        case .setCPUOnline(let system, _, _), .createDomain(let system, _), .deleteDomain(let system, _),
             .allocateIRQs(let system, _, _), .activate(let system, _), .deactivate(let system, _),
             .mask(let system, _), .unmask(let system, _), .free(let system, _), .setAffinity(let system, _, _), .setVCPUAffinity(let system, _, _):
            system
        }
    }
}

/// What a command did.
public enum Outcome: Hashable, Sendable {
    case systemCreated(SystemName)
    case systemDeleted(SystemName)
    case cpuChanged(HotplugReport)
    case domainCreated(DomainName)
    case domainDeleted(DomainName)
    case irqsAllocated(VirqList)
    /// activate, deactivate, mask, unmask.
    case irqChanged(VirtualIRQ)
    case irqsFreed(VirqList)
    case affinityChanged(AffinityReport)
    /// A cascade: the IRQs freed and the domains deleted (children before parents).
    case cascadeDeleted(freed: VirqList, domains: [DomainName])
    /// A bulk hotplug: one report per CPU whose state changed, in the order they changed.
    case cpusChanged([HotplugReport])
}
