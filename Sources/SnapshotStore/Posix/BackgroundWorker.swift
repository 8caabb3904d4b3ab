import Glibc

/// One thread that runs `job` whenever it is signaled, outside the signaler's path: the
/// request that crosses the snapshot threshold is answered at once while the snapshot is
/// written here. Signals that arrive while the job runs coalesce into one more run.
///
/// `@unchecked Sendable`: `pending` and `stopping` are touched only inside `monitor`; `job` is
/// `@Sendable`; the thread handle is written once before any other thread can see `self`.
public final class BackgroundWorker: @unchecked Sendable {
    private let monitor = Monitor()
    private let job: @Sendable () -> Void
    private var pending = false
    private var stopping = false
    private var running = false
    private var thread = pthread_t()

    /// Starts the thread.
    public init(_ job: @escaping @Sendable () -> Void) {
        self.job = job
        if let thread = PosixThread.start({ [self] in loop() }) {
            self.thread = thread
            running = true
        }
        // Otherwise no thread: jobs run inline on signal instead (never silently dropped).
    }

    /// Asks for one more run of the job.
    public func signal() {
        let inline = monitor.withLock { () -> Bool in
            guard running else { return true }
            pending = true
            monitor.broadcast()
            return false
        }
        if inline { job() }
    }

    /// Waits for a run in progress (and one pending) to finish, then ends the thread.
    public func stop() {
        let wasRunning = monitor.withLock { () -> Bool in
            stopping = true
            monitor.broadcast()
            return running
        }
        if wasRunning { pthread_join(thread, nil) }
    }

    private func loop() {
        while true {
            let run = monitor.withLock { () -> Bool in
                while !pending && !stopping { monitor.wait() }
                if pending {
                    pending = false
                    return true
                }
                running = false
                return false
            }
            guard run else { return }
            job()
        }
    }
}
