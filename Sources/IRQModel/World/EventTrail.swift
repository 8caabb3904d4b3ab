/// One system's ordered trail of hardware events, numbered from 1 without gaps.
///
/// The trail keeps the most recent `capacity` events: older ones are dropped, but only when a
/// command commits (`commit()`), so a failed command can truncate exactly what it appended
/// (`rollback(to:)`) and leave the trail as it was. Numbering never restarts.
public struct EventTrail: Hashable, Sendable, Codable {
    public static let defaultCapacity = 65_536

    public let capacity: Int
    private var storage: [HardwareEvent] = []
    private var start = 0
    /// The sequence number the next event gets.
    public private(set) var nextSequence = EventSequence(rawValue: 1)
    /// The time stamped on the events of the command being applied (`World.apply(_:at:...)`
    /// sets it for the command and clears it after, so it is nil at rest and never encoded).
    var now: UInt64?

    public init(capacity: Int = EventTrail.defaultCapacity) { self.capacity = max(1, capacity) }

    /// A position to roll back to.
    struct Mark { let count: Int; let next: EventSequence }
    var mark: Mark { Mark(count: storage.count, next: nextSequence) }

    mutating func append(_ effect: HardwareEffect, virq: VirtualIRQ?) {
        storage.append(HardwareEvent(sequence: nextSequence, virq: virq, effect: effect, time: now))
        nextSequence = EventSequence(rawValue: nextSequence.rawValue + 1)
    }

    mutating func rollback(to mark: Mark) {
        storage.removeSubrange(mark.count...)
        nextSequence = mark.next
    }

    /// Drops what exceeds the capacity; compacts the storage when half of it is dead.
    mutating func commit() {
        let live = storage.count - start
        if live > capacity { start += live - capacity }
        if start > 0 && start >= storage.count / 2 {
            storage.removeFirst(start)
            start = 0
        }
    }

    /// The retained events, oldest first.
    public var events: ArraySlice<HardwareEvent> { storage[start...] }

    /// The sequence number of the oldest retained event (`nextSequence` when empty).
    public var firstRetained: EventSequence { storage.count > start ? storage[start].sequence : nextSequence }

    /// Up to `limit` events with a sequence number above `after`, oldest first.
    /// - Complexity: O(limit): sequences are contiguous, so the start is computed.
    public func events(after: EventSequence, limit: Int) -> ArraySlice<HardwareEvent> {
        let live = events
        guard let first = live.first else { return [] }
        let offset = after.rawValue < first.sequence.rawValue ? 0 : Int(after.rawValue - first.sequence.rawValue) + 1
        guard offset < live.count else { return [] }
        let lower = live.startIndex + offset
        let available = live.endIndex - lower
        return live[lower ..< lower + Swift.min(available, Swift.max(0, limit))]
    }

    private enum CodingKeys: String, CodingKey { case capacity, nextSequence, events }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        capacity = max(1, try container.decode(Int.self, forKey: .capacity))
        nextSequence = try container.decode(EventSequence.self, forKey: .nextSequence)
        storage = try container.decode([HardwareEvent].self, forKey: .events)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(capacity, forKey: .capacity)
        try container.encode(nextSequence, forKey: .nextSequence)
        try container.encode(Array(events), forKey: .events)
    }

    /// Equality by content: the retained events and the numbering, not the storage layout.
    public static func == (lhs: EventTrail, rhs: EventTrail) -> Bool {
        lhs.capacity == rhs.capacity && lhs.nextSequence == rhs.nextSequence && lhs.events.elementsEqual(rhs.events)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(capacity)
        hasher.combine(nextSequence)
        hasher.combine(events.count)
    }
}
