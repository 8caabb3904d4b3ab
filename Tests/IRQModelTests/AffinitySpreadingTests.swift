import Testing
@testable import IRQModel

/// Managed-affinity spreading: `group_cpus_evenly` (lib/group_cpus.c), `irq_create_affinity_masks`
/// and `irq_calc_affinity_vectors` (kernel/irq/affinity.c), and the kernel's heapsort
/// (lib/sort.c) whose order of equal records decides which node or CPU comes first. Every
/// expected grouping below was worked out by hand from those functions.
@Suite("Affinity spreading")
struct AffinitySpreadingTests {
    static func grouping(cpus: Int, nodes: [Int]? = nil, present: Int? = nil) -> CPUGrouping {
        CPUGrouping(nodeOfCPU: nodes ?? Array(repeating: 0, count: cpus), possible: CPUSet.range(0..<cpus),
                    present: CPUSet.range(0..<(present ?? cpus)))
    }

    static func lists(_ masks: [CPUSet]) -> [String] { masks.map(\.cpulist) }

    @Test("lib/sort.c sorts, and permutes equal records as __sort_r does", arguments: [
        (2, [1, 0]), (3, [2, 1, 0]), (4, [1, 3, 2, 0]), (5, [3, 1, 4, 2, 0]), (8, [1, 3, 4, 5, 6, 7, 2, 0]),
    ])
    func heapsortOfEqualKeys(count: Int, expected: [Int]) {
        var records = Array(0..<count)
        KernelHeapSort.sort(&records) { _, _ in 0 }
        #expect(records == expected)
    }

    @Test("lib/sort.c sorts any input ascending")
    func heapsortSorts() {
        var random = SplitMix64(seed: 13)
        for _ in 0..<300 {
            var values = (0..<Int(random.next() % 40)).map { _ in Int32(random.next() % 9) }
            let sorted = values.sorted()
            KernelHeapSort.sort(&values) { $0 - $1 }
            #expect(values == sorted)
        }
    }

    @Test("group_cpus_evenly on one node, two nodes and absent CPUs", arguments: [
        // One node, fewer groups than CPUs: consecutive CPUs, the first groups one more.
        (8, nil, nil, 4, ["0-1", "2-3", "4-5", "6-7"]),
        (3, nil, nil, 2, ["0-1", "2"]),
        (256, nil, nil, 64, (0..<64).map { "\($0 * 4)-\($0 * 4 + 3)" }),
        // One group per CPU: cluster grouping with one CPU per cluster, whose records the
        // heapsort permutes (equal keys): CPUs 1, 3, 2, 0.
        (4, nil, nil, 4, ["1", "3", "2", "0"]),
        // Two equal nodes: the sort of two equal records swaps them, node 1 goes first.
        (8, [0, 0, 0, 0, 1, 1, 1, 1], nil, 4, ["4-5", "6-7", "0-1", "2-3"]),
        // Unequal nodes: the smaller first; 4 groups over 3 + 5 CPUs give it 1 (4·3/8).
        (8, [0, 0, 0, 1, 1, 1, 1, 1], nil, 4, ["0-2", "3-4", "5-6", "7"]),
        // No more groups than nodes: whole nodes, in node order, round-robin.
        (8, [0, 0, 0, 0, 1, 1, 1, 1], nil, 2, ["0-3", "4-7"]),
        (8, [0, 0, 0, 0, 1, 1, 1, 1], nil, 1, ["0-7"]),
        // Present CPUs 0-3 first, the absent 4-7 then from group 0 again (stage 1 used all).
        (8, nil, 4, 4, ["1,5", "3,7", "2,6", "0,4"]),
        // Present 0-5 over 4 groups, then the absent 6-7 from group 0, one a group, permuted.
        (8, nil, 6, 4, ["0-1,7", "2-3,6", "4", "5"]),
    ] as [(Int, [Int]?, Int?, Int, [String])])
    func groupCPUsEvenly(cpus: Int, nodes: [Int]?, present: Int?, groups: Int, expected: [String]) throws {
        let result = try #require(Self.grouping(cpus: cpus, nodes: nodes, present: present).groups(groups))
        #expect(Self.lists(result.masks) == expected)
        #expect(result.initialised == groups)
    }

