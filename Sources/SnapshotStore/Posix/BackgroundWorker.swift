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
        let context = Unmanaged.passRetained(self).toOpaque()
        let created = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            let worker = Unmanaged<BackgroundWorker>.fromOpaque(raw).takeRetainedValue()
            worker.loop()
            return nil
        }, context)
        if created != 0 {
            // No thread: run jobs inline on signal instead (never silently drop them).
            Unmanaged<BackgroundWorker>.fromOpaque(context).release()
        } else {
            running = true
        }
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
