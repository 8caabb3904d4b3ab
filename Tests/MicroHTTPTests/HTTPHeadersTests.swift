@testable import MicroHTTP
import Testing

@Suite("HTTP header fields")
struct HTTPHeadersTests {
    @Test("names are found ignoring ASCII case, and only whole names match", arguments: [
        ("Content-Type", true), ("content-type", true), ("CONTENT-TYPE", true), ("cOnTeNt-TyPe", true),
        ("Content-Typ", false), ("Content-Type2", false), ("Content_Type", false), ("Contenu-Type", false),
    ])
    func lookup(name: String, found: Bool) {
        let headers: HTTPHeaders = ["Content-Type": "application/json", "X-Other": "1"]
        #expect((headers[name] == "application/json") == found)
    }

    @Test("ASCII folding touches letters only: '@' and '`' are not 'A'-1 or 'a'-1 in disguise")
    func foldingBoundaries() {
        #expect(HTTPHeaders.sameName("@", "`") == false)
        #expect(HTTPHeaders.sameName("[", "{") == false)
        #expect(HTTPHeaders.sameName("Z", "z"))
        #expect(HTTPHeaders.sameName("A", "a"))
    }

    @Test("set replaces every field of that name, whatever its case")
    func set() {
        var headers: HTTPHeaders = ["x-request-id": "a", "X-Request-ID": "b", "Other": "c"]
        headers.set(name: "X-REQUEST-ID", value: "d")
        #expect(headers.fields.map(\.name) == ["Other", "X-REQUEST-ID"])
        #expect(headers["x-request-id"] == "d")
    }
}
