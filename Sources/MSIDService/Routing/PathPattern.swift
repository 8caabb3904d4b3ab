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

    /// The parameters, in path order, when the path's segments match: literals first (byte
    /// comparisons, no string made), the parameters only for a match.
    func match(_ parts: [Substring]) -> PathParameters? {
        guard parts.count == segments.count else { return nil }
        for (segment, part) in zip(segments, parts) {
            if case .literal(let literal) = segment, !part.utf8.elementsEqual(literal.utf8) { return nil }
        }
        var parameters = PathParameters()
        for (segment, part) in zip(segments, parts) {
            if case .parameter(let name) = segment { parameters.values.append((name, String(part))) }
        }
        return parameters
    }

    /// A request path's non-empty segments (no copies: slices of the path).
    static func segments(of path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }
}

/// A matched route's parameters: a handful at most, so a list searched in order beats a
/// dictionary's hashing.
struct PathParameters: Sendable {
    var values: [(name: String, value: String)] = []

    subscript(name: String) -> String? { values.first { $0.name == name }?.value }
}
