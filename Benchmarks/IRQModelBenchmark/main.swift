// IRQModelBenchmark: the cost of the model's hot path, in release mode, outside any test.
//
//   swift run -c release IRQModelBenchmark [iterations]
//
// Measures allocate + activate + compose + free of one MSI-X vector through a three-level
// hierarchy on a 256-CPU system, with 100 and with 100,000 other IRQs live, side by side in one
// run, and the heap bytes per live IRQ. Two hierarchies: pci-msi → hyperv-vpci → x86-vector
// (the Hyper-V guest this project started from: the create-interrupt request, the retarget
// hypercall on unmask) and pci-msi → gicv3-its → gicv3 (an arm64 guest's usual path).
// Then managed spreading: 1,024 managed vectors on 256 CPUs (`--managed-only` for just that),
// and listing 100,000 IRQs page by page (`--listing-only`).
import Glibc
import IRQModel

/// The three-level hierarchy the IRQs go through.
enum Hierarchy: String, CaseIterable {
    case x86HyperV = "pci-msi → hyperv-vpci → x86-vector"
    case arm64ITS = "pci-msi → gicv3-its → gicv3"
    /// The remapping comparison (`--remapping`): a device straight on the vector domain, and
    /// the same through a VT-d or an AMD-Vi unit.
    case x86Plain = "pci-msi → x86-vector"
    case x86IntelIR = "pci-msi → intel-ir → x86-vector"
    case x86AMDIR = "pci-msi → amd-ir → x86-vector"

    /// The live IRQs of the large case: 100,000; on arm64 50,000, what one ITS holds (its LPIs
    /// are 8192..65535, 16 ID bits, and each device takes a range of 2048); through VT-d
    /// 60,000 (one table of 65,536 entries).
    var largeLive: Int {
        switch self {
        case .x86HyperV, .x86Plain, .x86AMDIR: 100_000
        case .arm64ITS: 50_000
        case .x86IntelIR: 60_000
        }
    }

    /// The name `--hierarchy` takes.
    var flag: String {
        switch self {
        case .x86HyperV: "hyperv"
        case .arm64ITS: "its"
        case .x86Plain: "plain"
        case .x86IntelIR: "intel-ir"
        case .x86AMDIR: "amd-ir"
        }
    }

    /// The hierarchies of the default run.
    static let standard: [Hierarchy] = [.x86HyperV, .arm64ITS]
}

struct Bench {
    static func name<T: RawRepresentable>(_ text: String, as type: T.Type) -> T where T.RawValue == String {
        guard let value = T(rawValue: text) else { preconditionFailure("bad name \(text)") }
        return value
    }

    static let system = name("bench", as: SystemName.self)

    /// A 256-CPU system with the hierarchy's two lower levels and `devices` PCI devices on
    /// them: x86 with a Hyper-V bus on the vector domain, or arm64 with an ITS on the GICv3.
    static func world(devices: Int, hierarchy: Hierarchy) throws -> World {
        var world = World()
        let bus = name("bus", as: DomainName.self)
        var parent = bus
        switch hierarchy {
        case .x86HyperV:
            _ = try world.apply(.createSystem(SystemSpec(name: system, architecture: .x86_64, cpuCount: 256, extendedDestinationID: true)))
            _ = try world.apply(.createDomain(system: system, spec: DomainSpec(
                name: name("vector", as: DomainName.self), parent: nil, configuration: .x86Vector(reservedVectors: []))))
            let guid = HyperVInstanceID(bytes: Array(0..<16))
            _ = try world.apply(.createDomain(system: system, spec: DomainSpec(
                name: bus, parent: name("vector", as: DomainName.self),
                configuration: .hypervVPCI(activatePolicy: .firstPresent, protocolVersion: .v1_4, instanceID: guid))))
        case .x86Plain, .x86IntelIR, .x86AMDIR:
            _ = try world.apply(.createSystem(SystemSpec(name: system, architecture: .x86_64, cpuCount: 256, extendedDestinationID: true)))
            let vector = name("vector", as: DomainName.self)
            _ = try world.apply(.createDomain(system: system, spec: DomainSpec(
                name: vector, parent: nil, configuration: .x86Vector(reservedVectors: []))))
            // The devices hang on the vector domain itself, or on a remapping unit `bus` on it.
            switch hierarchy {
            case .x86IntelIR:
                _ = try world.apply(.createDomain(system: system, spec: DomainSpec(
                    name: bus, parent: vector, configuration: .remapping(RemappingConfiguration(kind: .intelIR)))))
            case .x86AMDIR:
                _ = try world.apply(.createDomain(system: system, spec: DomainSpec(
                    name: bus, parent: vector, configuration: .remapping(RemappingConfiguration(kind: .amdIR, entriesPerTable: 2048)))))
            default:
                parent = vector
            }
        case .arm64ITS:
            _ = try world.apply(.createSystem(SystemSpec(name: system, architecture: .arm64, cpuCount: 256)))
            _ = try world.apply(.createDomain(system: system, spec: DomainSpec(
                name: name("gic", as: DomainName.self), parent: nil,
                configuration: .gicv3(distributorBase: 0x0800_0000, spis: DomainConfiguration.maximumSPIs, mbi: []))))
            _ = try world.apply(.createDomain(system: system, spec: DomainSpec(
                name: bus, parent: name("gic", as: DomainName.self), configuration: .gicv3ITS(itsBase: 0x0808_0000))))
        }
        for index in 0..<devices {
            let bdf = try PCIAddress(parsing: "0000:\(hex(index / 32)):\(hex(index % 32)).0")
            _ = try world.apply(.createDomain(system: system, spec: DomainSpec(
                name: name("dev\(index)", as: DomainName.self), parent: parent,
                configuration: .pciMSI(device: bdf, msixTableSize: nil))))
        }
        return world
    }

