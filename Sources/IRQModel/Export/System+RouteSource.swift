extension System {
    /// The facts the hypervisor routing entries of `virq` are made from (`RouteExport`).
    ///
    /// The one place that decides what message the interrupt controller finally receives and
    /// what travels beside it:
    /// - x86: the IRQ's composed message, in compatibility format; the target APIC ID is read
    ///   back from it (destination id 7:0, and 14:8 from the extended destination id when the
    ///   system composes with it), as `x86_msi_msg_get_destid` would with the guest's format.
    ///   A remapped IRQ (`intel-ir`, `amd-ir`) writes a remappable message (a handle, not a
    ///   destination): it is translated here, through its IRTE as the table holds it, into the
    ///   compatibility message the entry describes (vector, fixed, edge; the APIC ID in 19:12,
    ///   bits 14:8 in the extended destination id), as a VMM's vIOMMU does before it hands KVM
    ///   the route (QEMU `kvm_arch_fixup_msi_route` → `x86_iommu_irq_to_msi_message`), so the
    ///   encoders see only compatibility messages (the `RouteSource` invariant). A posted entry
    ///   has no APIC destination: refused for kvm and mshv.
    /// - arm64: the message as composed; the doorbell decides the delivery: an ITS level gives
    ///   the device's DeviceID (`its_pci_msi_prepare` / the `msi-map`, as `hierarchy(of:)`
    ///   shows it), anything else writes an SPI doorbell whose data is the INTID.
    /// - a `hyperv-vpci` level adds the create-interrupt request stored on the level and, on
    ///   x86, the retarget request `HyperVPCIDomain.retarget(for:depth:context:)` builds for
    ///   the current vector and effective CPU (the one an unmask sends).
    ///
    /// - Throws: `.irqNotFound`; `.irqNotActivated` when the IRQ has no message (activate it first).
    /// - Complexity: O(levels).
    public func routeSource(of virq: VirtualIRQ, format: RouteFormat? = nil) throws(ModelError) -> RouteSource {
        let irq = try irq(virq)
        guard var message = irq.message else { throw .irqNotActivated(system: name, virq: virq) }
        var extended = extendedDestinationID
        var remappedAPIC: APICID?
        if let remapping = remappingView(of: irq) {
            if let posted = remapping.posted, let format, format != .hyperv {
                throw .routeNotExpressible(virq: virq, format: format, refusal: .postedToVCPU(descriptor: posted.descriptor))
            }
            guard remapping.entry.present, let destination = remapping.entry.destinationID else {
                throw .irqNotActivated(system: name, virq: virq)
            }
            extended = destination > APICID.maxWithoutExtendedID
            var low = X86MSIMessage.baseAddressLow | (destination & 0xFF) << 12
            if extended && destination <= APICID.maxWithExtendedID { low |= ((destination >> 8) & 0x7F) << 5 }
            message = MSIMessage(addressHi: 0, addressLo: low, data: UInt32(remapping.entry.vector))
            remappedAPIC = APICID(rawValue: destination)
        }
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
            case .pciMSI, .x86Vector, .gicv3, .gicv2m, .remapped:
                break
            }
        }
        let delivery: RouteSource.Delivery
        switch architecture {
        case .x86_64 where remappedAPIC != nil:
            delivery = .localAPIC(remappedAPIC ?? APICID(rawValue: 0))
        case .x86_64:
            var destination = (message.addressLo >> 12) & 0xFF
            if extendedDestinationID { destination |= ((message.addressLo >> 5) & 0x7F) << 8 }
            delivery = .localAPIC(APICID(rawValue: destination))
        case .arm64:
            delivery = deviceID.map { .its(deviceID: $0) } ?? .spi(intid: message.data)
        }
        return RouteSource(virq: virq, architecture: architecture, message: message, delivery: delivery,
                           extendedDestinationID: extended, hyperV: hyperV)
    }
}
