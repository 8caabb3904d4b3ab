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
        // Snapshots before the counters were unsigned hold signed values: -1 is 2³² − 1.
        globalAvailable = UInt32(truncatingIfNeeded: try container.decode(Int64.self, forKey: .globalAvailable))
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

extension VectorMatrix.CPUMap {
    private enum CodingKeys: String, CodingKey {
        case allocated, managedMap, available, allocatedCount, managed, managedAllocated, online
    }

    /// Decodes `available` as the kernel's `unsigned int`: snapshots written while msid kept it
    /// signed may hold a negative count, which is the same bits wrapped.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        allocated = try container.decode(Bitmap256.self, forKey: .allocated)
        managedMap = try container.decode(Bitmap256.self, forKey: .managedMap)
        available = UInt32(truncatingIfNeeded: try container.decode(Int64.self, forKey: .available))
        allocatedCount = try container.decode(Int.self, forKey: .allocatedCount)
        managed = try container.decode(Int.self, forKey: .managed)
        managedAllocated = try container.decode(Int.self, forKey: .managedAllocated)
        online = try container.decode(Bool.self, forKey: .online)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(allocated, forKey: .allocated)
        try container.encode(managedMap, forKey: .managedMap)
        try container.encode(available, forKey: .available)
        try container.encode(allocatedCount, forKey: .allocatedCount)
        try container.encode(managed, forKey: .managed)
        try container.encode(managedAllocated, forKey: .managedAllocated)
        try container.encode(online, forKey: .online)
    }
}
