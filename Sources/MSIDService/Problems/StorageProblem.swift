import MicroHTTP

/// Why the service cannot do what was asked with its stored state (mapped to a problem in
/// `Problem+StorageProblem.swift`, the one place).
enum StorageProblem: Error, Sendable {
    /// The state is still being recovered from the data directory.
    case recovering
    /// A journal write or sync failed; mutations are refused until a restart recovers.
    case failed(String)
    /// The state is in memory only (in-process use): there is nothing to snapshot.
    case persistenceDisabled
    /// A `?consistency=durable` read of a state in memory only: nothing is ever durable.
    case durableReadInMemory
    /// An uploaded snapshot document was refused.
    case invalidSnapshot(SnapshotDocument.Failure)
    /// A bug: the journal entry could not be encoded.
    case internalFailure(String)

    /// 503s say when to come back.
    var headers: HTTPHeaders {
        switch self {
        case .recovering: ["Retry-After": "1"]
        default: [:]
        }
    }
}
