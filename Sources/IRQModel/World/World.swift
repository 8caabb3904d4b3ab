/// All systems msid knows. A pure, deterministic value: no I/O, clock, randomness or locks.
///
/// `apply(_:)` is a transaction: either the command succeeds, or it throws a `ModelError` and
/// the world is as it was (levels rolled back through the ordinary free paths, the event trail
/// truncated and the Hyper-V cursors restored).
public struct World: Hashable, Sendable {
    /// Written only through `insert(_:)` and `remove(_:)`; values change in place.
    public private(set) var systems: [SystemName: System] = [:]
    /// The index of the system named last: consecutive commands on one system skip the hash.
    /// Indices stay valid while only values change (in place, or in a copy-on-write copy); an
    /// insertion or removal may move every entry, so those forget it. (Not a `didSet` on
    /// `systems`: an observed property is changed by copy and write-back, never in place.)
    private var recentSystem = LookupMemo<SystemName, [SystemName: System].Index>()

    public init() {}

    /// A world of `systems`, each filed under its name (`validate()` checks that it is): for
    /// a snapshot whose systems were decoded one by one.
    public init(systems: [SystemName: System]) { self.systems = systems }

    /// Applies one command.
    /// - Complexity: independent of the number of IRQs, except CPU hotplug (which visits every
    ///   IRQ, as `irq_migrate_all_off_this_cpu` does).
    public mutating func apply(_ command: Command) throws(ModelError) -> Outcome {
        var residue = false
        return try apply(command, leftResidue: &residue)
    }

    /// `apply(_:)`, saying whether a refused command nonetheless changed the world
    /// (`leftResidue`): the kernel's failure paths that msid reproduces do not all undo
    /// themselves bit for bit (a failed managed reservation releases the lowest unused managed
    /// vector; a PCI device that joined a shared ITS device stays). Such a refusal must be
    /// journaled like a success, or replay would rebuild another world. Only allocations can.
    public mutating func apply(_ command: Command, leftResidue: inout Bool) throws(ModelError) -> Outcome {
        try apply(command, at: nil, leftResidue: &leftResidue)
    }

    /// `apply(_:leftResidue:)`, with the events the command records stamped with `time`
    /// (milliseconds since the Unix epoch; the caller journals the same time with the command).
    public mutating func apply(_ command: Command, at time: UInt64?, leftResidue: inout Bool) throws(ModelError) -> Outcome {
        leftResidue = false
        guard let time, let index = try? index(of: command.system) else { return try applyUnstamped(command, leftResidue: &leftResidue) }
        systems.values[index].events.now = time
        defer {
            // The command may have deleted the system (and moved others).
            if let after = try? self.index(of: command.system) { systems.values[after].events.now = nil }
        }
        return try applyUnstamped(command, leftResidue: &leftResidue)
    }

    private mutating func applyUnstamped(_ command: Command, leftResidue: inout Bool) throws(ModelError) -> Outcome {
        switch command {
        case .createSystem(let spec):
            guard systems[spec.name] == nil else { throw .systemExists(spec.name) }
            insert(try System(spec))
            return .systemCreated(spec.name)
        case .deleteSystem(let name):
            let system = try system(name)
            guard system.allDomains.isEmpty else { throw .systemBusy(system: name, domains: system.allDomains.map(\.name)) }
            remove(name)
            return .systemDeleted(name)
        case .setCPUOnline(let name, let cpu, let online):
            return try transaction(on: name) { (system) throws(ModelError) in .cpuChanged(try system.setCPU(cpu, online: online)) }
        case .createDomain(let name, let spec):
            return try transaction(on: name) { (system) throws(ModelError) in
                _ = try system.createDomain(spec)
                return .domainCreated(spec.name)
            }
        case .deleteDomain(let name, let domain):
            return try transaction(on: name) { (system) throws(ModelError) in
                try system.deleteDomain(domain)
                return .domainDeleted(domain)
            }
        case .allocateIRQs(let name, let domain, let request):
            var residue = false
            defer { leftResidue = residue }
            return try transaction(on: name) { (system) throws(ModelError) in
                .irqsAllocated(try system.allocateIRQs(through: domain, request, leftResidue: &residue))
            }
        case .activate(let name, let virq):
            return try transaction(on: name) { (system) throws(ModelError) in
                try system.activate(virq)
                return .irqChanged(virq)
            }
        case .deactivate(let name, let virq):
            return try transaction(on: name) { (system) throws(ModelError) in
                try system.deactivate(virq)
                return .irqChanged(virq)
            }
        case .mask(let name, let virq):
            return try transaction(on: name) { (system) throws(ModelError) in
                try system.mask(virq)
                return .irqChanged(virq)
            }
        case .unmask(let name, let virq):
            return try transaction(on: name) { (system) throws(ModelError) in
                try system.unmask(virq)
                return .irqChanged(virq)
            }
        case .free(let name, let virq):
            return try transaction(on: name) { (system) throws(ModelError) in .irqsFreed(try system.freeIRQ(virq)) }
        case .setAffinity(let name, let virq, let cpus):
            return try transaction(on: name) { (system) throws(ModelError) in .affinityChanged(try system.setAffinity(virq, to: cpus)) }
        case .deleteDomainCascade(let name, let domain):
            return try transaction(on: name) { (system) throws(ModelError) in
                let (freed, deleted) = try system.deleteCascade(domain)
                return .cascadeDeleted(freed: freed, domains: deleted)
            }
        case .deleteSystemCascade(let name):
            let index = try index(of: name)
            var freed = VirqList()
            var deleted: [DomainName] = []
            if let root = systems.values[index].rootName {
                (freed, deleted) = try systems.values[index].deleteCascade(root)
            }
            remove(name)
            return .cascadeDeleted(freed: freed, domains: deleted)
        case .freeDeviceIRQs(let name, let domain):
            return try transaction(on: name) { (system) throws(ModelError) in .irqsFreed(try system.freeDeviceIRQs(domain)) }
        case .setCPUsOnline(let name, let cpus, let online):
            return try transaction(on: name) { (system) throws(ModelError) in .cpusChanged(try system.setCPUs(cpus, online: online)) }
        case .setVCPUAffinity(let name, let virq, let target):
            return try transaction(on: name) { (system) throws(ModelError) in
                try system.setVCPUAffinity(virq, to: target)
                return .irqChanged(virq)
            }
        }
    }

