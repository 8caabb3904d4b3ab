import IRQModel
import MicroHTTP

/// The whole state as one document: export, snapshot now, replace.
enum SnapshotHandlers {
    static let routes: [Route] = [
        Route(method: .get, pattern: PathPattern("/v1/snapshot"), handler: export),
        Route(method: .post, pattern: PathPattern("/v1/snapshot"), handler: write),
        Route(method: .put, pattern: PathPattern("/v1/snapshot"), handler: replace),
    ]

    /// The snapshot document of the state as it is now (encoded outside the lock).
    static func export(_ context: RequestContext) throws(ServiceError) -> HTTPResponse {
        try context.onlyQuery([])
        let (world, sequence) = context.state.export()
        return HTTPResponse(status: .ok, contentType: "application/json", body: SnapshotDocument.encode(world, sequence: sequence))
    }

    /// Writes `snapshot.json` now and drops the journal segments it covers.
    static func write(_ context: RequestContext) throws(ServiceError) -> HTTPResponse {
        guard let info = try context.state.snapshotNow() else { throw .storage(.persistenceDisabled) }
        return context.json(.ok, .object(summary(info)))
    }

    /// `/v1/snapshot` (before routing: its upload has its own body limit).
    static func isSnapshotPath(_ path: String) -> Bool { path == "/v1/snapshot" }

    /// Replaces the whole state with the uploaded document after validating all of it; an
    /// invalid document changes nothing. With `?dryRun=true` it stops after the validation
    /// (the caps included) and says what it would replace. The replaced state is kept in
    /// `snapshot.replaced.json` in the data directory.
    static func replace(_ context: RequestContext) throws(ServiceError) -> HTTPResponse {
        let dryRun = try context.queryBool("dryRun") ?? false
        let body = try context.jsonBody()
        let uploaded: (world: World, sequence: UInt64)
        do throws(SnapshotDocument.Failure) { uploaded = try SnapshotDocument.decodeUpload(body, bytes: context.request.body) } catch {
            throw .storage(.invalidSnapshot(error))
        }
        let incoming = ServiceState.Totals(uploaded.world, sequence: uploaded.sequence)
        var members: [(key: String, value: JSONValue)] = [("systems", .integer(incoming.systems))]
        if dryRun {
            let replacement = try context.state.checkReplacement(with: uploaded.world)
            members += [("dryRun", .bool(true)), ("domains", .integer(incoming.domains)), ("irqs", .integer(incoming.irqs)),
                        ("replaces", totals(replacement.replaced))]
            return context.json(.ok, .object(members))
        }
        let replacement = try context.state.replace(with: uploaded.world)
        if let info = replacement.snapshot { members += summary(info) }
        members += [("domains", .integer(incoming.domains)), ("irqs", .integer(incoming.irqs)), ("replaced", totals(replacement.replaced))]
        switch replacement.backup {
        case .success(let name)?: members.append(("backup", .string(name)))
        case .failure(let error)?: members.append(("backupError", .string("\(error)")))
        case nil: break
        }
        return context.json(.ok, .object(members))
    }

    /// The size of a state, as the answer shows it.
    private static func totals(_ totals: ServiceState.Totals) -> JSONValue {
        .object([("systems", .integer(totals.systems)), ("domains", .integer(totals.domains)), ("irqs", .integer(totals.irqs)),
                 ("sequence", .integer(totals.sequence))])
    }

    /// The journal sequence a written snapshot covers and its size in bytes.
    private static func summary(_ info: Persistence.SnapshotInfo) -> [(key: String, value: JSONValue)] {
        [("sequence", .integer(info.sequence)), ("bytes", .integer(info.bytes))]
    }
}
