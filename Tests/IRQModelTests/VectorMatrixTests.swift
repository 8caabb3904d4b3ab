import Testing
@testable import IRQModel

/// The vector matrix against a naive model built from `Set`s, over seeded random operations.
@Suite("Vector matrix")
struct VectorMatrixTests {
    /// The naive model: per CPU the allocated and managed vectors as sets.
    struct Naive {
        var allocated: [Set<Int>]
        var managed: [Set<Int>]
        var managedAllocated: [Set<Int>]
        var online: [Bool]
        let system: Set<Int> = [0x80]

        init(cpus: Int) {
            allocated = Array(repeating: [], count: cpus)
            managed = Array(repeating: [], count: cpus)
            managedAllocated = Array(repeating: [], count: cpus)
            online = Array(repeating: true, count: cpus)
        }

        func available(_ cpu: Int) -> Int {
            202 - (allocated[cpu].count - managedAllocated[cpu].count) - managed[cpu].count
        }

        func lowestFree(_ cpu: Int) -> Int? {
            (0x20..<0xEB).first { !allocated[cpu].contains($0) && !managed[cpu].contains($0) && !system.contains($0) }
        }

        /// Most available, lowest CPU on a tie, never a CPU with none.
        func bestCPU(_ mask: [Int]) -> Int? {
            var best: Int?
            for cpu in mask where online[cpu] && available(cpu) > 0 {
                if best.map({ available(cpu) > available($0) }) ?? true { best = cpu }
            }
            return best
        }
    }

    @Test("allocation, free and hotplug match the naive model", arguments: [1, 2, 3, 7, 42])
    func againstNaiveModel(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let cpus = 4
        var matrix = VectorMatrix(cpuCount: cpus, systemVectors: [Vector.ia32Syscall])
        var naive = Naive(cpus: cpus)
        var live: [(cpu: CPUID, vector: Vector)] = []
        for _ in 0..<3000 {
            switch random.next() % 10 {
            case 0...5:
                let mask = (0..<cpus).filter { _ in random.next() % 2 == 0 }
                let expectedCPU = naive.bestCPU(mask)
                let result = matrix.allocate(in: CPUSet(mask.map { CPUID($0) }), consumesReservation: false)
                #expect(result?.cpu.index == expectedCPU)
                if let result, let cpu = expectedCPU {
                    #expect(Int(result.vector.rawValue) == naive.lowestFree(cpu))
                    naive.allocated[cpu].insert(Int(result.vector.rawValue))
                    live.append(result)
                }
            case 6...8:
                guard !live.isEmpty else { continue }
                let victim = live.remove(at: Int(random.next() % UInt64(live.count)))
                matrix.free(cpu: victim.cpu, vector: victim.vector, managed: false)
                naive.allocated[victim.cpu.index].remove(Int(victim.vector.rawValue))
            default:
                let cpu = Int(random.next() % UInt64(cpus))
                let wanted = !naive.online[cpu]
                if wanted || naive.online.filter({ $0 }).count > 1 {
                    matrix.setOnline(CPUID(cpu), wanted)
                    naive.online[cpu] = wanted
                }
            }
            matrix.checkInvariants()
            for cpu in 0..<cpus {
                #expect(matrix.cpus[cpu].available == naive.available(cpu))
                #expect(matrix.cpus[cpu].allocatedCount == naive.allocated[cpu].count)
            }
            #expect(matrix.globalAvailable == (0..<cpus).filter { naive.online[$0] }.map(naive.available).reduce(0, +))
        }
    }

    @Test("a managed reservation that cannot be completed leaves the matrix as it was")
    func managedReservationRollsBack() throws {
        var matrix = VectorMatrix(cpuCount: 2, systemVectors: [Vector.ia32Syscall])
        for _ in 0..<202 { _ = matrix.allocate(in: CPUSet([CPUID(1)]), consumesReservation: false) }
        let before = matrix
        #expect(throws: ModelError.managedVectorsExhausted(cpu: CPUID(1), cpus: CPUSet([CPUID(0), CPUID(1)]))) {
            try matrix.reserveManaged(on: CPUSet([CPUID(0), CPUID(1)]))
        }
        #expect(matrix == before)
    }

    @Test("configured system vectors are never handed out")
    func reservedVectorsExcluded() {
        var matrix = VectorMatrix(cpuCount: 1, systemVectors: [Vector.ia32Syscall, Vector.picCascade])
        var seen = Set<UInt8>()
        while let (_, vector) = matrix.allocate(in: CPUSet([CPUID(0)]), consumesReservation: false) { seen.insert(vector.rawValue) }
        #expect(seen.count == 201)
        #expect(!seen.contains(0x80) && !seen.contains(0x32))
        #expect(seen.min() == 0x20 && seen.max() == 0xEA)
    }
}

@Suite("Virq space")
struct VirqSpaceTests {
    @Test("the lowest free run matches a naive set", arguments: [5, 11, 99])
    func againstNaiveSet(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        var space = VirqSpace(first: VirtualIRQ(rawValue: 24))
        var naive = Set<UInt32>()
        for _ in 0..<4000 {
            if random.next() % 3 != 0 || naive.isEmpty {
                let count = [1, 1, 1, 2, 4, 32][Int(random.next() % 6)]
                var start: UInt32 = 24
                while (start..<start + UInt32(count)).contains(where: naive.contains) { start += 1 }
                let got = try space.allocate(count: count)
                #expect(got.rawValue == start)
                for virq in start..<start + UInt32(count) { naive.insert(virq) }
            } else {
                let virq = naive.randomElement(using: &random) ?? 24
                space.free(VirtualIRQ(rawValue: virq))
                naive.remove(virq)
            }
            space.checkInvariants()
            #expect(space.liveCount == naive.count)
        }
    }
}
