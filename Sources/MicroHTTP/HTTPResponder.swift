/// What answers requests. Called synchronously on libmicrohttpd's threads, concurrently:
/// conformers are `Sendable` and must not block for long. A responder cannot throw: every
/// failure is a response.
public protocol HTTPResponder: Sendable {
    func respond(to request: HTTPRequest) -> HTTPResponse
}
