import Foundation
import MSIDTestSupport
import Testing

/// What the container and operators rely on: the healthcheck subcommand, one server per port.
@Suite("Operations, end to end")
struct OperationsEndToEndTests {
    /// Runs `msid ARGS` to completion and returns its exit status.
    static func run(_ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ServerProcess.binaryPath)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test("`msid healthcheck --port N`, as the image's HEALTHCHECK runs it: 0 when msid answers, non-zero when nothing listens")
    func healthcheck() throws {
        let server = try ServerProcess()
        defer { server.dataDirectory.remove() }
        #expect(try OperationsEndToEndTests.run(["healthcheck", "--port", String(server.port)]) == 0)
        server.stop()
        #expect(try OperationsEndToEndTests.run(["healthcheck", "--port", String(server.port)]) != 0)
    }

    @Test("a second msid on a port in use fails to start (no SO_REUSEPORT) and the first keeps every connection")
    func portInUse() throws {
        let first = try ServerProcess()
        defer {
            first.stop()
            first.dataDirectory.remove()
        }
        do {
            let second = try ServerProcess(arguments: ["--port", String(first.port)])
            second.stop()
            second.dataDirectory.remove()
            Issue.record("a second msid bound port \(first.port)")
        } catch let failure as ServerProcess.StartFailure {
            #expect(failure.status == 69)
        }
        for _ in 0..<8 {
            #expect(try RawHTTPClient(port: first.port).request("GET", "/readyz").status == 200)
        }
    }
}
