import Testing
@testable import IRQModel

/// The tournament tree against the linear scans it replaces (`matrix_find_best_cpu`,
/// `cpumask_pick_least_loaded`): the same CPU for every mask, floor and history of updates.
@Suite("CPU tournament")
struct CPUTournamentTests {
    /// The kernel's scan: CPUs in order, a strictly greater score replaces the best.
    static func linearBest(_ scores: [Int64], in mask: CPUSet, above floor: Int64) -> Int? {
        var best: Int?
        var maximum = floor
        for cpu in mask where cpu.index < scores.count && scores[cpu.index] > maximum {
            best = cpu.index
            maximum = scores[cpu.index]
        }
        return best
    }

    @Test("the same CPU as the linear scan, over random scores, masks and updates",
          arguments: [(1, 1), (2, 2), (7, 3), (64, 4), (65, 5), (200, 6), (256, 7), (1000, 8)])
    func matchesLinearScan(cpus: Int, seed: UInt64) {
        var random = SplitMix64(seed: seed)
        // Few distinct values, so that ties are common; negative scores as the ITS uses them.
        func score() -> Int64 { Int64(truncatingIfNeeded: random.next() % 7) - 3 }
        var scores = (0..<cpus).map { _ in score() }
        var tournament = CPUTournament(scores: scores)
        for _ in 0..<300 {
            let cpu = Int(random.next() % UInt64(cpus))
            scores[cpu] = score()
            tournament.update(cpu, score: scores[cpu])
            let mask: CPUSet
            switch random.next() % 4 {
            case 0: mask = CPUSet.range(0..<cpus)
            case 1: mask = CPUSet([CPUID(Int(random.next() % UInt64(cpus)))])
            case 2: mask = CPUSet()
            default: mask = CPUSet((0..<cpus).filter { _ in random.next() % 3 == 0 }.map { CPUID($0) })
            }
            for floor in [Int64.min, -2, 0, 2, 3] {
                #expect(tournament.best(in: mask, above: floor) == Self.linearBest(scores, in: mask, above: floor),
                        "cpus \(cpus), mask \(mask.cpulist), floor \(floor)")
            }
        }
    }

    @Test("CPUs of the mask past the ranked ones are ignored")
    func maskBeyondCPUs() {
        let tournament = CPUTournament(scores: [1, 5, 2])
        #expect(tournament.best(in: CPUSet.range(0..<64), above: 0) == 1)
        #expect(tournament.best(in: CPUSet([CPUID(3), CPUID(10)]), above: .min) == nil)
    }
}
