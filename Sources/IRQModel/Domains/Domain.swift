/// A domain's number within its system: its index in creation order (the next free index; a
/// deleted last domain's number is given out again), so replaying the same commands yields the
/// same numbers.
public struct DomainID: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static func < (lhs: DomainID, rhs: DomainID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { String(rawValue) }
    var index: Int { Int(rawValue) }
}

/// The state of one domain kind. The closed set of kinds is this enum; each case wraps the one
/// struct that implements that kind's level (architecture.md, "Inside IRQModel").
public enum DomainState: Hashable, Sendable, Codable {
    case x86Vector(X86VectorDomain)
    case gicv3(GICv3Domain)
    case gicv3ITS(GICv3ITSDomain)
    case gicv2m(GICv2mDomain)
    case hypervVPCI(HyperVPCIDomain)
    case pciMSI(PCIMSIDomain)
    /// `intel-ir` or `amd-ir`.
    case remapping(InterruptRemappingDomain)
    /// Present only while a level operation of `Domain+Operations` runs, so that a kind's storage can be
    /// mutated in place without a copy-on-write copy (the swift-nio state-machine idiom).
    /// Never observable outside it.
    case modifying

    public var kind: DomainKind {
        switch self {
        case .x86Vector: .x86Vector
        case .gicv3: .gicv3
        case .gicv3ITS: .gicv3ITS
        case .gicv2m: .gicv2m
        case .hypervVPCI: .hypervVPCI
        case .pciMSI: .pciMSI
        case .remapping(let unit): unit.kind
        case .modifying: preconditionFailure("domain state observed while being modified")
        }
    }
}

/// One interrupt domain of a system (`struct irq_domain`).
public struct Domain: Hashable, Sendable, Codable {
    public let id: DomainID
    public let name: DomainName
    public let parent: DomainID?
    /// Child domains, in creation order.
    public internal(set) var children: [DomainID]
    /// Live IRQs that have a level in this domain (`mapcount`).
    public internal(set) var allocatedIRQs: Int
    public internal(set) var state: DomainState

    public var kind: DomainKind { state.kind }

    init(id: DomainID, name: DomainName, parent: DomainID?, state: DomainState) {
        self.id = id
        self.name = name
        self.parent = parent
        self.children = []
        self.allocatedIRQs = 0
        self.state = state
    }

    /// Runs `body` on this domain in place (the level operations of `Domain+Operations`
    /// dispatch to the kind's struct without a copy-on-write copy).
    mutating func modify<R: ~Copyable, E: Error>(_ body: (inout Domain) throws(E) -> R) throws(E) -> R {
        try body(&self)
    }
}
