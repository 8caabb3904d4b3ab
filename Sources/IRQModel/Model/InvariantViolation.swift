/// A broken invariant: a bug in msid when a command caused it, a damaged or forged document
/// when decoding a snapshot did. `validate()` functions throw it; `checkInvariants()` traps.
public struct InvariantViolation: Error, Hashable, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}

/// Throws `InvariantViolation(message)` unless `condition` holds.
@inline(__always)
func require(_ condition: Bool, _ message: @autoclosure () -> String) throws(InvariantViolation) {
    if !condition { throw InvariantViolation(message()) }
}

/// Traps with the violation's description: for callers that hold the model to its invariants.
func trapping(_ validate: () throws(InvariantViolation) -> Void) {
    do { try validate() } catch { preconditionFailure(error.description) }
}
