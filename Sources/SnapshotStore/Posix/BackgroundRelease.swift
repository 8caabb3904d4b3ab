/// Frees a large value on a thread of its own, so that the caller does not wait for it.
///
/// Recovery parses a snapshot into a JSON tree of millions of small allocations; once the world
/// is decoded the tree is garbage, and freeing it node by node is a tenth of a 100,000-IRQ
/// recovery. The service is ready as soon as the world is, so the tree goes to a detached
/// thread, which frees it on the other core while replay and serving go on. When no thread can
/// be started the value is freed here, as it would have been.
public enum BackgroundRelease {
    /// Takes `value` and lets it go on a detached thread. The caller must pass its last
    /// reference (`consume`), or the memory is freed by whichever reference goes last.
    public static func drop<Value: Sendable>(_ value: consuming Value) {
        // The box's one reference is handed over explicitly: a closure capturing it would leave
        // a second reference here, and whichever went last would do the freeing.
        let box = Unmanaged.passRetained(ReleaseBox(consume value))
        if PosixThread.start(detached: true, { box.release() }) == nil { box.release() }
    }
}

/// The value on its way to the releasing thread.
private final class ReleaseBox<Value: Sendable>: Sendable {
    let value: Value
    init(_ value: consuming Value) { self.value = value }
}
