/// A list that keeps its first element inline and the rest in an array: a list of one (the
/// one-IRQ grant of an MSI-X entry, the common allocation) costs no heap storage.
///
/// Invariant: `head` is nil exactly when the list is empty, so equal lists have equal storage
/// and the synthesized `==` and `hash(into:)` are by content.
struct SmallList<Element>: RandomAccessCollection {
    private var head: Element?
    private var tail: [Element] = []

    init() {}

    init(_ element: Element) { head = element }

    init<S: Sequence>(_ elements: S) where S.Element == Element {
        for element in elements { append(element) }
    }

    var startIndex: Int { 0 }
    var endIndex: Int { head.isPresent ? 1 + tail.count : 0 }

    /// Traps outside `0 ..< count`, as an array does.
    subscript(position: Int) -> Element {
        if position == 0, let head { return head }
        return tail[position - 1]
    }

    mutating func append(_ element: Element) {
        if !head.isPresent {
            head = element
        } else {
            tail.append(element)
        }
    }

    /// Room for `count` elements without reallocating (the inline one needs none).
    mutating func reserveCapacity(_ count: Int) {
        if count > 1 { tail.reserveCapacity(count - 1) }
    }
}

extension SmallList: Equatable where Element: Equatable {}
extension SmallList: Hashable where Element: Hashable {}
extension SmallList: Sendable where Element: Sendable {}
