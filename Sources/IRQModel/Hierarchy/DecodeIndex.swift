/// Which live IRQs each written message reaches: the inverse of composition.
///
/// Almost every message belongs to one IRQ, so that case is a plain dictionary entry; only
/// messages shared by several IRQs (ITS event ids of different devices) keep a list, kept
/// ascending. Both forms are canonical: equal contents give equal indexes.
struct DecodeIndex: Hashable, Sendable {
    private var single: [MSIMessage: VirtualIRQ] = [:]
    private var shared: [MSIMessage: [VirtualIRQ]] = [:]

    /// The IRQs reached by `message`, ascending.
    subscript(message: MSIMessage) -> [VirtualIRQ] {
        if let virq = single[message] { return [virq] }
        return shared[message] ?? []
    }

    /// Number of (message, IRQ) entries.
    var count: Int { single.count + shared.values.reduce(0) { $0 + $1.count } }

    // A message is in `single` or in `shared`, never in both; `shared` is looked at only when
    // it has entries, so the common case hashes the message once.

    mutating func insert(_ virq: VirtualIRQ, for message: MSIMessage) {
        if !shared.isEmpty, var list = shared[message] {
            list.insert(virq, at: list.firstIndex(where: { $0 > virq }) ?? list.endIndex)
            shared[message] = list
        } else if let existing = single.updateValue(virq, forKey: message) {
            single[message] = nil
            shared[message] = existing < virq ? [existing, virq] : [virq, existing]
        }
    }

    mutating func remove(_ virq: VirtualIRQ, for message: MSIMessage) {
        if let index = single.index(forKey: message) {
            if single.values[index] == virq { single.remove(at: index) }
            return
        }
        guard !shared.isEmpty, var list = shared[message] else { return }
        list.removeAll { $0 == virq }
        if list.count == 1 {
            shared[message] = nil
            single[message] = list[0]
        } else {
            shared[message] = list
        }
    }
}
