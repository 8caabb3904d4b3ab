/// What is known of one request between libmicrohttpd's calls: created on the first call
/// (headers complete), fed body pieces, answered on the last call, released when the request
/// completes. A connection is served by one thread at a time, so no lock is needed.
final class RequestState {
    let method: HTTPMethod
    let path: String
    let query: [(name: String, value: String?)]
    let headers: HTTPHeaders
    private(set) var body: [UInt8] = []
    /// The body went over the limit; the rest is read and dropped.
    private(set) var oversize = false
    /// A response was queued already (a rejection on the first call).
    var answered = false
    /// The connection holds a reserve slot: only reserved paths, and it closes after the answer.
    var reserve = false
    /// The largest body this request may have (its route's, or the server's), and the 413
    /// answer over it.
    var bodyLimit = 0
    var tooLarge: @Sendable () -> HTTPResponse = { HTTPResponse(status: .contentTooLarge) }
    /// The answer comes later (`HTTPAnswer.later`): the connection is or was suspended.
    var deferred: DeferredAnswer?

    init(method: HTTPMethod, path: String, query: [(name: String, value: String?)], headers: HTTPHeaders) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
    }

    /// Appends a piece of the body, or drops it once the total passes `limit`.
    func append(_ piece: UnsafeBufferPointer<UInt8>, limit: Int) {
        guard !oversize else { return }
        if body.count + piece.count > limit {
            oversize = true
            body = []
        } else {
            body.append(contentsOf: piece)
        }
    }

    var request: HTTPRequest { HTTPRequest(method: method, path: path, query: query, headers: headers, body: body) }
}
