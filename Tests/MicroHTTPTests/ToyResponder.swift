import Glibc
import MicroHTTP

/// Echoes what it received: `METHOD PATH?query` on the first line, then the body; `/slow`
/// waits `?ms=N` milliseconds first (to keep requests in flight); `/big?bytes=N` answers N
/// patterned bytes.
struct ToyResponder: HTTPResponder {
    func respond(to request: HTTPRequest) -> HTTPResponse {
        if request.path == "/slow" {
            let milliseconds = Int(request.queryValue("ms") ?? "") ?? 200
            var pause = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
            nanosleep(&pause, nil)
        }
        if request.path == "/big" {
            let count = Int(request.queryValue("bytes") ?? "") ?? 1 << 20
            return HTTPResponse(status: .ok, contentType: "application/octet-stream",
                                body: (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        }
        let query = request.query.map { "\($0.name)=\($0.value ?? "")" }.joined(separator: "&")
        let head = "\(request.method) \(request.path)\(query.isEmpty ? "" : "?" + query)\n"
        var headers: HTTPHeaders = ["X-Body-Length": String(request.body.count)]
        if let echo = request.headers["x-echo"] { headers.add(name: "X-Echoed", value: echo) }
        return HTTPResponse(status: .ok, contentType: "text/plain", body: Array(head.utf8) + request.body, headers: headers)
    }
}
