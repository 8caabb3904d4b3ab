import CMicroHTTPD
import Synchronization

/// One request whose answer comes later (`HTTPAnswer.later`): the hand-over between the worker
/// thread that suspends the connection and whichever thread delivers the response.
///
/// States, under one lock: `waiting` (started, the connection not yet suspended) →
/// `suspended` → `ready` → `taken`; or `waiting` → `ready` (delivered before the worker got to
/// suspend: it then queues the response without suspending) → `taken`. Resuming under the lock,
/// only from `suspended`, keeps libmicrohttpd's rule that only a suspended connection may be
/// resumed, and the suspension happens under the same lock, so a delivery cannot slip between
/// the check and the suspension. Lock order: this lock, then libmicrohttpd's (both calls take
/// its connection mutex); libmicrohttpd never calls us holding that mutex.
///
/// libmicrohttpd 0.9.75's rules (microhttpd.h): suspend only from the access handler; resume
/// from any thread at any time; the daemon needs `MHD_ALLOW_SUSPEND_RESUME` (which includes
/// `MHD_USE_ITC`, so a resume wakes the worker owning the connection at once); a suspended
/// connection does not time out and does not notice the client leaving; stopping the daemon
/// with a suspended connection is undefined behaviour, so `HTTPServer.stop` delivers a 503 to
/// every pending one first (`ServerContext.pending`).
final class DeferredAnswer: @unchecked Sendable {
    // @unchecked Sendable: `connection` is only passed to libmicrohttpd under `state`'s lock,
    // while the connection is suspended (libmicrohttpd keeps it alive until it is resumed).
    private enum State {
        case waiting
        case suspended
        case ready(HTTPResponse)
        case taken
    }

    private let connection: OpaquePointer
    private let state = Mutex<State>(.waiting)

    init(connection: OpaquePointer) {
        self.connection = connection
    }

    /// Delivers the response (the first delivery wins); resumes the connection if suspended.
    /// Returns whether this delivery was the one taken.
    @discardableResult
    func deliver(_ response: HTTPResponse) -> Bool {
        state.withLock { current in
            switch current {
            case .waiting:
                current = .ready(response)
                return true
            case .suspended:
                current = .ready(response)
                MHD_resume_connection(connection)
                return true
            case .ready, .taken:
                return false
            }
        }
    }

    /// On the worker, right after `start`: the response when it is there already, else the
    /// connection is suspended and nil returned.
    func suspendUnlessReady() -> HTTPResponse? {
        state.withLock { current in
            if case .ready(let response) = current {
                current = .taken
                return response
            }
            current = .suspended
            MHD_suspend_connection(connection)
            return nil
        }
    }

    /// On the worker, after the resume: the response to queue (nil if none arrived, which a
    /// resume without delivery would mean; libmicrohttpd then calls again).
    func take() -> HTTPResponse? {
        state.withLock { current in
            guard case .ready(let response) = current else { return nil }
            current = .taken
            return response
        }
    }

    /// Whether the answer is still awaited (for the stop).
    var isPending: Bool {
        state.withLock { current in
            switch current {
            case .waiting, .suspended: true
            case .ready, .taken: false
            }
        }
    }
}
