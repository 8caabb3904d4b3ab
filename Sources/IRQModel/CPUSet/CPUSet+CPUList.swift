extension CPUSet {
    /// Parses a Linux cpulist (`bitmap_parselist` in lib/bitmap-str.c): comma-separated groups
    /// `n`, `a-b` or `a-b:used/group` (in every group of `group` CPUs from `a`, the first `used`),
    /// decimal, no spaces, one optional trailing newline. The empty string is the empty set.
    public init(cpulist text: String) throws(CPUListSyntaxError) {
        self.init()
        var bytes = Array(text.utf8)
        if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
        var position = 0
        func fail(_ reason: String) -> CPUListSyntaxError { CPUListSyntaxError(text: text, reason: reason) }
        func number() throws(CPUListSyntaxError) -> Int {
            let start = position
            var value = 0
            while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
                value = value * 10 + Int(bytes[position] - UInt8(ascii: "0"))
                if value > 1_000_000 { throw fail("number at offset \(start) is too large") }
                position += 1
            }
            guard position > start else {
                let found = position < bytes.count ? "'\(Character(Unicode.Scalar(bytes[position])))'" : "the end"
                throw fail("expected a decimal CPU number at offset \(start), found \(found)")
            }
            return value
        }
        guard !bytes.isEmpty else { return }
        while true {
            let groupStart = position
            let first = try number()
            var last = first
            var used = 1
            var group = 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "-") {
                position += 1
                last = try number()
                guard last >= first else { throw fail("range \(first)-\(last) ends before it starts (at offset \(groupStart))") }
                if position < bytes.count, bytes[position] == UInt8(ascii: ":") {
                    position += 1
                    used = try number()
                    guard position < bytes.count, bytes[position] == UInt8(ascii: "/") else {
                        throw fail("expected '/' after the used count at offset \(position)")
                    }
                    position += 1
                    group = try number()
                    guard group > 0 && used > 0 && used <= group else {
                        throw fail("stride \(used)/\(group) at offset \(groupStart) needs 0 < used <= group")
                    }
                } else {
                    used = last - first + 1
                    group = used
                }
            }
            guard last < CPUSet.capacity else { throw fail("CPU \(last) is beyond the limit of \(CPUSet.capacity) CPUs") }
            var start = first
            while start <= last {
                insert(range: start ..< Swift.min(start + used, last + 1))
                start += group
            }
            guard position < bytes.count else { return }
            guard bytes[position] == UInt8(ascii: ",") else {
                throw fail("unexpected '\(Character(Unicode.Scalar(bytes[position])))' at offset \(position)")
            }
            position += 1
        }
    }

    /// The canonical cpulist (`%*pbl`): ascending, a single CPU as `n`, any run of two or more
    /// as `a-b`, comma separated; "" for the empty set.
    public var cpulist: String {
        var parts: [String] = []
        var iterator = makeIterator()
        guard var start = iterator.next() else { return "" }
        var end = start
        while let cpu = iterator.next() {
            if cpu.rawValue == end.rawValue + 1 {
                end = cpu
                continue
            }
            parts.append(start == end ? "\(start)" : "\(start)-\(end)")
            start = cpu
            end = cpu
        }
        parts.append(start == end ? "\(start)" : "\(start)-\(end)")
        return parts.joined(separator: ",")
    }
}

extension CPUSet: Codable {
    /// A CPU set travels as its canonical cpulist string.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do { self = try CPUSet(cpulist: text) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.reason)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(cpulist)
    }
}
