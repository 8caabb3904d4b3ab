/// The x86 per-CPU vector allocator: a faithful model of kernel/irq/matrix.c as the x86 vector
/// domain uses it (`irq_alloc_matrix(NR_VECTORS, FIRST_EXTERNAL_VECTOR, FIRST_SYSTEM_VECTOR)`).
///
/// Per CPU it keeps the allocated bits, the managed reservations and the counters beside them;
/// globally the system vectors, the sum of `available` over online CPUs and the count of
/// reservations (reservation mode). Choices are deterministic and documented on each function:
/// they are part of msid's contract.
///
/// Invariants (`checkInvariants()`): per CPU `allocatedCount == popcount(allocated)`,
/// `managed == popcount(managedMap)`, `managedAllocated == popcount(allocated ∩ managedMap)`,
/// no allocated bit outside the window or on a system vector, and `globalAvailable` equals the
/// sum of `available` over online CPUs. Beside the maps, a tournament tree ranks the CPUs by
/// available vectors for `bestCPU(in:)`; it is derived from `cpus` (every change of a CPU's
/// `available` or `online` refreshes its path), so it is neither encoded nor compared.
public struct VectorMatrix: Hashable, Sendable, Codable {
    /// One CPU's map (`struct cpumap`).
    public struct CPUMap: Hashable, Sendable, Codable {
        /// Vectors handed out (managed or not).
        public internal(set) var allocated = Bitmap256()
        /// Vectors reserved for managed interrupts (allocated or not).
        public internal(set) var managedMap = Bitmap256()
        /// Free vectors that a non-managed allocation may take (excludes managed reservations).
        public internal(set) var available: Int
        public internal(set) var allocatedCount = 0
        public internal(set) var managed = 0
        public internal(set) var managedAllocated = 0
        public internal(set) var online = true
    }

    /// The allocatable window `[FIRST_EXTERNAL_VECTOR, FIRST_SYSTEM_VECTOR)` = [0x20, 0xEB) (v6.10+).
    public static let window: Range<Int> = Int(Vector.firstExternal.rawValue)..<Int(Vector.firstSystem.rawValue)

    /// System vectors inside the window (0x80 always, plus configured ones).
    public let systemMap: Bitmap256
    /// Changed only by the matrix's own methods, which keep the tournament tree in step.
    public internal(set) var cpus: [CPUMap]
    /// Sum of `available` over online CPUs.
    public internal(set) var globalAvailable: Int
    /// Interrupts holding a reservation (reservation mode) rather than a vector.
    public internal(set) var globalReserved = 0
    /// The tournament tree of `bestCPU(in:)`: node 1 is the root, node i has children 2i and
    /// 2i + 1, and the leaves `leafCount ..< 2·leafCount` are the CPUs (then padding). Each node
    /// holds the leftmost CPU of its range with the highest score, the score being `available`
    /// on an online CPU and 0 on an offline one (padding: `Int32.min`).
    private var tournament: [Contender] = []

    /// A node of the tournament tree.
    struct Contender {
        var score: Int32
        var cpu: Int32
    }

    /// A matrix with every CPU online and initialised: `available = window − system bits`.
    public init(cpuCount: Int, systemVectors: [Vector]) {
        var system = Bitmap256()
        for vector in systemVectors where VectorMatrix.window.contains(Int(vector.rawValue)) {
            system[Int(vector.rawValue)] = true
        }
        let perCPU = VectorMatrix.window.count - system.count
        self.systemMap = system
        self.cpus = Array(repeating: CPUMap(available: perCPU), count: cpuCount)
        self.globalAvailable = perCPU * cpuCount
        buildTournament()
    }

    // MARK: Tournament tree

    /// Leaves in the tournament tree: the number of CPUs rounded up to a power of two.
    private var leafCount: Int { tournament.count / 2 }

    private func leaf(_ cpu: Int) -> Contender {
        let map = cpus[cpu]
        return Contender(score: map.online ? Int32(truncatingIfNeeded: map.available) : 0, cpu: Int32(truncatingIfNeeded: cpu))
    }

    /// The winner of two adjacent ranges: the higher score, the left one (lower CPUs) on a tie.
    private static func winner(_ left: Contender, _ right: Contender) -> Contender {
        left.score >= right.score ? left : right
    }

