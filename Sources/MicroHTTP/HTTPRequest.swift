/// A complete HTTP request as the responder sees it: the body is whole and within the limit.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    /// The path without the query, percent-decoded by libmicrohttpd before the responder sees
    /// it: `/a%20b` arrives as `/a b`, and `%2F` as `/`, indistinguishable from a separator.
    public var path: String
    /// Query items in order, percent-decoded by libmicrohttpd.
    public var query: [(name: String, value: String?)]
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(method: HTTPMethod, path: String, query: [(name: String, value: String?)] = [],
                headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// The first value of a query item.
    public func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value ?? nil
    }
}
