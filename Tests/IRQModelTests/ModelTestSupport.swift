import Foundation
@testable import IRQModel

/// A small seedable generator (SplitMix64): the system generator cannot be seeded, and the
/// random tests must replay exactly.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum Fixture {
    static func system(_ text: String) -> SystemName {
        guard let name = SystemName(rawValue: text) else { preconditionFailure("bad test name \(text)") }
        return name
    }

    static func domain(_ text: String) -> DomainName {
        guard let name = DomainName(rawValue: text) else { preconditionFailure("bad test name \(text)") }
        return name
    }

    static func bdf(_ text: String) -> PCIAddress {
        guard let address = try? PCIAddress(parsing: text) else { preconditionFailure("bad test BDF \(text)") }
        return address
    }

    static func cpus(_ list: String) -> CPUSet {
        guard let set = try? CPUSet(cpulist: list) else { preconditionFailure("bad test cpulist \(list)") }
        return set
    }

    static let guid = HyperVInstanceID(string: "abee639e-0b9d-49b7-9a07-c54ba8cd5734")
        ?? HyperVInstanceID(bytes: Array(repeating: 0, count: 16))

    /// Encodes a world canonically (sorted keys): equal bytes mean an identical world.
    static func encoded(_ world: World) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(world) else { preconditionFailure("world does not encode") }
        return data
    }
}

/// A world with one system, built step by step, for scenario tests.
struct Scenario {
    var world = World()
    let system: SystemName

    /// An x86_64 system with `cpus` CPUs (APIC ID = CPU number) and its vector domain `vector`.
    static func x86(cpus: Int, extendedDestinationID: Bool = false, reservedVectors: [Vector] = []) throws -> Scenario {
        var scenario = Scenario(system: Fixture.system("x86"))
        try scenario.apply(.createSystem(SystemSpec(name: scenario.system, architecture: .x86_64, cpuCount: cpus,
                                                    extendedDestinationID: extendedDestinationID)))
        try scenario.createDomain("vector", parent: nil, .x86Vector(reservedVectors: reservedVectors))
        return scenario
    }

    /// An arm64 system with `cpus` CPUs (MPIDR = CPU number) and a GICv3 `gic` at 0x08000000.
    static func arm64(cpus: Int, mbi: [SPIRange] = [], hardwareIDs: [UInt64]? = nil) throws -> Scenario {
        var scenario = Scenario(system: Fixture.system("arm"))
        let ids = hardwareIDs ?? (0..<cpus).map { UInt64($0) }
        try scenario.apply(.createSystem(SystemSpec(name: scenario.system, architecture: .arm64, hardwareIDs: ids)))
        try scenario.createDomain("gic", parent: nil, .gicv3(distributorBase: 0x0800_0000, spis: 988, mbi: mbi))
        return scenario
    }

    @discardableResult
    mutating func apply(_ command: Command) throws -> Outcome {
        let outcome = try world.apply(command)
        world.checkInvariants()
        return outcome
    }

    mutating func createDomain(_ name: String, parent: String?, _ configuration: DomainConfiguration) throws {
        try apply(.createDomain(system: system, spec: DomainSpec(name: Fixture.domain(name), parent: parent.map(Fixture.domain),
                                                                 configuration: configuration)))
    }

    mutating func device(_ name: String, bdf: String, parent: String, msixTableSize: Int? = nil) throws {
        try createDomain(name, parent: parent, .pciMSI(device: Fixture.bdf(bdf), msixTableSize: msixTableSize))
    }

    mutating func hyperV(_ name: String = "vpci", parent: String, policy: HyperVActivatePolicy = .firstPresent,
                         protocolVersion: HyperVProtocolVersion = .v1_4) throws {
        try createDomain(name, parent: parent, .hypervVPCI(activatePolicy: policy, protocolVersion: protocolVersion, instanceID: Fixture.guid))
    }

    @discardableResult
    mutating func allocate(_ domain: String, count: Int = 1, type: MSIType = .msix, affinity: String? = nil,
                           managed: Bool = false, activate: Bool = true, spread: AffinitySpreadRequest? = nil,
                           minCount: Int? = nil) throws -> [VirtualIRQ] {
        let request = AllocationRequest(count: count, type: type, affinity: affinity.map(Fixture.cpus), managed: managed,
                                        activate: activate, spread: spread, minCount: minCount)
        guard case .irqsAllocated(let virqs) = try apply(.allocateIRQs(system: system, domain: Fixture.domain(domain), request: request)) else {
            preconditionFailure("allocation did not report IRQs")
        }
        return Array(virqs)
    }

    var state: System {
        get throws { try world.system(system) }
    }

    /// The x86 root's vector matrix.
    var matrix: VectorMatrix {
        get throws {
            let system = try state
            guard let root = system.rootID, case .x86Vector(let vectors) = system.domain(root).state else {
                preconditionFailure("not an x86 system with its vector domain")
            }
            return vectors.matrix
        }
    }

    func irq(_ virq: VirtualIRQ) throws -> IRQDescriptor { try state.irqDescriptor(virq) }

    /// The effects recorded after `sequence`, for `virq` if given.
    func effects(after sequence: UInt64 = 0, virq: VirtualIRQ? = nil) throws -> [HardwareEffect] {
        try state.events.events(after: EventSequence(rawValue: sequence), limit: .max)
            .filter { virq == nil || $0.virq == virq }
            .map(\.effect)
    }

    var lastSequence: UInt64 {
        get throws { try state.events.nextSequence.rawValue - 1 }
    }
}

extension IRQDescriptor {
    /// The x86 vector assignment of the root level.
    var vectorAssignment: VectorAssignment? {
        guard let root = levels.last, case .x86Vector(let state) = root.state else { return nil }
        return state.assignment
    }

    var hyperVLevel: HyperVLevel? {
        for level in levels { if case .hypervVPCI(let state) = level.state { return state } }
        return nil
    }
}

extension Bitmap256 {
    /// The set bits, ascending.
    var setBits: [Int] { (0..<256).filter { self[$0] } }
}
