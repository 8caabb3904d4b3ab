import Glibc

/// A mutex with condition variables (pthread), for threads that must sleep until another
/// thread's fsync finished: `Synchronization.Mutex` has no condition variable.
///
/// Condition 0 is the default of every call; a monitor made with `conditions: n` has
/// conditions `0 ..< n`, all waiting on the one mutex. Timed waits use the monotonic clock.
///
/// `@unchecked Sendable` is sound: the pthread objects live at stable heap addresses allocated
/// once and freed in `deinit`, and every access to state guarded by the monitor happens between
/// `lock()` and `unlock()` (through `withLock`).
final class Monitor: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let conditions: UnsafeMutablePointer<pthread_cond_t>
    private let conditionCount: Int

    init(conditions count: Int = 1) {
        precondition(count > 0, "a monitor needs a condition")
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        conditionCount = count
        conditions = .allocate(capacity: count)
        conditions.initialize(repeating: pthread_cond_t(), count: count)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        for index in 0..<count { pthread_cond_init(conditions + index, &attributes) }
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        for index in 0..<conditionCount { pthread_cond_destroy(conditions + index) }
        pthread_mutex_destroy(mutex)
        conditions.deallocate()
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }

    func withLock<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Sleeps until `condition` is signaled or broadcast; only inside `withLock` (the mutex is
    /// released while asleep). Wakes may be spurious: wait in a loop on the predicate.
    func wait(_ condition: Int = 0) { pthread_cond_wait(conditions + checked(condition), mutex) }

    /// Sleeps until `condition` is signaled or broadcast, or until `deadline` (in
    /// `Monitor.now()`'s clock) passed; only inside `withLock`.
    func wait(_ condition: Int = 0, until deadline: UInt64) {
        var time = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        pthread_cond_timedwait(conditions + checked(condition), mutex, &time)
    }

    /// Wakes at least one thread waiting on `condition`, if any waits.
    func signal(_ condition: Int = 0) { pthread_cond_signal(conditions + checked(condition)) }

    /// Wakes every thread waiting on `condition`.
    func broadcast(_ condition: Int = 0) { pthread_cond_broadcast(conditions + checked(condition)) }

    /// Nanoseconds on the monotonic clock, the clock of timed waits.
    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    private func checked(_ condition: Int) -> Int {
        precondition(condition >= 0 && condition < conditionCount, "no condition \(condition) in this monitor")
        return condition
    }
}