    static func hex(_ value: Int) -> String {
        let digits = String(value, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
    }

    /// Fills the world with `count` live IRQs: the first 40,000 activated (x86 vectors are
    /// finite: 256 CPUs × 202), the rest allocated and reserved, as Linux's reservation mode
    /// allows (the same split on arm64, so that both hierarchies carry the same load).
    static func populate(_ world: inout World, count: Int, devices: Int) throws {
        var remaining = count
        var device = 0
        while remaining > 0 {
            let batch = min(remaining, 2000)
            let request = AllocationRequest(count: batch, type: .msix, activate: count - remaining < 40_000)
            _ = try world.apply(.allocateIRQs(system: system, domain: name("dev\(device % devices)", as: DomainName.self), request: request))
            remaining -= batch
            device += 1
        }
    }

    /// One measured operation: allocate and activate one vector, read its message, free it.
    /// Never inlined, so that the warm-up and the measured loop run the same code and a
    /// profiler can collect exactly this function (`--toggle-collect`).
    @inline(never)
    static func operation(_ world: inout World, domain: DomainName) throws -> UInt32 {
        guard case .irqsAllocated(let virqs) = try world.apply(.allocateIRQs(
            system: system, domain: domain, request: AllocationRequest(count: 1, type: .msix))), let virq = virqs.first
        else { preconditionFailure("no IRQ") }
        // Read in place, as the service does (`ServiceState.read`): no copy of the System.
        let data = try world.withSystem(system) { (system) throws(ModelError) in try system.messageView(virq)?.message.data } ?? 0
        _ = try world.apply(.free(system: system, virq: virq))
        return data
    }

    static func measure(_ hierarchy: Hierarchy, live: Int, iterations: Int) throws -> Double {
        let devices = 64
        var world = try world(devices: devices, hierarchy: hierarchy)
        try populate(&world, count: live, devices: devices - 1)
        let domain = name("dev\(devices - 1)", as: DomainName.self)
        var checksum: UInt32 = 0
        for _ in 0..<min(2000, iterations) { checksum &+= try operation(&world, domain: domain) }  // warm-up
        var samples: [Int64] = []
        samples.reserveCapacity(iterations)
        let clock = ContinuousClock()
        for _ in 0..<iterations {
            let start = clock.now
            checksum &+= try operation(&world, domain: domain)
            let elapsed = clock.now - start
            samples.append(elapsed.components.attoseconds / 1_000_000_000 + elapsed.components.seconds * 1_000_000_000)
        }
        samples.sort()
        let median = Double(samples[samples.count / 2])
        let p99 = Double(samples[samples.count * 99 / 100])
        print("alloc+activate+compose+free, \(hierarchy.rawValue): live IRQs \(live), median \(Int(median)) ns, p99 \(Int(p99)) ns (checksum \(checksum))")
        return median
    }

    /// Resident memory from /proc/self/statm after glibc's `malloc_trim(0)` has given the
    /// pages of freed blocks back, so memory freed while populating does not count.
    static func heapBytes() -> Int {
        typealias Trim = @convention(c) (Int) -> Int32
        if let symbol = dlsym(nil, "malloc_trim") { _ = unsafeBitCast(symbol, to: Trim.self)(0) }
        guard let file = fopen("/proc/self/statm", "r") else { return 0 }
        defer { fclose(file) }
        var size = 0
        var resident = 0
        guard withUnsafeMutablePointer(to: &size, { sizePointer in
            withUnsafeMutablePointer(to: &resident) { fscanf_pair(file, sizePointer, $0) }
        }) else { return 0 }
        return resident * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    private static func fscanf_pair(_ file: UnsafeMutablePointer<FILE>, _ first: UnsafeMutablePointer<Int>, _ second: UnsafeMutablePointer<Int>) -> Bool {
        var buffer = [CChar](repeating: 0, count: 128)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return false }
        let fields = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).split(separator: " ")
        guard fields.count >= 2, let a = Int(fields[0]), let b = Int(fields[1]) else { return false }
        first.pointee = a
        second.pointee = b
        return true
    }

