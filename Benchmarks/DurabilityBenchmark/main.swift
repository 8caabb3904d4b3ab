// DurabilityBenchmark: what durability costs, in release mode, through the service's own request
// path (in process, no sockets), on a data directory on the real disk.
//
//   swift run -c release DurabilityBenchmark [directory]
//
// 1. Group commit: durable mutations per second with 1 client and with 16 concurrent clients
//    (each mutation journaled and fdatasync'ed before its answer), side by side, with the
//    records per fdatasync, the mean fdatasync time and the CPU time (user and system, all
//    threads) per mutation: with 16 clients on 2 cores both set the rate.
// 2. A snapshot of a 100,000-IRQ world: how long it takes, and the longest a concurrent read
//    waited meanwhile (a reader and a writer run during the snapshot).
// 3. Recovery of that world from its snapshot plus 10,000 journal records.
//
// `--group-only --sync-delay-us 2000` runs part 1 on a disk whose every fdatasync takes 2 ms
// more (a sleep through the system-call seam): how the ratio grows when the sync, not the
// CPU, is what a mutation waits for.
import Glibc
import IRQModel
import Logging
import MSIDService
import MicroHTTP
import SnapshotStore
import Synchronization

let clock = ContinuousClock()

/// The service's logger at `warning`: one line per request would measure stderr, not durability.
let quietLogger: Logger = {
    var logger = Logger(label: "bench")
    logger.logLevel = .warning
    return logger
}()

/// Journal flushes (fdatasyncs) and the records they carried, over the whole run.
let flushes = Atomic<Int>(0)
let flushedRecords = Atomic<Int>(0)
/// The time those fdatasyncs took, in nanoseconds.
let syncNanoseconds = Atomic<Int>(0)

/// The CPU time (user and system) this process has used so far, in seconds.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// `value` with one decimal.
func decimal(_ value: Double) -> String { String(Double(Int((value * 10).rounded())) / 10) }

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e3 + Double(duration.components.attoseconds) / 1e15
}

struct Bench {
    let responder: ServiceResponder

    @discardableResult
    func send(_ method: HTTPMethod, _ path: String, _ json: String? = nil) -> HTTPResponse {
        var headers: HTTPHeaders = [:]
        if json != nil { headers.add(name: "Content-Type", value: "application/json") }
        return responder.respond(to: HTTPRequest(method: method, path: path, headers: headers, body: Array((json ?? "").utf8)))
    }

    func expect(_ response: HTTPResponse, _ status: HTTPStatus, _ what: String) {
        guard response.status == status else {
            print("\(what): \(response.status) \(String(decoding: response.body, as: UTF8.self))")
            exit(1)
        }
    }

