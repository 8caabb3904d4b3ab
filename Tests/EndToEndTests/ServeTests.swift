import Foundation
import MSIDTestSupport
import Testing

/// The real `msid` binary on 127.0.0.1, an ephemeral port and its own data directory.
@Suite("msid serve, end to end")
struct ServeTests {
    @Test("msid serve starts, answers /healthz, and exits 0 within 2 s of SIGTERM")
    func healthAndGracefulStop() throws {
        let server = try ServerProcess()
        defer { server.dataDirectory.remove() }
        let client = try RawHTTPClient(port: server.port)
        let response = try client.request("GET", "/healthz")
        #expect(response.status == 200)
        #expect(response.text == #"{"status":"ok"}"#)
        let (status, elapsed) = server.stop()
        #expect(status == 0)
        #expect(elapsed < .seconds(2))
    }

    @Test("an unknown path is an application/problem+json 404")
    func unknownPath() throws {
        let server = try ServerProcess()
        defer {
            server.stop()
            server.dataDirectory.remove()
        }
        let response = try RawHTTPClient(port: server.port).request("GET", "/no/such/thing")
        #expect(response.status == 404)
        #expect(response.header("Content-Type") == "application/problem+json")
    }

    @Test("the data directory is created with mode 0700")
    func dataDirectory() throws {
        let parent = try TemporaryDirectory(prefix: "msid-parent")
        defer { parent.remove() }
        let path = parent.file("state")
        let server = try ServerProcess(arguments: ["--data-dir", path])
        defer { server.stop() }
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o700)
    }

    @Test("environment variables configure the server, and a bad one is refused with a message")
    func environment() throws {
        let server = try ServerProcess(environment: ["MSID_LOG_LEVEL": "debug", "MSID_THREADS": "1"])
        defer {
            server.stop()
            server.dataDirectory.remove()
        }
        _ = try RawHTTPClient(port: server.port).request("GET", "/healthz")
        #expect(throws: ServerProcess.StartFailure.self) {
            try ServerProcess(environment: ["MSID_THREADS": "many"], deadline: .seconds(10))
        }
    }

    @Test("hundreds of malformed requests do not kill the process")
    func malformedRequests() throws {
        let server = try ServerProcess()
        defer {
            server.stop()
            server.dataDirectory.remove()
        }
        var random = SystemRandomNumberGenerator()
        let samples: [[UInt8]] = [
            Array("GET\r\n\r\n".utf8), Array("GET / HTTP/9.9\r\n\r\n".utf8), Array("\u{0}\u{1}\u{2}\r\n\r\n".utf8),
            Array("POST /healthz HTTP/1.1\r\nContent-Length: -5\r\n\r\n".utf8),
            Array("POST /healthz HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".utf8),
            Array("GET /\(String(repeating: "a", count: 70_000)) HTTP/1.1\r\n\r\n".utf8),
            [0xFF, 0xFE, 0xC0, 0x80, 0x0D, 0x0A, 0x0D, 0x0A],
        ]
        for round in 0..<300 {
            guard let client = try? RawHTTPClient(port: server.port, timeout: .seconds(2)) else { continue }
            let bytes = round < samples.count * 10
                ? samples[round % samples.count]
                : (0..<Int.random(in: 1...512, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) } + [13, 10, 13, 10]
            try? client.send(bytes)
            _ = try? client.readResponse()
        }
        #expect(server.isRunning)
        #expect(try RawHTTPClient(port: server.port).request("GET", "/healthz").status == 200)
    }
}

