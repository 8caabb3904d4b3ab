/// The virqs a command allocated or freed, ascending: a `SmallList`, so the answer for one IRQ
/// (every MSI-X entry, the common allocation, and every free outside a multi-MSI block)
/// allocates nothing.
public struct VirqList: RandomAccessCollection, Hashable, Sendable, ExpressibleByArrayLiteral, CustomStringConvertible {
    private var list = SmallList<VirtualIRQ>()

    public init() {}

    /// One virq (no array: a variadic array literal would allocate one).
    public init(_ virq: VirtualIRQ) { list = SmallList(virq) }

    public init<S: Sequence<VirtualIRQ>>(_ virqs: S) { list = SmallList(virqs) }

    public init(arrayLiteral virqs: VirtualIRQ...) { self.init(virqs) }

    public var startIndex: Int { list.startIndex }
    public var endIndex: Int { list.endIndex }

    /// Traps outside `0 ..< count`, as an array does.
    public subscript(position: Int) -> VirtualIRQ { list[position] }

    mutating func append(_ virq: VirtualIRQ) { list.append(virq) }

    /// Room for `count` virqs without reallocating.
    mutating func reserveCapacity(_ count: Int) { list.reserveCapacity(count) }

    public var description: String { Array(self).description }
}
