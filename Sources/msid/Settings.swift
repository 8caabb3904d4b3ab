import ArgumentParser
import Logging
import MSIDService
import MicroHTTP

/// The effective configuration: flag, else `MSID_*` environment variable, else default.
struct Settings {
    var host: String
    var port: UInt16
    var dataDirectory: String
    var threads: Int
    var tlsCertificate: String?
    var tlsKey: String?
    var logLevel: Logger.Level
    var snapshotEvery: SnapshotThreshold

    static let defaultPort: UInt16 = 8080
    static let defaultDataDirectory = "./msid-data"

    init(flags: Serve, environment: [String: String]) throws {
        func value<T>(_ flag: T?, _ name: String, _ parse: (String) -> T?) throws -> T? {
            if let flag { return flag }
            guard let text = environment[name] else { return nil }
            guard let parsed = parse(text) else {
                throw ValidationError("environment variable \(name)=\"\(text)\" is not valid")
            }
            return parsed
        }
        host = try value(flags.host, "MSID_HOST", { $0 }) ?? "127.0.0.1"
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
        guard (1...1024).contains(threads) else { throw ValidationError("threads must be 1 to 1024, not \(threads)") }
        guard (tlsCertificate == nil) == (tlsKey == nil) else {
            throw ValidationError("TLS needs both --tls-cert and --tls-key")
        }
    }
}
