import Glibc

/// Starting a pthread that runs a Swift closure: the one place the closure crosses the C
/// boundary (retained into the thread's argument, released by the thread when it is done).
enum PosixThread {
    /// Starts a thread running `body`; nil when no thread could be created (the closure is
    /// then released unrun, and the caller decides what to do instead). A joinable thread's
    /// handle must be joined; a detached one cleans up after itself.
    static func start(detached: Bool = false, _ body: @escaping @Sendable () -> Void) -> pthread_t? {
        let box = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        if detached { pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED)) }
        var thread = pthread_t()
        let created = pthread_create(&thread, &attributes, { raw in
            guard let raw else { return nil }
            Unmanaged<ThreadBody>.fromOpaque(raw).takeRetainedValue().body()
            return nil
        }, box)
        guard created == 0 else {
            Unmanaged<ThreadBody>.fromOpaque(box).release()
            return nil
        }
        return thread
    }
}

/// A thread's closure, on its way to the thread.
private final class ThreadBody: Sendable {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}
