import CMicroHTTPD
import Glibc
import Synchronization

/// A running libmicrohttpd daemon serving one `HTTPResponder`: internal polling thread, epoll,
/// a pool of `configuration.threads` workers. Started by `init`, stopped once by `stop`
/// (graceful: stop accepting, let requests in flight finish, then close).
///
/// Lifetime: the `ServerContext` and the C-side logger and PEM buffers are retained/allocated
/// for as long as the daemon runs and released only after `MHD_stop_daemon` has joined every
/// libmicrohttpd thread, so no callback can see freed memory.
public final class HTTPServer: Sendable {
    public let configuration: ServerConfiguration
    /// The port the server listens on (the real one when port 0 was asked for).
    public let boundPort: UInt16
    private let context: ServerContext
    private let handle: DaemonHandle
    private let stopped = Atomic<Bool>(false)
    /// Whether the daemon still exists. Held while asking libmicrohttpd about it and while
    /// destroying it, so no query can reach a daemon that `MHD_stop_daemon` has freed.
    private let daemonAlive = Mutex<Bool>(true)

    /// Starts listening. Returns once libmicrohttpd accepts connections.
    public init(configuration: ServerConfiguration, responder: any HTTPResponder) throws(MicroHTTPError) {
        self.configuration = configuration
        let context = ServerContext(responder: responder, configuration: configuration)
        self.context = context
        let handle = try DaemonHandle.start(configuration: configuration, context: context)
        self.handle = handle
        self.boundPort = mhd_shim_bound_port(handle.daemon)
    }

    /// Connections currently open; 0 once the server has stopped.
    public var currentConnections: Int {
        daemonAlive.withLock { alive in alive ? Int(mhd_shim_current_connections(handle.daemon)) : 0 }
    }

    /// Whether `stop` has begun: from then on every response carries `Connection: close` and
    /// new connections are closed unanswered.
    public var isDraining: Bool { context.draining.load(ordering: .relaxed) }

    /// Requests cut at their whole-request deadline since the start.
    public var requestsCutAtDeadline: Int { context.watch.deadlineCuts.load(ordering: .relaxed) }

    /// Connections closed with a lingering close (FIN, then the client's input drained) since the start.
    public var lingeringCloses: Int { context.watch.lingered.load(ordering: .relaxed) }

    /// Bytes of large response bodies held for clients right now.
    public var responseBytesHeld: Int { context.responseBytes.load(ordering: .relaxed) }

    /// Large answers replaced by 503 because `responseBufferLimit` was spent, since the start.
    public var responseBudgetRefusals: Int { context.budgetRefusals.load(ordering: .relaxed) }

    /// Requests being served right now.
    public var requestsInFlight: Int { context.inFlight.load(ordering: .relaxed) }

    /// Graceful stop: refuse new connections (closed as soon as they are accepted), answer
    /// every request in flight with `Connection: close` until none is left or `drainTimeout`
    /// passes, then stop the daemon (idle keep-alive connections are closed, the listening
    /// socket too). Safe to call more than once.
    ///
    /// Not `MHD_quiesce_daemon`: with an epoll thread pool, libmicrohttpd 0.9.75 removes the
    /// listening socket from each worker's epoll set both in `MHD_quiesce_daemon` and in the
    /// worker itself, unsynchronised, and aborts the process ("Failed to remove listen FD from
    /// epoll set") when the two collide. The accept policy callback refuses instead.
    public func stop(drainTimeout: Duration = .seconds(5)) {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        context.draining.store(true, ordering: .relaxed)
        let clock = ContinuousClock()
        let deadline = clock.now + drainTimeout
        while context.inFlight.load(ordering: .relaxed) > 0 && clock.now < deadline {
            var pause = timespec(tv_sec: 0, tv_nsec: 2_000_000)
            nanosleep(&pause, nil)
        }
        // libmicrohttpd must not stop with a suspended connection: answers still awaited get
        // a 503 now (their later delivery is ignored), and their workers are given a moment
        // to send it.
        let waiting = context.pending.withLock { Array($0.values) }.filter(\.isPending)
        if !waiting.isEmpty {
            var refusal = context.refusal(.serviceUnavailable, "the server is stopping; the outcome of this request is unknown")
            refusal.headers.set(name: "Retry-After", value: "1")
            for deferred in waiting { deferred.deliver(refusal) }
            let grace = clock.now + .seconds(1)
            while context.inFlight.load(ordering: .relaxed) > 0 && clock.now < grace {
                var pause = timespec(tv_sec: 0, tv_nsec: 2_000_000)
                nanosleep(&pause, nil)
            }
        }
        daemonAlive.withLock { alive in
            MHD_stop_daemon(handle.daemon)
            alive = false
        }
        context.watch.stop()
        handle.release()
    }

