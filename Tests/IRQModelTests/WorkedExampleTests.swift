import Testing
@testable import IRQModel

/// The worked examples of shared/design/interrupt-model.md §9, each driven through the model
/// (allocation, activation, composition), message bits exact.
@Suite("Worked examples of interrupt-model.md")
struct WorkedExampleTests {
    struct MessageCase: Sendable, CustomTestStringConvertible {
        let example: Int
        let build: @Sendable () throws -> (Scenario, VirtualIRQ)
        let addressHi: UInt32
        let addressLo: UInt32
        let data: UInt32
        var testDescription: String { "example \(example)" }
    }

    static let messageCases: [MessageCase] = [
        // 1. x86, vector 0x41 on the CPU with APIC ID 3: the 34th IRQ pinned to CPU 3 gets 0x41.
        MessageCase(example: 1, build: {
            var s = try Scenario.x86(cpus: 4)
            try s.device("nic", bdf: "0000:00:03.0", parent: "vector")
            let virqs = try s.allocate("nic", count: 34, affinity: "3")
            return (s, virqs[33])
        }, addressHi: 0, addressLo: 0xFEE0_3000, data: 0x41),
        // 2. Extended destination id, APIC ID 0x1A5, vector 0x30 (the 17th vector of that CPU).
        MessageCase(example: 2, build: {
            var s = Scenario(system: Fixture.system("ext"))
            try s.apply(.createSystem(SystemSpec(name: s.system, architecture: .x86_64, hardwareIDs: [0x1A5, 1],
                                                 extendedDestinationID: true)))
            try s.createDomain("vector", parent: nil, .x86Vector(reservedVectors: []))
            try s.device("nic", bdf: "0000:00:03.0", parent: "vector")
            let virqs = try s.allocate("nic", count: 17, affinity: "0")
            return (s, virqs[16])
        }, addressHi: 0, addressLo: 0xFEEA_5020, data: 0x30),
        // 4. GICv3 MBI, distributor 0x08000000, SPI 96.
        MessageCase(example: 4, build: {
            var s = try Scenario.arm64(cpus: 4, mbi: [SPIRange(base: 96, count: 32)])
            try s.device("nic", bdf: "0000:00:03.0", parent: "gic")
            let virq = try s.allocate("nic")[0]
            return (s, virq)
        }, addressHi: 0, addressLo: 0x0800_0040, data: 96),
        // 5. ITS at 0x08080000, event 3 (the fourth MSI-X vector of a device).
        MessageCase(example: 5, build: {
            var s = try Scenario.arm64(cpus: 4)
            try s.createDomain("its", parent: "gic", .gicv3ITS(itsBase: 0x0808_0000))
            try s.device("nic", bdf: "0000:00:03.0", parent: "its", msixTableSize: 16)
            let virq = try s.allocate("nic", count: 4)[3]
            return (s, virq)
        }, addressHi: 0, addressLo: 0x0809_0040, data: 3),
        // 6. GICv2m frame at 0x08020000, SPI 120.
        MessageCase(example: 6, build: {
            var s = try Scenario.arm64(cpus: 4)
            try s.createDomain("v2m", parent: "gic", .gicv2m(frameBase: 0x0802_0000, spis: SPIRange(base: 120, count: 8)))
            try s.device("nic", bdf: "0000:00:03.0", parent: "v2m")
            let virq = try s.allocate("nic")[0]
            return (s, virq)
        }, addressHi: 0, addressLo: 0x0802_0040, data: 120),
    ]

    @Test("the composed message is exact", arguments: messageCases)
    func composedMessage(_ example: MessageCase) throws {
        let (scenario, virq) = try example.build()
        let message = try #require(try scenario.irq(virq).message)
        #expect(message.addressHi == example.addressHi)
        #expect(message.addressLo == example.addressLo)
        #expect(message.data == example.data)
    }

    @Test("example 3: the least-loaded CPU wins and takes its lowest free vector")
    func leastLoadedCPU() throws {
        var s = try Scenario.x86(cpus: 2)
        try s.device("nic", bdf: "0000:00:03.0", parent: "vector")
        try s.allocate("nic", count: 3, affinity: "0")
        try s.allocate("nic", count: 1, affinity: "1")
        let virq = try s.allocate("nic", affinity: "0-1")[0]
        #expect(try s.irq(virq).vectorAssignment == VectorAssignment(cpu: CPUID(1), vector: Vector(rawValue: 0x21)))
    }

    @Test("example 7: Hyper-V arm64 activation names one CPU: 0,0,0,0,0 upstream, 1,2,3,1,2 round-robin",
          arguments: [(HyperVActivatePolicy.firstPresent, [0, 0, 0, 0, 0]), (.roundRobin, [1, 2, 3, 1, 2])])
    func hyperVActivationCPU(policy: HyperVActivatePolicy, expected: [UInt32]) throws {
        var s = try Scenario.arm64(cpus: 4)
        try s.hyperV(parent: "gic", policy: policy)
        try s.device("nic", bdf: "0000:00:00.0", parent: "vpci")
        let virqs = try s.allocate("nic", count: 5)
        let requests = try virqs.map { try #require(try s.irq($0).hyperVLevel?.request) }
        #expect(requests.map(\.processor.rawValue) == expected)
        #expect(requests[0].vector == 64)
        #expect(try s.irq(virqs[0]).levels.map(\.hwirq.rawValue) == [0, 64, 64])
    }

    @Test("example 8: a 4-vector multi-MSI after one single SPI takes 68-71, aligned")
    func alignedMultiMSI() throws {
        var s = try Scenario.arm64(cpus: 4)
        try s.hyperV(parent: "gic")
        try s.device("a", bdf: "0000:00:01.0", parent: "vpci")
        try s.device("b", bdf: "0000:00:02.0", parent: "vpci")
        let single = try s.allocate("a", type: .msi)
        #expect(try s.irq(single[0]).levels[1].hwirq.rawValue == 64)
        let block = try s.allocate("b", count: 4, type: .msi)
        #expect(try block.map { try s.irq($0).levels[1].hwirq.rawValue } == [68, 69, 70, 71])
    }
}
