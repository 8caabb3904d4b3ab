/// A route's path, e.g. `/v1/systems/{system}/cpus/{cpu}`: literal segments and named
/// parameters, each parameter matching one non-empty segment.
struct PathPattern: Sendable, CustomStringConvertible {
    enum Segment: Sendable, Equatable {
        /// The segment's UTF-8, compared byte for byte.
        case literal([UInt8])
        case parameter(String)
    }

    let segments: [Segment]
    let description: String

    init(_ text: String) {
        description = text
        segments = text.split(separator: "/").map { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? .parameter(String(part.dropFirst().dropLast())) : .literal(Array(part.utf8))
        }
    }

    /// The parameters, in path order, when the path's segments match: literals first (byte
    /// comparisons, no string made), the parameters only for a match.
    func match(_ path: SplitPath) -> PathParameters? {
        guard path.count == segments.count else { return nil }
        // Last segment first: it tells most routes of one length apart (`.../mask`, `.../msi`).
        for index in segments.indices.reversed() {
            if case .literal(let literal) = segments[index], !path.segment(index, equals: literal) { return nil }
        }
        var parameters = PathParameters()
        for (index, segment) in segments.enumerated() {
            if case .parameter(let name) = segment { parameters.values.append((name, path.string(index))) }
        }
        return parameters
    }
}

/// A request path split at `/` with empty segments dropped, kept as byte ranges of its UTF-8:
/// matching compares bytes, and only the parameters of the matching route become strings.
struct SplitPath {
    private let bytes: [UInt8]
    private let ranges: [Range<Int>]

    init(_ path: String) {
        bytes = Array(path.utf8)
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(8)
        var start = 0
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "/") {
            if index > start { ranges.append(start ..< index) }
            start = index + 1
        }
        if bytes.count > start { ranges.append(start ..< bytes.count) }
        self.ranges = ranges
    }

    var count: Int { ranges.count }

    func segment(_ index: Int, equals literal: [UInt8]) -> Bool {
        let range = ranges[index]
        return range.count == literal.count && bytes[range].elementsEqual(literal)
    }

    func string(_ index: Int) -> String { String(decoding: bytes[ranges[index]], as: UTF8.self) }
}

/// A matched route's parameters: a handful at most, so a list searched in order beats a
/// dictionary's hashing.
struct PathParameters: Sendable {
    var values: [(name: String, value: String)] = []

    subscript(name: String) -> String? { values.first { $0.name == name }?.value }
}
