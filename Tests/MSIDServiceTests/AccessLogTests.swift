import Foundation
import Glibc
import Logging
@testable import MSIDService
import MicroHTTP
import Testing

/// The request log: its line, its levels, and what it does when the sink cannot keep up.
@Suite("Access log")
struct AccessLogTests {
    /// A pipe: the log writes to `write`, the test reads `read`.
    /// A pipe for a log to write to. The log's writer thread can still be writing when a test
    /// closes the read end (msid itself ignores SIGPIPE at start, as `serve` does): a write then
    /// fails with EPIPE instead of killing the whole test process with SIGPIPE.
    private static func pipePair() throws -> (read: Int32, write: Int32) {
        signal(SIGPIPE, SIG_IGN)
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        return (fds[0], fds[1])
    }

    private static func readAll(_ fd: Int32) -> String {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = read(fd, &chunk, chunk.count)
            guard count > 0 else { break }
            out += chunk[0..<count]
        }
        return String(decoding: out, as: UTF8.self)
    }

    @Test("a line carries method, route template, status, duration and request id, in the StreamLogHandler shape")
    func lineShape() throws {
        let (reader, writer) = try AccessLogTests.pipePair()
        defer { close(reader); close(writer) }
        let log = AccessLog(level: .info, sink: writer)
        log.record(method: "POST", route: "/v1/systems", status: 201, microseconds: 5391, requestID: "abc-3", cause: nil)
        log.record(method: "GET", route: "/v1/x", status: 503, microseconds: 7, requestID: "abc-4", cause: "the journal sync failed:\nEIO")
        log.flush()
        let lines = AccessLogTests.readAll(reader).split(separator: "\n")
        try #require(lines.count == 2)
        let first = String(lines[0])
        #expect(first.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000 info msid: duration_ms=5\.391 method=POST request_id=abc-3 route=\/v1\/systems status=201 \[MSIDService\] request/) != nil, "\(first)")
        #expect(lines[1].hasSuffix(" error msid: cause=the journal sync failed: EIO duration_ms=0.007 method=GET request_id=abc-4 route=/v1/x status=503 [MSIDService] request")
                || lines[1].contains("error msid: cause=the journal sync failed: EIO duration_ms=0.007"), "\(lines[1])")
        let year = Calendar(identifier: .gregorian).component(.year, from: Date())
        #expect(first.hasPrefix(String(year)))
    }

    @Test("at error level only 5xx lines are made")
    func errorLevel() throws {
        let (reader, writer) = try AccessLogTests.pipePair()
        defer { close(reader); close(writer) }
        let log = AccessLog(level: .error, sink: writer)
        log.record(method: "GET", route: "/healthz", status: 200, microseconds: 1, requestID: "a", cause: nil)
        log.record(method: "GET", route: "/healthz", status: 500, microseconds: 1, requestID: "b", cause: "boom")
        log.flush()
        let text = AccessLogTests.readAll(reader)
        #expect(!text.contains("request_id=a "))
        #expect(text.contains("cause=boom"))
    }

    @Test("when the sink does not keep up, lines are dropped and counted, and the request never blocks")
    func dropsWhenFull() throws {
        let (reader, writer) = try AccessLogTests.pipePair()
        defer { close(reader) }
        // A pipe nobody reads fills at 64 KiB; the writer thread then blocks in write(2).
        let log = AccessLog(level: .info, sink: writer, capacity: 4096)
        let clock = ContinuousClock()
        let started = clock.now
        for index in 0..<20_000 {
            log.record(method: "GET", route: "/healthz", status: 200, microseconds: 3, requestID: "id-\(index)", cause: nil)
        }
        #expect(clock.now - started < .seconds(5))
        #expect(log.dropped > 0)
        _ = AccessLogTests.readAll(reader)  // lets the writer finish
        close(writer)
    }

    @Test("the responder counts dropped lines in msid_access_log_dropped_total")
    func droppedMetric() throws {
        let (reader, writer) = try AccessLogTests.pipePair()
        defer { close(reader) }
        let log = AccessLog(level: .info, sink: writer, capacity: 256)
        let responder = ServiceResponder(logger: Logger(label: "test"), options: ServiceOptions(accessLog: log))
        for _ in 0..<3000 { _ = responder.respond(to: HTTPRequest(method: .get, path: "/healthz")) }
        let metrics = String(decoding: responder.respond(to: HTTPRequest(method: .get, path: "/metrics")).body, as: UTF8.self)
        let line = metrics.split(separator: "\n").first { $0.hasPrefix("msid_access_log_dropped_total ") }
        let value = line.flatMap { Double($0.split(separator: " ").last ?? "") } ?? -1
        #expect(value > 0, "\(line ?? "no line")")
        #expect(Int(value) <= log.dropped)
        _ = AccessLogTests.readAll(reader)
        close(writer)
    }
}
