/// Why a cpulist or hex CPU mask could not be parsed; `reason` names the offset and the rule.
public struct CPUListSyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
    public let text: String
    public let reason: String
    public init(text: String, reason: String) {
        self.text = text
        self.reason = reason
    }
    public var description: String { "invalid CPU list \"\(text)\": \(reason)" }
}
