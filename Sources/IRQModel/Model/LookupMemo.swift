/// The last key found in a table and where it was found: a cache beside a dictionary, so that
/// commands that name the same system or domain one after the other skip the hashing
/// (SipHash of the name, about 190 instructions a lookup).
///
/// It is never part of its owner's value: two memos are always equal and hash to nothing, so
/// the owner's synthesized `==` and `hash(into:)` stay those of its state. The owner decides
/// when a remembered place goes stale and forgets it then (`forget()`), or checks a hit
/// against its table before trusting it.
struct LookupMemo<Key: Equatable & Sendable, Place: Sendable>: Hashable, Sendable {
    private var entry: (key: Key, place: Place)?

    init() {}

    /// Where `key` was found last, if it is the key remembered.
    func place(of key: Key) -> Place? {
        guard let entry, entry.key == key else { return nil }
        return entry.place
    }

    mutating func remember(_ key: Key, at place: Place) { entry = (key, place) }

    mutating func forget() { entry = nil }

    static func == (lhs: LookupMemo, rhs: LookupMemo) -> Bool { true }
    func hash(into hasher: inout Hasher) {}
}
