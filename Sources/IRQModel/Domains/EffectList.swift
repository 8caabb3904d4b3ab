/// The hardware effects of one level operation, in order. A level op has at most two (Hyper-V's
/// compose deletes the previous interrupt and creates the new one); they are stored inline, so
/// returning them allocates nothing, and the list is noncopyable, so handing it from a level
/// through the generic walker to the trail moves it (a copyable one was copied and destroyed
/// on the way, effect by effect).
struct EffectList: ~Copyable {
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
}