    static func memoryPerIRQ(count: Int) throws -> Double {
        var world = try world(devices: 64, hierarchy: .x86HyperV)
        let before = heapBytes()
        try populate(&world, count: count, devices: 63)
        let after = heapBytes()
        let perIRQ = Double(after - before) / Double(count)
        let live = try world.system(system).liveIRQs.count
        print("memory, \(Hierarchy.x86HyperV.rawValue): \(live) live IRQs, \(after - before) resident bytes after malloc_trim, \(Int(perIRQ)) bytes per IRQ (event trail included)")
        return perIRQ
    }
}

let iterations = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 20_000
/// `--arm64`: only the ITS hierarchy; `--hierarchy NAME` (hyperv, its, plain, intel-ir,
/// amd-ir): only that one; otherwise the Hyper-V one first (or only, with --small-only).
let arguments = CommandLine.arguments
let hierarchies: [Hierarchy] = if let flag = arguments.firstIndex(of: "--hierarchy").map({ arguments.index(after: $0) }),
                                  flag < arguments.count, let chosen = Hierarchy.allCases.first(where: { $0.flag == arguments[flag] }) {
    [chosen]
} else if arguments.contains("--arm64") {
    [.arm64ITS]
} else {
    Hierarchy.standard
}
if arguments.contains("--remapping") {
    // Interrupt remapping's cost, side by side in one run: the same operation on a device on
    // the vector domain and on one behind VT-d and AMD-Vi, rounds alternating (issue 17: at
    // most +30%; scripts/bench-remapping gives the instruction counts, which load does not move).
    do {
        var medians: [Hierarchy: [Double]] = [:]
        for _ in 0..<5 {
            for hierarchy in [Hierarchy.x86Plain, .x86IntelIR, .x86AMDIR] {
                medians[hierarchy, default: []].append(try Bench.measure(hierarchy, live: 100, iterations: iterations))
            }
        }
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        let plain = median(medians[.x86Plain] ?? [1])
        for hierarchy in [Hierarchy.x86IntelIR, .x86AMDIR] {
            let ratio = median(medians[hierarchy] ?? [0]) / plain
            print("remapping cost, \(hierarchy.rawValue) / \(Hierarchy.x86Plain.rawValue): \(Double(Int(ratio * 1000)) / 1000) (median of 5 rounds)")
        }
    } catch {
        print("benchmark failed: \(error)")
        exit(1)
    }
    exit(0)
}
if CommandLine.arguments.contains("--listing-only") {
    do { try ListingBench.run() } catch {
        print("benchmark failed: \(error)")
        exit(1)
    }
    exit(0)
}
if CommandLine.arguments.contains("--managed-only") {
    do { try ManagedSpreadingBench.run(rounds: 50) } catch {
        print("benchmark failed: \(error)")
        exit(1)
    }
    exit(0)
}
if CommandLine.arguments.contains("--small-only") {
    // For profilers: only the 100-IRQ case of one hierarchy.
    _ = try? Bench.measure(hierarchies[0], live: 100, iterations: iterations)
    exit(0)
}
do {
    for hierarchy in hierarchies {
        let small = try Bench.measure(hierarchy, live: 100, iterations: iterations)
        let large = try Bench.measure(hierarchy, live: hierarchy.largeLive, iterations: iterations)
        let again = try Bench.measure(hierarchy, live: 100, iterations: iterations)
        let baseline = min(small, again)
        print("ratio \(hierarchy.largeLive) live / 100 live, \(hierarchy.rawValue): \(Double(Int(large / baseline * 100)) / 100)")
    }
    _ = try Bench.memoryPerIRQ(count: 100_000)
    try ManagedSpreadingBench.run(rounds: 50)
    try ListingBench.run()
} catch {
    print("benchmark failed: \(error)")
    exit(1)
}