    @Test("more groups than CPUs: every CPU in one group, nummasks counts the groups filled")
    func moreGroupsThanCPUs() throws {
        let result = try #require(Self.grouping(cpus: 2).groups(3))
        #expect(result.initialised == 2)
        #expect(Self.lists(Array(result.masks.prefix(2))) == ["1", "0"])
        #expect(result.masks[2].isEmpty)
    }

    @Test("spread groups cover every CPU once, on 1 to 256 CPUs and 1 or 2 nodes")
    func groupsPartitionTheCPUs() throws {
        for cpus in [1, 2, 3, 5, 8, 13, 64, 100, 255, 256] {
            for twoNodes in [false, true] where !twoNodes || cpus >= 2 {
                let nodes = (0..<cpus).map { twoNodes && $0 >= cpus / 2 ? 1 : 0 }
                for groups in [1, 2, 3, 7, 16, cpus] where groups <= cpus {
                    let result = try #require(Self.grouping(cpus: cpus, nodes: nodes).groups(groups))
                    var seen = CPUSet()
                    for mask in result.masks {
                        #expect(!mask.isEmpty, "\(cpus) CPUs, \(groups) groups: an empty group")
                        #expect(!mask.intersects(seen), "\(cpus) CPUs, \(groups) groups: a CPU in two groups")
                        seen = seen.union(mask)
                    }
                    #expect(seen == CPUSet.range(0..<cpus))
                    let sizes = result.masks.map(\.count)
                    if !twoNodes { #expect((sizes.max() ?? 0) - (sizes.min() ?? 0) <= 1) }
                }
            }
        }
    }

    @Test("irq_create_affinity_masks: pre and post vectors get the default affinity and are not managed")
    func preAndPostVectors() throws {
        let spread = AffinitySpreadRequest(preVectors: 1, postVectors: 1)
        let masks = try #require(spread.masks(vectors: 6, grouping: Self.grouping(cpus: 8)))
        #expect(masks.map { $0.mask?.cpulist } == [nil, "0-1", "2-3", "4-5", "6-7", nil])
        #expect(masks.map(\.isManaged) == [false, true, true, true, true, false])
    }

    @Test("irq_create_affinity_masks: sets are spread separately and pack when a set outnumbers the CPUs")
    func sets() throws {
        let two = try #require(AffinitySpreadRequest(setSizes: [2, 2]).masks(vectors: 4, grouping: Self.grouping(cpus: 4)))
        #expect(two.map { $0.mask?.cpulist } == ["0-1", "2-3", "0-1", "2-3"])
        // 3 + 3 vectors on 2 CPUs: each set fills 2 groups (CPUs 1, 0), the second set starts
        // right after the first's, and the last two vectors get the default affinity, managed.
        let packed = try #require(AffinitySpreadRequest(setSizes: [3, 3]).masks(vectors: 6, grouping: Self.grouping(cpus: 2)))
        #expect(packed.map { $0.mask?.cpulist } == ["1", "0", "1", "0", nil, nil])
        #expect(packed.allSatisfy { $0.isManaged })
    }

    @Test("irq_calc_affinity_vectors caps at the reserved vectors plus one per CPU, unless the driver sizes sets")
    func vectorCount() {
        #expect(AffinitySpreadRequest().vectorCount(min: 1, max: 64, possibleCPUs: 8) == 8)
        #expect(AffinitySpreadRequest(preVectors: 1).vectorCount(min: 1, max: 64, possibleCPUs: 8) == 9)
        #expect(AffinitySpreadRequest(preVectors: 2).vectorCount(min: 1, max: 64, possibleCPUs: 8) == 0)
        #expect(AffinitySpreadRequest(setSizes: [32, 32]).vectorCount(min: 64, max: 64, possibleCPUs: 8) == 64)
        #expect(AffinitySpreadRequest().vectorCount(min: 4, max: 4, possibleCPUs: 8) == 4)
    }

    @Test("64 managed NVMe-style queues on 64 CPUs land one per CPU, not all on CPU 0")
    func nvmeQueues() throws {
        var s = try Scenario.x86(cpus: 64)
        try s.device("nvme", bdf: "0000:00:04.0", parent: "vector")
        let virqs = try s.allocate("nvme", count: 65, managed: true, spread: AffinitySpreadRequest(preVectors: 1), minCount: 1)
        #expect(virqs.count == 65)
        let admin = try s.irq(virqs[0])
        #expect(!admin.managed && admin.affinity == nil)
        var cpus = Set<Int>()
        for virq in virqs.dropFirst() {
            let irq = try s.irq(virq)
            #expect(irq.managed)
            let cpu = try #require(irq.effectiveCPU)
            #expect(irq.affinity == CPUSet([cpu]))
            cpus.insert(cpu.index)
        }
        #expect(cpus.count == 64)
    }

    @Test("a second 128-queue device fits on a 256-CPU system, as in Linux")
    func twoLargeDevices() throws {
        var s = try Scenario.x86(cpus: 256)
        try s.device("a", bdf: "0000:00:04.0", parent: "vector")
        try s.device("b", bdf: "0000:00:05.0", parent: "vector")
        let first = try s.allocate("a", count: 128, managed: true, spread: AffinitySpreadRequest())
        let second = try s.allocate("b", count: 128, managed: true, spread: AffinitySpreadRequest())
        #expect(first.count == 128 && second.count == 128)
        #expect(try s.irq(first[0]).affinity == Fixture.cpus("0-1"))
        #expect(try s.irq(second[127]).affinity == Fixture.cpus("254-255"))
    }

    @Test("a spread request the PCI core would cap below minCount is refused")
    func cappedBelowMinimum() throws {
        var s = try Scenario.x86(cpus: 4)
        try s.device("a", bdf: "0000:00:04.0", parent: "vector")
        #expect(throws: ModelError.affinityVectorsTooFew(requested: 8, minimum: 8, enabled: 4, reserved: 0, cpus: 4)) {
            try s.allocate("a", count: 8, managed: true, spread: AffinitySpreadRequest())
        }
        #expect(try s.allocate("a", count: 8, managed: true, spread: AffinitySpreadRequest(), minCount: 2).count == 4)
    }

