@testable import IRQModel
import Testing

/// The World remembers the index of the system named last and the System the domain an
/// allocation named last. A remembered place must never outlive what it points at: systems and
/// domains created, deleted and re-created between commands are found (or not) exactly as
/// without the memo, and the memo never makes two worlds unequal.
@Suite("Lookup memos")
struct LookupMemoTests {
    private static func x86System(_ name: String) -> Command {
        .createSystem(SystemSpec(name: Fixture.system(name), architecture: .x86_64, cpuCount: 4))
    }

    private static func domain(_ system: String, _ name: String, parent: String?, _ configuration: DomainConfiguration) -> Command {
        .createDomain(system: Fixture.system(system), spec: DomainSpec(name: Fixture.domain(name), parent: parent.map(Fixture.domain),
                                                                        configuration: configuration))
    }

    private static func allocate(_ system: String, _ domain: String) -> Command {
        .allocateIRQs(system: Fixture.system(system), domain: Fixture.domain(domain), request: AllocationRequest(count: 1, type: .msix))
    }

    /// Builds a system `name` with a vector domain and one device `dev`.
    private static func build(_ world: inout World, _ name: String) throws {
        _ = try world.apply(x86System(name))
        _ = try world.apply(domain(name, "vector", parent: nil, .x86Vector(reservedVectors: [])))
        _ = try world.apply(domain(name, "dev", parent: "vector", .pciMSI(device: Fixture.bdf("0000:00:01.0"), msixTableSize: nil)))
    }

    @Test("systems created and deleted between commands are found as by name")
    func systemsComeAndGo() throws {
        var world = World()
        try Self.build(&world, "a")
        _ = try world.apply(Self.allocate("a", "dev"))          // remembers "a"
        // Inserting systems rehashes the dictionary: the remembered index must not be used.
        for index in 0..<40 { _ = try world.apply(Self.x86System("s\(index)")) }
        _ = try world.apply(Self.allocate("a", "dev"))
        try Self.build(&world, "b")
        guard case .irqsAllocated(let inB) = try world.apply(Self.allocate("b", "dev")) else {
            Issue.record("allocation did not report IRQs")
            return
        }
        #expect(try world.system(Fixture.system("a")).liveIRQCount == 2)
        #expect(try world.system(Fixture.system("b")).liveIRQCount == 1)
        world.checkInvariants()

        // Delete the system remembered last: naming it again is an unknown system.
        _ = try world.apply(.free(system: Fixture.system("b"), virq: inB[0]))
        _ = try world.apply(.deleteDomain(system: Fixture.system("b"), domain: Fixture.domain("dev")))
        _ = try world.apply(.deleteDomain(system: Fixture.system("b"), domain: Fixture.domain("vector")))
        _ = try world.apply(.deleteSystem(Fixture.system("b")))
        #expect(throws: ModelError.systemNotFound(Fixture.system("b"))) { try world.apply(Self.allocate("b", "dev")) }
        #expect(throws: ModelError.systemNotFound(Fixture.system("b"))) {
            try world.withSystem(Fixture.system("b")) { (system) throws(ModelError) in system.liveIRQCount }
        }
        #expect(try world.withSystem(Fixture.system("a")) { (system) throws(ModelError) in system.liveIRQCount } == 2)
    }

    @Test("a deleted domain whose number went to another is not found through the memo")
    func domainsComeAndGo() throws {
        var world = World()
        try Self.build(&world, "a")
        guard case .irqsAllocated(let virqs) = try world.apply(Self.allocate("a", "dev")) else {
            Issue.record("allocation did not report IRQs")
            return
        }
        _ = try world.apply(.free(system: Fixture.system("a"), virq: virqs[0]))
        _ = try world.apply(.deleteDomain(system: Fixture.system("a"), domain: Fixture.domain("dev")))
        // The next domain takes the deleted one's number under another name.
        _ = try world.apply(Self.domain("a", "other", parent: "vector", .pciMSI(device: Fixture.bdf("0000:00:02.0"), msixTableSize: nil)))
        #expect(throws: ModelError.domainNotFound(system: Fixture.system("a"), domain: Fixture.domain("dev"))) {
            try world.apply(Self.allocate("a", "dev"))
        }
        // Re-created under its name (and another number), it is found again.
        _ = try world.apply(Self.domain("a", "dev", parent: "vector", .pciMSI(device: Fixture.bdf("0000:00:01.0"), msixTableSize: nil)))
        guard case .irqsAllocated(let again) = try world.apply(Self.allocate("a", "dev")) else {
            Issue.record("allocation did not report IRQs")
            return
        }
        let device = try world.system(Fixture.system("a")).irqDescriptor(again[0]).device
        #expect(device == Fixture.bdf("0000:00:01.0"))
        world.checkInvariants()
    }

    @Test("worlds that differ only in what they remember are equal and hash alike")
    func memoIsNotState() throws {
        var used = World()
        try Self.build(&used, "a")
        var fresh = used
        _ = try used.withSystem(Fixture.system("a")) { (system) throws(ModelError) in system.liveIRQCount }
        #expect(used == fresh)
        #expect(used.hashValue == fresh.hashValue)
        _ = try fresh.apply(Self.allocate("a", "dev"))
        _ = try used.apply(Self.allocate("a", "dev"))
        #expect(used == fresh)
    }
}
