/// `group_cpus_evenly` (lib/group_cpus.c, current upstream with cluster locality and
/// `nummasks`): splits the CPUs into `numgrps` groups, NUMA node by node, present CPUs first,
/// then the possible-but-absent ones starting at the next group. The arithmetic is the
/// kernel's `unsigned int` arithmetic (wrapping included) and the node and cluster records
/// are ordered by the kernel's own unstable heapsort (`KernelHeapSort`), so equal nodes are
/// taken in the order Linux takes them.
///
/// Topology msid has: NUMA nodes. Topology it does not have: SMT siblings and L2 clusters;
/// every CPU is its own sibling group and its own cluster, as `topology_sibling_cpumask` and
/// `topology_cluster_cpumask` report on a machine without SMT and without shared L2 (the usual
/// virtual machine), so sibling grouping never joins two CPUs and cluster grouping applies
/// exactly when a node gets one group per CPU.
struct CPUGrouping {
    /// The node of each possible CPU (`cpu_to_node`).
    let nodeOfCPU: [Int]
    /// The possible CPUs (`cpu_possible_mask`).
    let possible: CPUSet
    /// The present CPUs (`cpu_present_mask`), a subset of `possible`.
    let present: CPUSet

    /// `nr_node_ids`: one past the highest node id.
    private let nodeCount: Int

    init(nodeOfCPU: [Int], possible: CPUSet, present: CPUSet) {
        self.nodeOfCPU = nodeOfCPU
        self.possible = possible
        self.present = present
        nodeCount = (nodeOfCPU.max() ?? 0) + 1
    }

    /// A record of `struct node_groups`: `ncpus` before allocation, `ngroups` after (a union
    /// in the kernel); `UInt32.max` marks a node without CPUs in the mask.
    private struct NodeGroups {
        var id: Int
        var count: UInt32
    }

    /// `ncpus_cmp_func`: `ln->ncpus - rn->ncpus`, an unsigned difference returned as `int`.
    private static func compareCPUCounts(_ left: NodeGroups, _ right: NodeGroups) -> Int32 {
        Int32(bitPattern: left.count &- right.count)
    }

    /// The groups and how many of them were initialised (`*nummasks`); nil for zero groups
    /// (the kernel returns NULL).
    func groups(_ numgrps: Int) -> (masks: [CPUSet], initialised: Int)? {
        guard numgrps > 0 else { return nil }
        let nodeMasks = buildNodeToCPUMask()
        var masks = [CPUSet](repeating: CPUSet(), count: numgrps)
        let numberOfGroups = UInt32(truncatingIfNeeded: numgrps)
        // Stage 1: the present CPUs, from group 0.
        let presentDone = spread(startGroup: 0, numgrps: numberOfGroups, nodeMasks: nodeMasks, cpuMask: present, masks: &masks)
        // Stage 2: possible but not present, from the next group (or group 0 when stage 1
        // used every group).
        let start = presentDone >= numberOfGroups ? 0 : presentDone
        let othersDone = spread(startGroup: start, numgrps: numberOfGroups, nodeMasks: nodeMasks,
                                cpuMask: possible.subtracting(present), masks: &masks)
        return (masks, Int(min(presentDone &+ othersDone, numberOfGroups)))
    }

    /// `build_node_to_cpumask`: the possible CPUs of each node.
    private func buildNodeToCPUMask() -> [CPUSet] {
        var members = [[CPUID]](repeating: [], count: nodeCount)
        for cpu in possible where cpu.index < nodeOfCPU.count { members[nodeOfCPU[cpu.index]].append(cpu) }
        return members.map { CPUSet($0) }
    }

    /// `__group_cpus_evenly`: spreads `cpuMask` over the groups from `startGroup`, wrapping at
    /// `numgrps`. Returns how many groups it filled (`done`).
    private func spread(startGroup: UInt32, numgrps: UInt32, nodeMasks: [CPUSet], cpuMask: CPUSet,
                        masks: inout [CPUSet]) -> UInt32 {
        guard !cpuMask.isEmpty else { return 0 }
        let lastGroup = numgrps
        var current = startGroup
        // get_nodes_in_cpumask: the nodes the mask touches, in node order.
        let nodes = nodeMasks.indices.filter { !nodeMasks[$0].intersection(cpuMask).isEmpty }

        // As many groups as nodes, or fewer: whole nodes go round-robin to the groups.
        if numgrps <= UInt32(nodes.count) {
            for node in nodes {
                masks[Int(current)] = masks[Int(current)].union(cpuMask.intersection(nodeMasks[node]))
                current += 1
                if current == lastGroup { current = 0 }
            }
            return numgrps
        }

        let nodeGroups = allocateNodeGroups(numgrps, nodeMasks: nodeMasks, cpuMask: cpuMask, nodes: nodes)
        var done: UInt32 = 0
        for record in nodeGroups where record.count != .max {
            let nodeCPUs = cpuMask.intersection(nodeMasks[record.id])
            let ncpus = UInt32(nodeCPUs.count)
            guard ncpus > 0 else { continue }
            if tryGroupClusters(ncpus: ncpus, ngroups: record.count, nodeCPUs: nodeCPUs, masks: &masks,
                                current: &current, lastGroup: lastGroup) {
                done &+= record.count
                continue
            }
            var remaining = nodeCPUs
            assignCPUsToGroups(ncpus: ncpus, ngroups: record.count, cpus: &remaining, masks: &masks,
                               current: &current, lastGroup: lastGroup)
            done &+= record.count
        }
        return done
    }