    /// Builds the tree from `cpus` (at creation and after decoding).
    mutating func buildTournament() {
        var leaves = 1
        while leaves < cpus.count { leaves <<= 1 }
        tournament = Array(repeating: Contender(score: .min, cpu: -1), count: 2 * leaves)
        for cpu in cpus.indices { tournament[leaves + cpu] = leaf(cpu) }
        for node in stride(from: leaves - 1, to: 0, by: -1) {
            tournament[node] = VectorMatrix.winner(tournament[2 * node], tournament[2 * node + 1])
        }
    }

    /// Replays the matches on `cpu`'s path after its `available` or `online` changed.
    private mutating func refresh(_ cpu: Int) {
        let contender = leaf(cpu)
        tournament.withUnsafeMutableBufferPointer { tree in
            var node = tree.count / 2 + cpu
            precondition(node < tree.count, "CPU \(cpu) outside the tournament")
            tree[node] = contender
            node >>= 1
            while node >= 1 {
                tree[node] = VectorMatrix.winner(tree[2 * node], tree[2 * node + 1])
                node >>= 1
            }
        }
    }

    /// How `mask` covers the CPUs `lower ..< upper`: (some of them, all of them).
    private static func coverage(of mask: CPUSet, _ lower: Int, _ upper: Int) -> (some: Bool, all: Bool) {
        var some = false
        var all = true
        var word = lower >> 6
        while word << 6 < upper {
            let from = Swift.max(lower, word << 6) - word << 6
            let to = Swift.min(upper, (word + 1) << 6) - word << 6
            let wanted: UInt64 = (to - from == 64 ? .max : (1 << UInt64(to - from)) - 1) << UInt64(from)
            let present = word < mask.words.count ? mask.words[word] & wanted : 0
            if present != 0 { some = true }
            if present != wanted { all = false }
            word += 1
        }
        return (some, all)
    }

    /// The in-order search of `bestCPU(in:)` below `node`, which covers the CPUs `lower ..< upper`.
    /// A subtree whose winner's score does not beat `maximum` is skipped (only a strictly
    /// greater score replaces the best, as in the linear scan); a subtree wholly inside `mask`
    /// answers with its winner, the leftmost CPU of its highest score.
    private func search(_ tree: UnsafeBufferPointer<Contender>, node: Int, lower: Int, upper: Int, mask: CPUSet,
                        best: inout Int, maximum: inout Int32) {
        let champion = tree[node]
        guard champion.score > maximum, lower < cpus.count else { return }
        let covered = VectorMatrix.coverage(of: mask, lower, Swift.min(upper, cpus.count))
        guard covered.some else { return }
        if covered.all {
            best = Int(champion.cpu)
            maximum = champion.score
            return
        }
        let middle = (lower + upper) / 2
        search(tree, node: 2 * node, lower: lower, upper: middle, mask: mask, best: &best, maximum: &maximum)
        search(tree, node: 2 * node + 1, lower: middle, upper: upper, mask: mask, best: &best, maximum: &maximum)
    }

    // MARK: Reservation mode

    /// `irq_matrix_reserve`: book-keeping only; it never fails (the kernel merely warns when
    /// reservations exceed `global_available`). Failure, if any, comes at activation.
    public mutating func reserve() { globalReserved += 1 }

    /// `irq_matrix_remove_reserved`.
    public mutating func removeReservation() { globalReserved -= 1 }

    // MARK: Non-managed allocation

    /// `matrix_find_best_cpu`: the online CPU of `mask` with the most available vectors; the
    /// comparison is strict `>` against a running maximum that starts at 0, so ties go to the
    /// lowest-numbered CPU and a CPU with nothing available is never chosen.
    /// - Complexity: O(1) plus O(mask words) when `mask` holds every CPU (the tournament's
    ///   root answers); otherwise at most O(|mask| log CPUs), less where whole subtrees of the
    ///   tournament are inside `mask` or cannot beat the best so far.
    public func bestCPU(in mask: CPUSet) -> CPUID? {
        tournament.withUnsafeBufferPointer { tree in
            var best = -1
            var maximum: Int32 = 0
            search(tree, node: 1, lower: 0, upper: tree.count / 2, mask: mask, best: &best, maximum: &maximum)
            return best < 0 ? nil : CPUID(best)
        }
    }

