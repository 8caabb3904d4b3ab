extension Problem {
    /// The one mapping of request errors to problems.
    init(_ error: RequestError) {
        switch error {
        case .unsupportedMediaType(let found):
            self.init(.unsupportedMediaType, "the body must be application/json" + (found.map { ", not \($0)" } ?? " (no Content-Type was sent)"))
        case .malformedJSON(let offset, let reason):
            self.init(.malformedJSON, "the body is not valid JSON: \(reason) at byte \(offset)", [("offset", .integer(offset))])
        case .missingMember(let pointer, let nearby?):
            self.init(.invalidRequest, "\(pointer) is required (the body has \(nearby): did you mean \(pointer)?)",
                      [("pointer", .string(pointer)), ("suggestion", .string(pointer))])
        case .missingMember(let pointer, nil):
            self.init(.invalidRequest, "\(pointer) is required", [("pointer", .string(pointer))])
        case .unknownMember(let pointer, let suggestion?):
            self.init(.invalidRequest, "\(pointer) is not a known member; did you mean \(suggestion)?",
                      [("pointer", .string(pointer)), ("suggestion", .string(suggestion))])
        case .unknownMember(let pointer, nil):
            self.init(.invalidRequest, "\(pointer) is not a known member", [("pointer", .string(pointer))])
        case .duplicateMember(let pointer):
            self.init(.invalidRequest, "\(pointer) appears more than once", [("pointer", .string(pointer))])
        case .wrongType(let pointer, let expected, let found):
            self.init(.invalidRequest, "\(pointer) must be \(expected), not \(found)", [("pointer", .string(pointer))])
        case .invalidValue(let pointer, let reason):
            self.init(.invalidRequest, "\(pointer): \(reason)", [("pointer", .string(pointer))])
        case .invalidParameter(let name, let reason):
            self.init(.invalidParameter, "parameter \(name): \(reason)", [("parameter", .string(name))])
        }
    }
}
