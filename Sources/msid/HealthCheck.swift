import ArgumentParser
import Glibc
import SnapshotStore

/// `msid healthcheck`: GET /healthz on a local msid and exit 0 on 200 (for container
/// HEALTHCHECKs, so the runtime image needs no HTTP client). Plain HTTP only. On failure it
/// prints one line on standard error saying why (no connection, with the system's reason; no
/// answer in time; another status, with the answer's first line) and exits 1.
struct HealthCheck: ParsableCommand {
    // Named explicitly: ArgumentParser would call the type `health-check`.
    static let configuration = CommandConfiguration(commandName: "healthcheck",
                                                    abstract: "Exit 0 when a local msid answers GET /healthz with 200; otherwise say why and exit 1.")

    @Option(help: "Port of the msid to check (env MSID_PORT).")
    var port: UInt16?
    @Option(help: "Address of the msid to check, as given to serve: an IPv4 or IPv6 literal or localhost; a wildcard (0.0.0.0, ::) checks loopback (env MSID_HOST; default 127.0.0.1).")
    var host: String?

    func run() throws {
        let environment = Environment.current
        let port = port ?? environment["MSID_PORT"].flatMap { UInt16($0) } ?? Settings.defaultPort
        let given = host ?? environment["MSID_HOST"] ?? "127.0.0.1"
        do {
            try HealthCheck.check(host: given, port: port)
        } catch {
            StandardError.writeLine("msid healthcheck: \(error)")
            throw ExitCode.failure
        }
    }

    /// GET /healthz on `host`:`port`; throws a failure saying why unless the answer is 200.
    static func check(host given: String, port: UInt16) throws(HTTPClient.Failure) {
        guard let address = BindAddress(parsing: given) else { throw HTTPClient.Failure(description: BindAddress.accepted(given)) }
        let client = HTTPClient(address: address.loopbackIfWildcard, port: port)
        let answer = try client.request("GET", "/healthz")
        guard answer.status == 200 else {
            let body = String(decoding: answer.body.prefix(300), as: UTF8.self)
            throw HTTPClient.Failure(description: "GET /healthz on \(client.shown) answered \(answer.status)" + (body.isEmpty ? "" : ": \(body)"))
        }
    }
}