    /// `matrix_alloc_area` for one bit: the lowest vector in the window that is neither
    /// allocated, nor reserved for managed interrupts, nor a system vector.
    private func lowestFree(on cpu: Int) -> Int? {
        let busy = cpus[cpu].allocated.union(cpus[cpu].managedMap).union(systemMap)
        return busy.firstClear(in: VectorMatrix.window)
    }

    /// `irq_matrix_alloc`: a vector on the best CPU of `mask` (see `bestCPU(in:)`), the lowest
    /// free one there. `consumesReservation` mirrors the `reserved` argument: the interrupt held
    /// a reservation that this allocation replaces.
    /// - Returns: nil when no CPU qualifies or the chosen CPU has no free bit (-ENOSPC).
    public mutating func allocate(in mask: CPUSet, consumesReservation: Bool) -> (cpu: CPUID, vector: Vector)? {
        guard let cpu = bestCPU(in: mask), let bit = lowestFree(on: cpu.index) else { return nil }
        cpus[cpu.index].allocated[bit] = true
        cpus[cpu.index].allocatedCount += 1
        cpus[cpu.index].available -= 1
        refresh(cpu.index)
        globalAvailable -= 1
        if consumesReservation { globalReserved -= 1 }
        return (cpu, Vector(rawValue: UInt8(bit)))
    }

    // MARK: Managed interrupts

    /// `irq_matrix_reserve_managed`: reserve the lowest free vector on every CPU of `mask`,
    /// offline CPUs included; only online CPUs are charged in `available` (as the kernel does).
    /// All-or-nothing: CPUs done so far are rolled back when one has no free vector.
    /// - Returns: the reserved bits, so that a failed command can undo exactly these
    ///   (`releaseManagedReservations(_:)`); the ordinary free path uses `removeManaged(on:)`.
    @discardableResult
    public mutating func reserveManaged(on mask: CPUSet) throws(ModelError) -> [ManagedReservation] {
        var done: [ManagedReservation] = []
        for cpu in mask where cpu.index < cpus.count {
            guard let bit = lowestFree(on: cpu.index) else {
                releaseManagedReservations(done)
                throw .managedVectorsExhausted(cpu: cpu, cpus: mask)
            }
            cpus[cpu.index].managedMap[bit] = true
            cpus[cpu.index].managed += 1
            if cpus[cpu.index].online {
                cpus[cpu.index].available -= 1
                refresh(cpu.index)
                globalAvailable -= 1
            }
            done.append(ManagedReservation(cpu: cpu, vector: Vector(rawValue: UInt8(bit))))
        }
        return done
    }

    /// One managed reservation made by `reserveManaged(on:)`.
    public struct ManagedReservation: Hashable, Sendable {
        public let cpu: CPUID
        public let vector: Vector
    }

    /// Undoes exactly the given reservations (newest first): the rollback of a failed command.
    public mutating func releaseManagedReservations(_ reservations: [ManagedReservation]) {
        for reservation in reservations.reversed() {
            releaseManagedReservation(cpu: reservation.cpu.index, bit: Int(reservation.vector.rawValue))
        }
    }

    /// `irq_matrix_remove_managed`: on every CPU of `mask` release one managed reservation that
    /// is not allocated: the lowest such bit (`find_first_bit` on `managed_map & ~alloc_map`).
    public mutating func removeManaged(on mask: CPUSet) {
        for cpu in mask where cpu.index < cpus.count {
            let unallocated = cpus[cpu.index].managedMap.subtracting(cpus[cpu.index].allocated)
            if let bit = unallocated.firstSet(in: VectorMatrix.window) {
                releaseManagedReservation(cpu: cpu.index, bit: bit)
            }
        }
    }

    private mutating func releaseManagedReservation(cpu: Int, bit: Int) {
        cpus[cpu].managedMap[bit] = false
        cpus[cpu].managed -= 1
        if cpus[cpu].online {
            cpus[cpu].available += 1
            refresh(cpu)
            globalAvailable += 1
        }
    }

