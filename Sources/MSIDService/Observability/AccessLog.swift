import Glibc
import Logging
import MicroHTTP
import SnapshotStore
import Synchronization

/// The per-request log line, made cheap: formatted straight into bytes (no metadata
/// dictionary, no intermediate strings), appended to a bounded in-memory buffer under a short
/// lock, and written to the sink by a background thread in large `write(2)` calls. A request
/// never waits for the sink: when the buffer is full, its line is dropped and counted
/// (`dropped`, exposed as `msid_access_log_dropped_total`).
///
/// The line keeps the shape swift-log's `StreamLogHandler` gave it (metadata keys sorted):
///
///     2026-11-25T09:31:38+0000 info msid: duration_ms=5.391 method=POST request_id=36b1675178-3 route=/v1/systems status=201 [MSIDService] request
///
/// and a 5xx at `error` with `cause=<problem detail>` first. Never a header, so never a token.
///
/// Order: lines reach the sink in the order they entered the buffer; they may reach it up to
/// one writer pass (a few milliseconds) after other log lines written directly. `flush`
/// writes everything buffered (at shutdown).
///
/// Cost per line (measured on /healthz, see README's performance section): one lock of a
/// `Mutex` around a `memcpy`; the writer is woken only when the buffer goes from empty to
/// non-empty, and waits `batchPause` after each pass, so under load it is woken about 200
/// times a second whatever the request rate.
public final class AccessLog: Sendable {
    /// Lines below this level are not made at all.
    public let level: Logger.Level
    /// Bytes the buffer may hold before lines are dropped.
    public let capacity: Int
    private let sink: Int32
    private let buffer: Mutex<[UInt8]>
    private let writing = Mutex<Void>(())
    private let droppedLines = Atomic<Int>(0)
    private let worker = Mutex<BackgroundWorker?>(nil)

    /// A log writing to file descriptor `sink` (2: standard error), holding at most `capacity`
    /// bytes of lines not yet written. Starts its writer thread.
    public init(level: Logger.Level, sink: Int32 = 2, capacity: Int = 1 << 20) {
        self.level = level
        self.sink = sink
        self.capacity = max(256, capacity)
        var initial: [UInt8] = []
        initial.reserveCapacity(self.capacity)
        buffer = Mutex(initial)
        let made = BackgroundWorker { [weak self] in
            self?.drain()
            // Let lines gather: while the buffer is not empty, a request wakes nobody.
            var pause = timespec(tv_sec: 0, tv_nsec: AccessLog.batchPause)
            nanosleep(&pause, nil)
        }
        worker.withLock { $0 = made }
    }

    deinit { worker.withLock { $0 }?.stop() }

    /// Lines dropped because the buffer was full, since the start.
    public var dropped: Int { droppedLines.load(ordering: .relaxed) }

    /// Whether a line at `level` is made.
    func accepts(_ lineLevel: Logger.Level) -> Bool { level <= lineLevel }

    /// Writes everything buffered now, on the caller's thread, and stops the writer (at
    /// shutdown; later lines are still buffered and written by another `flush`).
    public func flush() {
        worker.withLock { current -> BackgroundWorker? in defer { current = nil }; return current }?.stop()
        drain()
    }