    /// Runs `body` on a system moved out of the dictionary (so its storage is uniquely
    /// referenced and changes in place), committing its events on success and restoring the
    /// trail and cursors on failure.
    private mutating func transaction(on name: SystemName, _ body: (inout System) throws(ModelError) -> Outcome) throws(ModelError) -> Outcome {
        // The values view mutates the system in place in the dictionary's storage (the keyed
        // subscript's accessor would move the whole system out and back).
        let index = try index(of: name)
        return try systems.values[index].transaction(body)
    }

    private mutating func insert(_ system: System) {
        recentSystem.forget()
        systems[system.name] = system
    }

    private mutating func remove(_ name: SystemName) {
        recentSystem.forget()
        systems[name] = nil
    }

    /// The index of a system in `systems`, remembered for the next command.
    private mutating func index(of name: SystemName) throws(ModelError) -> [SystemName: System].Index {
        if let index = recentSystem.place(of: name) { return index }
        guard let index = systems.index(forKey: name) else { throw .systemNotFound(name) }
        recentSystem.remember(name, at: index)
        return index
    }

    // MARK: Queries

    public func system(_ name: SystemName) throws(ModelError) -> System {
        guard let system = systems[name] else { throw .systemNotFound(name) }
        return system
    }

    /// Runs a read-only `body` on one system where it lies in the world, without copying it.
    ///
    /// `mutating` only for the access path, never to change anything: a dictionary's value
    /// getter returns a copy (every buffer the system holds retained, then released again,
    /// about 500 instructions a read), while its modify accessor yields the value in place.
    /// Callers that hold the world exclusively (the service, under its lock) read this way.
    public mutating func withSystem<R>(_ name: SystemName, _ body: (borrowing System) throws(ModelError) -> R) throws(ModelError) -> R {
        let index = try index(of: name)
        return try systems.values[index].borrowInPlace(body)
    }

    /// Systems in the world.
    public var systemCount: Int { systems.count }

    /// Domains over all systems. - Complexity: O(systems).
    public var domainCount: Int { systems.values.reduce(0) { $0 + $1.domainCount } }

    /// Live IRQs over all systems. - Complexity: O(systems).
    public var liveIRQCount: Int { systems.values.reduce(0) { $0 + $1.liveIRQCount } }

    /// Checks every system's invariants (and that each is filed under its own name): what a
    /// snapshot must pass before it replaces the state.
    public func validate() throws(InvariantViolation) {
        for (name, system) in systems {
            try require(system.name == name, "system \(system.name) is filed as \(name)")
            do throws(InvariantViolation) {
                try system.validate()
            } catch {
                throw InvariantViolation("system \(name): \(error.description)")
            }
        }
    }

    /// Traps on a broken invariant (tests call it after every operation).
    public func checkInvariants() { trapping(validate) }
}

extension World: Codable {
    private enum CodingKeys: String, CodingKey { case systems }

    /// Systems in name order, so that equal worlds encode to equal bytes.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        var byName = container.nestedContainer(keyedBy: SystemName.SystemNameKey.self, forKey: .systems)
        for name in systems.keys.sorted() {
            try byName.encode(systems[name], forKey: SystemName.SystemNameKey(stringValue: name.rawValue))
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        systems = try container.decode([SystemName: System].self, forKey: .systems)
    }
}

extension SystemName: CodingKeyRepresentable {
    public var codingKey: any CodingKey { SystemNameKey(stringValue: rawValue) }
    public init?<T: CodingKey>(codingKey: T) { self.init(rawValue: codingKey.stringValue) }

    struct SystemNameKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
