import Foundation
import MSIDTestSupport
import Testing

/// Graceful shutdown at every log level: the final snapshot must not depend on whether a log
/// line is printed (issue 14, item 6).
@Suite("msid graceful shutdown, end to end")
struct ShutdownEndToEndTests {
    @Test("SIGTERM writes the final snapshot and compacts the journal at every log level",
          arguments: ["trace", "debug", "info", "notice", "warning", "error", "critical"])
    func finalSnapshotAtEveryLogLevel(level: String) throws {
        let directory = try TemporaryDirectory(prefix: "msid-e2e-shutdown-\(level)")
        defer { directory.remove() }
        let first = try ServerProcess(arguments: ["--log-level", level], dataDirectory: directory)
        try DurabilityEndToEndTests.build(try RawHTTPClient(port: first.port))
        let before = try DurabilityEndToEndTests.observe(first.port)
        #expect(first.stop().status == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(files == ["msid.lock", "snapshot.json"], "at --log-level \(level) the journal was not compacted: \(files)")
        let snapshot = String(decoding: try Data(contentsOf: URL(fileURLWithPath: directory.file("snapshot.json"))), as: UTF8.self)
        #expect(snapshot.contains(#""sequence":6,"#), "the final snapshot covers the six mutations")

        let second = try ServerProcess(dataDirectory: directory)
        defer { second.stop() }
        #expect(second.standardOutput.contains("(snapshot through record 6, 0 journal records replayed)"))
        #expect(try DurabilityEndToEndTests.observe(second.port) == before)
    }
}
