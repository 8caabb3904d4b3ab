extension Problem {
    /// The 507 for a mutation that would pass a cap on the whole state.
    init(_ exceeded: StateLimits.Exceeded) {
        let noun = switch exceeded.resource {
        case .systems: "systems"
        case .domains: "domains"
        case .irqs: "live IRQs"
        }
        self.init(.stateLimitReached,
                  "this msid holds at most \(exceeded.limit) \(noun) (--max-\(exceeded.resource.rawValue)); it holds \(exceeded.current) and the request adds \(exceeded.requested)",
                  [("resource", .string(exceeded.resource.rawValue)), ("limit", .integer(exceeded.limit)),
                   ("current", .integer(exceeded.current)), ("requested", .integer(exceeded.requested))])
    }
}
