import IRQModel
import MicroHTTP

/// The inverse lookup and the event trail.
enum MessageHandlers {
    static let routes: [Route] = [
        Route(method: .post, pattern: PathPattern("/v1/systems/{system}/msi/decode"), handler: decode),
        Route(method: .get, pattern: PathPattern("/v1/systems/{system}/events"), handler: events),
    ]

    /// `{"addressHi", "addressLo", "data", "device"?}`: which IRQ, CPU and vector a device write
    /// reaches (404 when nothing is routed there).
    static func decode(_ context: RequestContext) throws(ServiceError) -> HTTPResponse {
        let name = try context.systemName()
        let body = try context.jsonBody()
        let (message, device) = try context.decode { () throws(RequestError) in
            var reader = try ObjectReader(body)
            guard let hi = try reader.integer("addressHi", in: 0...Int64(UInt32.max)) else { throw reader.missing("addressHi") }
            guard let lo = try reader.integer("addressLo", in: 0...Int64(UInt32.max)) else { throw reader.missing("addressLo") }
            guard let data = try reader.integer("data", in: 0...Int64(UInt32.max)) else { throw reader.missing("data") }
            var device: PCIAddress?
            if let text = try reader.string("device") {
                guard let parsed = try? PCIAddress(parsing: text) else {
                    throw .invalidValue(pointer: "/device", reason: "expected the form DDDD:BB:DD.F in hexadecimal")
                }
                device = parsed
            }
            try reader.finish()
            return (MSIMessage(addressHi: UInt32(hi), addressLo: UInt32(lo), data: UInt32(data)), device)
        }
        let decoded = try context.model { () throws(ModelError) in
            try context.state.read(name) { (system) throws(ModelError) in try system.decode(message, device: device) }
        }
        var object = JSONObjectBuilder()
        object.set("virq", .integer(decoded.virq.rawValue))
        object.set("device", .string(decoded.device.description))
        object.set("index", .integer(decoded.index))
        object.set("cpu", decoded.cpu.map { JSONValue.integer($0.rawValue) } ?? .null)
        object.set("vector", decoded.vector.map { JSONValue.integer($0.rawValue) } ?? .null)
        object.set("hwirq", .integer(decoded.hwirq.rawValue))
        if let remapping = decoded.remapping { object.set("remapping", RemappingDTO.view(remapping)) }
        return context.json(.ok, object.value)
    }

    /// `?after=SEQ&limit=N` (limit 1-1000, default 100), filtered by `virq` and `kind`: the
    /// events after a sequence number, oldest first, with `next` to pass as `after` (also as a
    /// `Link: rel="next"` while more events follow) and the oldest retained sequence. A filtered
    /// page looks at 10,000 events at most, so it may be short and still have a next one.
    static func events(_ context: RequestContext) throws(ServiceError) -> HTTPResponse {
        try context.onlyQuery(["after", "limit", "virq", "kind"])
        let name = try context.systemName()
        let after = try context.queryInteger("after", in: 0...Int64.max) ?? 0
        let limit = Int(try context.queryInteger("limit", in: 1...1000) ?? 100)
        let virq = try context.queryInteger("virq", in: 0...Int64(VirqSpace.limit - 1)).map { UInt32($0) }
        let kind = context.request.queryValue("kind")
        if let kind, !IRQDTO.eventKinds.contains(kind) {
            throw .request(.invalidParameter(name: "kind", reason: "\"\(kind)\" is not an event kind; one of \(IRQDTO.eventKinds.sorted().joined(separator: ", "))"))
        }
        let filtered = virq != nil || kind != nil
        // At most 1,000 events rendered, 10,000 looked at: under the lock, the trail not copied out.
        let (events, next, firstRetained, more) = try context.model { () throws(ModelError) in
            try context.state.read(name) { system in
                let window = system.events.events(after: EventSequence(rawValue: UInt64(after)), limit: filtered ? 10_000 : limit)
                var rendered: [JSONValue] = []
                var last = UInt64(after)
                for event in window {
                    last = event.sequence.rawValue
                    if let virq, event.virq?.rawValue != virq { continue }
                    let object = IRQDTO.event(event)
                    if let kind, object.member("kind") != .string(kind) { continue }
                    rendered.append(object)
                    if rendered.count == limit { break }
                }
                return (rendered, last, system.events.firstRetained.rawValue, last + 1 < system.events.nextSequence.rawValue)
            }
        }
        var object = JSONObjectBuilder()
        object.set("events", .array(events))
        object.set("next", .integer(next))
        object.set("firstRetained", .integer(firstRetained))
        var headers: HTTPHeaders = [:]
        if more {
            var request = context.request
            request.query = request.query.filter { $0.name != "after" } + [("after", String(next))]
            headers.add(name: "Link", value: Page.link(request, next: nil))
        }
        return context.json(.ok, object.value, headers: headers)
    }
}
