/// The hardware effects of one level operation, in order. A level op has at most two (Hyper-V's
/// compose deletes the previous interrupt and creates the new one); they are stored inline, so
/// returning them allocates nothing.
struct EffectList: Sequence {
    private(set) var first: HardwareEffect?
    private(set) var second: HardwareEffect?

    /// No effect.
    init() {}

    /// One effect.
    init(_ effect: HardwareEffect) { first = effect }

    /// Appends an effect; a third one is a bug in msid and traps.
    mutating func append(_ effect: HardwareEffect) {
        if !first.isPresent {
            first = effect
        } else if !second.isPresent {
            second = effect
        } else {
            preconditionFailure("a level operation has at most two effects")
        }
    }

    struct Iterator: IteratorProtocol {
        fileprivate var list: EffectList
        fileprivate var position = 0

        mutating func next() -> HardwareEffect? {
            defer { position += 1 }
            switch position {
            case 0: return list.first
            case 1: return list.second
            default: return nil
            }
        }
    }

    func makeIterator() -> Iterator { Iterator(list: self) }
}
