import IRQModel

/// Managed spreading (issue 13's target: 1,024 managed vectors on a 256-CPU system in under
/// 2 ms): a device allocating 1,024 managed MSI-X vectors in four sets of 256
/// (`irq_create_affinity_masks` with `nr_sets` 4, so the PCI core does not cap the count),
/// each spread by `group_cpus_evenly` over two NUMA nodes and activated on its CPU, then freed.
enum ManagedSpreadingBench {
    static func world() throws -> World {
        var world = World()
        var spec = SystemSpec(name: Bench.system, architecture: .x86_64, cpuCount: 256, extendedDestinationID: true)
        spec.numaNodes = (0..<256).map { $0 < 128 ? 0 : 1 }
        _ = try world.apply(.createSystem(spec))
        _ = try world.apply(.createDomain(system: Bench.system, spec: DomainSpec(
            name: Bench.name("vector", as: DomainName.self), parent: nil, configuration: .x86Vector(reservedVectors: []))))
        _ = try world.apply(.createDomain(system: Bench.system, spec: DomainSpec(
            name: Bench.name("nvme", as: DomainName.self), parent: Bench.name("vector", as: DomainName.self),
            configuration: .pciMSI(device: try PCIAddress(parsing: "0000:01:00.0"), msixTableSize: 2048))))
        return world
    }

    /// Allocates (and activates) the 1,024 vectors, returns the time, frees them again.
    static func once(_ world: inout World, clock: ContinuousClock) throws -> Duration {
        let request = AllocationRequest(count: 1024, type: .msix, managed: true,
                                        spread: AffinitySpreadRequest(setSizes: [256, 256, 256, 256]))
        let start = clock.now
        guard case .irqsAllocated(let virqs) = try world.apply(.allocateIRQs(
            system: Bench.system, domain: Bench.name("nvme", as: DomainName.self), request: request)) else {
            preconditionFailure("no IRQs")
        }
        let elapsed = clock.now - start
        for virq in virqs { _ = try world.apply(.free(system: Bench.system, virq: virq)) }
        return elapsed
    }

    static func run(rounds: Int) throws {
        var world = try world()
        let clock = ContinuousClock()
        for _ in 0..<3 { _ = try once(&world, clock: clock) }  // warm-up
        var samples = try (0..<rounds).map { _ in try once(&world, clock: clock) }
        samples.sort()
        func milliseconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        }
        func rounded(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
        let median = rounded(milliseconds(samples[samples.count / 2]))
        let worst = rounded(milliseconds(samples[samples.count - 1]))
        print("managed spreading, 1,024 vectors (4 sets of 256) on 256 CPUs, 2 NUMA nodes, allocate + activate: median \(median) ms, max \(worst) ms over \(rounds) rounds (target < 2 ms)")
    }
}