    /// `matrix_find_best_cpu_managed`: the online CPU of `mask` with the fewest managed vectors
    /// allocated; a CPU is skipped only if its count is *greater* than the best so far, so on a
    /// tie the highest-numbered CPU wins.
    public func bestManagedCPU(in mask: CPUSet) -> CPUID? {
        cpus.withUnsafeBufferPointer { maps in
            var best: CPUID?
            var fewest = Int.max
            for cpu in mask where cpu.index < maps.count && maps[cpu.index].online && maps[cpu.index].managedAllocated <= fewest {
                best = cpu
                fewest = maps[cpu.index].managedAllocated
            }
            return best
        }
    }

    /// `irq_matrix_alloc_managed`: on the best managed CPU, the lowest reserved vector not yet
    /// allocated. `available` does not change (it was charged at reservation).
    /// - Returns: nil when no CPU qualifies or the chosen CPU has no reserved bit left (-ENOSPC);
    ///   the kernel does not try another CPU.
    public mutating func allocateManaged(in mask: CPUSet) -> (cpu: CPUID, vector: Vector)? {
        guard let cpu = bestManagedCPU(in: mask) else { return nil }
        let candidates = cpus[cpu.index].managedMap.subtracting(cpus[cpu.index].allocated)
        guard let bit = candidates.firstSet(in: VectorMatrix.window) else { return nil }
        cpus[cpu.index].allocated[bit] = true
        cpus[cpu.index].allocatedCount += 1
        cpus[cpu.index].managedAllocated += 1
        return (cpu, Vector(rawValue: UInt8(bit)))
    }

    // MARK: Free, hotplug

    /// `irq_matrix_free`: clear the bit; a managed vector keeps its reservation, a non-managed
    /// one becomes available again.
    public mutating func free(cpu: CPUID, vector: Vector, managed: Bool) {
        let bit = Int(vector.rawValue)
        precondition(cpus[cpu.index].allocated[bit], "freeing vector \(vector) on CPU \(cpu) that is not allocated")
        cpus[cpu.index].allocated[bit] = false
        cpus[cpu.index].allocatedCount -= 1
        if managed {
            cpus[cpu.index].managedAllocated -= 1
        } else {
            cpus[cpu.index].available += 1
            refresh(cpu.index)
            if cpus[cpu.index].online { globalAvailable += 1 }
        }
    }

    /// `irq_matrix_online` / `irq_matrix_offline`: the CPU's `available` joins or leaves the
    /// global sum; its bitmaps are kept.
    public mutating func setOnline(_ cpu: CPUID, _ online: Bool) {
        guard cpus[cpu.index].online != online else { return }
        cpus[cpu.index].online = online
        refresh(cpu.index)
        globalAvailable += online ? cpus[cpu.index].available : -cpus[cpu.index].available
    }

    /// `lapic_can_unplug_cpu`: the dying CPU's non-managed vectors must fit in what the other
    /// online CPUs have available.
    public func unplugShortfall(of cpu: CPUID) -> (toMove: Int, available: Int)? {
        let map = cpus[cpu.index]
        let toMove = map.allocatedCount - map.managedAllocated
        let available = globalAvailable - (map.online ? map.available : 0)
        return available < toMove ? (toMove, available) : nil
    }

    /// Checks every invariant listed on the type.
    public func validate() throws(InvariantViolation) {
        var sum = 0
        for (index, map) in cpus.enumerated() {
            try require(map.allocatedCount == map.allocated.count, "CPU \(index): allocated counter drifted")
            try require(map.managed == map.managedMap.count, "CPU \(index): managed counter drifted")
            try require(map.managedAllocated == map.allocated.intersection(map.managedMap).count,
                         "CPU \(index): managed-allocated counter drifted")
            try require(map.allocated.intersection(systemMap).count == 0, "CPU \(index): system vector allocated")
            try require(map.allocated.firstSet(in: 0..<VectorMatrix.window.lowerBound) == nil
                         && map.allocated.firstSet(in: VectorMatrix.window.upperBound..<256) == nil,
                         "CPU \(index): vector outside the window")
            if map.online { sum += map.available }
        }
        try require(sum == globalAvailable, "global available \(globalAvailable) != sum \(sum)")
    }

    /// Traps on a broken invariant (tests call it after every operation).
    public func checkInvariants() { trapping(validate) }
}
