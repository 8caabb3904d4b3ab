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
/// sum of `available` over online CPUs (modulo 2³², as the kernel's `unsigned int`s add).
///
/// `available` is *not* an invariant of the bitmaps, exactly as in the kernel: it is an
/// `unsigned int` changed by increments and decrements, and a managed reservation released
/// while its CPU is offline (`irq_matrix_remove_managed` skips `available++` there, and
/// `irq_matrix_online` does not recount an initialised CPU) leaves it one short for good. It
/// can then wrap below zero to 2³² − 1, after which `matrix_find_best_cpu` ranks that CPU
/// first and every allocation that picks it fails with -ENOSPC. msid reproduces the drift and
/// the wrap (`CPUMap.availableWrapped`) rather than the intent. Beside the maps, a tournament tree ranks the CPUs by
/// available vectors for `bestCPU(in:)`; it is derived from `cpus` (every change of a CPU's
/// `available` or `online` refreshes its path), so it is neither encoded nor compared.
public struct VectorMatrix: Hashable, Sendable, Codable {
    /// One CPU's map (`struct cpumap`).
    public struct CPUMap: Hashable, Sendable, Codable {
        /// Vectors handed out (managed or not).
        public internal(set) var allocated = Bitmap256()
        /// Vectors reserved for managed interrupts (allocated or not).
        public internal(set) var managedMap = Bitmap256()
        /// Free vectors that a non-managed allocation may take (excludes managed reservations):
        /// the kernel's `unsigned int`, updated with wrapping arithmetic (see the type's notes).
        public internal(set) var available: UInt32
        public internal(set) var allocatedCount = 0
        public internal(set) var managed = 0
        public internal(set) var managedAllocated = 0
        public internal(set) var online = true

        /// `available` has wrapped below zero (it exceeds every vector the window holds): the
        /// kernel quirk described on the type.
        public var availableWrapped: Bool { available > UInt32(VectorMatrix.window.count) }
    }

    /// The allocatable window `[FIRST_EXTERNAL_VECTOR, FIRST_SYSTEM_VECTOR)` = [0x20, 0xEB) (v6.10+).
    public static let window: Range<Int> = Int(Vector.firstExternal.rawValue)..<Int(Vector.firstSystem.rawValue)

    /// System vectors inside the window (0x80 always, plus configured ones).
    public let systemMap: Bitmap256
    /// Changed only by the matrix's own methods, which keep the tournament tree in step.
    public internal(set) var cpus: [CPUMap]
    /// Sum of `available` over online CPUs, modulo 2³² (the kernel's `unsigned int`).
    public internal(set) var globalAvailable: UInt32
    /// Interrupts holding a reservation (reservation mode) rather than a vector.
    public internal(set) var globalReserved = 0
    /// Ranks the CPUs by their score for `bestCPU(in:)`: `available` on an online CPU, 0 on an
    /// offline one.
    private var tournament = CPUTournament(scores: [])
    /// A fingerprint of every managed reservation (an XOR of a mix of each reserved CPU and
    /// bit), kept up to date by the two places that set and clear them. Derived, like the
    /// tournament: it lets a refused command tell in O(1) whether the kernel's cleanup moved a
    /// reservation (`reserveManaged(on:)`), which the service must then journal.
    public private(set) var managedFingerprint: UInt64 = 0

    /// A matrix with every CPU online and initialised: `available = window − system bits`.
    public init(cpuCount: Int, systemVectors: [Vector]) {
        var system = Bitmap256()
        for vector in systemVectors where VectorMatrix.window.contains(Int(vector.rawValue)) {
            system[Int(vector.rawValue)] = true
        }
        let perCPU = UInt32(VectorMatrix.window.count - system.count)
        self.systemMap = system
        self.cpus = Array(repeating: CPUMap(available: perCPU), count: cpuCount)
        self.globalAvailable = perCPU &* UInt32(truncatingIfNeeded: cpuCount)
        buildTournament()
    }

    // MARK: Tournament tree

    /// A CPU's score in the tournament: `available` (unsigned, so a wrapped count ranks
    /// highest, as in the kernel) when online, 0 (never chosen) when offline.
    private func score(of cpu: Int) -> Int64 {
        cpus[cpu].online ? Int64(cpus[cpu].available) : 0
    }

    /// Builds the tree from `cpus` (at creation and after decoding).
    mutating func buildTournament() {
        tournament = CPUTournament(scores: cpus.indices.map(score(of:)))
        managedFingerprint = 0
        for (cpu, map) in cpus.enumerated() {
            for bit in VectorMatrix.window where map.managedMap[bit] { managedFingerprint ^= VectorMatrix.mix(cpu: cpu, bit: bit) }
        }
    }

