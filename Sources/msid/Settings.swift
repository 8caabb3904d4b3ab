import ArgumentParser
import Glibc
import Logging
import MSIDService
import MicroHTTP

/// The effective configuration: flag, else `MSID_*` environment variable, else default.
struct Settings {
    var host: BindAddress
    var port: UInt16
    var dataDirectory: String
    var threads: Int
    var tlsCertificate: String?
    var tlsKey: String?
    var logLevel: Logger.Level
    var snapshotEvery: SnapshotThreshold
    var tokenFile: String?
    var allowUnauthenticated: Bool
    var protectMetrics: Bool
    var maxBodyBytes: Int
    var maxSnapshotBodyBytes: Int
    var maxConnections: Int
    var reservedConnections: Int
    var maxConnectionsPerIP: Int
    var connectionTimeoutSeconds: Int
    var requestTimeoutSeconds: Int
    var maxResponseBufferBytes: Int
    var connectionMemoryBytes: Int
    var stateLimits: StateLimits

    static let defaultPort: UInt16 = 8080
    static let defaultDataDirectory = "./msid-data"
    /// 256 MiB: a snapshot takes about 760 bytes per live IRQ (4,096 MSI-X IRQs on 64 CPUs make
    /// 3.1 MB), so about 350,000 IRQs fit; a state near the default `--max-irqs` needs more.
    static let defaultMaxSnapshotBody = 256 << 20

