/// The encoding, equality and hash of a matrix are those of its maps and counters, as the
/// synthesized ones were before the tournament tree existed: the tree is derived from `cpus`,
/// rebuilt on decoding, and ignored when comparing.
extension VectorMatrix {
    private enum CodingKeys: String, CodingKey {
        case systemMap, cpus, globalAvailable, globalReserved
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        systemMap = try container.decode(Bitmap256.self, forKey: .systemMap)
        cpus = try container.decode([CPUMap].self, forKey: .cpus)
        globalAvailable = try container.decode(Int.self, forKey: .globalAvailable)
        globalReserved = try container.decode(Int.self, forKey: .globalReserved)
        buildTournament()
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(systemMap, forKey: .systemMap)
        try container.encode(cpus, forKey: .cpus)
        try container.encode(globalAvailable, forKey: .globalAvailable)
        try container.encode(globalReserved, forKey: .globalReserved)
    }

    public static func == (lhs: VectorMatrix, rhs: VectorMatrix) -> Bool {
        lhs.systemMap == rhs.systemMap && lhs.cpus == rhs.cpus && lhs.globalAvailable == rhs.globalAvailable
            && lhs.globalReserved == rhs.globalReserved
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(systemMap)
        hasher.combine(cpus)
        hasher.combine(globalAvailable)
        hasher.combine(globalReserved)
    }
}
