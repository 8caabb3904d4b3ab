/// The virqs a command allocated or freed, ascending. The first is kept inline and the rest
/// in an array, so the answer for one IRQ (every MSI-X entry, the common allocation, and every
/// free outside a multi-MSI block) allocates nothing.
///
/// Invariant: `head` is nil exactly when the list is empty (equal lists have equal storage,
/// so the synthesized `==` and `hash(into:)` are by content).
public struct VirqList: RandomAccessCollection, Hashable, Sendable, ExpressibleByArrayLiteral, CustomStringConvertible {
    private var head: VirtualIRQ?
    private var tail: [VirtualIRQ] = []

    public init() {}

    /// One virq (no array: a variadic array literal would allocate one).
    public init(_ virq: VirtualIRQ) { head = virq }

    public init<S: Sequence<VirtualIRQ>>(_ virqs: S) {
        for virq in virqs { append(virq) }
    }

    public init(arrayLiteral virqs: VirtualIRQ...) { self.init(virqs) }

    public var startIndex: Int { 0 }
    public var endIndex: Int { head == nil ? 0 : 1 + tail.count }

    /// Traps outside `0 ..< count`, as an array does.
    public subscript(position: Int) -> VirtualIRQ {
        if position == 0, let head { return head }
        return tail[position - 1]
    }

    mutating func append(_ virq: VirtualIRQ) {
        if head == nil {
            head = virq
        } else {
            tail.append(virq)
        }
    }

    /// Room for `count` virqs without reallocating (the inline one needs none).
    mutating func reserveCapacity(_ count: Int) {
        if count > 1 { tail.reserveCapacity(count - 1) }
    }

    public var description: String { Array(self).description }
}