    deinit { stop(drainTimeout: .zero) }
}

/// The C resources of one daemon. `@unchecked Sendable`: every stored property is a pointer
/// written once in `start` and only read afterwards; `release` runs once, after
/// `MHD_stop_daemon` returned (guarded by `HTTPServer.stopped`).
private final class DaemonHandle: @unchecked Sendable {
    let daemon: OpaquePointer
    private let context: Unmanaged<ServerContext>
    private let logger: UnsafeMutablePointer<mhd_shim_logger>
    private let pems: [UnsafeMutablePointer<CChar>]

    private init(daemon: OpaquePointer, context: Unmanaged<ServerContext>, logger: UnsafeMutablePointer<mhd_shim_logger>,
                 pems: [UnsafeMutablePointer<CChar>]) {
        self.daemon = daemon
        self.context = context
        self.logger = logger
        self.pems = pems
    }

    static func start(configuration: ServerConfiguration, context: ServerContext) throws(MicroHTTPError) -> DaemonHandle {
        var v4 = in_addr()
        var v6 = in6_addr()
        guard inet_pton(AF_INET, configuration.host, &v4) == 1 || inet_pton(AF_INET6, configuration.host, &v6) == 1 else {
            throw .invalidBindAddress(configuration.host)
        }
        var pems: [UnsafeMutablePointer<CChar>] = []
        switch (configuration.tlsCertificatePath, configuration.tlsKeyPath) {
        case (nil, nil): break
        case (let certificate?, let key?):
            pems.append(try readFile(certificate))
            do { pems.append(try readFile(key)) } catch {
                pems.forEach { $0.deallocate() }
                throw error
            }
        default: throw .incompleteTLSConfiguration
        }
        guard context.watch.start() else { throw .startFailed(address: configuration.host, port: configuration.port, log: ["cannot start the connection watch thread"]) }
        let retained = Unmanaged.passRetained(context)
        let logger = UnsafeMutablePointer<mhd_shim_logger>.allocate(capacity: 1)
        logger.initialize(to: mhd_shim_logger(line: Trampolines.logLine, cls: retained.toOpaque()))
        let daemon = configuration.host.withCString { host in
            var config = mhd_shim_config(
                bind_address: host, port: configuration.port,
                thread_pool_size: UInt32(clamping: max(1, configuration.threads)),
                connection_limit: UInt32(clamping: configuration.connectionLimit > 0
                                                    ? configuration.connectionLimit + max(0, configuration.reservedConnections) : 0),
                per_ip_connection_limit: UInt32(clamping: max(0, configuration.perIPConnectionLimit)),
                connection_timeout: UInt32(clamping: max(0, configuration.connectionTimeoutSeconds)),
                connection_memory_limit: max(0, configuration.connectionMemoryBytes),
                tls_certificate_pem: pems.first.map { UnsafePointer($0) },
                tls_key_pem: pems.last.map { UnsafePointer($0) },
                notify_connection: Trampolines.notifyConnection, notify_connection_cls: retained.toOpaque())
            return mhd_shim_start(&config, Trampolines.acceptPolicy, retained.toOpaque(),
                                  Trampolines.accessHandler, retained.toOpaque(),
                                  Trampolines.requestCompleted, retained.toOpaque(), logger)
        }
        guard let daemon else {
            let log = context.recentLogLines
            logger.deallocate()
            context.watch.stop()
            retained.release()
            pems.forEach { $0.deallocate() }
            throw .startFailed(address: configuration.host, port: configuration.port, log: log)
        }
        return DaemonHandle(daemon: daemon, context: retained, logger: logger, pems: pems)
    }

    /// Reads a whole file into a NUL-terminated C string (libmicrohttpd wants PEM contents).
    private static func readFile(_ path: String) throws(MicroHTTPError) -> UnsafeMutablePointer<CChar> {
        guard let file = fopen(path, "rb") else { throw .unreadableTLSFile(path: path, errno: errno) }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count > 0 { bytes.append(contentsOf: chunk[0..<count]) }
            if count < chunk.count { break }
        }
        if ferror(file) != 0 { throw .unreadableTLSFile(path: path, errno: errno) }
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
        for (index, byte) in bytes.enumerated() { buffer[index] = CChar(bitPattern: byte) }
        buffer[bytes.count] = 0
        return buffer
    }

    /// Frees everything; only after `MHD_stop_daemon` has returned.
    func release() {
        logger.deallocate()
        pems.forEach { $0.deallocate() }
        context.release()
    }
}
