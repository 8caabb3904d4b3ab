import Glibc
import Synchronization

/// What is known of one TCP connection from libmicrohttpd's "started" notification to its
/// "closed" one: its socket, whether it holds a reserve slot, and the deadline by which its
/// current request must have arrived whole. Retained in libmicrohttpd's socket context while
/// the connection lives, and in `ConnectionWatch`'s registry while it has a deadline.
final class ConnectionState: Sendable {
    /// The socket, owned by libmicrohttpd. Only ever shut down (never closed) by us, and only
    /// while it is in the registry, which libmicrohttpd's "closed" notification leaves before
    /// libmicrohttpd closes the socket.
    let socket: Int32
    /// Accepted beyond the regular connection limit: may ask only for the reserved paths, and
    /// its connection closes after one answer.
    let reserve: Bool
    /// Monotonic nanoseconds by which the current request must be complete; 0 while a
    /// response is being sent (no request is being received).
    let deadline: Atomic<Int64>
    /// Set when `ConnectionWatch` shut the socket down for a missed deadline.
    let cut = Atomic<Bool>(false)

    init(socket: Int32, reserve: Bool, deadline: Int64) {
        self.socket = socket
        self.reserve = reserve
        self.deadline = Atomic(deadline)
    }

    /// CLOCK_MONOTONIC in nanoseconds.
    static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}
