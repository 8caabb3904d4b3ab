import IRQModel

/// Caps on the size of the whole state, so that no client can grow it without bound: systems,
/// domains (over all systems) and live IRQs (over all systems). A mutation that would pass one
/// is refused with a 507 `state-limit-reached` problem and changes nothing; a state replaced
/// through `PUT /v1/snapshot` must fit as well.
public struct StateLimits: Sendable, Equatable {
    public var systems: Int
    public var domains: Int
    public var irqs: Int

    public init(systems: Int, domains: Int, irqs: Int) {
        self.systems = systems
        self.domains = domains
        self.irqs = irqs
    }

    /// 256 systems, 16,384 domains, 1,048,576 live IRQs (about 360 MiB of model at the IRQ cap).
    public static let `default` = StateLimits(systems: 256, domains: 16_384, irqs: 1 << 20)

    /// Which cap a state reached.
    public enum Resource: String, Sendable {
        case systems, domains, irqs
    }

    /// A refused growth: the cap, what the state holds, and what the request adds.
    public struct Exceeded: Error, Sendable, Equatable {
        public let resource: Resource
        public let limit: Int
        public let current: Int
        public let requested: Int
    }

    /// Checks `command` against the caps before it is applied to `world` (under the world's
    /// lock). Only commands that add something are counted; the count is an upper bound (an
    /// allocation the model then refuses was never going to pass a cap).
    /// - Complexity: O(systems) for the commands that grow the state, O(1) for the others.
    func check(_ command: Command, against world: World) throws(Exceeded) {
        switch command {
        case .createSystem:
            try require(.systems, current: world.systemCount, adding: 1)
        case .createDomain:
            try require(.domains, current: world.domainCount, adding: 1)
        case .allocateIRQs(_, _, let request):
            try require(.irqs, current: world.liveIRQCount, adding: request.count)
        default:
            return
        }
    }

    /// Checks a whole state (a replacement) against the caps.
    func check(_ world: World) throws(Exceeded) {
        try require(.systems, current: 0, adding: world.systemCount)
        try require(.domains, current: 0, adding: world.domainCount)
        try require(.irqs, current: 0, adding: world.liveIRQCount)
    }

    private func require(_ resource: Resource, current: Int, adding: Int) throws(Exceeded) {
        let limit = switch resource {
        case .systems: systems
        case .domains: domains
        case .irqs: irqs
        }
        guard current + adding <= limit else {
            throw Exceeded(resource: resource, limit: limit, current: current, requested: adding)
        }
    }
}
