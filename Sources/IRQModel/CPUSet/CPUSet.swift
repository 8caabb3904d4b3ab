/// A set of logical CPUs, `0 ..< CPUSet.capacity` (Linux's `struct cpumask`).
///
/// Storage is one bit per CPU in 64-bit words with trailing zero words trimmed, so equal sets
/// have equal storage and `==`/hashing are by content. Queries (`contains`, `first`, `next`,
/// `firstCommon`, `count`) read words and never allocate. Iteration is ascending.
public struct CPUSet: Hashable, Sendable, Sequence, CustomStringConvertible {
    /// The largest number of CPUs a system may have (CPU numbers 0...4095).
    public static let capacity = 4096

    /// Bit i of word w is CPU 64·w + i; no trailing zero word.
    private(set) var words: [UInt64]

    public init() { words = [] }

    /// The set of `cpus`. Precondition: every CPU is below `capacity` (callers validate input).
    public init<S: Sequence>(_ cpus: S) where S.Element == CPUID {
        words = []
        for cpu in cpus { insert(cpu) }
    }

    /// The CPUs of a contiguous range, e.g. `.range(0..<4)` = {0, 1, 2, 3}.
    public static func range(_ range: Range<Int>) -> CPUSet {
        var set = CPUSet()
        set.insert(range: range)
        return set
    }

    mutating func insert(range: Range<Int>) {
        guard !range.isEmpty else { return }
        precondition(range.lowerBound >= 0 && range.upperBound <= CPUSet.capacity, "CPU range \(range) out of bounds")
        let lastWord = (range.upperBound - 1) >> 6
        if words.count <= lastWord { words.append(contentsOf: repeatElement(0, count: lastWord + 1 - words.count)) }
        var bit = range.lowerBound
        while bit < range.upperBound {
            let word = bit >> 6
            let start = bit & 63
            let end = Swift.min(64, range.upperBound - (word << 6))
            let width = end - start
            let mask: UInt64 = width == 64 ? .max : ((1 << UInt64(width)) - 1) << UInt64(start)
            words[word] |= mask
            bit = (word + 1) << 6
        }
    }

    private mutating func trim() {
        while let last = words.last, last == 0 { words.removeLast() }
    }

    public var isEmpty: Bool { words.isEmpty }

    public var count: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    public var first: CPUID? {
        for (index, word) in words.enumerated() where word != 0 {
            return CPUID(index << 6 + word.trailingZeroBitCount)
        }
        return nil
    }

    public var last: CPUID? {
        guard let word = words.last else { return nil }
        return CPUID((words.count - 1) << 6 + 63 - word.leadingZeroBitCount)
    }

    public func contains(_ cpu: CPUID) -> Bool {
        let index = cpu.index >> 6
        return index < words.count && words[index] & (1 << UInt64(cpu.index & 63)) != 0
    }

    public mutating func insert(_ cpu: CPUID) {
        precondition(cpu.index < CPUSet.capacity, "CPU \(cpu) is beyond the limit of \(CPUSet.capacity) CPUs")
        let index = cpu.index >> 6
        if words.count <= index { words.append(contentsOf: repeatElement(0, count: index + 1 - words.count)) }
        words[index] |= 1 << UInt64(cpu.index & 63)
    }

    public mutating func remove(_ cpu: CPUID) {
        let index = cpu.index >> 6
        guard index < words.count else { return }
        words[index] &= ~(1 << UInt64(cpu.index & 63))
        trim()
    }

    public func intersection(_ other: CPUSet) -> CPUSet {
        // Equal sets (e.g. the requested default, all CPUs, with every CPU online) share the
        // answer without a new word array; storage is canonical, so equal words = equal sets.
        if words == other.words { return self }
        var result = CPUSet()
        let shared = Swift.min(words.count, other.words.count)
        result.words = (0..<shared).map { words[$0] & other.words[$0] }
        result.trim()
        return result
    }

    public func union(_ other: CPUSet) -> CPUSet {
        var result = CPUSet()
        result.words = (0..<Swift.max(words.count, other.words.count)).map {
            ($0 < words.count ? words[$0] : 0) | ($0 < other.words.count ? other.words[$0] : 0)
        }
        return result
    }

    public func subtracting(_ other: CPUSet) -> CPUSet {
        var result = self
        for index in 0..<Swift.min(words.count, other.words.count) { result.words[index] &= ~other.words[index] }
        result.trim()
        return result
    }

    public func isSubset(of other: CPUSet) -> Bool {
        for (index, word) in words.enumerated() {
            let theirs = index < other.words.count ? other.words[index] : 0
            if word & ~theirs != 0 { return false }
        }
        return true
    }

    public func intersects(_ other: CPUSet) -> Bool { firstCommon(with: other) != nil }

    /// `cpumask_first_and`: the lowest CPU in both sets.
    public func firstCommon(with other: CPUSet) -> CPUID? {
        for index in 0..<Swift.min(words.count, other.words.count) {
            let both = words[index] & other.words[index]
            if both != 0 { return CPUID(index << 6 + both.trailingZeroBitCount) }
        }
        return nil
    }

    /// `cpumask_next`: the lowest member above `cpu`.
    public func next(after cpu: CPUID) -> CPUID? {
        let start = cpu.index + 1
        var index = start >> 6
        guard index < words.count else { return nil }
        var word = words[index] & (start & 63 == 0 ? .max : ~((1 << UInt64(start & 63)) - 1))
        while true {
            if word != 0 { return CPUID(index << 6 + word.trailingZeroBitCount) }
            index += 1
            guard index < words.count else { return nil }
            word = words[index]
        }
    }

    /// `cpumask_next_wrap` as `hv_compose_multi_msi_req_get_cpu` uses it: nil starts at the first
    /// member; otherwise the lowest member above `cpu`, wrapping to the first. Nil when empty.
    public func nextWrapping(after cpu: CPUID?) -> CPUID? {
        guard let cpu else { return first }
        return next(after: cpu) ?? first
    }

    public struct Iterator: IteratorProtocol {
        private let words: [UInt64]
        private var index = 0
        private var current: UInt64

        init(words: [UInt64]) {
            self.words = words
            self.current = words.first ?? 0
        }

        public mutating func next() -> CPUID? {
            while current == 0 {
                index += 1
                guard index < words.count else { return nil }
                current = words[index]
            }
            let bit = current.trailingZeroBitCount
            current &= current - 1
            return CPUID(index << 6 + bit)
        }
    }

    public func makeIterator() -> Iterator { Iterator(words: words) }

    public var underestimatedCount: Int { isEmpty ? 0 : 1 }

    public var description: String { cpulist }
}
