import Foundation
import IRQModel
@testable import MSIDService
import MicroHTTP
import Testing

/// The snapshot's direct path (IRQs and events written and read without `Codable`'s
/// containers) against the `Codable` path it replaces: the same bytes, the same values, and
/// the `Codable` path's answer whenever the input is not in the canonical form.
@Suite("Snapshot direct coding")
struct SnapshotDirectCodingTests {
    /// A random session on both architectures with every kind of domain and every effect the
    /// trail records: MSI blocks and MSI-X, managed and unmanaged, activation and
    /// deactivation, masks, affinity moves, hotplug both ways, frees; Hyper-V protocols 1.1
    /// (VP mask) and 1.4 (VP set), MBI, the ITS and a GICv2m frame.
    static func randomWorld(seed: UInt64, steps: Int) throws -> World {
        let service = Service.inMemory
        var random = seed
        func next(_ bound: Int) -> Int {
            // SplitMix64: deterministic, so a failure names its seed.
            random &+= 0x9E37_79B9_7F4A_7C15
            var z = random
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
        service.send(.post, "/v1/systems", #"{"name":"x86","arch":"x86_64","cpus":6}"#)
        service.send(.post, "/v1/systems/x86/domains", #"{"name":"vector","kind":"x86-vector"}"#)
        service.send(.post, "/v1/systems/x86/domains", #"{"name":"hv11","kind":"hyperv-vpci","parent":"vector","protocolVersion":"1.1"}"#)
        service.send(.post, "/v1/systems/x86/domains", #"{"name":"hv14","kind":"hyperv-vpci","parent":"vector","protocolVersion":"1.4"}"#)
        service.send(.post, "/v1/systems/x86/domains", #"{"name":"a","kind":"pci-msi","parent":"hv11","device":"0001:00:01.0"}"#)
        service.send(.post, "/v1/systems/x86/domains", #"{"name":"b","kind":"pci-msi","parent":"hv14","device":"0002:00:02.0"}"#)
        service.send(.post, "/v1/systems/x86/domains", #"{"name":"c","kind":"pci-msi","parent":"vector","device":"0000:00:03.0"}"#)
        service.send(.post, "/v1/systems", #"{"name":"arm","arch":"arm64","cpus":5}"#)
        service.send(.post, "/v1/systems/arm/domains", #"{"name":"gic","kind":"gicv3","distributorBase":"0x08000000","mbi":[{"spiBase":800,"spiCount":32}]}"#)
        service.send(.post, "/v1/systems/arm/domains", #"{"name":"its","kind":"gicv3-its","parent":"gic","itsBase":"0x08080000"}"#)
        service.send(.post, "/v1/systems/arm/domains", #"{"name":"v2m","kind":"gicv2m","parent":"gic","frameBase":"0x08020000","spiBase":900,"spiCount":32}"#)
        service.send(.post, "/v1/systems/arm/domains", #"{"name":"vpci","kind":"hyperv-vpci","parent":"gic","activatePolicy":"round-robin"}"#)
        service.send(.post, "/v1/systems/arm/domains", #"{"name":"a","kind":"pci-msi","parent":"vpci","device":"0b9d:00:00.0"}"#)
        service.send(.post, "/v1/systems/arm/domains", #"{"name":"b","kind":"pci-msi","parent":"its","device":"0000:03:00.0"}"#)
        service.send(.post, "/v1/systems/arm/domains", #"{"name":"c","kind":"pci-msi","parent":"gic","device":"0000:04:00.0"}"#)
        service.send(.post, "/v1/systems/arm/domains", #"{"name":"d","kind":"pci-msi","parent":"v2m","device":"0000:05:00.0"}"#)

        let systems = [("x86", 6, ["a", "b", "c"]), ("arm", 5, ["a", "b", "c", "d"])]
        for _ in 0..<steps {
            let (system, cpus, devices) = systems[next(2)]
            let virq = system == "x86" ? 24 + next(40) : 1 + next(40)
            let cpu = next(cpus)
            switch next(10) {
            case 0, 1:
                let msi = next(3) == 0
                let count = msi ? [1, 2, 4][next(3)] : 1 + next(3)
                let affinity = next(2) == 0 ? #","affinity":"\#(cpu)-\#(min(cpus - 1, cpu + next(3)))""# : ""
                let body = #"{"count":\#(count),"type":"\#(msi ? "msi" : "msix")","managed":\#(next(4) == 0),"activate":\#(next(4) != 0)\#(affinity)}"#
                service.send(.post, "/v1/systems/\(system)/domains/\(devices[next(devices.count)])/irqs", body)
            case 2: service.send(.delete, "/v1/systems/\(system)/irqs/\(virq)")
            case 3: service.send(.post, "/v1/systems/\(system)/irqs/\(virq)/activate")
            case 4: service.send(.post, "/v1/systems/\(system)/irqs/\(virq)/deactivate")
            case 5: service.send(.post, "/v1/systems/\(system)/irqs/\(virq)/\(next(2) == 0 ? "mask" : "unmask")")
            case 6, 7: service.send(.put, "/v1/systems/\(system)/irqs/\(virq)/affinity", #"{"cpus":"\#(cpu)"}"#)
            default: service.send(.patch, "/v1/systems/\(system)/cpus/\(cpu)", #"{"online":\#(next(2) == 0)}"#)
            }
        }
        return try SnapshotDocument.decode(service.send(.get, "/v1/snapshot").body, direct: false).world
    }

    @Test("the direct encoder writes the bytes Codable writes", arguments: [1, 2, 3] as [UInt64])
    func sameBytes(seed: UInt64) throws {
        let world = try Self.randomWorld(seed: seed, steps: 600)
        let direct = try JSONStreamEncoder.encode(world, direct: true)
        let codable = try JSONStreamEncoder.encode(world, direct: false)
        #expect(direct == codable)
        #expect(SnapshotDocument.encode(world, sequence: 7, direct: true) == SnapshotDocument.encode(world, sequence: 7, direct: false))
    }

    @Test("the direct decoder reads every IRQ and event itself, to the values Codable gives", arguments: [1, 2, 3] as [UInt64])
    func sameValues(seed: UInt64) throws {
        let world = try Self.randomWorld(seed: seed, steps: 600)
        let tree = try JSONParser.parse(JSONStreamEncoder.encode(world))
        #expect(try JSONTreeDecoder.decode(World.self, from: tree, direct: true) == world)
        #expect(try JSONTreeDecoder.decode(World.self, from: tree, direct: false) == world)

        // Each IRQ and event on its own: the direct path takes it (no fallback) and agrees.
        var effectKinds: Set<String> = []
        var levelKinds: Set<String> = []
        for (name, system) in world.systems {
            let systemTree = try #require(member(member(tree, "systems"), name.rawValue))
            let irqs = try #require(array(member(systemTree, "irqs")))
            #expect(irqs.count == system.liveIRQs.count)
            for (json, irq) in zip(irqs, system.liveIRQs) {
                #expect(IRQDescriptor(canonicalJSON: json) == irq)
                for level in irq.levels { levelKinds.insert(String(describing: level.state).prefix { $0 != "(" }.description) }
            }
            let events = try #require(array(member(member(systemTree, "events"), "events")))
            #expect(events.count == system.events.events.count)
            for (json, event) in zip(events, system.events.events) {
                #expect(HardwareEvent(canonicalJSON: json) == event)
                if case .object(let members)? = member(json, "effect"), let kind = members.first?.key { effectKinds.insert(kind) }
            }
        }
        // The session reaches every kind (so that the comparison above covers every case).
        #expect(levelKinds == ["pciMSI", "x86Vector", "gicv3", "gicv3ITS", "gicv2m", "hypervVPCI"])
        #expect(effectKinds.isSuperset(of: ["messageWritten", "vectorAssigned", "vectorReleased", "routeWritten", "itsCommand",
                                             "hyperVCreateInterrupt", "hyperVDeleteInterrupt", "hyperVRetarget", "masked",
                                             "unmasked", "migrated", "cpuOffline", "cpuOnline"]))
    }

    @Test("a form that is valid but not canonical decodes through Codable to the same value")
    func nonCanonicalFallsBack() throws {
        let irq = #"{"virq":24,"device":"0000:00:03.0","type":"msix","blockBase":24,"blockSize":1,"managed":false,"levels":[{"domain":1,"hwirq":0,"state":{"pciMSI":{}}},{"domain":0,"hwirq":24,"state":{"x86Vector":{"_0":{"holdsReservation":true}}}}],"activated":false,"masked":true,"managedShutdown":false,"affinityBroken":false}"#
        let canonical = try JSONParser.parse(Array(irq.utf8))
        let expected = try #require(IRQDescriptor(canonicalJSON: canonical))
        let variants = [
            // Members in another order.
            irq.replacingOccurrences(of: #"{"virq":24,"device":"0000:00:03.0","#, with: #"{"device":"0000:00:03.0","virq":24,"#),
            // An absent optional written as null.
            irq.replacingOccurrences(of: #""managed":false,"#, with: #""managed":false,"affinity":null,"#),
            // An unknown member (Codable ignores it).
            irq.replacingOccurrences(of: #""masked":true,"#, with: #""masked":true,"note":1,"#),
        ]
        for variant in variants {
            let tree = try JSONParser.parse(Array(variant.utf8))
            #expect(IRQDescriptor(canonicalJSON: tree) == nil)
            #expect(try JSONTreeDecoder.decode(IRQDescriptor.self, from: tree) == expected)
        }
    }

    @Test("invalid IRQs and events fail with the error Codable gives", arguments: [
        (#"{"virq":-1}"#, "virq"),
        (#"{"device":"0000:00:99.0"}"#, "device"),
        (#"{"affinity":"3-1"}"#, "affinity"),
        (#"{"hwirq":4294967296}"#, "hwirq"),
    ])
    func invalidFailsAsBefore(change: String, member: String) throws {
        let base: [String: String] = [
            "virq": #""virq":24"#, "device": #""device":"0000:00:03.0""#, "affinity": #""affinity":"1""#,
            "hwirq": #""hwirq":0"#,
        ]
        var text = #"{"virq":24,"device":"0000:00:03.0","type":"msix","blockBase":24,"blockSize":1,"managed":false,"affinity":"1","levels":[{"domain":1,"hwirq":0,"state":{"pciMSI":{}}}],"activated":false,"masked":true,"managedShutdown":false,"affinityBroken":false}"#
        let replacement = String(change.dropFirst().dropLast())
        text = text.replacingOccurrences(of: try #require(base[member]), with: replacement)
        let tree = try JSONParser.parse(Array(text.utf8))
        #expect(IRQDescriptor(canonicalJSON: tree) == nil)
        let direct = pointer { try JSONTreeDecoder.decode(IRQDescriptor.self, from: tree, direct: true) }
        let codable = pointer { try JSONTreeDecoder.decode(IRQDescriptor.self, from: tree, direct: false) }
        #expect(direct != nil)
        #expect(direct?.pointer == codable?.pointer)
        #expect(direct?.reason == codable?.reason)
    }

    /// The JSON pointer and reason of a decoding failure, or nil when `body` succeeds.
    private func pointer(_ body: () throws -> IRQDescriptor) -> (pointer: String, reason: String)? {
        do {
            _ = try body()
            return nil
        } catch let error as DecodingError {
            return error.pathAndReason
        } catch {
            return ("", "\(error)")
        }
    }

    private func member(_ value: JSONValue?, _ name: String) -> JSONValue? {
        guard case .object(let members)? = value else { return nil }
        return members.first { $0.key == name }?.value
    }

    private func array(_ value: JSONValue?) -> [JSONValue]? {
        guard case .array(let elements)? = value else { return nil }
        return elements
    }
}
