import Foundation
import Testing
@testable import IRQModel

/// `bestCPU(in:)` (answered by the matrix's tournament tree) against the linear scan of
/// `matrix_find_best_cpu`, on systems wider than one mask word and not a power of two.
@Suite("Vector matrix best CPU")
struct VectorMatrixBestCPUTests {
    /// The kernel's scan: strict `>` against a maximum starting at 0, online CPUs only.
    static func linearBest(_ matrix: VectorMatrix, in mask: CPUSet) -> CPUID? {
        var best: CPUID?
        var maximum: UInt32 = 0
        for cpu in mask where cpu.index < matrix.cpus.count {
            let map = matrix.cpus[cpu.index]
            if map.available > maximum && map.online {
                best = cpu
                maximum = map.available
            }
        }
        return best
    }

    static func randomMask(_ random: inout SplitMix64, cpus: Int) -> CPUSet {
        switch random.next() % 6 {
        case 0: return CPUSet.range(0..<cpus)
        case 1: return CPUSet([CPUID(Int(random.next() % UInt64(cpus)))])
        case 2:
            let start = Int(random.next() % UInt64(cpus))
            return CPUSet.range(start..<min(cpus, start + 1 + Int(random.next() % 80)))
        case 3: return CPUSet((0..<cpus).filter { _ in random.next() % 8 == 0 }.map { CPUID($0) })
        case 4: return CPUSet((0..<cpus).filter { _ in random.next() % 8 != 0 }.map { CPUID($0) })
        default: return CPUSet.range(0..<cpus + 40)  // beyond the last CPU: ignored
        }
    }

    @Test("the best CPU matches the linear scan", arguments: zip([70, 200, 256, 1, 129], [1, 2, 3, 4, 5] as [UInt64]))
    func againstLinearScan(cpus: Int, seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        var matrix = VectorMatrix(cpuCount: cpus, systemVectors: [Vector.ia32Syscall])
        var live: [(cpu: CPUID, vector: Vector)] = []
        var managed: [CPUSet] = []
        for _ in 0..<2500 {
            switch random.next() % 12 {
            case 0...5:
                let mask = VectorMatrixBestCPUTests.randomMask(&random, cpus: cpus)
                let expected = VectorMatrixBestCPUTests.linearBest(matrix, in: mask)
                #expect(matrix.bestCPU(in: mask) == expected)
                // (nil also when the best CPU has no free bit: reservations made while it was
                // offline did not charge its `available`, as in the kernel.)
                let result = matrix.allocate(in: mask, consumesReservation: false)
                if let result {
                    #expect(result.cpu == expected)
                    live.append(result)
                }
            case 6...7:
                guard !live.isEmpty else { continue }
                let victim = live.remove(at: Int(random.next() % UInt64(live.count)))
                matrix.free(cpu: victim.cpu, vector: victim.vector, managed: false)
            case 8:
                let mask = CPUSet([CPUID(Int(random.next() % UInt64(cpus)))])
                if (try? matrix.reserveManaged(on: mask)) != nil { managed.append(mask) }
            case 9:
                guard !managed.isEmpty else { continue }
                matrix.removeManaged(on: managed.remove(at: Int(random.next() % UInt64(managed.count))))
            default:
                matrix.setOnline(CPUID(Int(random.next() % UInt64(cpus))), random.next() % 3 != 0)
            }
            matrix.checkInvariants()
            for _ in 0..<4 {
                let mask = VectorMatrixBestCPUTests.randomMask(&random, cpus: cpus)
                #expect(matrix.bestCPU(in: mask) == VectorMatrixBestCPUTests.linearBest(matrix, in: mask))
            }
        }
        // Decoding rebuilds the tree: the copy answers as the original does.
        let decoded = try JSONDecoder().decode(VectorMatrix.self, from: JSONEncoder().encode(matrix))
        #expect(decoded == matrix)
        for _ in 0..<50 {
            let mask = VectorMatrixBestCPUTests.randomMask(&random, cpus: cpus)
            #expect(decoded.bestCPU(in: mask) == matrix.bestCPU(in: mask))
        }
    }

    @Test("the encoding has exactly the matrix's maps and counters")
    func encodingKeys() throws {
        let matrix = VectorMatrix(cpuCount: 2, systemVectors: [Vector.ia32Syscall])
        let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(matrix)) as? [String: Any]
        #expect(object.map { Set($0.keys) } == ["systemMap", "cpus", "globalAvailable", "globalReserved"])
    }
}
