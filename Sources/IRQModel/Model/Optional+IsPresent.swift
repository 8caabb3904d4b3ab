extension Optional {
    /// Whether a value is present, read from the tag alone. `value == nil` picks `Optional`'s
    /// `==` when the wrapped type is `Equatable` (descriptors, effects, levels are), and that
    /// copies the value, retains and all, just to compare it with nothing.
    var isPresent: Bool {
        switch self {
        case .some: true
        case .none: false
        }
    }
}
