extension System {
    /// The facts the hypervisor routing entries of `virq` are made from (`RouteExport`).
    ///
    /// The one place that decides what message the interrupt controller finally receives and
    /// what travels beside it:
    /// - x86: the IRQ's composed message, in compatibility format; the target APIC ID is read
    ///   back from it (destination id 7:0, and 14:8 from the extended destination id when the
    ///   system composes with it), as `x86_msi_msg_get_destid` would with the guest's format.
    ///   When interrupt-remapping domains (`intel-ir`, `amd-ir`) exist, their messages are in
    ///   remappable format (a handle, not a destination): translate them here, through the
    ///   IRTE, into the compatibility message the IRTE describes, so that the encoders keep
    ///   seeing only compatibility messages (the `RouteSource` invariant).
    /// - arm64: the message as composed; the doorbell decides the delivery: an ITS level gives
    ///   the device's DeviceID (`its_pci_msi_prepare` / the `msi-map`, as `hierarchy(of:)`
    ///   shows it), anything else writes an SPI doorbell whose data is the INTID.
    /// - a `hyperv-vpci` level adds the create-interrupt request stored on the level and, on
    ///   x86, the retarget request `HyperVPCIDomain.retarget(for:depth:context:)` builds for
    ///   the current vector and effective CPU (the one an unmask sends).
    ///
    /// - Throws: `.irqNotFound`; `.irqNotActivated` when the IRQ has no message (activate it first).
    /// - Complexity: O(levels).
    public func routeSource(of virq: VirtualIRQ) throws(ModelError) -> RouteSource {
        let irq = try irq(virq)
        guard let message = irq.message else { throw .irqNotActivated(system: name, virq: virq) }
        var deviceID: UInt32?
        var hyperV: HyperVRouteRequests?
        for (depth, level) in irq.levels.enumerated() {
            switch level.state {
            case .gicv3ITS:
                if case .gicv3ITS(let its) = domain(level.domain).state { deviceID = its.deviceIDs[irq.device] }
            case .hypervVPCI(let state):
                guard let request = state.request else { break }
                var retarget: HyperVRetargetRequest?
                if architecture == .x86_64, case .hypervVPCI(let domain) = domain(level.domain).state {
                    retarget = domain.retarget(for: irq, depth: depth, context: context(for: level.domain))
                }
                hyperV = HyperVRouteRequests(createInterrupt: request, retarget: retarget)
            case .pciMSI, .x86Vector, .gicv3, .gicv2m:
                break
            }
        }
        let delivery: RouteSource.Delivery
        switch architecture {
        case .x86_64:
            var destination = (message.addressLo >> 12) & 0xFF
            if extendedDestinationID { destination |= ((message.addressLo >> 5) & 0x7F) << 8 }
            delivery = .localAPIC(APICID(rawValue: destination))
        case .arm64:
            delivery = deviceID.map { .its(deviceID: $0) } ?? .spi(intid: message.data)
        }
        return RouteSource(virq: virq, architecture: architecture, message: message, delivery: delivery,
                           extendedDestinationID: extendedDestinationID, hyperV: hyperV)
    }
}
