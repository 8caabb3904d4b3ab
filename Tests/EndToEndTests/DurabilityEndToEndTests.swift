import Foundation
import MSIDTestSupport
import Testing

/// Restarts of the real binary on one data directory.
@Suite("msid durability, end to end")
struct DurabilityEndToEndTests {
    /// A small state: an x86 system with a Hyper-V bus, a NIC with MSI-X, moved affinity.
    static func build(_ client: RawHTTPClient) throws {
        for (method, path, body) in [
            ("POST", "/v1/systems", #"{"name":"x86","arch":"x86_64","cpus":4}"#),
            ("POST", "/v1/systems/x86/domains", #"{"name":"vector","kind":"x86-vector"}"#),
            ("POST", "/v1/systems/x86/domains", #"{"name":"vpci","kind":"hyperv-vpci","parent":"vector"}"#),
            ("POST", "/v1/systems/x86/domains", #"{"name":"nic","kind":"pci-msi","parent":"vpci","device":"0000:00:02.0"}"#),
            ("POST", "/v1/systems/x86/domains/nic/irqs", #"{"count":3,"type":"msix"}"#),
            ("PUT", "/v1/systems/x86/irqs/24/affinity", #"{"cpus":"2"}"#),
        ] {
            let response = try client.request(method, path, json: body)
            #expect((200..<300).contains(response.status), "\(method) \(path): \(response.text)")
        }
    }

    /// What a client can read of the state.
    static func observe(_ port: UInt16) throws -> [String] {
        let client = try RawHTTPClient(port: port)
        return try ["/v1/systems", "/v1/systems/x86/irqs", "/v1/systems/x86/events?limit=1000", "/v1/systems/x86/domains/vector"]
            .map { try client.request("GET", $0).text }
    }

    @Test("every acknowledged mutation survives SIGKILL, and the event trail with it")
    func survivesKill() throws {
        let directory = try TemporaryDirectory(prefix: "msid-e2e-kill")
        defer { directory.remove() }
        let first = try ServerProcess(dataDirectory: directory)
        try DurabilityEndToEndTests.build(try RawHTTPClient(port: first.port))
        let before = try DurabilityEndToEndTests.observe(first.port)
        first.kill()

        let second = try ServerProcess(dataDirectory: directory)
        defer { second.stop() }
        #expect(try DurabilityEndToEndTests.observe(second.port) == before)
        #expect(try RawHTTPClient(port: second.port).request("GET", "/readyz").status == 200)
    }

    @Test("a graceful stop writes a final snapshot; the next start replays nothing")
    func finalSnapshot() throws {
        let directory = try TemporaryDirectory(prefix: "msid-e2e-stop")
        defer { directory.remove() }
        let first = try ServerProcess(dataDirectory: directory)
        try DurabilityEndToEndTests.build(try RawHTTPClient(port: first.port))
        let before = try DurabilityEndToEndTests.observe(first.port)
        #expect(first.stop().status == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(files == ["msid.lock", "snapshot.json"], "the journal segments the snapshot covers are gone")

        let second = try ServerProcess(dataDirectory: directory)
        defer { second.stop() }
        #expect(second.standardOutput.contains("0 journal records replayed"))
        #expect(try DurabilityEndToEndTests.observe(second.port) == before)
    }

    @Test("a second msid on the same data directory exits 2 and says why")
    func lockedDirectory() throws {
        let directory = try TemporaryDirectory(prefix: "msid-e2e-lock")
        defer { directory.remove() }
        let first = try ServerProcess(dataDirectory: directory)
        defer { first.stop() }
        do {
            let second = try ServerProcess(dataDirectory: directory)
            second.stop()
            Issue.record("the second msid started")
        } catch let failure as ServerProcess.StartFailure {
            #expect(failure.status == 2)
            #expect(failure.standardError.contains("in use by another msid process"))
        }
    }

    @Test("a damaged journal record stops the start (exit 2, nothing changed); --repair cuts it after saving a copy")
    func damagedJournal() throws {
        let directory = try TemporaryDirectory(prefix: "msid-e2e-damage")
        defer { directory.remove() }
        let first = try ServerProcess(dataDirectory: directory)
        try DurabilityEndToEndTests.build(try RawHTTPClient(port: first.port))
        first.kill()

        let segment = directory.file("journal-00000000000000000001.log")
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: segment)))
        let lines = bytes.indices.filter { bytes[$0] == 0x0A }
        #expect(lines.count == 6)
        bytes[lines[1] + 5] ^= 0x04  // inside record 3 of 6
        try Data(bytes).write(to: URL(fileURLWithPath: segment))
        let listing = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()

        do {
            let refused = try ServerProcess(dataDirectory: directory)
            refused.stop()
            Issue.record("msid started on a damaged journal")
        } catch let failure as ServerProcess.StartFailure {
            #expect(failure.status == 2)
            #expect(failure.standardError.contains("is damaged at byte \(lines[1] + 1)"))
            #expect(failure.standardError.contains("nothing on disk was changed"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == listing)
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: segment))) == bytes)

        let repaired = try ServerProcess(arguments: ["--repair"], dataDirectory: directory)
        defer { repaired.stop() }
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: segment + ".damaged"))) == bytes)
        let systems = try RawHTTPClient(port: repaired.port).request("GET", "/v1/systems/x86/domains").text
        #expect(systems.contains(#""name":"vector""#) && !systems.contains(#""name":"vpci""#), "records 1-2 kept, 3 on cut")
    }

    @Test("the last journal record with its newline damaged is kept: the acknowledged mutation survives the restart")
    func damagedLastNewline() throws {
        let directory = try TemporaryDirectory(prefix: "msid-e2e-newline")
        defer { directory.remove() }
        let first = try ServerProcess(dataDirectory: directory)
        try DurabilityEndToEndTests.build(try RawHTTPClient(port: first.port))
        let before = try DurabilityEndToEndTests.observe(first.port)
        first.kill()

        let segment = directory.file("journal-00000000000000000001.log")
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: segment)))
        #expect(bytes.last == 0x0A)
        bytes[bytes.count - 1] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: segment))

        let second = try ServerProcess(arguments: ["--log-level", "warning"], dataDirectory: directory)
        #expect(second.standardOutput.contains("6 journal records replayed"))
        #expect(try DurabilityEndToEndTests.observe(second.port) == before, "the affinity move of record 6 is there")
        let moved = try RawHTTPClient(port: second.port).request("PUT", "/v1/systems/x86/irqs/25/affinity", json: #"{"cpus":"3"}"#)
        #expect(moved.status == 200)
        let after = try DurabilityEndToEndTests.observe(second.port)
        second.kill()
        #expect(second.standardError.contains("journal record 6 in \(segment) ends in byte 0xb at offset \(bytes.count - 1)"))

        let third = try ServerProcess(dataDirectory: directory)
        defer { third.stop() }
        #expect(third.standardOutput.contains("7 journal records replayed"))
        #expect(try DurabilityEndToEndTests.observe(third.port) == after)
    }

    @Test("a snapshot.json with a flipped bit stops the start with exit 2 and says its checksum does not match")
    func damagedSnapshot() throws {
        let directory = try TemporaryDirectory(prefix: "msid-e2e-snapshot-flip")
        defer { directory.remove() }
        let first = try ServerProcess(dataDirectory: directory)
        try DurabilityEndToEndTests.build(try RawHTTPClient(port: first.port))
        #expect(first.stop().status == 0)
        let path = directory.file("snapshot.json")
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let digit = try #require(bytes.firstIndex(of: UInt8(ascii: "2")))  // a digit of the state: a CPU, a vector...
        bytes[digit] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        do {
            let refused = try ServerProcess(dataDirectory: directory)
            refused.stop()
            Issue.record("msid started on a damaged snapshot")
        } catch let failure as ServerProcess.StartFailure {
            #expect(failure.status == 2)
            #expect(failure.standardError.contains("the snapshot \(path) cannot be used: its checksum does not match its bytes"))
            #expect(failure.standardError.contains("nothing on disk was changed"))
        }
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: path))) == bytes)
    }

    @Test("a snapshot of an unknown format stops the start with exit 2")
    func unknownFormat() throws {
        let directory = try TemporaryDirectory(prefix: "msid-e2e-format")
        defer { directory.remove() }
        try Data(#"{"format":99,"sequence":0,"state":{"systems":{}}}"#.utf8).write(to: URL(fileURLWithPath: directory.file("snapshot.json")))
        do {
            let refused = try ServerProcess(dataDirectory: directory)
            refused.stop()
            Issue.record("msid started on an unknown snapshot format")
        } catch let failure as ServerProcess.StartFailure {
            #expect(failure.status == 2)
            #expect(failure.standardError.contains("unknown snapshot format 99"))
        }
    }
}
