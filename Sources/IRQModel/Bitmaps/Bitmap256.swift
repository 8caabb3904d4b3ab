/// A 256-bit bitmap stored inline (no heap storage): one bit per x86 vector of one CPU.
/// Used by `VectorMatrix`, whose per-CPU maps must cost nothing to copy or compare.
public struct Bitmap256: Hashable, Sendable, Codable {
    private var w0: UInt64 = 0
    private var w1: UInt64 = 0
    private var w2: UInt64 = 0
    private var w3: UInt64 = 0

    public init() {}

    @inline(__always)
    private func word(_ index: Int) -> UInt64 {
        switch index {
        case 0: w0
        case 1: w1
        case 2: w2
        default: w3
        }
    }

    @inline(__always)
    private mutating func setWord(_ index: Int, _ value: UInt64) {
        switch index {
        case 0: w0 = value
        case 1: w1 = value
        case 2: w2 = value
        default: w3 = value
        }
    }

    public subscript(bit: Int) -> Bool {
        get { word(bit >> 6) & (1 << UInt64(bit & 63)) != 0 }
        set {
            let mask: UInt64 = 1 << UInt64(bit & 63)
            let current = word(bit >> 6)
            setWord(bit >> 6, newValue ? current | mask : current & ~mask)
        }
    }

    /// Number of set bits.
    public var count: Int { w0.nonzeroBitCount + w1.nonzeroBitCount + w2.nonzeroBitCount + w3.nonzeroBitCount }

    public func union(_ other: Bitmap256) -> Bitmap256 {
        var result = self
        result.w0 |= other.w0
        result.w1 |= other.w1
        result.w2 |= other.w2
        result.w3 |= other.w3
        return result
    }

    public func intersection(_ other: Bitmap256) -> Bitmap256 {
        var result = self
        result.w0 &= other.w0
        result.w1 &= other.w1
        result.w2 &= other.w2
        result.w3 &= other.w3
        return result
    }

    public func subtracting(_ other: Bitmap256) -> Bitmap256 {
        var result = self
        result.w0 &= ~other.w0
        result.w1 &= ~other.w1
        result.w2 &= ~other.w2
        result.w3 &= ~other.w3
        return result
    }

    /// The lowest clear bit in `range` (`find_next_zero_bit`), word at a time.
    public func firstClear(in range: Range<Int>) -> Int? {
        var bit = range.lowerBound
        while bit < range.upperBound {
            let shift = UInt64(bit & 63)
            let inverted = ~word(bit >> 6) >> shift
            if inverted != 0 {
                let found = bit + inverted.trailingZeroBitCount
                return found < range.upperBound ? found : nil
            }
            bit = (bit | 63) + 1
        }
        return nil
    }

    /// The lowest set bit in `range` (`find_next_bit`).
    public func firstSet(in range: Range<Int>) -> Int? {
        var bit = range.lowerBound
        while bit < range.upperBound {
            let remaining = word(bit >> 6) >> UInt64(bit & 63)
            if remaining != 0 {
                let found = bit + remaining.trailingZeroBitCount
                return found < range.upperBound ? found : nil
            }
            bit = (bit | 63) + 1
        }
        return nil
    }
}
