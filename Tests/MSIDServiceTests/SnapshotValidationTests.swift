import Foundation
import IRQModel
@testable import MSIDService
import MicroHTTP
import Testing

/// A snapshot that parses and decodes but breaks the model's invariants is refused as a whole
/// (`PUT /v1/snapshot` and recovery both go through this), with the broken invariant named.
@Suite("Snapshot validation")
struct SnapshotValidationTests {
    /// Three MSI-X vectors through Hyper-V on an x86 system: IRQs 24, 25 and 26, each with a
    /// pci-msi, a hyperv-vpci and an x86-vector level, activated on distinct CPUs.
    static func document() throws -> [String: Any] {
        let service = Service.inMemory
        service.send(.post, "/v1/systems", #"{"name":"x86","arch":"x86_64","cpus":4}"#)
        service.send(.post, "/v1/systems/x86/domains", #"{"name":"vector","kind":"x86-vector"}"#)
        service.send(.post, "/v1/systems/x86/domains", #"{"name":"vpci","kind":"hyperv-vpci","parent":"vector"}"#)
        service.send(.post, "/v1/systems/x86/domains", #"{"name":"nic","kind":"pci-msi","parent":"vpci","device":"0b9d:00:02.0"}"#)
        #expect(service.send(.post, "/v1/systems/x86/domains/nic/irqs", #"{"count":3,"type":"msix"}"#).status == .created)
        let body = service.send(.get, "/v1/snapshot").body
        return try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
    }

    /// `document()` with `change` applied to the x86 system's IRQ list, decoded.
    static func decode(changingIRQs change: (inout [[String: Any]]) throws -> Void) throws -> SnapshotDocument.Failure? {
        var document = try document()
        var state = try #require(document["state"] as? [String: Any])
        var systems = try #require(state["systems"] as? [String: Any])
        var system = try #require(systems["x86"] as? [String: Any])
        var irqs = try #require(system["irqs"] as? [[String: Any]])
        try change(&irqs)
        system["irqs"] = irqs
        systems["x86"] = system
        state["systems"] = systems
        document["state"] = state
        let bytes = try JSONSerialization.data(withJSONObject: document)
        do {
            _ = try SnapshotDocument.decode(Array(bytes))
            return nil
        } catch {
            return error
        }
    }

    /// Level `level` of IRQ `irq`, to change.
    static func edit(_ irqs: inout [[String: Any]], irq: Int, level: Int, _ change: (inout [String: Any]) -> Void) throws {
        var levels = try #require(irqs[irq]["levels"] as? [[String: Any]])
        change(&levels[level])
        irqs[irq]["levels"] = levels
    }

    @Test("the untouched document is valid (the edits below are what breaks it)")
    func untouchedIsValid() throws {
        #expect(try Self.decode { _ in } == nil)
    }

    @Test("one hwirq held twice in a domain")
    func hwirqTwice() throws {
        let failure = try Self.decode { irqs in
            try Self.edit(&irqs, irq: 1, level: 0) { $0["hwirq"] = 0 }
        }
        guard case .inconsistentState(let reason)? = failure else { Issue.record("accepted or refused otherwise: \(String(describing: failure))"); return }
        #expect(reason.contains("hwirq 0 of domain 2 used twice"))
    }

    @Test("levels that do not follow the domain hierarchy")
    func levelsOutOfOrder() throws {
        let failure = try Self.decode { irqs in
            var levels = try #require(irqs[0]["levels"] as? [[String: Any]])
            levels.swapAt(1, 2)
            irqs[0]["levels"] = levels
        }
        guard case .inconsistentState(let reason)? = failure else { Issue.record("accepted or refused otherwise: \(String(describing: failure))"); return }
        #expect(reason.contains("IRQ 24: levels do not follow the hierarchy"))
    }

    /// An ITS whose per-CPU LPI counts are not the LPIs its IRQs route there: with a short
    /// list, the next activation would have indexed past its end.
    @Test("ITS LPI counts that disagree with the routed LPIs", arguments: [[], [0, 0, 0, 0], [9, 0, 0, 0]] as [[Int]])
    func lpiCountsDrift(counts: [Int]) throws {
        let service = Service.inMemory
        service.send(.post, "/v1/systems", #"{"name":"arm","arch":"arm64","cpus":4}"#)
        service.send(.post, "/v1/systems/arm/domains", #"{"name":"gic","kind":"gicv3","distributorBase":"0x08000000"}"#)
        service.send(.post, "/v1/systems/arm/domains", #"{"name":"its","kind":"gicv3-its","parent":"gic","itsBase":"0x08080000"}"#)
        service.send(.post, "/v1/systems/arm/domains", #"{"name":"gpu","kind":"pci-msi","parent":"its","device":"0000:03:00.0"}"#)
        #expect(service.send(.post, "/v1/systems/arm/domains/gpu/irqs", #"{"count":2,"type":"msix"}"#).status == .created)
        var document = try #require(try JSONSerialization.jsonObject(with: Data(service.send(.get, "/v1/snapshot").body)) as? [String: Any])
        var state = try #require(document["state"] as? [String: Any])
        var systems = try #require(state["systems"] as? [String: Any])
        var system = try #require(systems["arm"] as? [String: Any])
        var domains = try #require(system["domains"] as? [[String: Any]])
        var kind = try #require(domains[1]["state"] as? [String: Any])
        var wrapper = try #require(kind["gicv3ITS"] as? [String: Any])
        var its = try #require(wrapper["_0"] as? [String: Any])
        #expect(its["lpiCounts"] as? [Int] != counts)  // the real counts (two LPIs routed) differ
        its["lpiCounts"] = counts
        wrapper["_0"] = its
        kind["gicv3ITS"] = wrapper
        domains[1]["state"] = kind
        system["domains"] = domains
        systems["arm"] = system
        state["systems"] = systems
        document["state"] = state
        let bytes = Array(try JSONSerialization.data(withJSONObject: document))
        do throws(SnapshotDocument.Failure) {
            _ = try SnapshotDocument.decode(bytes)
            Issue.record("a drifted ITS was accepted")
        } catch {
            guard case .inconsistentState(let reason) = error else { Issue.record("refused otherwise: \(error)"); return }
            #expect(reason.contains("gicv3-its its: the LPI counts per CPU are not the LPIs routed to each CPU"))
        }
    }

    @Test("one vector on one CPU held by two IRQs")
    func vectorTwice() throws {
        let failure = try Self.decode { irqs in
            let taken = try #require((irqs[0]["levels"] as? [[String: Any]])?[2]["state"])
            try Self.edit(&irqs, irq: 1, level: 2) { $0["state"] = taken }
        }
        guard case .inconsistentState(let reason)? = failure else { Issue.record("accepted or refused otherwise: \(String(describing: failure))"); return }
        #expect(reason.contains("twice"))
    }
}
