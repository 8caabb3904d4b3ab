extension Problem {
    /// The problem for a storage error (exhaustive: a new case must say its problem here).
    init(_ problem: StorageProblem) {
        switch problem {
        case .recovering:
            self.init(.notReady, "the state is being recovered from the data directory; retry shortly")
        case .failed(let reason):
            self.init(.storageFailed, "a journal write failed (\(reason)); mutations are refused until msid restarts and recovers from disk",
                      [("cause", .string(reason))])
        case .persistenceDisabled:
            self.init(.persistenceDisabled, "this service keeps its state in memory only; there is no data directory to snapshot to")
        case .durableReadInMemory:
            self.init(.persistenceDisabled, "this service keeps its state in memory only: no read can be durable (consistency=durable)",
                      [("parameter", .string("consistency"))])
        case .invalidSnapshot(let failure):
            var extensions: [(key: String, value: JSONValue)] = []
            switch failure {
            case .badEnvelope(let pointer, _), .badState(let pointer, _): extensions.append(("pointer", .string(pointer)))
            case .unknownFormat(let format): extensions.append(("format", .integer(format)))
            case .notJSON(let offset, _): extensions.append(("offset", .integer(offset)))
            case .inconsistentState, .checksumMismatch: break
            }
            self.init(.invalidSnapshot, "the snapshot was refused and the state is unchanged: \(failure)", extensions)
        case .internalFailure(let reason):
            self.init(.internalError, reason)
        }
    }
}
