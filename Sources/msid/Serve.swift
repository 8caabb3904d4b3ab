import ArgumentParser
import Glibc
import Logging
import MSIDService
import MicroHTTP

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

    func run() throws {
        let settings = try Settings(flags: self, environment: Environment.current)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = settings.logLevel
            return handler
        }
        let logger = Logger(label: "msid")
        try DataDirectory.prepare(settings.dataDirectory)

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

        let server: HTTPServer
        do {
            server = try HTTPServer(configuration: configuration, responder: ServiceResponder(logger: logger))
        } catch {
            logger.critical("\(error)")
            throw ExitCode(69)  // EX_UNAVAILABLE
        }
        let scheme = settings.tlsCertificate == nil ? "http" : "https"
        StandardOutput.writeLine("listening on \(scheme)://\(settings.host):\(server.boundPort)")

        var received: Int32 = 0
        sigwait(&stopSignals, &received)
        logger.info("signal \(received): stopping")
        server.stop(drainTimeout: .seconds(5))
        logger.info("stopped")
    }
}
