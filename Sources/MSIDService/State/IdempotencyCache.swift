import MicroHTTP
import Synchronization

/// `Idempotency-Key` on POST: the first answer for a key is kept with a fingerprint of the
/// request (method, path, body); a repeat with the same request gets that answer again and
/// nothing is done twice, a repeat with another request is refused. Keys are kept for the
/// newest `capacity` requests (oldest forgotten first).
final class IdempotencyCache: Sendable {
    enum Lookup {
        /// First use of the key: run the request, then `finish`.
        case fresh
        /// Same key, same request, already answered.
        case replay(HTTPResponse)
        /// Same key, same request, still running.
        case inProgress
        /// Same key, another request.
        case mismatch
    }

    private struct Entry {
        let fingerprint: [UInt8]
        var response: HTTPResponse?
    }

    private struct Table {
        var entries: [String: Entry] = [:]
        var order: [String] = []
        var start = 0
    }

    static let capacity = 10_000
    private let table = Mutex(Table())

    static func fingerprint(_ request: HTTPRequest) -> [UInt8] {
        Array("\(request.method) \(request.path)\n".utf8) + request.body
    }

    func begin(key: String, fingerprint: [UInt8]) -> Lookup {
        table.withLock { table in
            if let entry = table.entries[key] {
                guard entry.fingerprint == fingerprint else { return .mismatch }
                return entry.response.map { .replay($0) } ?? .inProgress
            }
            table.entries[key] = Entry(fingerprint: fingerprint, response: nil)
            table.order.append(key)
            if table.order.count - table.start > IdempotencyCache.capacity {
                table.entries[table.order[table.start]] = nil
                table.start += 1
                if table.start > IdempotencyCache.capacity {
                    table.order.removeFirst(table.start)
                    table.start = 0
                }
            }
            return .fresh
        }
    }

    func finish(key: String, response: HTTPResponse) {
        table.withLock { $0.entries[key]?.response = response }
    }
}
