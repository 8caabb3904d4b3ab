import Foundation
import Synchronization

/// The real `msid` binary, started for a test on 127.0.0.1 with an ephemeral port and its
/// own data directory, stopped by PID.
///
/// The binary is the `msid` built beside the running test bundle (SwiftPM builds it because
/// the test target depends on it), or `MSID_BINARY` when set.
public final class ServerProcess: @unchecked Sendable {
    // @unchecked Sendable: `process` and the pipes are only used through Foundation's
    // thread-safe Process API; captured output is behind a Mutex.
    public let port: UInt16
    public let dataDirectory: TemporaryDirectory
    public let scheme: String
    private let process: Process
    private let output: Output

    private final class Output: Sendable {
        let stderr = Mutex<[UInt8]>([])
        let stdout = Mutex<[UInt8]>([])
    }

    public struct StartFailure: Error, CustomStringConvertible {
        public let description: String
        /// The exit status when msid exited (nil if it was killed for missing the deadline).
        public var status: Int32? = nil
        public var standardError: String = ""
    }

    /// The path of the msid executable to test.
    public static var binaryPath: String {
        if let override = ProcessInfo.processInfo.environment["MSID_BINARY"] { return override }
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = bundle.deletingLastPathComponent()
        // swift test runs <build>/debug/<package>PackageTests.xctest; msid sits in <build>/debug.
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("msid").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return "msid"
    }

    /// Starts `msid serve` and waits (up to `deadline`) for its `listening on` line and, with
    /// `waitForReady`, for the `ready` line it prints once the state is recovered.
    public init(arguments: [String] = [], environment: [String: String] = [:], dataDirectory: TemporaryDirectory? = nil,
                waitForReady: Bool = true, deadline: Duration = .seconds(20)) throws {
        let directory = try dataDirectory ?? TemporaryDirectory(prefix: "msid-data")
        self.dataDirectory = directory
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ServerProcess.binaryPath)
        process.arguments = ["serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", directory.path] + arguments
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("MSID_") }
        env.merge(environment) { _, new in new }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let output = Output()
        err.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            output.stderr.withLock { $0.append(contentsOf: data) }
        }
        try process.run()
        self.process = process
        self.output = output

        // Read stdout until the "listening on" line: poll(2) with the time left, no sleeping.
        let descriptor = out.fileHandleForReading.fileDescriptor
        let clock = ContinuousClock()
        let end = clock.now + deadline
        var buffer: [UInt8] = []
        var found: (scheme: String, port: UInt16)?
        var ready = !waitForReady
        while found == nil || !ready {
            let left = end - clock.now
            var pollDescriptor = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(max(0, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))
            if left <= .zero || poll(&pollDescriptor, 1, milliseconds) <= 0 { break }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = read(descriptor, &chunk, chunk.count)
            if count <= 0 { break }
            buffer.append(contentsOf: chunk[0..<count])
            let text = String(decoding: buffer, as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }),
               let colon = line.lastIndex(of: ":"), let port = UInt16(line[line.index(after: colon)...]) {
                found = (line.contains("https://") ? "https" : "http", port)
            }
            if text.split(separator: "\n").contains(where: { $0.hasPrefix("ready") }) { ready = true }
        }
        guard let found, ready else {
            if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            if dataDirectory == nil { directory.remove() }  // ours, and nobody else will see it
            err.fileHandleForReading.readabilityHandler = nil
            let rest = err.fileHandleForReading.readDataToEndOfFile()
            output.stderr.withLock { $0.append(contentsOf: rest) }
            let standardError = String(decoding: output.stderr.withLock { $0 }, as: UTF8.self)
            throw StartFailure(description: "msid did not print its listening and ready lines (status \(process.terminationStatus)); stderr:\n"
                               + standardError, status: process.terminationReason == .exit ? process.terminationStatus : nil,
                               standardError: standardError)
        }
        output.stdout.withLock { $0 = buffer }
        out.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            output.stdout.withLock { $0.append(contentsOf: data) }
        }
        self.port = found.port
        self.scheme = found.scheme
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }
    public var standardError: String { String(decoding: output.stderr.withLock { $0 }, as: UTF8.self) }
    public var standardOutput: String { String(decoding: output.stdout.withLock { $0 }, as: UTF8.self) }

    /// SIGTERM by PID, then waits up to `deadline`; SIGKILL if it is still running.
    /// - Returns: the exit status and how long the process took to exit.
    @discardableResult
    public func stop(deadline: Duration = .seconds(10)) -> (status: Int32, elapsed: Duration) {
        let clock = ContinuousClock()
        let start = clock.now
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGTERM) }
        while process.isRunning && clock.now - start < deadline { usleep(2_000) }
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return (process.terminationStatus, clock.now - start)
    }

    /// SIGKILL by PID (crash tests).
    public func kill() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit {
        if process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
