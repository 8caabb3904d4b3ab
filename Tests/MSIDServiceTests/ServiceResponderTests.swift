import Logging
import MSIDService
import MicroHTTP
import Testing

/// The responder called in process, without a socket.
@Suite("Service responder")
struct ServiceResponderTests {
    let responder = ServiceResponder(logger: Logger(label: "test"))

    @Test("GET /healthz answers 200 with {\"status\":\"ok\"}")
    func health() {
        let response = responder.respond(to: HTTPRequest(method: .get, path: "/healthz"))
        #expect(response.status == .ok)
        #expect(response.headers["content-type"] == "application/json")
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"status":"ok"}"#)
    }

    @Test("an unknown path is a 404 problem naming the path")
    func unknownPath() {
        let response = responder.respond(to: HTTPRequest(method: .get, path: "/v9/\"quoted\""))
        #expect(response.status == .notFound)
        #expect(response.headers["Content-Type"] == "application/problem+json")
        #expect(String(decoding: response.body, as: UTF8.self)
                == #"{"detail":"no resource at /v9/\"quoted\"","status":404,"title":"Resource not found","type":"/problems/not-found"}"#)
    }

    @Test("a wrong method is a 405 problem with Allow")
    func wrongMethod() {
        let response = responder.respond(to: HTTPRequest(method: .delete, path: "/healthz"))
        #expect(response.status == .methodNotAllowed)
        #expect(response.headers["Allow"] == "GET, HEAD")
        #expect(String(decoding: response.body, as: UTF8.self)
                == #"{"detail":"DELETE is not allowed on /healthz; allowed: GET, HEAD","status":405,"title":"Method not allowed","type":"/problems/method-not-allowed"}"#)
    }

    @Test("the 413 answer is a problem in the service's format")
    func bodyTooLarge() {
        let response = ServiceResponder.bodyTooLarge(limit: 1024)
        #expect(response.status == .contentTooLarge)
        #expect(String(decoding: response.body, as: UTF8.self).contains(#""type":"/problems/body-too-large""#))
    }
}
