import MicroHTTP

/// Paged lists (`limit` and an opaque `cursor`; the answer's `next` and an RFC 8288
/// `Link: <...>; rel="next"` header). A cursor is `<list>.<key>` in base64url: opaque to
/// clients, checked to belong to the list it is given to.
struct Page {
    static let defaultLimit = 100
    static let maximumLimit = 1000

    let limit: Int
    /// The key after which the page starts (the last item of the previous page), nil at the start.
    let after: String?

    /// Reads `limit` (1 to 1,000, default 100) and `cursor` for the list named `list`.
    init(_ context: RequestContext, list: String) throws(ServiceError) {
        limit = Int(try context.queryInteger("limit", in: 1...Int64(Page.maximumLimit)) ?? Int64(Page.defaultLimit))
        guard let text = context.request.queryValue("cursor") else {
            after = nil
            return
        }
        guard let decoded = Page.decode(text), decoded.hasPrefix(list + "."), decoded.count > list.count + 1 else {
            throw .request(.invalidParameter(name: "cursor", reason: "\"\(text)\" is not a cursor of this list; pass the `next` of its previous page"))
        }
        after = String(decoded.dropFirst(list.count + 1))
    }

    /// The cursor of the page after `key`.
    static func cursor(list: String, after key: String) -> String { encode(list + "." + key) }

    /// The `Link` header of the next page: this request's path and query with `cursor` replaced
    /// (nil: the query as given).
    static func link(_ request: HTTPRequest, next cursor: String?) -> String {
        var items = request.query.filter { cursor == nil || $0.name != "cursor" }.map { item in
            item.value.map { "\(escape(item.name))=\(escape($0))" } ?? escape(item.name)
        }
        if let cursor { items.append("cursor=\(cursor)") }
        return "<\(request.path)?\(items.joined(separator: "&"))>; rel=\"next\""
    }

    private static func escape(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: ":"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 15)]], as: UTF8.self)
            }
        }
        return out
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// base64url without padding.
    static func encode(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index ..< min(index + 3, bytes.count)]
            var value = 0
            for byte in chunk { value = value << 8 | Int(byte) }
            value <<= 8 * (3 - chunk.count)
            for position in 0 ..< chunk.count + 1 { out.append(alphabet[(value >> (18 - 6 * position)) & 63]) }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The text of a base64url string; nil when it is not one, or not UTF-8.
    static func decode(_ text: String) -> String? {
        var lookup = [Int](repeating: -1, count: 256)
        for (value, byte) in alphabet.enumerated() { lookup[Int(byte)] = value }
        let symbols = Array(text.utf8)
        guard !symbols.isEmpty, symbols.count <= 400, symbols.count % 4 != 1 else { return nil }
        var bytes: [UInt8] = []
        var index = 0
        while index < symbols.count {
            let chunk = symbols[index ..< min(index + 4, symbols.count)]
            var value = 0
            for symbol in chunk {
                let digit = lookup[Int(symbol)]
                guard digit >= 0 else { return nil }
                value = value << 6 | digit
            }
            value <<= 6 * (4 - chunk.count)
            for position in 0 ..< chunk.count - 1 { bytes.append(UInt8((value >> (16 - 8 * position)) & 255)) }
            index += 4
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