    init(flags: Serve, environment: [String: String]) throws {
        func value<T>(_ flag: T?, _ name: String, _ parse: (String) -> T?) throws -> T? {
            if let flag { return flag }
            guard let text = environment[name] else { return nil }
            guard let parsed = parse(text) else {
                throw ValidationError("environment variable \(name)=\"\(text)\" is not valid")
            }
            return parsed
        }
        host = try value(flags.host, "MSID_HOST", { $0 }).map { text throws -> BindAddress in
            guard let address = BindAddress(parsing: text) else { throw ValidationError(BindAddress.accepted(text)) }
            return address
        } ?? BindAddress(literal: "127.0.0.1", family: AF_INET)
        port = try value(flags.port, "MSID_PORT", { UInt16($0) }) ?? Settings.defaultPort
        dataDirectory = try value(flags.dataDir, "MSID_DATA_DIR", { $0.isEmpty ? nil : $0 }) ?? Settings.defaultDataDirectory
        threads = try value(flags.threads, "MSID_THREADS", { Int($0) }) ?? ServerConfiguration.onlineCores
        tlsCertificate = try value(flags.tlsCert, "MSID_TLS_CERT", { $0 })
        tlsKey = try value(flags.tlsKey, "MSID_TLS_KEY", { $0 })
        logLevel = try value(flags.logLevel, "MSID_LOG_LEVEL", { $0 }).map { text throws -> Logger.Level in
            guard let level = Logger.Level(rawValue: text) else {
                throw ValidationError("log level \"\(text)\" is not one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return level
        } ?? .info
        snapshotEvery = try value(flags.snapshotEvery, "MSID_SNAPSHOT_EVERY", { $0 }).map { text throws -> SnapshotThreshold in
            guard let threshold = SnapshotThreshold(parsing: text) else {
                throw ValidationError("snapshot threshold \"\(text)\" is neither a record count (10000) nor a size (64MiB, 512KiB, 4096B)")
            }
            return threshold
        } ?? .default
        tokenFile = try value(flags.tokenFile, "MSID_TOKEN_FILE", { $0.isEmpty ? nil : $0 })
        allowUnauthenticated = try value(flags.allowUnauthenticated ? true : nil, "MSID_ALLOW_UNAUTHENTICATED", Settings.boolean) ?? false
        protectMetrics = try value(flags.protectMetrics ? true : nil, "MSID_PROTECT_METRICS", Settings.boolean) ?? false
        maxBodyBytes = try value(flags.maxBody, "MSID_MAX_BODY", { $0 }).map { try Settings.byteCount($0, "--max-body", in: 1...(1 << 30)) } ?? (1 << 20)
        maxSnapshotBodyBytes = try value(flags.maxSnapshotBody, "MSID_MAX_SNAPSHOT_BODY", { $0 })
            .map { try Settings.byteCount($0, "--max-snapshot-body", in: 1...(1 << 34)) } ?? Settings.defaultMaxSnapshotBody
        maxConnections = try value(flags.maxConnections, "MSID_MAX_CONNECTIONS", { Int($0) }) ?? 1000
        reservedConnections = try value(flags.reservedConnections, "MSID_RESERVED_CONNECTIONS", { Int($0) }) ?? 16
        maxConnectionsPerIP = try value(flags.maxConnectionsPerIp, "MSID_MAX_CONNECTIONS_PER_IP", { Int($0) }) ?? 64
        connectionTimeoutSeconds = try value(flags.connectionTimeout, "MSID_CONNECTION_TIMEOUT", { Int($0) }) ?? 30
        requestTimeoutSeconds = try value(flags.requestTimeout, "MSID_REQUEST_TIMEOUT", { Int($0) }) ?? 60
        maxResponseBufferBytes = try value(flags.maxResponseBuffer, "MSID_MAX_RESPONSE_BUFFER", { $0 })
            .map { try Settings.byteCount($0, "--max-response-buffer", in: (1 << 20)...(1 << 40)) } ?? (128 << 20)
        connectionMemoryBytes = try value(flags.connectionMemory, "MSID_CONNECTION_MEMORY", { $0 })
            .map { try Settings.byteCount($0, "--connection-memory", in: 4096...(1 << 24)) } ?? (32 << 10)
        stateLimits = StateLimits(
            systems: try value(flags.maxSystems, "MSID_MAX_SYSTEMS", { Int($0) }) ?? StateLimits.default.systems,
            domains: try value(flags.maxDomains, "MSID_MAX_DOMAINS", { Int($0) }) ?? StateLimits.default.domains,
            irqs: try value(flags.maxIrqs, "MSID_MAX_IRQS", { Int($0) }) ?? StateLimits.default.irqs)
        guard (1...1_000_000).contains(maxConnections) else { throw ValidationError("--max-connections must be 1 to 1000000, not \(maxConnections)") }
        guard (0...1_000_000).contains(maxConnectionsPerIP) else { throw ValidationError("--max-connections-per-ip must be 0 to 1000000, not \(maxConnectionsPerIP)") }
        guard (1...86_400).contains(connectionTimeoutSeconds) else { throw ValidationError("--connection-timeout must be 1 to 86400 seconds, not \(connectionTimeoutSeconds)") }
        guard (0...86_400).contains(requestTimeoutSeconds) else { throw ValidationError("--request-timeout must be 0 to 86400 seconds, not \(requestTimeoutSeconds)") }
        guard (0...10_000).contains(reservedConnections) else { throw ValidationError("--reserved-connections must be 0 to 10000, not \(reservedConnections)") }
        for (name, limit) in [("--max-systems", stateLimits.systems), ("--max-domains", stateLimits.domains), ("--max-irqs", stateLimits.irqs)] {
            guard limit >= 1 else { throw ValidationError("\(name) must be at least 1, not \(limit)") }
        }
        guard (1...1024).contains(threads) else { throw ValidationError("threads must be 1 to 1024, not \(threads)") }
        guard (tlsCertificate == nil) == (tlsKey == nil) else {
            throw ValidationError("TLS needs both --tls-cert and --tls-key")
        }
    }

    /// `1`, `true`, `yes` or `0`, `false`, `no` (environment switches).
    static func boolean(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "1", "true", "yes": true
        case "0", "false", "no", "": false
        default: nil
        }
    }

    /// A byte count: digits, optionally with `B`, `KiB`, `MiB` or `GiB`.
    static func byteCount(_ text: String, _ name: String, in range: ClosedRange<Int>) throws -> Int {
        guard let bytes = ByteSize.parse(text), range.contains(bytes) else {
            throw ValidationError("\(name) \"\(text)\" is not a size from \(range.lowerBound) to \(range.upperBound) bytes (e.g. 4096, 64KiB, 1MiB)")
        }
        return bytes
    }
}