    @Test("a multi-MSI block through Hyper-V spreads each IRQ of the block")
    func multiMSIBlock() throws {
        var s = try Scenario.x86(cpus: 4)
        try s.hyperV(parent: "vector")
        try s.device("a", bdf: "0000:00:04.0", parent: "vpci")
        let virqs = try s.allocate("a", count: 4, type: .msi, managed: true, spread: AffinitySpreadRequest())
        #expect(try virqs.map { try s.irq($0).affinity?.cpulist } == ["1", "3", "2", "0"])
        #expect(try virqs.map { try s.irq($0).effectiveCPU?.index } == [1, 3, 2, 0])
    }

    @Test("spreading follows the system's NUMA layout")
    func numaSystem() throws {
        var s = Scenario(system: Fixture.system("numa"))
        var spec = SystemSpec(name: s.system, architecture: .x86_64, cpuCount: 8)
        spec.numaNodes = [0, 0, 0, 0, 1, 1, 1, 1]
        try s.apply(.createSystem(spec))
        try s.createDomain("vector", parent: nil, .x86Vector(reservedVectors: []))
        try s.device("a", bdf: "0000:00:04.0", parent: "vector")
        let virqs = try s.allocate("a", count: 4, managed: true, spread: AffinitySpreadRequest())
        #expect(try virqs.map { try s.irq($0).affinity?.cpulist } == ["4-5", "6-7", "0-1", "2-3"])
    }
}
