import ArgumentParser
import Glibc
import Logging
import MSIDService
import MicroHTTP
import SnapshotStore

/// `msid serve`: listen and answer until SIGTERM or SIGINT, then stop gracefully (exit 0).
/// Every option also reads an `MSID_*` environment variable; a flag wins over the variable,
/// the variable over the default.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the HTTP API.")

    @Option(help: "Address to listen on: an IPv4 or IPv6 literal (127.0.0.1, 0.0.0.0, ::1, ::) or localhost (127.0.0.1); names are not resolved (env MSID_HOST; default 127.0.0.1).")
    var host: String?
    @Option(help: "TCP port; 0 picks a free one (env MSID_PORT).")
    var port: UInt16?
    @Option(help: "Directory for snapshots and the journal (env MSID_DATA_DIR).")
    var dataDir: String?
    @Option(help: "Worker threads; default one per core (env MSID_THREADS).")
    var threads: Int?
    @Option(help: "PEM certificate file for HTTPS (env MSID_TLS_CERT).")
    var tlsCert: String?
    @Option(help: "PEM private key file for HTTPS (env MSID_TLS_KEY).")
    var tlsKey: String?
    @Option(help: "trace, debug, info, notice, warning, error or critical; info logs one line per request (written in the background: when stderr cannot keep up, lines are dropped and counted in msid_access_log_dropped_total), error only 5xx answers (env MSID_LOG_LEVEL).")
    var logLevel: String?
    @Option(help: "Snapshot after this many journal records (10000) or bytes (64MiB) (env MSID_SNAPSHOT_EVERY).")
    var snapshotEvery: String?
    @Flag(help: "Cut a damaged journal at its first bad record, after saving a copy of what is cut.")
    var repair = false

    // Access.
    @Option(help: "File of `ROLE TOKEN` lines (roles read, write, admin); re-read on SIGHUP (env MSID_TOKEN_FILE).")
    var tokenFile: String?
    @Flag(help: "Listen on a non-loopback address without tokens (env MSID_ALLOW_UNAUTHENTICATED=1).")
    var allowUnauthenticated = false
    @Flag(help: "GET /metrics needs a read token too (env MSID_PROTECT_METRICS=1).")
    var protectMetrics = false

    // Limits.
    @Option(help: "Largest request body, bytes or with KiB/MiB, except a snapshot upload (1MiB) (env MSID_MAX_BODY).")
    var maxBody: String?
    @Option(help: "Largest snapshot upload (PUT /v1/snapshot), bytes or with KiB/MiB/GiB; a state downloaded with GET /v1/snapshot must fit to be uploaded back; about 760 bytes per IRQ (256MiB) (env MSID_MAX_SNAPSHOT_BODY).")
    var maxSnapshotBody: String?
    @Option(help: "Connections at once; when all are taken, new ones wait in the listen backlog, except for the reserve (1000) (env MSID_MAX_CONNECTIONS).")
    var maxConnections: Int?
    @Option(help: "Connections beyond --max-connections kept for /healthz and /readyz: other paths get 503 there, and each such connection has 2 s for its request and closes after one answer (16) (env MSID_RESERVED_CONNECTIONS).")
    var reservedConnections: Int?
    @Option(help: "Connections at once from one IP address; one more is closed at once, unanswered; 0 = no limit (64) (env MSID_MAX_CONNECTIONS_PER_IP).")
    var maxConnectionsPerIp: Int?
    @Option(help: "Seconds a connection may stay silent (nothing received or sent) before it is cut; every byte restarts it, so it does not stop a client that trickles (30) (env MSID_CONNECTION_TIMEOUT).")
    var connectionTimeout: Int?
    @Option(help: "Seconds a request has to arrive whole (request line, headers and body) before its connection is cut, however steadily it trickles; a keep-alive request gets --connection-timeout more for the wait before it; sending the answer is not counted; 0 = no deadline (60) (env MSID_REQUEST_TIMEOUT).")
    var requestTimeout: Int?
    @Option(help: "Memory for large answers (64 KiB or more each, such as GET /v1/snapshot) held for clients still reading them; one more while it is spent gets 503 with Retry-After (128MiB) (env MSID_MAX_RESPONSE_BUFFER).")
    var maxResponseBuffer: String?
    @Option(help: "Memory per connection for the request line, headers and buffers; larger headers get 431 (32KiB) (env MSID_CONNECTION_MEMORY).")
    var connectionMemory: String?
    @Option(help: "Systems in the whole state (256) (env MSID_MAX_SYSTEMS).")
    var maxSystems: Int?
    @Option(help: "Domains in the whole state (16384) (env MSID_MAX_DOMAINS).")
    var maxDomains: Int?
    @Option(help: "Live IRQs in the whole state (1048576) (env MSID_MAX_IRQS).")
    var maxIrqs: Int?

    func run() throws {
        let settings = try Settings(flags: self, environment: Environment.current)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = settings.logLevel
            return handler
        }
        let logger = Logger(label: "msid")
        // Who may call: tokens from the file, or none, which only loopback allows by default.
        var tokens: AccessTokens?
        if let path = settings.tokenFile {
            do {
                tokens = try Serve.readTokens(path)
            } catch {
                StandardError.writeLine("msid: \(error)")
                throw ExitCode(2)
            }
        } else if !settings.host.isLoopback && !settings.allowUnauthenticated {
            StandardError.writeLine("msid: refusing to listen on \(settings.host.literal) without tokens: anyone who can reach it could change the state; "
                                    + "give --token-file (MSID_TOKEN_FILE), or --allow-unauthenticated if the network is trusted")
            throw ExitCode(2)
        }
        // The lock first: a second msid on the same directory stops before it listens.
        let directoryLock: DataDirectoryLock
        do {
            directoryLock = try Persistence.lockDirectory(settings.dataDirectory)
        } catch {
            StandardError.writeLine("msid: \(error)")
            throw ExitCode(2)
        }

        // Block the stop signals before any libmicrohttpd thread exists, so they inherit the
        // mask and the signals reach `sigwait` below (libmicrohttpd-notes.md, pitfall 13).
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGTERM)
        sigaddset(&stopSignals, SIGINT)
        sigaddset(&stopSignals, SIGHUP)
        pthread_sigmask(SIG_BLOCK, &stopSignals, nil)
        signal(SIGPIPE, SIG_IGN)

        var configuration = ServerConfiguration()
        configuration.host = settings.host.literal
        configuration.port = settings.port
        configuration.threads = settings.threads
        configuration.tlsCertificatePath = settings.tlsCertificate
        configuration.tlsKeyPath = settings.tlsKey
        configuration.maximumBodyBytes = settings.maxBodyBytes
        configuration.connectionLimit = settings.maxConnections
        configuration.reservedConnections = settings.reservedConnections
        configuration.reservedPaths = ["/healthz", "/readyz"]
        configuration.perIPConnectionLimit = settings.maxConnectionsPerIP
        configuration.connectionTimeoutSeconds = settings.connectionTimeoutSeconds
        configuration.requestTimeoutSeconds = settings.requestTimeoutSeconds
        configuration.responseBufferLimit = settings.maxResponseBufferBytes
        configuration.connectionMemoryBytes = settings.connectionMemoryBytes
        configuration.bodyTooLarge = { limit in ServiceResponder.bodyTooLarge(limit: limit, setting: "--max-body, MSID_MAX_BODY") }
        configuration.bodyLimit = ServiceResponder.snapshotBodyLimit(bytes: settings.maxSnapshotBodyBytes,
                                                                     setting: "--max-snapshot-body, MSID_MAX_SNAPSHOT_BODY")
        let libraryLogger = logger
        configuration.logSink = { line in libraryLogger.error("libmicrohttpd: \(line)") }

        // Listen first (so /readyz answers 503 while recovering), then recover.
        // Request lines bypass swift-log: formatted to bytes, buffered, written by a background
        // thread; dropped and counted (msid_access_log_dropped_total) when stderr cannot keep up.
        let accessLog = AccessLog(level: settings.logLevel)
        let options = ServiceOptions(tokens: tokens, protectMetrics: settings.protectMetrics, limits: settings.stateLimits, accessLog: accessLog)
        let service = ServiceResponder(logger: logger, recovering: true, options: options)
        if let tokens { logger.info("access: bearer tokens required on /v1 (\(tokens.summary))") }
        let server: HTTPServer
        do {
            server = try HTTPServer(configuration: configuration, responder: service)
        } catch {
            logger.critical("\(error)")
            throw ExitCode(69)  // EX_UNAVAILABLE
        }
        let scheme = settings.tlsCertificate == nil ? "http" : "https"
        StandardOutput.writeLine("listening on \(scheme)://\(settings.host.urlHost):\(server.boundPort)")

        let clock = ContinuousClock()
        let started = clock.now
        do {
            let (persistence, world, report) = try Persistence.recover(
                directory: settings.dataDirectory, lock: directoryLock, threshold: settings.snapshotEvery, repair: repair, logger: logger,
                journalObserver: service.journalObserver)
            service.finishRecovery(world: world, persistence: persistence)
            StandardOutput.writeLine("ready: recovered \(settings.dataDirectory) in \(clock.now - started) "
                                     + "(snapshot through record \(report.snapshotSequence), \(report.replayedRecords) journal records replayed)")
        } catch {
            StandardError.writeLine("msid: cannot recover \(settings.dataDirectory): \(error); nothing on disk was changed"
                                    + (repair ? "" : " (msid serve --repair cuts a damaged journal at its first bad record)"))
            server.stop(drainTimeout: .zero)
            accessLog.flush()
            throw ExitCode(2)
        }

        var received: Int32 = 0
        while sigwait(&stopSignals, &received) == 0 && received == SIGHUP {
            reloadTokens(into: service, settings: settings, logger: logger)
        }
        logger.info("signal \(received): stopping")
        server.stop(drainTimeout: .seconds(5))
        accessLog.flush()
        // The final snapshot runs whatever the log level: a log call does not evaluate its
        // message below its level, so the shutdown must never be inside one.
        let outcome = service.shutdown()
        logger.info("stopped: \(outcome)")
    }

    /// SIGHUP: re-read the token file; a file that no longer parses leaves the old tokens in
    /// force (and says why), so a bad edit never locks everyone out or lets everyone in.
    private func reloadTokens(into service: ServiceResponder, settings: Settings, logger: Logger) {
        guard let path = settings.tokenFile else {
            logger.warning("SIGHUP: no --token-file to re-read")
            return
        }
        do {
            let tokens = try Serve.readTokens(path)
            service.reloadTokens(tokens)
            logger.info("SIGHUP: tokens re-read from \(path) (\(tokens.summary))")
        } catch {
            logger.error("SIGHUP: \(error); the previous tokens stay in force")
        }
    }

    /// The tokens of a token file, or a one-line reason.
    static func readTokens(_ path: String) throws -> AccessTokens {
        let read: [UInt8]?
        do { read = try FileSystem.read(path) } catch {
            throw ValidationError("cannot read the token file \(path): \(error)")
        }
        guard let bytes = read else {
            throw ValidationError("cannot read the token file \(path): \(StoreError.text(of: ENOENT))")
        }
        do {
            return try AccessTokens(parsing: String(decoding: bytes, as: UTF8.self))
        } catch {
            throw ValidationError("token file \(path), \(error)")
        }
    }
}
