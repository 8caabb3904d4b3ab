import Foundation
import MSIDTestSupport
import Testing

/// Issue 16, items 4 and 5, through the real binary: a large state goes down and back up at
/// default settings; what operators see (version, addresses, healthcheck reasons, system error
/// texts).
@Suite("Operator polish, end to end")
struct OperatorEndToEndTests {
    /// Runs `msid ARGS` to completion: exit status, standard output, standard error.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ServerProcess.binaryPath)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("MSID_") }
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    /// Builds a state of 4,096 MSI-X IRQs on a 64-CPU x86 system (about 3 MB of snapshot).
    static func buildLargeState(_ client: RawHTTPClient) throws {
        var steps = [
            ("/v1/systems", #"{"name":"big","arch":"x86_64","cpus":64}"#),
            ("/v1/systems/big/domains", #"{"name":"vector","kind":"x86-vector"}"#),
        ]
        for nic in 1...2 {
            steps.append(("/v1/systems/big/domains", #"{"name":"nic\#(nic)","kind":"pci-msi","parent":"vector","device":"0000:0\#(nic):00.0"}"#))
            steps.append(("/v1/systems/big/domains/nic\(nic)/irqs", #"{"count":2048,"type":"msix"}"#))
        }
        for (path, body) in steps {
            let response = try client.request("POST", path, json: body)
            #expect(response.status == 201, "\(path): \(response.text.prefix(300))")
        }
    }

    /// The snapshot document without its `sequence` (a replacement is a journal record too).
    static func state(of document: [UInt8]) -> String {
        let text = String(decoding: document, as: UTF8.self)
        guard let range = text.range(of: #","state":"#) else { return text }
        return String(text[range.upperBound...])
    }

    @Test("a state of 4,096 IRQs (over 1 MiB) downloaded with GET /v1/snapshot uploads back at default settings; the dry run changes nothing")
    func snapshotRoundTrip() throws {
        let server = try ServerProcess()
        defer {
            server.stop()
            server.dataDirectory.remove()
        }
        let client = try RawHTTPClient(port: server.port, timeout: .seconds(60))
        try OperatorEndToEndTests.buildLargeState(client)
        let downloaded = try client.request("GET", "/v1/snapshot")
        #expect(downloaded.status == 200)
        #expect(downloaded.body.count > 1 << 20, "\(downloaded.body.count) bytes")
        let json = [("Content-Type", "application/json")]

        // The general limit still holds for other requests, and its 413 names its setting.
        let other = try RawHTTPClient(port: server.port).request("POST", "/v1/systems", headers: json, body: downloaded.body)
        #expect(other.status == 413)
        #expect(other.text.contains("(--max-body, MSID_MAX_BODY)"))

        let files = try FileManager.default.contentsOfDirectory(atPath: server.dataDirectory.path).sorted()
        let dry = try client.request("PUT", "/v1/snapshot?dryRun=true", headers: json, body: downloaded.body)
        #expect(dry.status == 200, "\(dry.text.prefix(300))")
        #expect(dry.text == #"{"domains":3,"dryRun":true,"irqs":4096,"replaces":{"domains":3,"irqs":4096,"sequence":6,"systems":1},"systems":1}"#)
        #expect(try client.request("GET", "/v1/snapshot").body == downloaded.body, "the dry run changed nothing, not even the sequence")
        #expect(try FileManager.default.contentsOfDirectory(atPath: server.dataDirectory.path).sorted() == files, "nor the data directory")

        let put = try client.request("PUT", "/v1/snapshot", headers: json, body: downloaded.body)
        #expect(put.status == 200, "\(put.text.prefix(300))")
        #expect(put.text.contains(#""backup":"snapshot.replaced.json""#))
        #expect(put.text.contains(#""replaced":{"domains":3,"irqs":4096,"sequence":6,"systems":1}"#))
        let after = try client.request("GET", "/v1/snapshot")
        #expect(OperatorEndToEndTests.state(of: after.body) == OperatorEndToEndTests.state(of: downloaded.body))
        let backup = try Data(contentsOf: URL(fileURLWithPath: server.dataDirectory.file("snapshot.replaced.json")))
        #expect(OperatorEndToEndTests.state(of: Array(backup)).hasPrefix(OperatorEndToEndTests.state(of: downloaded.body).dropLast()))
    }

    @Test("--max-snapshot-body bounds the upload alone, and its 413 says which setting to raise")
    func snapshotLimitFlag() throws {
        let server = try ServerProcess(arguments: ["--max-snapshot-body", "4KiB"])
        defer {
            server.stop()
            server.dataDirectory.remove()
        }
        let client = try RawHTTPClient(port: server.port)
        try DurabilityEndToEndTests.build(client)
        let document = try client.request("GET", "/v1/snapshot").body
        #expect(document.count > 4096)
        let refused = try RawHTTPClient(port: server.port).request("PUT", "/v1/snapshot", headers: [("Content-Type", "application/json")], body: document)
        #expect(refused.status == 413)
        #expect(refused.text.contains(#""detail":"the snapshot upload exceeds the limit of 4096 bytes (--max-snapshot-body, MSID_MAX_SNAPSHOT_BODY)""#))
        #expect(try OperatorEndToEndTests.run(["serve", "--help"]).output.contains("--max-snapshot-body"))
    }

    @Test("msid --version prints the release that msid_build_info reports in /metrics")
    func version() throws {
        let (status, output, _) = try OperatorEndToEndTests.run(["--version"])
        #expect(status == 0)
        let version = output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(version.split(separator: ".").count == 3 && version.split(separator: ".").allSatisfy { Int($0) != nil }, "\(version)")
        let server = try ServerProcess()
        defer {
            server.stop()
            server.dataDirectory.remove()
        }
        let metrics = try RawHTTPClient(port: server.port).request("GET", "/metrics").text
        #expect(metrics.contains(#"msid_build_info{version="\#(version)"} 1"#))
        #expect(metrics.contains(#"msid_state_limit{resource="systems"} 256"#))
    }

    @Test("--host localhost listens on 127.0.0.1; --host ::1 listens on IPv6 loopback; a name is refused saying what is accepted")
    func hosts() throws {
        let local = try ServerProcess(arguments: ["--host", "localhost"])
        #expect(local.standardOutput.contains("listening on http://127.0.0.1:\(local.port)"))
        #expect(try RawHTTPClient(port: local.port).request("GET", "/healthz").status == 200)
        local.stop()
        local.dataDirectory.remove()

        if FileManager.default.fileExists(atPath: "/proc/net/if_inet6") {
            let v6 = try ServerProcess(arguments: ["--host", "::1"])
            defer {
                v6.stop()
                v6.dataDirectory.remove()
            }
            #expect(v6.standardOutput.contains("listening on http://[::1]:\(v6.port)"))
            #expect(try OperatorEndToEndTests.run(["healthcheck", "--host", "::1", "--port", String(v6.port)]).status == 0)
            #expect(try OperatorEndToEndTests.run(["healthcheck", "--host", "[::1]", "--port", String(v6.port)]).status == 0)
        }

        let refused = try OperatorEndToEndTests.run(["serve", "--host", "msid.example", "--port", "0"])
        #expect(refused.status != 0)
        #expect(refused.error.contains("\"msid.example\" is not an address msid can listen on: give an IPv4 literal"))
    }

    @Test("msid healthcheck says why it failed: nothing listening, with the system's reason")
    func healthcheckReason() throws {
        let server = try ServerProcess()
        let port = server.port
        server.stop()
        server.dataDirectory.remove()
        let (status, _, error) = try OperatorEndToEndTests.run(["healthcheck", "--port", String(port)])
        #expect(status == 1)
        #expect(error.contains("msid healthcheck: cannot connect to 127.0.0.1:\(port): Connection refused"), "\(error)")
    }

    @Test("a data directory that cannot be made says the system's text, not only the errno number")
    func systemErrorText() throws {
        let parent = try TemporaryDirectory(prefix: "msid-e2e-errno")
        defer { parent.remove() }
        let file = parent.file("plain-file")
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        let (status, _, error) = try OperatorEndToEndTests.run(["serve", "--port", "0", "--data-dir", file + "/data"])
        #expect(status == 2)
        #expect(error.contains("Not a directory (errno 20)"), "\(error)")
    }
}
