import CMicroHTTPD
import Glibc
import Synchronization

/// One thread per server doing what libmicrohttpd 0.9.75 does not:
///
/// 1. **Whole-request deadlines.** libmicrohttpd's connection timeout restarts with every byte,
///    so a client trickling a byte a second holds a connection forever. Each connection with a
///    request under way is registered with a deadline; past it, the socket is shut down
///    (`shutdown(SHUT_RDWR)`), libmicrohttpd reads end-of-file on it and closes the connection
///    itself. The registry lock is held around that call, and libmicrohttpd's "closed"
///    notification takes the same lock to unregister before libmicrohttpd closes the socket,
///    so the descriptor shut down is always still this connection's.
/// 2. **Lingering close.** When libmicrohttpd closes a connection whose client has not closed
///    its side, unread input makes the kernel answer with RST, and the client may lose the
///    response just sent (a 400, a 413). The "closed" notification hands a duplicate of the
///    socket here: libmicrohttpd's close then leaves the connection open, the watch sends FIN
///    (`shutdown(SHUT_WR)`) and reads and drops what the client still sends, until it closes,
///    `lingerSeconds` pass or `lingerBytes` were dropped; then closes. At most
///    `maximumLingering` sockets linger at once; beyond that they close at once.
///
/// Cost: one wake-up every `tick` (or on lingering input), a scan of the connections with a
/// deadline (O(connections)), and one extra descriptor per lingering socket.
final class ConnectionWatch: Sendable {
    static let tick: Int32 = 100  // milliseconds
    static let lingerSeconds: Int64 = 2
    static let lingerBytes = 1 << 20
    static let maximumLingering = 256

    private struct Lingering {
        var socket: Int32
        var until: Int64
        var dropped: Int
    }

    private let epoll: Int32
    private let registry = Mutex<[ObjectIdentifier: ConnectionState]>([:])
    private let lingering = Mutex<[Int32: Lingering]>([:])
    private let stopping = Atomic<Bool>(false)
    /// Requests cut at their deadline since the start (for tests and logs).
    let deadlineCuts = Atomic<Int>(0)
    /// Sockets that lingered since the start.
    let lingered = Atomic<Int>(0)
    private let thread = Mutex<pthread_t?>(nil)

    init() {
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
    }

    /// Starts the thread; false when it could not start (deadlines and lingering are then off).
    func start() -> Bool {
        guard epoll >= 0, let handle = Trampolines.startThread(running: self) else { return false }
        thread.withLock { $0 = handle }
        return true
    }

    /// Stops and joins the thread and closes every lingering socket (after `MHD_stop_daemon`).
    func stop() {
        stopping.store(true, ordering: .relaxed)
        if let handle = thread.withLock({ current -> pthread_t? in defer { current = nil }; return current }) {
            pthread_join(handle, nil)
        }
        lingering.withLock { sockets in
            for socket in sockets.keys { close(socket) }
            sockets = [:]
        }
        if epoll >= 0 { close(epoll) }
    }

    /// Watches `connection`'s deadline (its `deadline` may change while watched).
    func register(_ connection: ConnectionState) {
        registry.withLock { $0[ObjectIdentifier(connection)] = connection }
    }

    /// Forgets `connection`; from libmicrohttpd's "closed" notification, before it closes the
    /// socket. Then lingers on a duplicate of the socket unless the client closed already, the
    /// deadline cut it, or the server is stopping.
    func closed(_ connection: ConnectionState) {
        registry.withLock { _ = $0.removeValue(forKey: ObjectIdentifier(connection)) }
        guard !connection.cut.load(ordering: .relaxed), !stopping.load(ordering: .relaxed), connection.socket >= 0 else { return }
        var peek: UInt8 = 0
        let peeked = recv(connection.socket, &peek, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        if peeked == 0 || (peeked < 0 && errno != EAGAIN && errno != EWOULDBLOCK) { return }  // the client closed, or the socket failed
        let copy = dup(connection.socket)
        guard copy >= 0 else { return }
        let accepted = lingering.withLock { sockets -> Bool in
            guard sockets.count < ConnectionWatch.maximumLingering else { return false }
            sockets[copy] = Lingering(socket: copy, until: ConnectionState.now() + ConnectionWatch.lingerSeconds * 1_000_000_000, dropped: 0)
            return true
        }
        guard accepted else {
            close(copy)
            return
        }
        _ = fcntl(copy, F_SETFL, fcntl(copy, F_GETFL) | O_NONBLOCK)
        shutdown(copy, Int32(SHUT_WR))
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | EPOLLRDHUP.rawValue
        event.data.fd = copy
        if epoll_ctl(epoll, EPOLL_CTL_ADD, copy, &event) != 0 {
            lingering.withLock { _ = $0.removeValue(forKey: copy) }
            close(copy)
            return
        }
        lingered.add(1, ordering: .relaxed)
    }

    /// The thread's loop, until `stop`.
    func run() {
        var events = [epoll_event](repeating: epoll_event(), count: 64)
        var buffer = [UInt8](repeating: 0, count: 16 << 10)
        while !stopping.load(ordering: .relaxed) {
            let ready = epoll_wait(epoll, &events, Int32(events.count), ConnectionWatch.tick)
            if ready > 0 {
                for index in 0..<Int(ready) { drain(events[index].data.fd, into: &buffer) }
            }
            let now = ConnectionState.now()
            cutOverdue(now: now)
            closeExpiredLingering(now: now)
        }
    }

    /// Shuts down every registered connection past its deadline, under the registry lock.
    private func cutOverdue(now: Int64) {
        registry.withLock { connections in
            for (key, connection) in connections {
                let deadline = connection.deadline.load(ordering: .relaxed)
                guard deadline > 0 && deadline <= now else { continue }
                connection.cut.store(true, ordering: .relaxed)
                deadlineCuts.add(1, ordering: .relaxed)  // before the client can see the cut
                shutdown(connection.socket, Int32(SHUT_RDWR))
                connections.removeValue(forKey: key)
            }
        }
    }

    /// Reads and drops what a lingering client sends; closes on its end-of-file, an error, or
    /// too many bytes.
    private func drain(_ socket: Int32, into buffer: inout [UInt8]) {
        while true {
            let count = recv(socket, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count > 0 {
                let over = lingering.withLock { sockets -> Bool in
                    sockets[socket]?.dropped += count
                    return (sockets[socket]?.dropped ?? 0) > ConnectionWatch.lingerBytes
                }
                if over { break }
                continue
            }
            if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return }
            if count < 0 && errno == EINTR { continue }
            break
        }
        finish(socket)
    }

    private func closeExpiredLingering(now: Int64) {
        let expired = lingering.withLock { sockets in sockets.values.filter { $0.until <= now }.map(\.socket) }
        for socket in expired { finish(socket) }
    }

    private func finish(_ socket: Int32) {
        let known = lingering.withLock { $0.removeValue(forKey: socket) != nil }
        guard known else { return }
        epoll_ctl(epoll, EPOLL_CTL_DEL, socket, nil)
        close(socket)
    }
}
