import IRQModel
import Logging
@testable import MSIDService
import MicroHTTP
import Testing

/// The composed-message answer is written straight to bytes by `JSONWriter`; it must be the
/// canonical rendering of its own content (valid JSON, members in key order, numbers as
/// `String` writes them), whatever the hierarchy.
@Suite("Message answers written without a tree")
struct MessageAnswerTests {
    @Test("integers are written as String writes them", arguments: [UInt64(0), 9, 10, 99, 100, 4_294_967_295, 1 << 53, UInt64.max])
    func integers(value: UInt64) {
        var writer = JSONWriter()
        writer.integer(value)
        #expect(writer.bytes == Array(String(value).utf8))
    }

    @Test("hex strings: fixed width with leading zeros, or as short as the value", arguments: [
        (UInt64(0), Int?.none, #""0x0""#), (0x4249001b, nil, #""0x4249001b""#), (0xfee00000, 16, #""0x00000000fee00000""#),
        (UInt64.max, nil, #""0xffffffffffffffff""#),
    ])
    func hex(value: UInt64, digits: Int?, expected: String) {
        var writer = JSONWriter()
        writer.hexString(value, digits: digits)
        #expect(writer.bytes == Array(expected.utf8))
    }

    @Test("commas and colons: nested objects, arrays of nothing, null and booleans")
    func structure() {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("a")
        writer.beginObject()
        writer.endObject()
        writer.key("b")
        writer.null()
        writer.key("c")
        writer.beginObject()
        writer.key("d")
        writer.bool(true)
        writer.key("e")
        writer.hexBytes([0x00, 0xab])
        writer.endObject()
        writer.key("f")
        writer.string("q\"uote")
        writer.endObject()
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #"{"a":{},"b":null,"c":{"d":true,"e":"00ab"},"f":"q\"uote"}"#)
    }

    @Test("signed integers as String writes them, arrays with their commas, reset starts afresh",
          arguments: [0, 7, -1, -10, Int.max, Int.min])
    func signedArraysAndReset(value: Int) {
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("n", value)
        writer.key("list")
        writer.beginArray()
        writer.integer(value)
        writer.emptyObject()
        writer.beginArray()
        writer.endArray()
        writer.bool(false)
        writer.endArray()
        writer.endObject()
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #"{"n":\#(value),"list":[\#(value),{},[],false]}"#)
        writer.reset()
        writer.integer(value)
        #expect(String(decoding: writer.bytes, as: UTF8.self) == String(value))
    }

    @Test("the buffer grows past its first capacity and keeps what was written")
    func growth() {
        var writer = JSONWriter(capacity: 64)
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        writer.beginObject()
        writer.member("count", UInt32(data.count))
        writer.key("data")
        writer.hexBytes(data)
        writer.member("name", String(repeating: "n", count: 300))
        writer.endObject()
        let expected = #"{"count":1000,"data":""# + JSONText.hex(data) + #"","name":""# + String(repeating: "n", count: 300) + #""}"#
        #expect(String(decoding: writer.bytes, as: UTF8.self) == expected)
    }

    @Test("IRQ answers written as bytes are what their trees render to, on every hierarchy", arguments: [1, 2] as [UInt64])
    func irqAnswers(seed: UInt64) throws {
        let world = try SnapshotDirectCodingTests.randomWorld(seed: seed, steps: 400)
        var checked = 0
        var routed = 0
        for system in world.systems.values {
            let irqs = system.liveIRQs.map { IRQDTO.IRQFacts($0, in: system) }
            for facts in irqs {
                #expect(String(decoding: IRQDTO.irqAnswer(facts), as: UTF8.self) == String(decoding: IRQDTO.irq(facts).bytes, as: UTF8.self))
                checked += 1
                if facts.irq.message != nil { routed += 1 }
            }
            #expect(String(decoding: IRQDTO.irqListAnswer(irqs), as: UTF8.self)
                    == String(decoding: JSONValue.object([("irqs", .array(irqs.map(IRQDTO.irq)))]).bytes, as: UTF8.self))
        }
        #expect(checked > 20 && routed > 0 && routed < checked)  // with and without a message
        #expect(IRQDTO.irqListAnswer([]) == Array(#"{"irqs":[]}"#.utf8))
    }

    /// The hierarchies whose messages differ in shape: x86 fields, a doorbell, the Hyper-V
    /// request and answer.
    static let hierarchies: [(name: String, arch: String, domains: [String])] = [
        ("x86 vector", "x86_64", [
            #"{"name":"vector","kind":"x86-vector"}"#,
            #"{"name":"dev","kind":"pci-msi","parent":"vector","device":"0000:00:01.0","msixTableSize":16}"#,
        ]),
        ("x86 Hyper-V", "x86_64", [
            #"{"name":"vector","kind":"x86-vector"}"#,
            #"{"name":"vpci","kind":"hyperv-vpci","parent":"vector"}"#,
            #"{"name":"dev","kind":"pci-msi","parent":"vpci","device":"0000:00:01.0"}"#,
        ]),
        ("arm64 Hyper-V", "arm64", [
            #"{"name":"gic","kind":"gicv3","distributorBase":"0x08000000"}"#,
            #"{"name":"vpci","kind":"hyperv-vpci","parent":"gic","activatePolicy":"round-robin"}"#,
            #"{"name":"dev","kind":"pci-msi","parent":"vpci","device":"0000:00:01.0"}"#,
        ]),
        ("GICv3 ITS", "arm64", [
            #"{"name":"gic","kind":"gicv3","distributorBase":"0x08000000"}"#,
            #"{"name":"its","kind":"gicv3-its","parent":"gic","itsBase":"0x08080000"}"#,
            #"{"name":"dev","kind":"pci-msi","parent":"its","device":"0000:03:00.0"}"#,
        ]),
        ("GICv2m", "arm64", [
            #"{"name":"gic","kind":"gicv3","distributorBase":"0x08000000"}"#,
            #"{"name":"v2m","kind":"gicv2m","parent":"gic","frameBase":"0x08020000","spiBase":64,"spiCount":48}"#,
            #"{"name":"dev","kind":"pci-msi","parent":"v2m","device":"0000:00:01.0"}"#,
        ]),
    ]

    @Test("the MSI answer is the canonical JSON of its content", arguments: MessageAnswerTests.hierarchies.indices)
    func canonical(index: Int) throws {
        let hierarchy = MessageAnswerTests.hierarchies[index]
        let responder = ServiceResponder(logger: Logger(label: "test"))
        func post(_ path: String, _ json: String) -> HTTPResponse {
            responder.respond(to: HTTPRequest(method: .post, path: path, headers: ["Content-Type": "application/json"], body: Array(json.utf8)))
        }
        #expect(post("/v1/systems", #"{"name":"s","arch":"\#(hierarchy.arch)","cpus":4}"#).status == .created)
        for domain in hierarchy.domains { #expect(post("/v1/systems/s/domains", domain).status == .created, "\(domain)") }
        let allocated = post("/v1/systems/s/domains/dev/irqs", #"{"count":1,"type":"msix","activate":true}"#)
        #expect(allocated.status == .created)
        let irq = try #require(allocated.headers["Location"])
        let answer = responder.respond(to: HTTPRequest(method: .get, path: irq + "/msi"))
        #expect(answer.status == .ok, "\(String(decoding: answer.body, as: UTF8.self))")
        #expect(answer.headers["Content-Type"] == "application/json")
        let parsed = try JSONParser.parse(answer.body)
        #expect(parsed.bytes == answer.body, "\(String(decoding: answer.body, as: UTF8.self))")
        guard case .object(let members) = parsed else {
            Issue.record("not an object")
            return
        }
        let keys = Set(members.map(\.key))
        #expect(keys.isSuperset(of: ["address", "addressHi", "addressLo", "data", "decoded", "target"]))
        #expect(keys.contains("hypervCreateInterrupt") == hierarchy.name.contains("Hyper-V"))
    }
}