    static func open(_ directory: String, threshold: SnapshotThreshold = .records(1 << 30),
                     syscalls: Syscalls = .live) -> (Bench, Persistence.Report) {
        do {
            let lock = try Persistence.lockDirectory(directory)
            let (persistence, world, report) = try Persistence.recover(directory: directory, lock: lock, threshold: threshold,
                                                                       repair: false, logger: quietLogger, syscalls: syscalls,
                                                                       journalObserver: { flush in
                                                                           flushes.add(1, ordering: .relaxed)
                                                                           flushedRecords.add(flush.records, ordering: .relaxed)
                                                                           let (seconds, attoseconds) = flush.syncDuration.components
                                                                           syncNanoseconds.add(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000),
                                                                                               ordering: .relaxed)
                                                                       })
            let responder = ServiceResponder(logger: quietLogger, recovering: true)
            responder.finishRecovery(world: world, persistence: persistence)
            return (Bench(responder: responder), report)
        } catch {
            print("cannot open \(directory): \(error)")
            exit(1)
        }
    }

    /// An arm64 system with a GICv3 ITS and `devices` PCI devices with 2048-entry MSI-X tables
    /// (an ITS has 57,344 LPIs: 100,000 IRQs take two systems).
    func createSystem(_ name: String = "bench", devices: Int) {
        expect(send(.post, "/v1/systems", #"{"name":"\#(name)","arch":"arm64","cpus":64}"#), .created, "system")
        expect(send(.post, "/v1/systems/\(name)/domains", #"{"name":"gic","kind":"gicv3","distributorBase":"0x08000000"}"#), .created, "gic")
        expect(send(.post, "/v1/systems/\(name)/domains", #"{"name":"its","kind":"gicv3-its","parent":"gic","itsBase":"0x08080000"}"#), .created, "its")
        for device in 0..<devices {
            let bdf = "0000:" + hex2(device / 32 + 1) + ":" + hex2(device % 32) + ".0"
            expect(send(.post, "/v1/systems/\(name)/domains", #"{"name":"dev\#(device)","kind":"pci-msi","parent":"its","device":"\#(bdf)","msixTableSize":2048}"#),
                   .created, "device \(device)")
        }
    }
}

/// Two lowercase hex digits.
func hex2(_ value: Int) -> String {
    let digits = String(value, radix: 16)
    return digits.count == 1 ? "0" + digits : digits
}

func freshDirectory(_ parent: String, _ name: String) -> String {
    let path = parent + "/" + name
    _ = system("rm -rf '\(path)'")
    mkdir(path, 0o700)
    return path
}

/// Runs `body` on `count` threads at once and waits for them.
func concurrently(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    var threads: [pthread_t] = []
    final class Box: @unchecked Sendable { let body: @Sendable () -> Void; init(_ body: @escaping @Sendable () -> Void) { self.body = body } }
    for index in 0..<count {
        var thread = pthread_t()
        let box = Unmanaged.passRetained(Box { body(index) }).toOpaque()
        pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            Unmanaged<Box>.fromOpaque(raw).takeRetainedValue().body()
            return nil
        }, box)
        threads.append(thread)
    }
    for thread in threads { pthread_join(thread, nil) }
}

// MARK: 1. Group commit

/// The live system calls, with `microseconds` of sleep before each `fdatasync`: a stand-in
/// for a disk whose cache flush is slower than this machine's (network block storage).
func slowerSync(by microseconds: Int) -> Syscalls {
    var calls = Syscalls.live
    calls.fdatasync = { fd in
        usleep(UInt32(microseconds))
        return Glibc.fdatasync(fd)
    }
    return calls
}

/// `--sync-delay-us N`: the group-commit run on a disk slowed by N us per fdatasync.
let syncDelay: Int? = {
    guard let flag = CommandLine.arguments.firstIndex(of: "--sync-delay-us"), flag + 1 < CommandLine.arguments.count else { return nil }
    return Int(CommandLine.arguments[flag + 1])
}()

func groupCommit(_ parent: String) {
    let (bench, _) = Bench.open(freshDirectory(parent, "group"), syscalls: syncDelay.map(slowerSync(by:)) ?? .live)
    if let syncDelay { print("group commit: every fdatasync delayed by \(syncDelay) us (--sync-delay-us)") }
    bench.createSystem(devices: 16)
    for device in 0..<16 { bench.expect(bench.send(.post, "/v1/systems/bench/domains/dev\(device)/irqs", #"{"count":1,"type":"msix"}"#), .created, "irq") }
    let seconds = 3.0
    var rates: [Int: Double] = [:]
    for clients in [1, 16] {
        let done = Atomic<Int>(0)
        let (flushesBefore, recordsBefore) = (flushes.load(ordering: .relaxed), flushedRecords.load(ordering: .relaxed))
        let syncBefore = syncNanoseconds.load(ordering: .relaxed)
        let cpuBefore = cpuSeconds()
        let start = clock.now
        concurrently(clients) { index in
            // Each client toggles the mask of its own IRQ (virqs 1-16): a durable mutation per request.
            let path = "/v1/systems/bench/irqs/\(index + 1)"
            var masked = false
            while clock.now - start < .seconds(seconds) {
                masked.toggle()
                bench.expect(bench.send(.post, path + (masked ? "/mask" : "/unmask")), .ok, "mask")
                done.add(1, ordering: .relaxed)
            }
        }
        let elapsed = milliseconds(clock.now - start) / 1e3
        rates[clients] = Double(done.load(ordering: .relaxed)) / elapsed
        let batches = flushes.load(ordering: .relaxed) - flushesBefore
        let records = flushedRecords.load(ordering: .relaxed) - recordsBefore
        let syncMicroseconds = Double(syncNanoseconds.load(ordering: .relaxed) - syncBefore) / 1e3 / Double(max(1, batches))
        let cpuPerMutation = (cpuSeconds() - cpuBefore) * 1e6 / Double(max(1, done.load(ordering: .relaxed)))
        print("group commit: \(clients) client(s): \(Int(rates[clients] ?? 0)) durable mutations/s, "
              + "\(decimal(Double(records) / Double(max(1, batches)))) records per fdatasync, "
              + "fdatasync \(Int(syncMicroseconds)) us, CPU \(Int(cpuPerMutation)) us per mutation")
    }
    print("group commit: 16 clients / 1 client = \(decimal((rates[16] ?? 0) / max(1, rates[1] ?? 1)))x (target >= 10x)")
}

// MARK: 2 and 3. Snapshot and recovery of 100,000 IRQs

func snapshotAndRecovery(_ parent: String) {
    let directory = freshDirectory(parent, "large")
    do {
        let (bench, _) = Bench.open(directory)
        for name in ["bench", "bench2"] {
            bench.createSystem(name, devices: 25)
            for device in 0..<25 {
                bench.expect(bench.send(.post, "/v1/systems/\(name)/domains/dev\(device)/irqs", #"{"count":2000,"type":"msix"}"#), .created, "block \(device)")
            }
        }

        // A reader and a writer run while the snapshot is written; the reader's longest wait is
        // the longest a read was blocked.
        let stop = Atomic<Bool>(false)
        let longestRead = Mutex<Duration>(.zero)
        let snapshotTime = Mutex<Duration>(.zero)
        concurrently(3) { role in
            switch role {
            case 0:
                usleep(200_000)
                let start = clock.now
                bench.expect(bench.send(.post, "/v1/snapshot"), .ok, "snapshot")
                snapshotTime.withLock { $0 = clock.now - start }
                stop.store(true, ordering: .relaxed)
            case 1:
                while !stop.load(ordering: .relaxed) {
                    let start = clock.now
                    bench.expect(bench.send(.get, "/v1/systems/bench/irqs/5000/msi"), .ok, "read")
                    let waited = clock.now - start
                    longestRead.withLock { $0 = max($0, waited) }
                }
            default:
                var masked = false
                while !stop.load(ordering: .relaxed) {
                    masked.toggle()
                    bench.expect(bench.send(.post, "/v1/systems/bench/irqs/7/" + (masked ? "mask" : "unmask")), .ok, "write")
                }
            }
        }
        let size = (try? FileSystem.read(directory + "/" + Persistence.snapshotName))??.count ?? 0
        print("snapshot of 100,000 IRQs: \(decimal(milliseconds(snapshotTime.withLock { $0 }))) ms, \(size / 1_000_000) MB "
              + "(target < 1000 ms); longest read meanwhile \(decimal(milliseconds(longestRead.withLock { $0 }))) ms (target < 50 ms)")

        // 10,000 journal records after the snapshot.
        for index in 0..<10_000 {
            bench.expect(bench.send(.post, "/v1/systems/bench/irqs/\(index % 100 + 1)/" + (index % 200 < 100 ? "mask" : "unmask")), .ok, "record \(index)")
        }
    }
    let start = clock.now
    let (recovered, report) = Bench.open(directory)
    let elapsed = clock.now - start
    let systems = String(decoding: recovered.send(.get, "/v1/systems").body, as: UTF8.self)
    print("recovery: snapshot through record \(report.snapshotSequence) + \(report.replayedRecords) records in "
          + "\(decimal(milliseconds(elapsed))) ms (target < 2000 ms); "
          + (systems.split(separator: #""irqs":50000"#).count == 3 ? "100,000 IRQs back" : "IRQS MISSING: \(systems)"))
}

/// `--codec-only`: encode and decode the 100,000-IRQ snapshot document in memory, three rounds,
/// each timing the direct path (IRQs and events without `Codable`'s containers, what msid
/// uses) and the `Codable`-only path side by side, so that their ratio is measured in one run.
func codecOnly() {
    let bench = Bench(responder: ServiceResponder(logger: quietLogger))
    for name in ["bench", "bench2"] {
        bench.createSystem(name, devices: 25)
        for device in 0..<25 {
            bench.expect(bench.send(.post, "/v1/systems/\(name)/domains/dev\(device)/irqs", #"{"count":2000,"type":"msix"}"#), .created, "block \(device)")
        }
    }
    let document = bench.send(.get, "/v1/snapshot").body
    guard let world = try? SnapshotDocument.decode(document).world else {
        print("codec: the snapshot does not decode")
        exit(1)
    }
    /// The time `body` takes, and its result (checked after the clock stopped).
    func timed<Result>(_ body: () -> Result) -> (Double, Result) {
        let start = clock.now
        let result = body()
        return (milliseconds(clock.now - start), result)
    }
    for _ in 0..<3 {
        var line = "codec:"
        for direct in [true, false] {
            let (encoded, bytes) = timed { SnapshotDocument.encode(world, sequence: 0, direct: direct) }
            let (decoded, result) = timed { try? SnapshotDocument.decode(document, direct: direct) }
            let same = bytes == document
            let valid = result?.world == world
            line += " \(direct ? "direct" : "Codable") encode \(decimal(encoded)) ms\(same ? "" : " (DIFFERENT BYTES)"),"
            line += " decode and validate \(decimal(decoded)) ms\(valid ? "" : " (INVALID)");"
        }
        print(line + " \(document.count) bytes")
    }
}

if CommandLine.arguments.contains("--codec-only") {
    codecOnly()
    exit(0)
}

/// The arguments that are neither flags nor the value of `--sync-delay-us`: the directory.
let positional = CommandLine.arguments.indices.dropFirst().filter { index in
    !CommandLine.arguments[index].hasPrefix("--") && CommandLine.arguments[index - 1] != "--sync-delay-us"
}
let parent = positional.first.map { CommandLine.arguments[$0] } ?? "/var/tmp/msid-durability-bench"
mkdir(parent, 0o700)
if !CommandLine.arguments.contains("--large-only") { groupCommit(parent) }
if !CommandLine.arguments.contains("--group-only") { snapshotAndRecovery(parent) }
_ = system("rm -rf '\(parent)'")
