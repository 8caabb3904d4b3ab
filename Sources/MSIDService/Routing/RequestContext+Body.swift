import IRQModel
import MicroHTTP

extension RequestContext {
    /// The body as JSON: `Content-Type` must be `application/json` (parameters allowed), the
    /// text strict RFC 8259.
    func jsonBody() throws(ServiceError) -> JSONValue {
        let type = request.headers["Content-Type"]
        let mediaType = type?.split(separator: ";").first.map { $0.filter { $0 != " " && $0 != "\t" }.lowercased() }
        guard mediaType == "application/json" else { throw .request(.unsupportedMediaType(found: type)) }
        do { return try JSONParser.parse(request.body) } catch {
            throw .request(.malformedJSON(offset: error.offset, reason: error.reason))
        }
    }

    /// The `{system}` path parameter.
    func systemName() throws(ServiceError) -> SystemName {
        let text = parameter("system")
        guard let name = SystemName(rawValue: text) else {
            throw .request(.invalidParameter(name: "system", reason: "\"\(text)\" is not a valid system name"))
        }
        return name
    }

    /// An unsigned integer path parameter (`{cpu}`, `{virq}`).
    func integerParameter(_ name: String, below limit: Int) throws(ServiceError) -> Int {
        let text = parameter(name)
        guard let value = Int(text), value >= 0, value < limit, text == String(value) else {
            throw .request(.invalidParameter(name: name, reason: "\"\(text)\" is not an integer from 0 to \(limit - 1)"))
        }
        return value
    }

    /// Runs request decoding, turning its error into a `ServiceError`.
    func decode<R>(_ body: () throws(RequestError) -> R) throws(ServiceError) -> R {
        do { return try body() } catch { throw .request(error) }
    }

    /// Runs a model operation, turning its error into a `ServiceError`.
    func model<R>(_ body: () throws(ModelError) -> R) throws(ServiceError) -> R {
        do { return try body() } catch { throw .model(error) }
    }

    func json(_ status: HTTPStatus = .ok, _ value: JSONValue, headers: HTTPHeaders = [:]) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "application/json", body: value.bytes, headers: headers)
    }
}

extension RequestContext {
    /// The `{domain}` path parameter.
    func domainName() throws(ServiceError) -> DomainName {
        let text = parameter("domain")
        guard let name = DomainName(rawValue: text) else {
            throw .request(.invalidParameter(name: "domain", reason: "\"\(text)\" is not a valid domain name"))
        }
        return name
    }

    /// The `{virq}` path parameter.
    func virq() throws(ServiceError) -> VirtualIRQ {
        VirtualIRQ(rawValue: UInt32(try integerParameter("virq", below: Int(VirqSpace.limit))))
    }

    /// The `consistency` query item: `applied` (the default) or `durable`.
    func readConsistency() throws(ServiceError) -> ReadConsistency {
        guard let text = request.queryValue("consistency") else { return .applied }
        guard let consistency = ReadConsistency(rawValue: text) else {
            throw .request(.invalidParameter(name: "consistency", reason: "\"\(text)\" is not applied or durable"))
        }
        return consistency
    }

    /// An integer query item in a range; nil when absent.
    func queryInteger(_ name: String, in range: ClosedRange<Int64>) throws(ServiceError) -> Int64? {
        guard let text = request.queryValue(name) else { return nil }
        guard let value = Int64(text), range.contains(value) else {
            throw .request(.invalidParameter(name: name, reason: "\"\(text)\" is not an integer from \(range.lowerBound) to \(range.upperBound)"))
        }
        return value
    }

    /// A boolean query item, `true` or `false`; nil when absent.
    func queryBool(_ name: String) throws(ServiceError) -> Bool? {
        guard let text = request.queryValue(name) else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default: throw .request(.invalidParameter(name: name, reason: "\"\(text)\" is not true or false"))
        }
    }

    func queryDomain() throws(ServiceError) -> DomainName? {
        guard let text = request.queryValue("domain") else { return nil }
        guard let name = DomainName(rawValue: text) else {
            throw .request(.invalidParameter(name: "domain", reason: "\"\(text)\" is not a valid domain name"))
        }
        return name
    }

    func queryDevice() throws(ServiceError) -> PCIAddress? {
        guard let text = request.queryValue("device") else { return nil }
        guard let device = try? PCIAddress(parsing: text) else {
            throw .request(.invalidParameter(name: "device", reason: "\"\(text)\" is not a PCI address DDDD:BB:DD.F"))
        }
        return device
    }
}
