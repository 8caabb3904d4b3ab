/// The request-smuggling checks libmicrohttpd 0.9.75 does not make itself (RFC 9112 §2.2, §3.2,
/// §5, §6.1, §6.3), run on the request head before the responder sees it. A refused request is
/// answered at once with `Connection: close`: once two parsers could disagree on where a request
/// ends, nothing later on that connection can be trusted.
///
/// What libmicrohttpd 0.9.75 already refuses (400 and close, measured with raw sockets): a
/// `Content-Length` that is not plain digits (`+2`, `-2`, `0x2`, `2a`, empty, `2, 2`), a header
/// line without a colon, a bare CR ending a line, a bad chunk size; one too large for 64 bits
/// gets 413. What it lets through, refused here:
/// - `Transfer-Encoding` together with `Content-Length` (it frames the body as chunked and keeps
///   the connection), in HTTP/1.0 (where it is not defined), with a final coding other than
///   `chunked`, `chunked` twice, or spelled with whitespace it keeps (`chunked ` is not chunked
///   to libmicrohttpd): 400. A known coding before `chunked` (`gzip, chunked`): 501.
/// - Two `Content-Length` fields with different values (it uses one of them): 400. Identical
///   ones are accepted, as RFC 9112 §6.3 allows.
/// - A field name that is not a token: whitespace before the colon (`Content-Length : 2`
///   arrives as the name `Content-Length `), whitespace before the first field (` Host`),
///   spaces inside a name.
/// - Obsolete line folding: libmicrohttpd merges the continuation into the *name* (`X-A: a`
///   then ` b` arrives as `X-Ab: a`), so folding is recognised by where the name lies in memory
///   (`mhd_shim_field_in_place`), not by its text.
/// - A CR inside a field value (RFC 9110 §5.5).
/// - An HTTP/1.1 request without exactly one `Host` field (RFC 9112 §3.2).
enum RequestFraming {
    struct Field {
        var name: String
        var value: String
        /// False when libmicrohttpd did not find the value right after its name on one line
        /// (obsolete line folding).
        var inPlace: Bool
    }

    struct Refusal: Equatable, Sendable {
        var status: HTTPStatus
        var reason: String
    }

    /// The first rule `fields` break, or nil when the head is sound. `version` is the
    /// request line's protocol, as libmicrohttpd gives it (`HTTP/1.1`).
    static func check(version: String, fields: [Field]) -> Refusal? {
        var hosts = 0
        var lengths: [String] = []
        var encodings: [String] = []
        for field in fields {
            guard field.inPlace else { return Refusal(status: .badRequest, reason: "obsolete line folding in the header section") }
            guard isToken(field.name) else {
                return Refusal(status: .badRequest, reason: "the header field name \"\(printable(field.name))\" is not a token (no whitespace before the colon)")
            }
            guard !field.value.utf8.contains(13) && !field.value.utf8.contains(10) && !field.value.utf8.contains(0) else {
                return Refusal(status: .badRequest, reason: "the value of \(field.name) holds a CR, LF or NUL")
            }
            if HTTPHeaders.sameName(field.name, "Host") { hosts += 1 }
            if HTTPHeaders.sameName(field.name, "Content-Length") { lengths.append(field.value) }
            if HTTPHeaders.sameName(field.name, "Transfer-Encoding") { encodings.append(field.value) }
        }
        // HTTP/1.x after 1.0 is read as 1.1 (RFC 9110 §2.5); libmicrohttpd passes the version as sent.
        let http10 = version == "HTTP/1.0"
        if !http10 && hosts != 1 {
            return Refusal(status: .badRequest, reason: hosts == 0 ? "an HTTP/1.1 request needs a Host field" : "more than one Host field")
        }
        if Set(lengths).count > 1 {
            return Refusal(status: .badRequest, reason: "Content-Length fields with different values")
        }
        guard !encodings.isEmpty else { return nil }
        if !lengths.isEmpty {
            return Refusal(status: .badRequest, reason: "both Transfer-Encoding and Content-Length: the body's length is ambiguous")
        }
        if http10 {
            return Refusal(status: .badRequest, reason: "Transfer-Encoding in an HTTP/1.0 request")
        }
        let codings = encodings.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
            .map { $0.trimmingOWS().lowercasedASCII() }
        guard codings.last == "chunked", codings.filter({ $0 == "chunked" }).count == 1 else {
            return Refusal(status: .badRequest, reason: "Transfer-Encoding must end with chunked, applied once")
        }
        guard codings.count == 1 else {
            return Refusal(status: .notImplemented, reason: "no transfer coding other than chunked is supported")
        }
        // libmicrohttpd recognises chunked only as the whole value, case aside.
        guard encodings.count == 1, encodings[0].lowercasedASCII() == "chunked" else {
            return Refusal(status: .badRequest, reason: "Transfer-Encoding must be exactly \"chunked\"")
        }
        return nil
    }

    /// RFC 9110 §5.6.2: `1*tchar`.
    static func isToken(_ text: String) -> Bool {
        !text.utf8.isEmpty && text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
            default: "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }

    /// `text` with control characters shown as `\xNN`, cut to 64 bytes, for messages.
    static func printable(_ text: String) -> String {
        var out = ""
        for byte in text.utf8.prefix(64) {
            if byte < 0x20 || byte == 0x7F {
                let digits = Array("0123456789abcdef")
                out += "\\x" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 15)])
            } else {
                out += String(decoding: [byte], as: UTF8.self)
            }
        }
        return out
    }
}

extension Substring {
    /// Without leading and trailing SP and HTAB (RFC 9110 OWS).
    func trimmingOWS() -> Substring {
        let isOWS: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isOWS($0) }), let last = lastIndex(where: { !isOWS($0) }) else { return self[endIndex...] }
        return self[first...last]
    }
}

extension StringProtocol {
    /// ASCII letters lowercased, everything else as it is.
    func lowercasedASCII() -> String {
        String(decoding: utf8.map { $0 &- UInt8(ascii: "A") < 26 ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}