/// The systems resource through the real binary.
@Suite("systems over HTTP, end to end")
struct SystemsEndToEndTests {
    @Test("a system is created, read back, taken a CPU offline, and deleted over HTTP")
    func systemLifecycle() throws {
        let server = try ServerProcess()
        defer {
            server.stop()
            server.dataDirectory.remove()
        }
        let client = try RawHTTPClient(port: server.port)
        let created = try client.request("POST", "/v1/systems", json: #"{"name":"vm1","arch":"x86_64","cpus":4}"#)
        #expect(created.status == 201)
        #expect(created.header("Location") == "/v1/systems/vm1")
        let offline = try client.request("PATCH", "/v1/systems/vm1/cpus/2", json: #"{"online":false}"#)
        #expect(offline.status == 200)
        #expect(try client.request("GET", "/v1/systems/vm1").text.contains(#""online":"0-1,3""#))
        #expect(try client.request("DELETE", "/v1/systems/vm1").status == 204)
        #expect(try client.request("GET", "/v1/systems/vm1").status == 404)
    }

    @Test("GET /openapi.yaml serves the contract")
    func contract() throws {
        let server = try ServerProcess()
        defer {
            server.stop()
            server.dataDirectory.remove()
        }
        let response = try RawHTTPClient(port: server.port).request("GET", "/openapi.yaml")
        #expect(response.status == 200)
        #expect(response.text.hasPrefix("openapi: 3.1.0"))
    }
}

@Suite("concurrent allocation, end to end")
struct ConcurrentAllocationTests {
    @Test("16 clients allocating in one domain get exactly its capacity, never an SPI twice, then the exhaustion problem")
    func allocateUntilExhausted() async throws {
        let server = try ServerProcess()
        defer {
            server.stop()
            server.dataDirectory.remove()
        }
        let setup = try RawHTTPClient(port: server.port)
        #expect(try setup.request("POST", "/v1/systems", json: #"{"name":"arm","arch":"arm64","cpus":4}"#).status == 201)
        #expect(try setup.request("POST", "/v1/systems/arm/domains", json: #"{"name":"gic","kind":"gicv3","distributorBase":134217728}"#).status == 201)
        #expect(try setup.request("POST", "/v1/systems/arm/domains",
                                  json: #"{"name":"v2m","kind":"gicv2m","parent":"gic","frameBase":"0x08020000","spiBase":64,"spiCount":48}"#).status == 201)
        #expect(try setup.request("POST", "/v1/systems/arm/domains", json: #"{"name":"nic","kind":"pci-msi","parent":"v2m","device":"0000:00:01.0"}"#).status == 201)
        let port = server.port
        let results = try await withThrowingTaskGroup(of: (created: [Int], other: [String]).self) { group in
            for _ in 0..<16 {
                group.addTask {
                    let client = try RawHTTPClient(port: port)
                    var created: [Int] = []
                    var other: [String] = []
                    while true {
                        let response = try client.request("POST", "/v1/systems/arm/domains/nic/irqs", json: #"{"count":1,"type":"msix"}"#)
                        if response.status == 201 {
                            // The v2m level's hwirq: the second "hwirq" member of the hierarchy.
                            let hwirqs = response.text.components(separatedBy: #""hwirq":"#).dropFirst().compactMap { Int($0.prefix { $0.isNumber }) }
                            created.append(hwirqs.count > 1 ? hwirqs[1] : -1)
                        } else {
                            other.append(response.text)
                            break
                        }
                    }
                    return (created, other)
                }
            }
            return try await group.reduce(into: [(created: [Int], other: [String])]()) { $0.append($1) }
        }
        let spis = results.flatMap(\.created)
        #expect(spis.count == 48)
        #expect(Set(spis).count == 48)
        #expect(Set(spis) == Set(64..<112))
        let refusals = results.flatMap(\.other)
        #expect(refusals.count == 16)
        #expect(refusals.allSatisfy { $0.contains(#""type":"/problems/spis-exhausted""#) && $0.contains(#""available":0"#) })
    }
}

@Suite("bad input, end to end")
struct BadInputTests {
    @Test("hundreds of malformed JSON bodies change nothing and the server keeps answering")
    func malformedBodies() throws {
        let server = try ServerProcess()
        defer {
            server.stop()
            server.dataDirectory.remove()
        }
        let client = try RawHTTPClient(port: server.port)
        #expect(try client.request("POST", "/v1/systems", json: #"{"name":"vm1","arch":"x86_64","cpus":2}"#).status == 201)
        let before = try client.request("GET", "/v1/systems").text
        var random = SystemRandomNumberGenerator()
        let valid = Array(#"{"name":"vm2","arch":"x86_64","cpus":2}"#.utf8)
        var bodies: [[UInt8]] = [
            Array(String(repeating: "[", count: 5000).utf8), Array(#"{"name":"vm2","arch":"x86_64","cpus":1e999999}"#.utf8),
            Array(#"{"name":"vm2","arch":"x86_64","cpus":99999999999999999999999999}"#.utf8), [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D],
            Array(#"{"name":"vm2","arch":"x86_64","cpus":2,"cpus":3}"#.utf8), Array(#"{"name":"\ud800","arch":"x86_64","cpus":2}"#.utf8),
        ]
        for length in stride(from: 0, to: valid.count - 1, by: 1) { bodies.append(Array(valid.prefix(length))) }
        for _ in 0..<300 { bodies.append((0..<Int.random(in: 1...200, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }) }
        for body in bodies {
            let response = try client.request("POST", "/v1/systems", headers: [("Content-Type", "application/json")], body: body)
            #expect((400..<500).contains(response.status), "\(response.status) for \(body.prefix(40))")
            #expect(response.header("Content-Type") == "application/problem+json")
        }
        #expect(try client.request("GET", "/v1/systems").text == before)
        #expect(try client.request("GET", "/healthz").status == 200)
    }
}

/// The README's two walkthroughs (scripts/readme-sessions), checked over HTTP.
@Suite("README sessions, end to end")
struct ReadmeSessionTests {
    @Test("arm64: a Hyper-V vPCI guest on a GICv3")
    func arm64Session() throws {
        let server = try ServerProcess()
        defer {
            server.stop()
            server.dataDirectory.remove()
        }
        let c = try RawHTTPClient(port: server.port)
        #expect(try c.request("POST", "/v1/systems", json: #"{"name":"arm","arch":"arm64","cpus":4}"#).status == 201)
        #expect(try c.request("POST", "/v1/systems/arm/domains", json: #"{"name":"gic","kind":"gicv3","distributorBase":"0x08000000"}"#).status == 201)
        #expect(try c.request("POST", "/v1/systems/arm/domains",
                              json: #"{"name":"vpci","kind":"hyperv-vpci","parent":"gic","instanceId":"abee639e-0b9d-49b7-9a07-c54ba8cd5734"}"#).status == 201)
        #expect(try c.request("POST", "/v1/systems/arm/domains", json: #"{"name":"nvme0","kind":"pci-msi","parent":"vpci","device":"0b9d:00:00.0"}"#).status == 201)
        let irqs = try c.request("POST", "/v1/systems/arm/domains/nvme0/irqs", json: #"{"count":2,"type":"msix"}"#)
        #expect(irqs.status == 201)
        #expect(irqs.text.contains(#""hwirq":64,"kind":"hyperv-vpci""#) && irqs.text.contains(#""hwirq":65,"kind":"hyperv-vpci""#))
        let msi = try c.request("GET", "/v1/systems/arm/irqs/1/msi")
        #expect(msi.text.contains(#""address":"0x0000000008000040""#) && msi.text.contains(#""vector":64"#) && msi.text.contains(#""processor":0"#))
        let affinity = try c.request("PUT", "/v1/systems/arm/irqs/1/affinity", json: #"{"cpus":"2-3"}"#)
        #expect(affinity.text.contains(#""effective":"2""#) && affinity.text.contains(#""register":"0x0000000008006200""#))
        #expect(!affinity.text.contains("hyperv-retarget"))
        let offline = try c.request("PATCH", "/v1/systems/arm/cpus/2", json: #"{"online":false}"#)
        #expect(offline.text.contains(#""from":2,"to":3"#) || offline.text.contains(#""from":2,"#))
        let decoded = try c.request("POST", "/v1/systems/arm/msi/decode", json: #"{"addressHi":0,"addressLo":134217792,"data":65}"#)
        #expect(decoded.text.contains(#""virq":2"#))
        #expect(try c.request("DELETE", "/v1/systems/arm/domains/vpci").status == 409)
    }

    @Test("x86_64: the vector domain, Hyper-V vPCI and a PCI device with MSI-X")
    func x86Session() throws {
        let server = try ServerProcess()
        defer {
            server.stop()
            server.dataDirectory.remove()
        }
        let c = try RawHTTPClient(port: server.port)
        #expect(try c.request("POST", "/v1/systems", json: #"{"name":"x86","arch":"x86_64","cpus":4}"#).status == 201)
        #expect(try c.request("POST", "/v1/systems/x86/domains", json: #"{"name":"vector","kind":"x86-vector"}"#).status == 201)
        #expect(try c.request("POST", "/v1/systems/x86/domains",
                              json: #"{"name":"vpci","kind":"hyperv-vpci","parent":"vector","protocolVersion":"1.4","instanceId":"abee639e-0b9d-49b7-9a07-c54ba8cd5734"}"#).status == 201)
        #expect(try c.request("POST", "/v1/systems/x86/domains", json: #"{"name":"nic","kind":"pci-msi","parent":"vpci","device":"0b9d:00:02.0"}"#).status == 201)
        let irq = try c.request("POST", "/v1/systems/x86/domains/nic/irqs", json: #"{"count":1,"type":"msix","affinity":"1"}"#)
        #expect(irq.text.contains(#""address":"0x00000000fee01000""#) && irq.text.contains(#""data":32"#))
        #expect(try c.request("POST", "/v1/systems/x86/irqs/24/mask").text.contains(#""masked":true"#))
        let moved = try c.request("PUT", "/v1/systems/x86/irqs/24/affinity", json: #"{"cpus":"3"}"#)
        #expect(moved.text.contains(#""effective":"3""#) && moved.text.contains("hyperv-create-interrupt"))
        #expect(!moved.text.contains("hyperv-retarget"))
        let unmasked = try c.request("POST", "/v1/systems/x86/irqs/24/unmask")
        #expect(unmasked.text.contains(#""masked":false"#))
        let events = try c.request("GET", "/v1/systems/x86/events?after=0&limit=1000")
        #expect(events.text.contains(#""kind":"hyperv-retarget""#) && events.text.contains(#""control":"0x000000000004007e""#))
    }
}
