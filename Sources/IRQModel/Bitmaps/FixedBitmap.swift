/// A fixed-width bitmap with its population count kept beside the bits, like the counters of
/// kernel/irq/matrix.c. Searches read a word at a time.
///
/// Invariants (`checkInvariants()`): `words.count == (bitCount + 63) / 64`, bits at or above
/// `bitCount` are zero, `setCount` equals the population count. Setting a set bit or clearing a
/// clear one is a bug in msid and traps.
public struct FixedBitmap: Hashable, Sendable, Codable {
    public let bitCount: Int
    public private(set) var setCount = 0
    public private(set) var words: [UInt64]

    public init(bitCount: Int) {
        self.bitCount = max(0, bitCount)
        self.words = Array(repeating: 0, count: (max(0, bitCount) + 63) / 64)
    }

    /// Whether `bit` is set; false outside the bitmap.
    public subscript(bit: Int) -> Bool {
        guard bit >= 0 && bit < bitCount else { return false }
        return words[bit >> 6] & (1 << UInt64(bit & 63)) != 0
    }

    public mutating func set(_ bit: Int) {
        precondition(bit >= 0 && bit < bitCount && !self[bit], "bit \(bit) out of range or already set")
        words[bit >> 6] |= 1 << UInt64(bit & 63)
        setCount += 1
    }

    public mutating func clear(_ bit: Int) {
        precondition(self[bit], "bit \(bit) out of range or already clear")
        words[bit >> 6] &= ~(1 << UInt64(bit & 63))
        setCount -= 1
    }

    public mutating func set(_ range: Range<Int>) {
        precondition(isClear(range), "range \(range) not clear")
        for bit in range { words[bit >> 6] |= 1 << UInt64(bit & 63) }
        setCount += range.count
    }

    public mutating func clear(_ range: Range<Int>) {
        for bit in range { clear(bit) }
    }

    /// Whether every bit of `range` is clear (and inside the bitmap).
    public func isClear(_ range: Range<Int>) -> Bool {
        guard range.lowerBound >= 0 && range.upperBound <= bitCount else { return false }
        return firstSet(in: range) == nil
    }

    /// The lowest clear bit in `range` (`find_next_zero_bit`). - Complexity: O(range / 64).
    public func firstClear(in range: Range<Int>) -> Int? {
        let upper = min(range.upperBound, bitCount)
        var bit = max(0, range.lowerBound)
        while bit < upper {
            let free = ~words[bit >> 6] >> UInt64(bit & 63)
            if free != 0 {
                let found = bit + free.trailingZeroBitCount
                return found < upper ? found : nil
            }
            bit = (bit | 63) + 1
        }
        return nil
    }

    /// The lowest set bit in `range` (`find_next_bit`). - Complexity: O(range / 64).
    public func firstSet(in range: Range<Int>) -> Int? {
        let upper = min(range.upperBound, bitCount)
        var bit = max(0, range.lowerBound)
        while bit < upper {
            let used = words[bit >> 6] >> UInt64(bit & 63)
            if used != 0 {
                let found = bit + used.trailingZeroBitCount
                return found < upper ? found : nil
            }
            bit = (bit | 63) + 1
        }
        return nil
    }

    /// The lowest start of `count` consecutive clear bits inside `range`
    /// (`bitmap_find_next_zero_area` without alignment).
    public func firstClearRun(count: Int, in range: Range<Int>) -> Int? {
        let upper = min(range.upperBound, bitCount)
        var start = max(0, range.lowerBound)
        while let free = firstClear(in: start..<upper) {
            guard free + count <= upper else { return nil }
            if let blocker = firstSet(in: free ..< free + count) {
                start = blocker + 1
            } else {
                return free
            }
        }
        return nil
    }

    /// `bitmap_find_free_region` without claiming: the lowest start that is a multiple of
    /// `1 << order` whose block lies inside the bitmap and is all clear.
    /// - Complexity: O(bitCount / 2^order × 2^order / 64).
    public func freeRegion(order: Int) -> Int? {
        let size = 1 << order
        var start = 0
        while start + size <= bitCount {
            if let blocker = firstSet(in: start ..< start + size) {
                start = (blocker / size + 1) * size
            } else {
                return start
            }
        }
        return nil
    }

    /// `bitmap_find_free_region`: the lowest free block of `1 << order` bits aligned to its
    /// size, set and returned; nil (nothing set) when there is none. Order 0 is the first clear bit.
    public mutating func claimRegion(order: Int) -> Int? {
        let start = order == 0 ? firstClear(in: 0 ..< bitCount) : freeRegion(order: order)
        guard let start else { return nil }
        set(start ..< start + (1 << order))
        return start
    }

    /// Checks the invariants listed on the type.
    public func validate() throws(InvariantViolation) {
        try require(words.count == (bitCount + 63) / 64, "word count drifted")
        try require(words.reduce(0) { $0 + $1.nonzeroBitCount } == setCount, "population count drifted")
        if bitCount % 64 != 0, let last = words.last {
            try require(last >> UInt64(bitCount % 64) == 0, "padding bits set")
        }
    }

    /// Traps on a broken invariant (tests call it after every operation).
    public func checkInvariants() { trapping(validate) }
}
