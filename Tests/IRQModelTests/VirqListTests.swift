@testable import IRQModel
import Testing

/// `VirqList` keeps its first virq inline: it must behave as the array it replaced in
/// `Outcome` (order, count, equality and hashing by content, however it was built).
@Suite("Virq lists")
struct VirqListTests {
    private static func virqs(_ values: [UInt32]) -> [VirtualIRQ] { values.map { VirtualIRQ(rawValue: $0) } }

    @Test("built by appending, from a sequence or from one virq, a list is its elements in order",
          arguments: [[], [24], [24, 25], [24, 25, 26, 27, 40]] as [[UInt32]])
    func sameAsArray(values: [UInt32]) {
        let expected = Self.virqs(values)
        var appended = VirqList()
        appended.reserveCapacity(expected.count)
        for virq in expected { appended.append(virq) }
        let fromSequence = VirqList(expected)
        #expect(Array(appended) == expected)
        #expect(Array(fromSequence) == expected)
        #expect(appended == fromSequence)
        #expect(appended.hashValue == fromSequence.hashValue)
        #expect(appended.count == expected.count)
        #expect(appended.isEmpty == expected.isEmpty)
        #expect(Array(appended.reversed()) == expected.reversed())
        if let first = expected.first, expected.count == 1 { #expect(VirqList(first) == appended) }
        #expect(appended.description == expected.description)
    }

    @Test("lists differ when their elements or their order do")
    func inequality() {
        #expect(VirqList(Self.virqs([24, 25])) != VirqList(Self.virqs([25, 24])))
        #expect(VirqList(Self.virqs([24])) != VirqList(Self.virqs([24, 24])))
        #expect(VirqList() != VirqList(VirtualIRQ(rawValue: 0)))
    }
}
