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
        let (world, sequence) = context.state.export()
        return HTTPResponse(status: .ok, contentType: "application/json", body: SnapshotDocument.encode(world, sequence: sequence))
    }

    /// Writes `snapshot.json` now and drops the journal segments it covers.
    static func write(_ context: RequestContext) throws(ServiceError) -> HTTPResponse {
        guard let info = try context.state.snapshotNow() else { throw .storage(.persistenceDisabled) }
        return context.json(.ok, .object(summary(info)))
    }

    /// Replaces the whole state with the uploaded document after validating all of it; an
    /// invalid document changes nothing.
    static func replace(_ context: RequestContext) throws(ServiceError) -> HTTPResponse {
        let body = try context.jsonBody()
        let world: World
        do throws(SnapshotDocument.Failure) { world = try SnapshotDocument.decodeUpload(body, bytes: context.request.body).world } catch { throw .storage(.invalidSnapshot(error)) }
        let info = try context.state.replace(with: world)
        var members: [(key: String, value: JSONValue)] = [("systems", .integer(world.systems.count))]
        if let info { members += summary(info) }
        return context.json(.ok, .object(members))
    }

    /// The journal sequence a written snapshot covers and its size in bytes.
    private static func summary(_ info: Persistence.SnapshotInfo) -> [(key: String, value: JSONValue)] {
        [("sequence", .integer(info.sequence)), ("bytes", .integer(info.bytes))]
    }
}
