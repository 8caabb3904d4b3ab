import IRQModel
import MicroHTTP
import Prometheus
import SnapshotStore
import Synchronization

/// What `/metrics` exposes, in one Prometheus registry per service:
///
/// - `msid_http_requests_total{route,method,status}`: requests answered, by route template
///   (`unmatched` for paths no route has);
/// - `msid_http_request_duration_seconds{route,method}`: time from the complete request to the
///   answer handed to libmicrohttpd;
/// - `msid_journal_fsync_duration_seconds` and `msid_journal_batch_records`: each group-commit
///   flush's `fdatasync` and how many records it carried;
/// - `msid_access_log_dropped_total`: request log lines dropped because the access log's
///   buffer was full;
/// - `msid_domain_irqs{system,domain,kind}`, `msid_domain_used{…,unit}` and
///   `msid_domain_free{…,unit}`: live IRQs with a level in the domain, and the domain's own
///   resource (vectors, SPIs, LPIs, MSI vectors, MSI-X entries, virqs) used and free, read from the state at
///   each scrape;
/// - `msid_build_info{version}`: always 1, the release in its label;
/// - `msid_state_size{resource}` and `msid_state_limit{resource}`: systems, domains and live
///   IRQs in the whole state, and their `--max-*` caps (`size / limit` is how full it is);
/// - `msid_snapshot_age_seconds`: wall-clock seconds since `snapshot.json` was last written (its
///   modification time after a start); absent in memory and until there is a snapshot.
///
/// A route's histogram and its counters are created once and then found by a lookup in a
/// small table under a lock, so that a request pays one increment and one observation.
final class ServiceMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()

    private struct RouteKey: Hashable {
        let route: String
        let method: HTTPMethod
    }

    private struct CounterKey: Hashable {
        let route: RouteKey
        let status: Int
    }

    /// A domain by name and kind (a domain deleted and created again with another kind gets
    /// other labels, and its old series goes).
    private struct DomainKey: Hashable {
        let system: String
        let domain: String
        let kind: String
    }

    private struct DomainGauges {
        let irqs: Gauge
        let used: Gauge
        let free: Gauge
    }

    private let durations = Mutex<[RouteKey: DurationHistogram]>([:])
    private let counters = Mutex<[CounterKey: Counter]>([:])
    private let domainGauges = Mutex<[DomainKey: DomainGauges]>([:])
    private let fsyncDuration: DurationHistogram
    private let batchRecords: ValueHistogram
    /// Per resource (systems, domains, irqs): the state's size and its cap.
    private let stateSize: [StateLimits.Resource: Gauge]
    private let stateLimit: [StateLimits.Resource: Gauge]
    /// Made at the first scrape with a snapshot on disk.
    private let snapshotAge = Mutex<Gauge?>(nil)
    private let accessLogDropped: Counter
    /// The access log whose dropped lines are exposed, and how many of them the counter shows.
    private let accessLog = Mutex<(log: AccessLog?, reported: Int)>((nil, 0))

    /// The metric names and their help lines (computed: the descriptor type is not `Sendable`).
    private enum Name {
        static var requests: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "msid", subsystem: "http", metricName: "requests", unitName: "total",
                helpText: "Requests answered, by route template, method and status.")
        }
        static var duration: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "msid", subsystem: "http", metricName: "request_duration", unitName: "seconds",
                helpText: "Time to answer a request, by route template and method.")
        }
        static var fsync: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "msid", subsystem: "journal", metricName: "fsync_duration", unitName: "seconds",
                helpText: "Time of each group-commit flush's fdatasync of the journal.")
        }
        static var batch: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "msid", subsystem: "journal", metricName: "batch", unitName: "records",
                helpText: "Journal records made durable by one group-commit flush.")
        }
        static var accessLogDropped: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "msid", subsystem: "access_log", metricName: "dropped", unitName: "total",
                helpText: "Request log lines dropped because the log's buffer was full (the sink could not keep up).")
        }
        static var domainIRQs: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "msid", subsystem: "domain", metricName: "irqs", unitName: "",
                helpText: "Live IRQs with a level in the domain.")
        }
        static var domainUsed: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "msid", subsystem: "domain", metricName: "used", unitName: "",
                helpText: "The domain's own resource in use (unit: vectors, spis, lpis, msi-vectors, msix-entries or virqs).")
        }
        static var buildInfo: MetricNameDescriptor {
            MetricNameDescriptor(namespace: "msid", subsystem: "build", metricName: "info", unitName: "",
                                 helpText: "Always 1; the msid release in the version label.")
        }
        static var stateSize: MetricNameDescriptor {
            MetricNameDescriptor(namespace: "msid", subsystem: "state", metricName: "size", unitName: "",
                                 helpText: "Systems, domains or live IRQs in the whole state (resource label).")
        }
        static var stateLimit: MetricNameDescriptor {
            MetricNameDescriptor(namespace: "msid", subsystem: "state", metricName: "limit", unitName: "",
                                 helpText: "The cap on systems, domains or live IRQs (--max-systems, --max-domains, --max-irqs).")
        }
        static var snapshotAge: MetricNameDescriptor {
            MetricNameDescriptor(namespace: "msid", subsystem: "snapshot", metricName: "age", unitName: "seconds",
                                 helpText: "Seconds since snapshot.json was last written (its modification time after a start).")
        }
        static var domainFree: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "msid", subsystem: "domain", metricName: "free", unitName: "",
                helpText: "The domain's own resource free (unit: vectors, spis, lpis, msi-vectors, msix-entries or virqs).")
        }
    }

    /// Request latencies run from tens of microseconds (a read) to milliseconds (a synced
    /// mutation) to seconds (a snapshot download of a large state).
    static let requestBuckets: [Duration] = [
        .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
    ]
    static let fsyncBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
    ]
    static let batchBuckets: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]

    init() {
        fsyncDuration = registry.makeDurationHistogram(descriptor: Name.fsync, labels: [], buckets: ServiceMetrics.fsyncBuckets)
        batchRecords = registry.makeValueHistogram(descriptor: Name.batch, labels: [], buckets: ServiceMetrics.batchBuckets)
        registry.makeGauge(descriptor: Name.buildInfo, labels: [("version", BuildInfo.version)]).set(Double(1))
        var size: [StateLimits.Resource: Gauge] = [:]
        var limit: [StateLimits.Resource: Gauge] = [:]
        for resource in [StateLimits.Resource.systems, .domains, .irqs] {
            size[resource] = registry.makeGauge(descriptor: Name.stateSize, labels: [("resource", resource.rawValue)])
            limit[resource] = registry.makeGauge(descriptor: Name.stateLimit, labels: [("resource", resource.rawValue)])
        }
        stateSize = size
        stateLimit = limit
        accessLogDropped = registry.makeCounter(descriptor: Name.accessLogDropped, labels: [])
    }

    /// Sets the state gauges: its size against the caps, and the snapshot's age.
    func setState(_ totals: ServiceState.Totals, limits: StateLimits, snapshotAgeSeconds: Double?) {
        for (resource, count, cap) in [(StateLimits.Resource.systems, totals.systems, limits.systems),
                                       (.domains, totals.domains, limits.domains), (.irqs, totals.irqs, limits.irqs)] {
            stateSize[resource]?.set(Double(count))
            stateLimit[resource]?.set(Double(cap))
        }
        guard let snapshotAgeSeconds else { return }
        snapshotAge.withLock { gauge in
            let made = gauge ?? registry.makeGauge(descriptor: Name.snapshotAge, labels: [])
            gauge = made
            made.set(snapshotAgeSeconds)
        }
    }

    /// Exposes `log`'s dropped lines (read at each scrape).
    func watch(_ log: AccessLog) {
        accessLog.withLock { $0 = (log, 0) }
    }

    /// Counts one answered request and its duration.
    func record(route: String, method: HTTPMethod, status: HTTPStatus, duration: Duration) {
        let key = RouteKey(route: route, method: method)
        let histogram = durations.withLock { table in
            if let existing = table[key] { return existing }
            let made = registry.makeDurationHistogram(
                descriptor: Name.duration, labels: [("route", route), ("method", method.rawValue)], buckets: ServiceMetrics.requestBuckets)
            table[key] = made
            return made
        }
        histogram.record(duration)
        let counterKey = CounterKey(route: key, status: status.rawValue)
        let counter = counters.withLock { table in
            if let existing = table[counterKey] { return existing }
            let made = registry.makeCounter(
                descriptor: Name.requests, labels: [("route", route), ("method", method.rawValue), ("status", String(status.rawValue))])
            table[counterKey] = made
            return made
        }
        counter.increment()
    }

    /// Records one journal flush (called by the journal's leader, outside its lock).
    func record(_ flush: Journal.Flush) {
        fsyncDuration.record(flush.syncDuration)
        batchRecords.record(Double(flush.records))
    }

    /// Sets the per-domain gauges from each system's domain views and removes those of domains
    /// that are gone, then renders the registry.
    func exposition(of systems: [(name: SystemName, domains: [DomainView])]) -> [UInt8] {
        accessLog.withLock { watched in
            guard let log = watched.log else { return }
            let dropped = log.dropped
            if dropped > watched.reported { accessLogDropped.increment(by: Int64(dropped - watched.reported)) }
            watched.reported = max(watched.reported, dropped)
        }
        domainGauges.withLock { gauges in
            var seen = Set<DomainKey>()
            for system in systems {
                for view in system.domains {
                    let key = DomainKey(system: system.name.rawValue, domain: view.name.rawValue, kind: view.kind.rawValue)
                    seen.insert(key)
                    let labels = [("system", key.system), ("domain", key.domain), ("kind", key.kind)]
                    let unitLabels = labels + [("unit", view.occupancy.unit)]
                    let entry = gauges[key] ?? DomainGauges(
                        irqs: registry.makeGauge(descriptor: Name.domainIRQs, labels: labels),
                        used: registry.makeGauge(descriptor: Name.domainUsed, labels: unitLabels),
                        free: registry.makeGauge(descriptor: Name.domainFree, labels: unitLabels))
                    gauges[key] = entry
                    entry.irqs.set(Double(view.allocatedIRQs))
                    entry.used.set(Double(view.occupancy.used))
                    entry.free.set(Double(view.occupancy.free))
                }
            }
            for (key, entry) in gauges where !seen.contains(key) {
                registry.unregisterGauge(entry.irqs)
                registry.unregisterGauge(entry.used)
                registry.unregisterGauge(entry.free)
                gauges[key] = nil
            }
        }
        return registry.emitToBuffer()
    }
}
