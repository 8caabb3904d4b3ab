import Glibc
import Synchronization

/// Runs independent jobs on the calling thread plus up to `threads - 1` more, each thread taking
/// the next job not yet taken: recovery decodes a snapshot's systems side by side.
public enum ParallelJobs {
    /// The processors online (at least 1).
    public static var processors: Int { max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

    /// Calls `body(0)` ... `body(count - 1)`, each once, on at most `threads` threads (the
    /// caller's among them), and returns when all returned. Jobs are taken in index order, so
    /// put the largest first. When a thread cannot be started, the others do its share.
    public static func run(count: Int, threads: Int, _ body: @escaping @Sendable (Int) -> Void) {
        guard count > 0 else { return }
        let next = JobCounter()
        let work: @Sendable () -> Void = {
            while true {
                let index = next.take()
                guard index < count else { return }
                body(index)
            }
        }
        let helpers = (1..<max(1, min(threads, count))).compactMap { _ in PosixThread.start(work) }
        work()
        for thread in helpers { pthread_join(thread, nil) }
    }
}

/// The index of the next job.
private final class JobCounter: Sendable {
    private let value = Atomic<Int>(0)
    func take() -> Int { value.wrappingAdd(1, ordering: .relaxed).oldValue }
}
