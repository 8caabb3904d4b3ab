/// A route's path, e.g. `/v1/systems/{system}/cpus/{cpu}`: literal segments and named
/// parameters, each parameter matching one non-empty segment.
struct PathPattern: Sendable, CustomStringConvertible {
    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    let segments: [Segment]
    let description: String

    init(_ text: String) {
        description = text
        segments = text.split(separator: "/").map { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? .parameter(String(part.dropFirst().dropLast())) : .literal(String(part))
        }
    }

    /// The parameters when the path's segments match: literals first (cheap byte comparisons
    /// of native strings), the parameter dictionary only for a match.
    func match(_ parts: [String]) -> [String: String]? {
        guard parts.count == segments.count else { return nil }
        for (segment, part) in zip(segments, parts) {
            if case .literal(let literal) = segment, part != literal { return nil }
        }
        var parameters: [String: String] = [:]
        for (segment, part) in zip(segments, parts) {
            if case .parameter(let name) = segment { parameters[name] = part }
        }
        return parameters
    }
}
