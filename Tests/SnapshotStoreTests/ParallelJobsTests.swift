import Glibc
import SnapshotStore
import Synchronization
import Testing

@Suite("Parallel jobs")
struct ParallelJobsTests {
    @Test("every job runs exactly once, on at most the threads asked for", arguments: [(0, 2), (1, 4), (5, 1), (7, 2), (64, 3), (3, 16)])
    func eachOnce(count: Int, threads: Int) {
        let runs = Mutex([Int](repeating: 0, count: count))
        let onThreads = Mutex(Set<UInt>())
        ParallelJobs.run(count: count, threads: threads) { index in
            usleep(500)  // long enough for the other threads to take jobs too
            runs.withLock { $0[index] += 1 }
            onThreads.withLock { _ = $0.insert(UInt(pthread_self())) }
        }
        #expect(runs.withLock { $0 } == [Int](repeating: 1, count: count))
        #expect(onThreads.withLock { $0.count } <= max(1, min(threads, count)))
    }
}
