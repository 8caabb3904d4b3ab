import Glibc
import SnapshotStore
import Synchronization
import Testing

/// Where a `Tracked` was freed, if it was.
private final class Witness: Sendable {
    let freedOn = Mutex<pthread_t?>(nil)
}

/// Tells its witness on which thread it was freed.
private final class Tracked: Sendable {
    let witness: Witness
    init(_ witness: Witness) { self.witness = witness }
    deinit { witness.freedOn.withLock { $0 = pthread_self() } }
}

@Suite("Background release")
struct BackgroundReleaseTests {
    @Test("a dropped value is freed, on another thread than the caller's")
    func freedElsewhere() {
        let witness = Witness()
        BackgroundRelease.drop(Tracked(witness))
        var waited = 0
        while witness.freedOn.withLock({ $0 }) == nil && waited < 5_000 {
            usleep(1_000)
            waited += 1
        }
        let thread = witness.freedOn.withLock { $0 }
        #expect(thread != nil, "the value was never freed")
        if let thread { #expect(pthread_equal(thread, pthread_self()) == 0, "freed on the caller's thread") }
    }
}
