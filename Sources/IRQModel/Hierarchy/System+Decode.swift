/// Where a device write lands: the inverse of composition.
public struct DecodedMessage: Hashable, Sendable, Codable {
    public let virq: VirtualIRQ
    public let device: PCIAddress
    public let index: UInt32
    /// The CPU the interrupt is delivered to (nil when it is posted to a vCPU).
    public let cpu: CPUID?
    /// The x86 vector, when the root is the x86 vector domain (the posted vector when posted).
    public let vector: Vector?
    /// The root controller's hwirq (x86: the virq; arm64: the INTID, SPI or LPI).
    public let hwirq: HardwareIRQ
    /// A remapped message: the table entry it selects.
    public let remapping: RemappingView?
}

extension System {
    /// Finds the live IRQ a written (address, data) pair reaches. The ITS tells devices apart
    /// by DeviceID, out of band: when several devices' IRQs share a message, `device` must say
    /// which one wrote it (so must it for AMD-Vi, whose tables are per requester id, and for
    /// VT-d units with equal handles). A remapped message is followed through the table: the
    /// entry its handle and sub-handle (VT-d) or data (AMD) select must be the IRQ's, and the
    /// CPU and vector are the entry's.
    public func decode(_ message: MSIMessage, device: PCIAddress?) throws(ModelError) -> DecodedMessage {
        var candidates = decodeIndex[message].compactMap { try? irq($0) }
        if let device { candidates = candidates.filter { $0.device == device } }
        guard let irq = candidates.first else { throw .messageNotRouted(message) }
        guard candidates.count == 1 else {
            throw .messageAmbiguous(message, devices: candidates.map(\.device).sorted())
        }
        var vector: Vector?
        var cpu = irq.effectiveCPU
        if let root = irq.levels.last, case .x86Vector(let state) = root.state { vector = state.assignment?.vector }
        let remapping = remappingView(of: irq)
        if let remapping {
            let selected = remapping.kind == .intelIR
                ? RemappableMessage.vtdIndex(of: message)
                : RemappableMessage.amdIndex(of: message, entriesPerTable: entriesPerTable(of: irq.levels[1].domain))
            guard selected == remapping.index else { throw .messageNotRouted(message) }
            if let posted = remapping.posted {
                vector = posted.vector
                cpu = nil
            } else if remapping.entry.present {
                vector = Vector(rawValue: remapping.entry.vector)
                cpu = remapping.entry.destinationID.flatMap(cpuWithAPICID)
            }
        }
        return DecodedMessage(virq: irq.virq, device: irq.device, index: irq.index, cpu: cpu,
                              vector: vector, hwirq: irq.levels.last?.hwirq ?? HardwareIRQ(rawValue: 0), remapping: remapping)
    }

    /// The table size of the remapping domain `id` (read in place, without a copy of its tables).
    private func entriesPerTable(of id: DomainID) -> Int {
        withDomains { domains in
            guard id.index < domains.count, case .remapping(let unit)? = domains[id.index]?.state else { return 0 }
            return unit.entriesPerTable
        }
    }

    /// The CPU whose APIC ID is `apicID`.
    private func cpuWithAPICID(_ apicID: UInt32) -> CPUID? {
        cpus.first { UInt32(truncatingIfNeeded: $0.hardwareID) == apicID }?.id
    }
}
