/// A stack of values in memory it owns, from which the top `n` are moved into an array of
/// exactly `n` elements: the parser collects an object's members (or an array's elements)
/// here and allocates the container once, at its final size, instead of growing an array one
/// append at a time (several allocations and copies for each object of a large document).
///
/// Not copyable; whatever is still on the stack is destroyed with it (after a parse error).
/// Invariant: the first `count` slots are initialized, the rest are not.
struct ScratchStack<Element>: ~Copyable {
    private var base: UnsafeMutablePointer<Element>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int = 64) {
        self.capacity = max(1, capacity)
        base = .allocate(capacity: self.capacity)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    mutating func push(_ element: consuming Element) {
        if count == capacity { grow() }
        (base + count).initialize(to: element)
        count += 1
    }

    @inline(never)
    private mutating func grow() {
        let grown = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
        grown.moveInitialize(from: base, count: count)
        base.deallocate()
        base = grown
        capacity *= 2
    }

    /// Moves the elements from `start` to the top into a new array (in order) and pops them.
    mutating func popArray(from start: Int) -> [Element] {
        let moved = count - start
        guard moved > 0 else { return [] }
        let source = base + start
        count = start
        return Array(unsafeUninitializedCapacity: moved) { buffer, initialized in
            guard let destination = buffer.baseAddress else { return }
            destination.moveInitialize(from: source, count: moved)
            initialized = moved
        }
    }
}
