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

    @Option(help: "IPv4 address to listen on (env MSID_HOST).")
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
    @Option(help: "trace, debug, info, notice, warning, error or critical (env MSID_LOG_LEVEL).")
    var logLevel: String?
    @Option(help: "Snapshot after this many journal records (10000) or bytes (64MiB) (env MSID_SNAPSHOT_EVERY).")
    var snapshotEvery: String?
    @Flag(help: "Cut a damaged journal at its first bad record, after saving a copy of what is cut.")
    var repair = false

    func run() throws {
        let settings = try Settings(flags: self, environment: Environment.current)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = settings.logLevel
            return handler
        }
        let logger = Logger(label: "msid")
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
        pthread_sigmask(SIG_BLOCK, &stopSignals, nil)
        signal(SIGPIPE, SIG_IGN)

        var configuration = ServerConfiguration()
        configuration.host = settings.host
        configuration.port = settings.port
        configuration.threads = settings.threads
        configuration.tlsCertificatePath = settings.tlsCertificate
        configuration.tlsKeyPath = settings.tlsKey
        configuration.bodyTooLarge = ServiceResponder.bodyTooLarge(limit:)
        let libraryLogger = logger
        configuration.logSink = { line in libraryLogger.error("libmicrohttpd: \(line)") }

        // Listen first (so /readyz answers 503 while recovering), then recover.
        let service = ServiceResponder(logger: logger, recovering: true)
        let server: HTTPServer
        do {
            server = try HTTPServer(configuration: configuration, responder: service)
        } catch {
            logger.critical("\(error)")
            throw ExitCode(69)  // EX_UNAVAILABLE
        }
        let scheme = settings.tlsCertificate == nil ? "http" : "https"
        StandardOutput.writeLine("listening on \(scheme)://\(settings.host):\(server.boundPort)")

        let clock = ContinuousClock()
        let started = clock.now
        do {
            let (persistence, world, report) = try Persistence.recover(
                directory: settings.dataDirectory, lock: directoryLock, threshold: settings.snapshotEvery, repair: repair, logger: logger)
            service.finishRecovery(world: world, persistence: persistence)
            StandardOutput.writeLine("ready: recovered \(settings.dataDirectory) in \(clock.now - started) "
                                     + "(snapshot through record \(report.snapshotSequence), \(report.replayedRecords) journal records replayed)")
        } catch {
            StandardError.writeLine("msid: cannot recover \(settings.dataDirectory): \(error); nothing on disk was changed"
                                    + (repair ? "" : " (msid serve --repair cuts a damaged journal at its first bad record)"))
            server.stop(drainTimeout: .zero)
            throw ExitCode(2)
        }

        var received: Int32 = 0
        sigwait(&stopSignals, &received)
        logger.info("signal \(received): stopping")
        server.stop(drainTimeout: .seconds(5))
        logger.info("stopped: \(service.shutdown())")
    }
}
