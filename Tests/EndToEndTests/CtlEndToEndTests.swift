import Foundation
import MSIDTestSupport
import Testing

/// `msid ctl` against the real binary: tables for people, JSON with --json, problems on
/// standard error with exit 1, MSID_URL and MSID_TOKEN honoured.
@Suite("msid ctl, end to end")
struct CtlEndToEndTests {
    /// Runs `msid ctl ARGS` with `environment` added; its exit status, standard output and error.
    static func ctl(_ arguments: [String], url: String, token: String? = nil) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ServerProcess.binaryPath)
        process.arguments = ["ctl"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["MSID_URL"] = url
        if let token { environment["MSID_TOKEN"] = token }
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    @Test("the common verbs through msid ctl")
    func verbs() throws {
        let server = try ServerProcess()
        defer {
            server.stop()
            server.dataDirectory.remove()
        }
        let url = "http://127.0.0.1:\(server.port)"
        #expect(try Self.ctl(["create-system", "x", "--arch", "x86_64", "--cpus", "4"], url: url).status == 0)
        #expect(try Self.ctl(["create-domain", "x", "vector", "x86-vector"], url: url).status == 0)
        #expect(try Self.ctl(["create-domain", "x", "nic", "pci-msi", "--parent", "vector", "--set", "device=0000:00:04.0"], url: url).status == 0)
        let allocated = try Self.ctl(["allocate", "x", "nic", "3", "--affinity", "1"], url: url)
        #expect(allocated.status == 0)
        #expect(allocated.out.hasPrefix("VIRQ  DEVICE        TYPE  INDEX  EFFECTIVEAFFINITY  VECTOR  MSI.ADDRESS         MSI.DATA  MANAGED  MASKED\n24    0000:00:04.0  msix  0      1"))
        let systems = try Self.ctl(["systems"], url: url)
        #expect(systems.out == "NAME  ARCH    CPUS  ONLINE  NUMANODES  DOMAINS  IRQS\nx     x86_64  4     0-3     1          2        3\n")
        let json = try Self.ctl(["systems", "--json"], url: url)
        #expect(json.out.hasPrefix(#"{"systems":[{"arch":"x86_64""#))
        #expect(try Self.ctl(["affinity", "x", "24", "2"], url: url).status == 0)
        #expect(try Self.ctl(["interrupts", "x"], url: url).out.contains("  24    2  0x20"))
        let refused = try Self.ctl(["offline", "x", "0"], url: url)
        #expect(refused.status == 1)
        #expect(refused.err.contains("x86 boot CPU") && refused.err.contains("(409)"))
        #expect(try Self.ctl(["delete-system", "x", "--cascade"], url: url).out == "domains: nic,vector\nfreed: 24,25,26\n")
        let nothing = try Self.ctl(["systems"], url: "http://127.0.0.1:1")
        #expect(nothing.status == 1 && nothing.err.contains("cannot connect"))
    }
}
