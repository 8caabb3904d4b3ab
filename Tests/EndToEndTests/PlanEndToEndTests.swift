import Foundation
import MSIDTestSupport
import Testing

/// `POST /v1/systems/{system}/plan` against the real binary: a read token plans, the answer
/// says what fits, and neither the journal nor the state moves (issue 17, item 4).
@Suite("msid capacity plans, end to end")
struct PlanEndToEndTests {
    static let readToken = "e2e-plan-read-token-0123456789"
    static let writeToken = "e2e-plan-write-token-0123456789"

    @Test("a read token plans on arm64 behind an ITS; the applied sequence, the snapshot and the events stay as they were")
    func planChangesNothing() throws {
        let files = try TemporaryDirectory(prefix: "msid-e2e-plan")
        let tokenPath = files.path + "/tokens"
        try "read \(PlanEndToEndTests.readToken)\nwrite \(PlanEndToEndTests.writeToken)\n".write(toFile: tokenPath, atomically: true, encoding: .utf8)
        let server = try ServerProcess(arguments: ["--token-file", tokenPath])
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)
        let write = [("Authorization", "Bearer \(PlanEndToEndTests.writeToken)"), ("Content-Type", "application/json")]
        let read = [("Authorization", "Bearer \(PlanEndToEndTests.readToken)")]
        for (path, body) in [
            ("/v1/systems", #"{"name":"arm","arch":"arm64","cpus":4}"#),
            ("/v1/systems/arm/domains", #"{"name":"gic","kind":"gicv3","distributorBase":"0x08000000"}"#),
            ("/v1/systems/arm/domains", #"{"name":"its","kind":"gicv3-its","parent":"gic","itsBase":"0x08080000"}"#),
            ("/v1/systems/arm/domains", #"{"name":"nic","kind":"pci-msi","parent":"its","device":"0000:01:00.0","msixTableSize":8}"#),
            ("/v1/systems/arm/domains/nic/irqs", #"{"count":4,"type":"msix"}"#),
        ] {
            let answer = try client.request("POST", path, headers: write, body: Array(body.utf8))
            #expect(answer.status == 201, "\(path): \(answer.text)")
        }
        let snapshot = try client.request("GET", "/v1/snapshot", headers: read).text
        let events = try client.request("GET", "/v1/systems/arm/events", headers: read).text
        let applied = try client.request("GET", "/healthz").header("MSID-Applied-Sequence")
        #expect(applied == "5")

        let plan = #"""
            {"requests":[{"domain":"nic","count":4,"type":"msix"},{"domain":"nic","count":1,"type":"msix"},
                         {"device":"0000:02:00.0","parent":"its","count":4,"type":"msi","managed":true}]}
            """#
        let answer = try client.request("POST", "/v1/systems/arm/plan", headers: read + [("Content-Type", "application/json")],
                                        body: Array(plan.utf8))
        #expect(answer.status == 200, "\(answer.text)")
        #expect(answer.header("MSID-Applied-Sequence") == applied)
        #expect(answer.text.contains(#""fits":false"#))
        // The table has 8 entries and 4 are taken: the second request is one too many.
        #expect(answer.text.contains(#""firstFailure":{"index":1,"problem":{"available":0,"#))
        #expect(answer.text.contains(#""type":"/problems/msix-entries-exhausted""#))
        #expect(answer.text.contains(#""domain":"plan-0000-02-00-0","fits":true"#))
        #expect(answer.text.contains(#"{"after":{"free":"#))

        // Nothing moved: no journal record, the same state, the same events; and a read token
        // still cannot allocate.
        #expect(try client.request("GET", "/healthz").header("MSID-Applied-Sequence") == applied)
        #expect(try client.request("GET", "/v1/snapshot", headers: read).text == snapshot)
        #expect(try client.request("GET", "/v1/systems/arm/events", headers: read).text == events)
        let refused = try client.request("POST", "/v1/systems/arm/domains/nic/irqs", headers: read + [("Content-Type", "application/json")],
                                         body: Array(#"{"count":1,"type":"msix"}"#.utf8))
        #expect(refused.status == 403)
        #expect(server.isRunning)
    }
}
