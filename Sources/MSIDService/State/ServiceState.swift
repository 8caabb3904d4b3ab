import IRQModel
import Synchronization

/// The world behind one lock (the analogue of the kernel's lock per hierarchy root). The lock
/// is held for the in-memory change only; handlers render their answers from the copies these
/// methods return, outside it (copies of a `System` share storage, they are not deep copies).
final class ServiceState: Sendable {
    private let world = Mutex(World())
    /// Answers already given to POSTs with an `Idempotency-Key`.
    let idempotency = IdempotencyCache()

    /// Applies a command; returns its outcome and the system afterwards (nil once deleted).
    func apply(_ command: Command) throws(ModelError) -> (outcome: Outcome, system: System?) {
        try world.withLock { (world) throws(ModelError) in
            let outcome = try world.apply(command)
            return (outcome, try? world.system(command.system))
        }
    }

    /// One system, as it is now.
    func system(_ name: SystemName) throws(ModelError) -> System {
        try world.withLock { (world) throws(ModelError) in try world.system(name) }
    }

    /// A read-only look at one system under the lock, for answers cheap to compute (the
    /// system is not copied out).
    func read<R: Sendable>(_ name: SystemName, _ body: @Sendable (borrowing System) throws(ModelError) -> R) throws(ModelError) -> R {
        try world.withLock { (world) throws(ModelError) in try world.withSystem(name, body) }
    }

    /// Every system, by name.
    var systems: [System] {
        world.withLock { $0.systems.values.sorted { $0.name < $1.name } }
    }
}