    /// Replays the matches on `cpu`'s path after its `available` or `online` changed.
    private mutating func refresh(_ cpu: Int) {
        tournament.update(cpu, score: score(of: cpu))
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
        tournament.best(in: mask, above: 0).map { CPUID($0) }
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
        cpus[cpu.index].available &-= 1
        refresh(cpu.index)
        globalAvailable &-= 1
        if consumesReservation { globalReserved -= 1 }
        return (cpu, Vector(rawValue: UInt8(bit)))
    }

    // MARK: Managed interrupts

    /// `irq_matrix_reserve_managed`: reserve the lowest free vector on every CPU of `mask`,
    /// offline CPUs included; only online CPUs are charged in `available` (as the kernel does).
    /// All-or-nothing, the kernel's way: when a CPU has no free vector, each CPU of `mask` before
    /// it gives back one reservation through `removeManaged(on:)`, which releases that CPU's
    /// *lowest* unallocated managed bit, not necessarily the one just taken.
    public mutating func reserveManaged(on mask: CPUSet) throws(ModelError) {
        for cpu in mask where cpu.index < cpus.count {
            guard let bit = lowestFree(on: cpu.index) else {
                for done in mask where done.index < cpus.count {
                    if done == cpu { break }
                    removeManaged(on: CPUSet([done]))
                }
                throw .managedVectorsExhausted(cpu: cpu, cpus: mask)
            }
            cpus[cpu.index].managedMap[bit] = true
            managedFingerprint ^= VectorMatrix.mix(cpu: cpu.index, bit: bit)
            cpus[cpu.index].managed += 1
            if cpus[cpu.index].online {
                cpus[cpu.index].available &-= 1
                refresh(cpu.index)
                globalAvailable &-= 1
            }
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

    /// Clears one managed reservation; as in the kernel, `available` is credited only on an
    /// online CPU (the drift described on the type starts here).
    private mutating func releaseManagedReservation(cpu: Int, bit: Int) {
        cpus[cpu].managedMap[bit] = false
        managedFingerprint ^= VectorMatrix.mix(cpu: cpu, bit: bit)
        cpus[cpu].managed -= 1
        if cpus[cpu].online {
            cpus[cpu].available &+= 1
            refresh(cpu)
            globalAvailable &+= 1
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
            cpus[cpu.index].available &+= 1
            refresh(cpu.index)
            if cpus[cpu.index].online { globalAvailable &+= 1 }
        }
    }

    /// `irq_matrix_online` / `irq_matrix_offline`: the CPU's `available` joins or leaves the
    /// global sum; its bitmaps are kept, and an initialised CPU's `available` is not recounted
    /// (every CPU of a system is initialised at creation).
    public mutating func setOnline(_ cpu: CPUID, _ online: Bool) {
        guard cpus[cpu.index].online != online else { return }
        cpus[cpu.index].online = online
        refresh(cpu.index)
        if online {
            globalAvailable &+= cpus[cpu.index].available
        } else {
            globalAvailable &-= cpus[cpu.index].available
        }
    }

    /// `lapic_can_unplug_cpu`: the dying CPU's non-managed vectors (`irq_matrix_allocated`:
    /// `allocated − managed_allocated`) must fit in `irq_matrix_available(m, true)`:
    /// `global_available − available` of the dying CPU, both unsigned, compared unsigned.
    public func unplugShortfall(of cpu: CPUID) -> (toMove: Int, available: Int)? {
        let map = cpus[cpu.index]
        let toMove = UInt32(truncatingIfNeeded: map.allocatedCount - map.managedAllocated)
        let available = globalAvailable &- (map.online ? map.available : 0)
        return available < toMove ? (Int(toMove), Int(available)) : nil
    }

    /// SplitMix64's finaliser over (cpu, bit): distinct reservations give unrelated words.
    private static func mix(cpu: Int, bit: Int) -> UInt64 {
        var z = UInt64(truncatingIfNeeded: cpu) << 8 | UInt64(truncatingIfNeeded: bit)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Checks every invariant listed on the type.
    public func validate() throws(InvariantViolation) {
        var sum: UInt32 = 0
        for (index, map) in cpus.enumerated() {
            try require(map.allocatedCount == map.allocated.count, "CPU \(index): allocated counter drifted")
            try require(map.managed == map.managedMap.count, "CPU \(index): managed counter drifted")
            try require(map.managedAllocated == map.allocated.intersection(map.managedMap).count,
                         "CPU \(index): managed-allocated counter drifted")
            try require(map.allocated.intersection(systemMap).count == 0, "CPU \(index): system vector allocated")
            try require(map.allocated.firstSet(in: 0..<VectorMatrix.window.lowerBound) == nil
                         && map.allocated.firstSet(in: VectorMatrix.window.upperBound..<256) == nil,
                         "CPU \(index): vector outside the window")
            if map.online { sum &+= map.available }
        }
        try require(sum == globalAvailable, "global available \(globalAvailable) != sum \(sum)")
    }

    /// Traps on a broken invariant (tests call it after every operation).
    public func checkInvariants() { trapping(validate) }
}
