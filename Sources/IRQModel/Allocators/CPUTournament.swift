/// A tournament tree over per-CPU scores, answering "the CPU of this mask with the highest
/// score, the lowest-numbered on a tie, if it beats a floor" without visiting every CPU of the
/// mask: the kernel's choices (`matrix_find_best_cpu`, `cpumask_pick_least_loaded`) are
/// linear scans with a strict comparison against a running best, and this gives the same
/// answer in O(log CPUs) per change and, for a mask holding every CPU, O(1) plus the mask's
/// words per query.
///
/// Node 1 is the root, node i has children 2i and 2i + 1, and the leaves
/// `leafCount ..< 2·leafCount` are the CPUs (then padding). Each node holds the leftmost CPU of
/// its range with the highest score (padding scores `Int64.min` and never wins).
///
/// The tree is derived data: its owner keeps it in step with the scores (every change goes
/// through `update`), rebuilds it after decoding, and leaves it out of encoding and equality.
struct CPUTournament: Sendable {
    /// A node: the winning CPU of its range and its score.
    private struct Contender {
        var score: Int64
        var cpu: Int32
    }

    private var tree: [Contender]
    /// The CPUs the tree ranks (leaves at and past this index are padding).
    private let cpuCount: Int

    /// A tree over `scores`, one per CPU.
    init(scores: [Int64]) {
        cpuCount = scores.count
        var leaves = 1
        while leaves < scores.count { leaves <<= 1 }
        tree = Array(repeating: Contender(score: .min, cpu: -1), count: 2 * leaves)
        for (cpu, score) in scores.enumerated() { tree[leaves + cpu] = Contender(score: score, cpu: Int32(truncatingIfNeeded: cpu)) }
        for node in stride(from: leaves - 1, to: 0, by: -1) {
            tree[node] = CPUTournament.winner(tree[2 * node], tree[2 * node + 1])
        }
    }

    /// The winner of two adjacent ranges: the higher score, the left one (lower CPUs) on a tie.
    private static func winner(_ left: Contender, _ right: Contender) -> Contender {
        left.score >= right.score ? left : right
    }

    /// Replays the matches on `cpu`'s path after its score changed.
    mutating func update(_ cpu: Int, score: Int64) {
        tree.withUnsafeMutableBufferPointer { tree in
            var node = tree.count / 2 + cpu
            precondition(cpu >= 0 && node < tree.count, "CPU \(cpu) outside the tournament")
            tree[node] = Contender(score: score, cpu: Int32(truncatingIfNeeded: cpu))
            node >>= 1
            while node >= 1 {
                tree[node] = CPUTournament.winner(tree[2 * node], tree[2 * node + 1])
                node >>= 1
            }
        }
    }

    /// The CPU of `mask` with the highest score strictly above `floor`, the lowest-numbered on
    /// a tie: what a linear scan in CPU order with `if score > best { best = score }`, `best`
    /// starting at `floor`, chooses. Nil when no CPU of the mask beats the floor.
    /// - Complexity: O(1) plus O(mask words) when `mask` holds every CPU (the root answers);
    ///   otherwise at most O(|mask| log CPUs), less where whole subtrees are inside `mask` or
    ///   cannot beat the best so far.
    func best(in mask: CPUSet, above floor: Int64) -> Int? {
        tree.withUnsafeBufferPointer { tree in
            var best = -1
            var maximum = floor
            search(tree, node: 1, lower: 0, upper: tree.count / 2, mask: mask, best: &best, maximum: &maximum)
            return best < 0 ? nil : best
        }
    }

    /// How `mask` covers the CPUs `lower ..< upper`: (some of them, all of them).
    private static func coverage(of mask: CPUSet, _ lower: Int, _ upper: Int) -> (some: Bool, all: Bool) {
        var some = false
        var all = true
        var word = lower >> 6
        while word << 6 < upper {
            let from = Swift.max(lower, word << 6) - word << 6
            let to = Swift.min(upper, (word + 1) << 6) - word << 6
            let wanted: UInt64 = (to - from == 64 ? .max : (1 << UInt64(to - from)) - 1) << UInt64(from)
            let present = word < mask.words.count ? mask.words[word] & wanted : 0
            if present != 0 { some = true }
            if present != wanted { all = false }
            word += 1
        }
        return (some, all)
    }

    /// The in-order search of `best(in:above:)` below `node`, which covers the CPUs
    /// `lower ..< upper`. A subtree whose winner's score does not beat `maximum` is skipped
    /// (only a strictly greater score replaces the best, as in the linear scan); a subtree
    /// wholly inside `mask` answers with its winner, the leftmost CPU of its highest score.
    private func search(_ tree: UnsafeBufferPointer<Contender>, node: Int, lower: Int, upper: Int, mask: CPUSet,
                        best: inout Int, maximum: inout Int64) {
        let champion = tree[node]
        guard champion.score > maximum, lower < cpuCount else { return }
        let covered = CPUTournament.coverage(of: mask, lower, Swift.min(upper, cpuCount))
        guard covered.some else { return }
        if covered.all {
            best = Int(champion.cpu)
            maximum = champion.score
            return
        }
        let middle = (lower + upper) / 2
        search(tree, node: 2 * node, lower: lower, upper: middle, mask: mask, best: &best, maximum: &maximum)
        search(tree, node: 2 * node + 1, lower: middle, upper: upper, mask: mask, best: &best, maximum: &maximum)
    }
}