    /// Makes and buffers one request line.
    func record(method: String, route: String, status: Int, microseconds: Int64, requestID: String, cause: String?) {
        let lineLevel: Logger.Level = status >= 500 ? .error : .info
        guard accepts(lineLevel) else { return }
        let bound = 160 + method.utf8.count + route.utf8.count + requestID.utf8.count + min(cause?.utf8.count ?? 0, AccessLog.causeLimit)
        let wake = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bound) { scratch -> Bool in
            var line = LineWriter(scratch)
            line.timestamp()
            line.append(lineLevel == .error ? " error msid:" : " info msid:")
            if let cause {
                line.append(" cause=")
                line.appendSanitized(cause, limit: AccessLog.causeLimit)
            }
            line.append(" duration_ms=")
            line.milliseconds(microseconds)
            line.append(" method=")
            line.append(method)
            line.append(" request_id=")
            line.append(requestID)
            line.append(" route=")
            line.appendSanitized(route, limit: route.utf8.count)
            line.append(" status=")
            line.decimal(Int64(status))
            line.append(" [MSIDService] request\n")
            let bytes = UnsafeBufferPointer(rebasing: scratch[..<line.count])
            return buffer.withLock { pending -> Bool? in
                guard pending.count + bytes.count <= capacity else { return nil }
                let wasEmpty = pending.isEmpty
                pending.append(contentsOf: bytes)
                return wasEmpty
            } ?? {
                droppedLines.add(1, ordering: .relaxed)
                return false
            }()
        }
        if wake { worker.withLock { $0 }?.signal() }
    }

    /// Takes what is buffered and writes it (one writer at a time, so lines keep their order).
    private func drain() {
        writing.withLock { _ in
            var spare: [UInt8] = []
            spare.reserveCapacity(capacity)
            while true {
                var taken = buffer.withLock { pending -> [UInt8] in
                    let out = pending
                    pending = spare
                    return out
                }
                guard !taken.isEmpty else { return }
                taken.withUnsafeBytes { bytes in
                    var offset = 0
                    while offset < bytes.count, let base = bytes.baseAddress {
                        let written = write(sink, base + offset, bytes.count - offset)
                        if written < 0 && errno == EINTR { continue }
                        guard written > 0 else { return }  // the sink is gone: the lines are lost, as with any log
                        offset += written
                    }
                }
                taken.removeAll(keepingCapacity: true)
                spare = taken
            }
        }
    }

    /// Nanoseconds the writer waits after each pass: lines written at most this late, and the
    /// writer woken at most about once per pause (a wake-up per line cost 20% of /healthz).
    static let batchPause = 5_000_000

    /// The longest cause kept in a line, in bytes.
    static let causeLimit = 512
}

/// Appends ASCII bytes to a scratch buffer sized by the caller. Safe: every byte goes through
/// `byte`, which checks the index against the buffer's count (a line longer than its estimate
/// is cut, never written past the end), and the buffer is a stack allocation that lives for
/// the whole of `record`'s formatting and copy.
private struct LineWriter {
    let storage: UnsafeMutableBufferPointer<UInt8>
    var count = 0

    init(_ storage: UnsafeMutableBufferPointer<UInt8>) { self.storage = storage }

    mutating func byte(_ value: UInt8) {
        guard count < storage.count else { return }
        storage[count] = value
        count += 1
    }

    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { for value in $0 { byte(value) } }
    }

    mutating func append(_ text: String) {
        for value in text.utf8 { byte(value) }
    }

    /// At most `limit` bytes of `text`, control characters as spaces (the line stays one line).
    mutating func appendSanitized(_ text: String, limit: Int) {
        var taken = 0
        for value in text.utf8 {
            guard taken < limit else { return }
            byte(value < 0x20 || value == 0x7F ? 0x20 : value)
            taken += 1
        }
    }

    mutating func decimal(_ value: Int64) {
        if value < 0 { byte(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var length = 0
        withUnsafeMutableBytes(of: &digits) { raw in
            repeat {
                raw[length] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                length += 1
            } while magnitude > 0
            for index in stride(from: length - 1, through: 0, by: -1) { byte(raw[index]) }
        }
    }

    /// `digits` decimal digits of `value`, zero-padded.
    mutating func padded(_ value: Int64, digits: Int) {
        var divisor: Int64 = 1
        for _ in 1..<max(1, digits) { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            byte(UInt8(ascii: "0") + UInt8((rest / divisor) % 10))
            rest %= divisor
            divisor /= 10
        }
    }

    /// Milliseconds with three decimals, from microseconds.
    mutating func milliseconds(_ microseconds: Int64) {
        let value = max(0, microseconds)
        decimal(value / 1000)
        byte(UInt8(ascii: "."))
        padded(value % 1000, digits: 3)
    }

    /// The wall-clock time in UTC, `2026-11-25T09:31:38+0000` (days to civil date by
    /// Howard Hinnant's `civil_from_days`, no `strftime`, no time-zone lookup).
    mutating func timestamp() {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let date = CivilDate(secondsSinceEpoch: Int64(now.tv_sec))
        let secondOfDay = date.secondOfDay
        padded(date.year, digits: 4)
        byte(UInt8(ascii: "-"))
        padded(date.month, digits: 2)
        byte(UInt8(ascii: "-"))
        padded(date.day, digits: 2)
        byte(UInt8(ascii: "T"))
        padded(secondOfDay / 3600, digits: 2)
        byte(UInt8(ascii: ":"))
        padded(secondOfDay / 60 % 60, digits: 2)
        byte(UInt8(ascii: ":"))
        padded(secondOfDay % 60, digits: 2)
        append("+0000")
    }
}
