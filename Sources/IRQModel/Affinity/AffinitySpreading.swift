/// The affinity one IRQ of an allocation starts with (`struct irq_affinity_desc`).
public struct IRQAffinityDesc: Hashable, Sendable {
    /// The CPUs; nil is `irq_default_affinity` (every CPU).
    public var mask: CPUSet?
    /// `is_managed`: the kernel owns the affinity; the IRQ is shut down, not moved, when its
    /// CPUs go offline.
    public var isManaged: Bool

    public init(mask: CPUSet?, isManaged: Bool) {
        self.mask = mask
        self.isManaged = isManaged
    }
}

/// What a driver passes as `struct irq_affinity` to `pci_alloc_irq_vectors_affinity(...,
/// PCI_IRQ_AFFINITY, &affd)`: vectors at the start and the end that are not spread, and
/// optionally the sizes of several sets spread separately (`nr_sets`/`set_size`, at most
/// `IRQ_AFFINITY_MAX_SETS` = 4; a driver's `calc_sets` fills them, msid takes them as given).
public struct AffinitySpreadRequest: Hashable, Sendable, Codable {
    public static let maxSets = 4

    public var preVectors: Int
    public var postVectors: Int
    /// nil: one set of every spread vector (`default_calc_sets`).
    public var setSizes: [Int]?

    public init(preVectors: Int = 0, postVectors: Int = 0, setSizes: [Int]? = nil) {
        self.preVectors = preVectors
        self.postVectors = postVectors
        self.setSizes = setSizes
    }

    /// `irq_calc_affinity_vectors(minvec, maxvec, affd)`: how many vectors the PCI core
    /// enables: `resv + min(set_vecs, maxvec − resv)`, where `set_vecs` is the possible CPUs
    /// (or, when the driver sizes sets, `maxvec − resv`); 0 when the reserved vectors exceed
    /// `minvec`. The PCI core then refuses (-ENOSPC) when this is below `minvec`.
    public func vectorCount(min minimum: Int, max maximum: Int, possibleCPUs: Int) -> Int {
        let reserved = preVectors + postVectors
        guard reserved <= minimum else { return 0 }
        let setVectors = setSizes != nil ? maximum - reserved : possibleCPUs
        return reserved + Swift.min(setVectors, maximum - reserved)
    }

    /// `irq_create_affinity_masks(nvecs, affd)`: `preVectors` and `postVectors` get the default
    /// affinity and are not managed; each set is spread by `group_cpus_evenly`, its groups
    /// placed one after another; where a set yields fewer groups than its size (more vectors
    /// than CPUs) the sets pack together and the vectors left at the end get the default
    /// affinity, yet every vector between the pre and post vectors is managed, as the kernel
    /// marks them. Nil when no vector is left to spread (the kernel returns NULL and the
    /// vectors are allocated without affinity).
    func masks(vectors nvecs: Int, grouping: CPUGrouping) -> [IRQAffinityDesc]? {
        let spreadCount = nvecs > preVectors + postVectors ? nvecs - preVectors - postVectors : 0
        guard spreadCount > 0 else { return nil }
        var masks = [IRQAffinityDesc](repeating: IRQAffinityDesc(mask: nil, isManaged: false), count: nvecs)
        var current = preVectors
        var used = 0
        for setSize in setSizes ?? [spreadCount] {
            guard let groups = grouping.groups(setSize) else { return nil }
            for index in 0..<groups.initialised where current + index < nvecs {
                masks[current + index].mask = groups.masks[index]
            }
            current += groups.initialised
            used += groups.initialised
        }
        // The vectors past the spread ones get the default affinity again.
        for index in preVectors + Swift.min(used, spreadCount) ..< nvecs { masks[index].mask = nil }
        for index in preVectors ..< nvecs - postVectors { masks[index].isManaged = true }
        return masks
    }
}
