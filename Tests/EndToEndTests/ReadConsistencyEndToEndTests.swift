import Foundation
import MSIDTestSupport
import Synchronization
import Testing

/// The applied and durable sequences on the real binary's answers, and durable reads beside
/// concurrent writers (issue 14, item 10).
@Suite("msid read consistency, end to end")
struct ReadConsistencyEndToEndTests {
    static func sequences(_ response: RawHTTPClient.Response) -> (applied: UInt64, durable: UInt64)? {
        guard let applied = response.header("MSID-Applied-Sequence").flatMap(UInt64.init),
              let durable = response.header("MSID-Durable-Sequence").flatMap(UInt64.init) else { return nil }
        return (applied, durable)
    }

    @Test("every answer carries the sequences; a durable read is durable beside 4 writers; a bad value is a 400")
    func durableReadsBesideWriters() throws {
        let server = try ServerProcess()
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)
        let created = try client.request("POST", "/v1/systems", json: #"{"name":"x86","arch":"x86_64","cpus":4}"#)
        #expect(created.status == 201)
        #expect(ReadConsistencyEndToEndTests.sequences(created) ?? (0, 0) == (1, 1))
        for path in ["/v1/systems", "/v1/systems/x86", "/healthz", "/readyz", "/v1/systems/none"] {
            #expect(ReadConsistencyEndToEndTests.sequences(try client.request("GET", path)) != nil, "\(path)")
        }
        #expect(try client.request("POST", "/v1/systems/x86/domains", json: #"{"name":"vector","kind":"x86-vector"}"#).status == 201)
        for index in 0..<4 {
            #expect(try client.request("POST", "/v1/systems/x86/domains",
                                       json: #"{"name":"nic\#(index)","kind":"pci-msi","parent":"vector","device":"0000:00:0\#(index).0"}"#).status == 201)
        }

        let stop = Atomic<Bool>(false)
        let writes = Atomic<Int>(0)
        let port = server.port
        let writers = (0..<4).map { index in
            Thread {
                guard let writer = try? RawHTTPClient(port: port) else { return }
                while !stop.load(ordering: .relaxed) {
                    guard let answer = try? writer.request("POST", "/v1/systems/x86/domains/nic\(index)/irqs", json: #"{"count":1,"type":"msix"}"#),
                          answer.status == 201, let virq = answer.text.split(separator: "\"virq\":").dropFirst().first?.prefix(while: \.isNumber) else { continue }
                    writes.add(1, ordering: .relaxed)
                    if (try? writer.request("DELETE", "/v1/systems/x86/irqs/\(virq)"))?.status == 200 { writes.add(1, ordering: .relaxed) }
                }
            }
        }
        writers.forEach { $0.start() }
        defer { stop.store(true, ordering: .relaxed) }
        var lagging = 0
        for round in 0..<200 {
            let plain = try client.request("GET", "/v1/systems/x86/irqs")
            let durable = try client.request("GET", "/v1/systems/x86/irqs?consistency=durable")
            #expect(plain.status == 200 && durable.status == 200)
            let (plainApplied, plainDurable) = try #require(ReadConsistencyEndToEndTests.sequences(plain), "round \(round)")
            let (applied, durableSequence) = try #require(ReadConsistencyEndToEndTests.sequences(durable), "round \(round)")
            #expect(plainDurable <= plainApplied)
            if plainDurable < plainApplied { lagging += 1 }
            #expect(durableSequence >= applied, "a durable read shows nothing past the disk (round \(round))")
        }
        stop.store(true, ordering: .relaxed)
        print("read consistency: \(lagging) of 200 default reads showed records not yet durable; \(writes.load(ordering: .relaxed)) writes meanwhile")
        #expect(writes.load(ordering: .relaxed) > 0, "the writers wrote")

        let bad = try client.request("GET", "/v1/systems?consistency=strong")
        #expect(bad.status == 400)
        #expect(bad.text.contains(#""parameter":"consistency""#))
    }
}
