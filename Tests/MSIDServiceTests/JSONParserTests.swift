@testable import MSIDService
import Testing

@Suite("Strict JSON parser")
struct JSONParserTests {
    @Test("valid documents parse", arguments: [
        #"{}"#, #"[]"#, #" {"a":[1,-2.5e3,true,false,null,"x\n\u00e9\ud83d\ude00"]} "#, #"0"#, #""""#, #"-0.0E+1"#,
    ])
    func valid(text: String) throws {
        _ = try JSONParser.parse(Array(text.utf8))
    }

    @Test("invalid documents are refused with an offset", arguments: [
        "", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "tru", "\"\u{01}\"", "\"\\x\"", "\"\\ud800\"", "{} x", "[1 2]", "{\"a\":1,}",
    ])
    func invalid(text: String) {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test("invalid UTF-8 and deep nesting are refused, not crashed on")
    func hostile() {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0xC0, 0x80, 0x22]) }
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParser.Failure(offset: 64, reason: "nesting deeper than 64 levels")) { try JSONParser.parse(Array(deep.utf8)) }
    }

    @Test("numbers keep their text, so large integers stay exact")
    func numbersExact() throws {
        #expect(try JSONParser.parse(Array("18446744073709551615".utf8)) == .number("18446744073709551615"))
    }

    @Test("rendering sorts members and escapes strings")
    func rendering() {
        let value = JSONValue.object([("b", .string("q\"\u{1}")), ("a", .array([.integer(1), .null, .bool(true)]))])
        #expect(value.text == #"{"a":[1,null,true],"b":"q\"\u0001"}"#)
    }
}
