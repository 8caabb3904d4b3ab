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
    ///
    /// Every IRQ answer and every IRQ of a snapshot carries one, so it is written in place: the
    /// runs are found a word at a time, measured, and their digits stored straight into the
    /// string's storage (one allocation at most; none up to 15 bytes).
    public var cpulist: String {
        var length = 0
        var runs = 0
        forEachRun { first, last in
            length += CPUSet.decimalLength(first) + (first == last ? 0 : 1 + CPUSet.decimalLength(last))
            runs += 1
        }
        guard runs > 0 else { return "" }
        length += runs - 1
        return String(unsafeUninitializedCapacity: length) { buffer in
            var position = 0
            forEachRun { first, last in
                if position > 0 {
                    buffer[position] = UInt8(ascii: ",")
                    position += 1
                }
                position = CPUSet.writeDecimal(first, into: buffer, at: position)
                if first != last {
                    buffer[position] = UInt8(ascii: "-")
                    position = CPUSet.writeDecimal(last, into: buffer, at: position + 1)
                }
            }
            return position
        }
    }

    /// Calls `body` with the first and last CPU of each maximal run of consecutive CPUs, in
    /// ascending order; a run may span words.
    func forEachRun(_ body: (Int, Int) -> Void) {
        var open: (first: Int, last: Int)?
        for (index, word) in words.enumerated() {
            var remaining = word
            while remaining != 0 {
                let low = remaining.trailingZeroBitCount
                // The ones from bit `low` up: `~(remaining >> low)` has zeros exactly there.
                let ones = (~(remaining >> UInt64(low))).trailingZeroBitCount
                let first = index << 6 + low
                let last = first + ones - 1
                if let run = open, run.last + 1 == first {
                    open = (run.first, last)
                } else {
                    if let run = open { body(run.first, run.last) }
                    open = (first, last)
                }
                let mask: UInt64 = ones == 64 ? .max : (1 << UInt64(ones)) - 1
                remaining &= ~(mask << UInt64(low))
            }
        }
        if let run = open { body(run.first, run.last) }
    }

    /// The number of decimal digits of `value` (>= 0).
    private static func decimalLength(_ value: Int) -> Int {
        var length = 1
        var rest = value
        while rest >= 10 {
            rest /= 10
            length += 1
        }
        return length
    }

    /// Writes `value` (>= 0) in decimal at `position`; returns the position after it.
    private static func writeDecimal(_ value: Int, into buffer: UnsafeMutableBufferPointer<UInt8>, at position: Int) -> Int {
        let end = position + decimalLength(value)
        var rest = value
        var index = end
        repeat {
            index -= 1
            buffer[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        } while rest > 0
        return end
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