    /// `alloc_nodes_groups`: a group count for each node with CPUs in the mask (records of
    /// every node id, sorted as the kernel sorts them).
    private func allocateNodeGroups(_ numgrps: UInt32, nodeMasks: [CPUSet], cpuMask: CPUSet, nodes: [Int]) -> [NodeGroups] {
        var records = (0..<nodeCount).map { NodeGroups(id: $0, count: .max) }
        var numcpus: UInt32 = 0
        for node in nodes {
            let ncpus = UInt32(cpuMask.intersection(nodeMasks[node]).count)
            guard ncpus > 0 else { continue }
            numcpus &+= ncpus
            records[node].count = ncpus
        }
        CPUGrouping.allocateGroups(min(numcpus, numgrps), numcpus: numcpus, to: &records)
        return records
    }

    /// `alloc_groups_to_nodes`: sorts the records by CPU count (the kernel's heapsort), then
    /// gives each `max(1, numgrps · ncpus / remaining_ncpus)` groups, smallest first, in
    /// `unsigned int` arithmetic.
    private static func allocateGroups(_ numgrps: UInt32, numcpus: UInt32, to records: inout [NodeGroups]) {
        KernelHeapSort.sort(&records, by: compareCPUCounts)
        var groupsLeft = numgrps
        var remainingCPUs = numcpus
        for index in records.indices where records[index].count != .max {
            let ncpus = records[index].count
            let ngroups = max(1, remainingCPUs == 0 ? 0 : (groupsLeft &* ncpus) / remainingCPUs)
            records[index].count = ngroups
            remainingCPUs &-= ncpus
            groupsLeft &-= ngroups
        }
    }

    /// `assign_cpus_to_groups`: `ngroups` groups from `cpus`, `ncpus / ngroups` CPUs each and
    /// one more for the first `ncpus mod ngroups`, CPUs taken lowest first
    /// (`grp_spread_init_one`, with no SMT siblings to pull along).
    private func assignCPUsToGroups(ncpus: UInt32, ngroups: UInt32, cpus: inout CPUSet, masks: inout [CPUSet],
                                    current: inout UInt32, lastGroup: UInt32) {
        guard ngroups > 0 else { return }
        var extra = ncpus &- ngroups &* (ncpus / ngroups)
        for _ in 0..<ngroups {
            var perGroup = ncpus / ngroups
            if extra > 0 {
                perGroup += 1
                extra -= 1
            }
            if current >= lastGroup { current = 0 }
            for _ in 0..<perGroup {
                guard let cpu = cpus.first else { break }
                cpus.remove(cpu)
                masks[Int(current)].insert(cpu)
            }
            current &+= 1
        }
    }

    /// `__try_group_cluster_cpus` with one CPU per cluster: applies when the node has no more
    /// clusters (CPUs) than groups; each cluster is a record of one CPU, the records are
    /// sorted (and so permuted) by the kernel's heapsort, and each gets one group.
    private func tryGroupClusters(ncpus: UInt32, ngroups: UInt32, nodeCPUs: CPUSet, masks: inout [CPUSet],
                                  current: inout UInt32, lastGroup: UInt32) -> Bool {
        let clusters = Array(nodeCPUs)
        guard !clusters.isEmpty, UInt32(clusters.count) <= ngroups else { return false }
        var records = clusters.indices.map { NodeGroups(id: $0, count: 1) }
        CPUGrouping.allocateGroups(ngroups, numcpus: ncpus, to: &records)
        for record in records {
            var cpus = CPUSet([clusters[record.id]])
            assignCPUsToGroups(ncpus: 1, ngroups: record.count, cpus: &cpus, masks: &masks,
                               current: &current, lastGroup: lastGroup)
        }
        return true
    }
}
