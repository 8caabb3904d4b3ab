/// An HTTP response: status, headers, body bytes. libmicrohttpd adds `Content-Length`,
/// `Date` and the connection handling.
public struct HTTPResponse: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: HTTPStatus, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response with a body and its content type.
    public init(status: HTTPStatus, contentType: String, body: [UInt8], headers: HTTPHeaders = [:]) {
        var all = headers
        all.set(name: "Content-Type", value: contentType)
        self.init(status: status, headers: all, body: body)
    }
}
