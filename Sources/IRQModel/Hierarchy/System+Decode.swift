/// Where a device write lands: the inverse of composition.
public struct DecodedMessage: Hashable, Sendable, Codable {
    public let virq: VirtualIRQ
    public let device: PCIAddress
    public let index: UInt32
    /// The CPU the interrupt is delivered to.
    public let cpu: CPUID?
    /// The x86 vector, when the root is the x86 vector domain.
    public let vector: Vector?
    /// The root controller's hwirq (x86: the virq; arm64: the INTID, SPI or LPI).
    public let hwirq: HardwareIRQ
}

extension System {
    /// Finds the live IRQ a written (address, data) pair reaches. The ITS tells devices apart
    /// by DeviceID, out of band: when several devices' IRQs share a message, `device` must say
    /// which one wrote it.
    public func decode(_ message: MSIMessage, device: PCIAddress?) throws(ModelError) -> DecodedMessage {
        var candidates = decodeIndex[message].compactMap { try? irq($0) }
        if let device { candidates = candidates.filter { $0.device == device } }
        guard let irq = candidates.first else { throw .messageNotRouted(message) }
        guard candidates.count == 1 else {
            throw .messageAmbiguous(message, devices: candidates.map(\.device).sorted())
        }
        var vector: Vector?
        if let root = irq.levels.last, case .x86Vector(let state) = root.state { vector = state.assignment?.vector }
        return DecodedMessage(virq: irq.virq, device: irq.device, index: irq.index, cpu: irq.effectiveCPU,
                              vector: vector, hwirq: irq.levels.last?.hwirq ?? HardwareIRQ(rawValue: 0))
    }
}
