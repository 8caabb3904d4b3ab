/// The virq numbers of one system: `irq_domain_alloc_descs` / `__irq_alloc_descs` in
/// kernel/irq/irqdesc.c. A request for `count` numbers takes the lowest run of `count`
/// consecutive free numbers at or above the first dynamic virq (first fit, no alignment);
/// freed numbers are reused.
///
/// Storage is a bitmap of used numbers plus a summary bitmap with one bit per full word, so
/// finding the lowest free number costs O(n / 4096) word reads instead of O(n / 64).
/// Invariants: `summary` bit w is set exactly when `words[w]` is all ones; `words` has no
/// trailing zero words (canonical, so equal spaces encode identically); `liveCount` equals the
/// population count.
public struct VirqSpace: Hashable, Sendable, Codable {
    /// The largest virq plus one that msid hands out (a model limit, far above real systems').
    public static let limit: UInt32 = 1 << 20

    public let first: VirtualIRQ
    private var words: [UInt64] = []
    private var summary: [UInt64] = []
    public private(set) var liveCount = 0

    public init(first: VirtualIRQ) { self.first = first }

    public func contains(_ virq: VirtualIRQ) -> Bool {
        let bit = Int(virq.rawValue)
        return bit >> 6 < words.count && words[bit >> 6] & (1 << UInt64(bit & 63)) != 0
    }

    /// The lowest free number at or above `from`.
    private func firstFree(from: Int) -> Int {
        var wordIndex = from >> 6
        // The partial first word.
        if wordIndex < words.count {
            let free = ~words[wordIndex] >> UInt64(from & 63)
            if free != 0 { return from + free.trailingZeroBitCount }
            wordIndex += 1
        } else {
            return from
        }
        // Whole words: skip full ones 64 at a time through the summary.
        while wordIndex < words.count {
            let notFull = ~summary[wordIndex >> 6] >> UInt64(wordIndex & 63)
            if notFull == 0 {
                wordIndex = (wordIndex | 63) + 1
                continue
            }
            wordIndex += notFull.trailingZeroBitCount
            if wordIndex >= words.count { break }
            return wordIndex << 6 + (~words[wordIndex]).trailingZeroBitCount
        }
        return max(words.count << 6, from)
    }

    /// The start of the lowest run of `count` free numbers, without taking it.
    public func lowestFreeRun(count: Int) -> VirtualIRQ? {
        var start = firstFree(from: Int(first.rawValue))
        while start + count <= Int(VirqSpace.limit) {
            var length = 1
            while length < count && !contains(VirtualIRQ(rawValue: UInt32(start + length))) { length += 1 }
            if length == count { return VirtualIRQ(rawValue: UInt32(start)) }
            start = firstFree(from: start + length)
        }
        return nil
    }

    /// Takes `count` consecutive numbers (the lowest free run).
    public mutating func allocate(count: Int) throws(ModelError) -> VirtualIRQ {
        guard let start = lowestFreeRun(count: count) else {
            throw .virqsExhausted(requested: count, limit: VirqSpace.limit)
        }
        for offset in 0..<count { set(Int(start.rawValue) + offset) }
        return start
    }

    /// Returns one number to the space.
    public mutating func free(_ virq: VirtualIRQ) {
        let bit = Int(virq.rawValue)
        precondition(contains(virq), "virq \(virq) freed twice")
        let wordIndex = bit >> 6
        if words[wordIndex] == .max { summary[wordIndex >> 6] &= ~(1 << UInt64(wordIndex & 63)) }
        words[wordIndex] &= ~(1 << UInt64(bit & 63))
        liveCount -= 1
        while let last = words.last, last == 0 { words.removeLast() }
        let summaryCount = (words.count + 63) >> 6
        if summary.count > summaryCount { summary.removeLast(summary.count - summaryCount) }
    }

    private mutating func set(_ bit: Int) {
        let wordIndex = bit >> 6
        if wordIndex >= words.count {
            words.append(contentsOf: repeatElement(0, count: wordIndex + 1 - words.count))
            let summaryCount = (words.count + 63) >> 6
            if summary.count < summaryCount { summary.append(contentsOf: repeatElement(0, count: summaryCount - summary.count)) }
        }
        words[wordIndex] |= 1 << UInt64(bit & 63)
        if words[wordIndex] == .max { summary[wordIndex >> 6] |= 1 << UInt64(wordIndex & 63) }
        liveCount += 1
    }

    /// Checks the invariants listed on the type.
    public func validate() throws(InvariantViolation) {
        try require(words.last != 0, "virq space has a trailing zero word")
        try require(summary.count == (words.count + 63) >> 6, "summary size drifted")
        var population = 0
        for (index, word) in words.enumerated() {
            population += word.nonzeroBitCount
            let full = summary[index >> 6] & (1 << UInt64(index & 63)) != 0
            try require(full == (word == .max), "summary bit of word \(index) drifted")
        }
        try require(population == liveCount, "live count drifted")
    }

    /// Traps on a broken invariant (tests call it after every operation).
    public func checkInvariants() { trapping(validate) }
}
