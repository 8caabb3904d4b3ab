/// What answers requests. Called synchronously on libmicrohttpd's threads, concurrently:
/// conformers are `Sendable` and must not block for long. A responder cannot throw: every
/// failure is a response.
///
/// A responder whose answer waits for something slow (a disk sync) returns `.later` from
/// `answer(to:)`: the server then suspends the connection (`MHD_suspend_connection`), frees
/// its worker thread for other connections, and resumes it when the answer is delivered, from
/// any thread.
public protocol HTTPResponder: Sendable {
    func respond(to request: HTTPRequest) -> HTTPResponse
    /// The answer now, or later. The default answers now with `respond(to:)`.
    func answer(to request: HTTPRequest) -> HTTPAnswer
}

extension HTTPResponder {
    public func answer(to request: HTTPRequest) -> HTTPAnswer { .now(respond(to: request)) }
}

/// An answer given at once, or one to be delivered later.
public enum HTTPAnswer: Sendable {
    case now(HTTPResponse)
    /// The server calls `start` once, on the request's thread, with the function that delivers
    /// the response; call that exactly once, from any thread, at any time (even before `start`
    /// returns). A second delivery is ignored. If the server stops first, it answers 503 itself.
    case later(start: @Sendable (_ deliver: @escaping @Sendable (HTTPResponse) -> Void) -> Void)
}
