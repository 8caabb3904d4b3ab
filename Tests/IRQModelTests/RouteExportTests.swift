import Testing
@testable import IRQModel

/// Hypervisor routing entries (`RouteExport`): worked examples whose bytes were written down by
/// hand from the uapi layouts (`struct kvm_irq_routing_entry`, 48 bytes; `struct
/// mshv_user_irq_entry`, 16 bytes), and the refusals.
@Suite("Route export")
struct RouteExportTests {
    /// Lowercase hex, two digits a byte.
    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    static let zeros16 = String(repeating: "00", count: 16)

    /// x86, the third IRQ pinned to the CPU with APIC ID 3: vector 0x22, virq 26.
    static func x86APIC3() throws -> (Scenario, VirtualIRQ) {
        var s = try Scenario.x86(cpus: 4)
        try s.device("nic", bdf: "0000:00:03.0", parent: "vector")
        let virqs = try s.allocate("nic", count: 3, affinity: "3")
        return (s, virqs[2])
    }

    /// x86 with the extended destination id, APIC ID 0x1A5, vector 0x30 (worked example 2).
    static func x86Extended() throws -> (Scenario, VirtualIRQ) {
        var s = Scenario(system: Fixture.system("ext"))
        try s.apply(.createSystem(SystemSpec(name: s.system, architecture: .x86_64, hardwareIDs: [0x1A5, 1], extendedDestinationID: true)))
        try s.createDomain("vector", parent: nil, .x86Vector(reservedVectors: []))
        try s.device("nic", bdf: "0000:00:03.0", parent: "vector")
        let virqs = try s.allocate("nic", count: 17, affinity: "0")
        return (s, virqs[16])
    }

    /// arm64, an ITS at 0x08080000 and device 0000:00:02.0 (DeviceID 0x10), event 0, virq 1.
    static func armITS() throws -> (Scenario, VirtualIRQ) {
        var s = try Scenario.arm64(cpus: 4)
        try s.createDomain("its", parent: "gic", .gicv3ITS(itsBase: 0x0808_0000))
        try s.device("nic", bdf: "0000:00:02.0", parent: "its", msixTableSize: 16)
        let virq = try s.allocate("nic")[0]
        return (s, virq)
    }

    @Test("x86 APIC ID 3 vector 0x22 exports as a 48-byte KVM MSI entry with flags 0 and devid 0")
    func kvmX86() throws {
        let (s, virq) = try Self.x86APIC3()
        let source = try s.state.routeSource(of: virq)
        #expect(virq == VirtualIRQ(rawValue: 26))
        #expect(source.delivery == .localAPIC(APICID(rawValue: 3)))
        let entry = try RouteExport.kvm(source, gsi: virq.rawValue, x2apicAPI: false)
        #expect(entry.type == 2)
        #expect(entry.flags == 0)
        #expect(entry.routing == .msi(addressLo: 0xFEE0_3000, addressHi: 0, data: 0x22, devid: 0))
        #expect(entry.bytes.count == 48)
        #expect(Self.hex(entry.bytes) == "1a000000" + "02000000" + "00000000" + "00000000"
            + "0030e0fe" + "00000000" + "22000000" + "00000000" + Self.zeros16)
        // The x2APIC API changes nothing for an 8-bit destination.
        #expect(try RouteExport.kvm(source, gsi: virq.rawValue, x2apicAPI: true) == entry)
    }

    @Test("the extended destination id is refused for KVM unless the x2APIC API moves it to address_hi")
    func kvmExtendedDestinationID() throws {
        let (s, virq) = try Self.x86Extended()
        let source = try s.state.routeSource(of: virq)
        #expect(source.message == MSIMessage(addressHi: 0, addressLo: 0xFEEA_5020, data: 0x30))
        #expect(source.delivery == .localAPIC(APICID(rawValue: 0x1A5)))
        #expect(throws: ModelError.routeNotExpressible(virq: virq, format: .kvm,
                                                       refusal: .extendedDestinationIDNeedsX2APICAPI(apicID: APICID(rawValue: 0x1A5)))) {
            try RouteExport.kvm(source, gsi: 7, x2apicAPI: false)
        }
        let entry = try RouteExport.kvm(source, gsi: 7, x2apicAPI: true)
        // QEMU's kvm_swizzle_msi_ext_dest_id: address_lo bits 11:5 (0x020) << 35 = address_hi bit 8.
        #expect(entry.routing == .msi(addressLo: 0xFEEA_5000, addressHi: 0x100, data: 0x30, devid: 0))
        #expect(Self.hex(entry.bytes) == "07000000" + "02000000" + "00000000" + "00000000"
            + "0050eafe" + "00010000" + "30000000" + "00000000" + Self.zeros16)
    }

    @Test("an ITS route carries KVM_MSI_VALID_DEVID and the DeviceID")
    func kvmITS() throws {
        let (s, virq) = try Self.armITS()
        let source = try s.state.routeSource(of: virq)
        #expect(source.delivery == .its(deviceID: 0x10))
        let entry = try RouteExport.kvm(source, gsi: virq.rawValue, x2apicAPI: false)
        #expect(entry.flags == KVMIRQRoutingEntry.flagValidDevID)
        #expect(entry.routing == .msi(addressLo: 0x0809_0040, addressHi: 0, data: 0, devid: 0x10))
        #expect(Self.hex(entry.bytes) == "01000000" + "02000000" + "01000000" + "00000000"
            + "40000908" + "00000000" + "00000000" + "10000000" + Self.zeros16)
    }

    @Test("an SPI doorbell message exports to KVM as an irqchip route to pin INTID - 32")
    func kvmSPI() throws {
        var s = try Scenario.arm64(cpus: 4)
        try s.createDomain("v2m", parent: "gic", .gicv2m(frameBase: 0x0802_0000, spis: SPIRange(base: 120, count: 8)))
        try s.device("nic", bdf: "0000:00:03.0", parent: "v2m")
        let virq = try s.allocate("nic")[0]
        let source = try s.state.routeSource(of: virq)
        #expect(source.delivery == .spi(intid: 120))
        let entry = try RouteExport.kvm(source, gsi: virq.rawValue, x2apicAPI: false)
        #expect(entry.type == KVMIRQRoutingEntry.typeIRQChip)
        #expect(entry.routing == .irqchip(irqchip: 0, pin: 88))
        #expect(Self.hex(entry.bytes) == "01000000" + "01000000" + "00000000" + "00000000"
            + "00000000" + "58000000" + String(repeating: "00", count: 24))
    }

    @Test("a GSI at or above KVM_MAX_IRQ_ROUTES is refused")
    func gsiLimit() throws {
        let (s, virq) = try Self.x86APIC3()
        let source = try s.state.routeSource(of: virq)
        #expect(throws: ModelError.routeNotExpressible(virq: virq, format: .kvm, refusal: .gsiOutOfRange(gsi: 4096, limit: 4096))) {
            try RouteExport.kvm(source, gsi: 4096, x2apicAPI: false)
        }
        #expect(throws: ModelError.routeNotExpressible(virq: virq, format: .mshv, refusal: .gsiOutOfRange(gsi: 4096, limit: 4096))) {
            try RouteExport.mshv(source, gsi: 4096)
        }
        #expect(try RouteExport.kvm(source, gsi: 4095, x2apicAPI: false).gsi == 4095)
    }

    @Test("the MSHV entry is 16 bytes: gsi, address_lo, address_hi, data")
    func mshvX86() throws {
        let (s, virq) = try Self.x86APIC3()
        let entry = try RouteExport.mshv(try s.state.routeSource(of: virq), gsi: virq.rawValue)
        #expect(entry == MSHVIRQEntry(gsi: 26, addressLo: 0xFEE0_3000, addressHi: 0, data: 0x22))
        #expect(Self.hex(entry.bytes) == "1a000000" + "0030e0fe" + "00000000" + "22000000")
    }

    @Test("MSHV refuses an ITS route, whose DeviceID its entry cannot carry, and an APIC ID above 0xff")
    func mshvRefusals() throws {
        let (arm, armVirq) = try Self.armITS()
        #expect(throws: ModelError.routeNotExpressible(virq: armVirq, format: .mshv, refusal: .deviceIDNotCarried(deviceID: 0x10))) {
            try RouteExport.mshv(try arm.state.routeSource(of: armVirq), gsi: 1)
        }
        let (ext, extVirq) = try Self.x86Extended()
        #expect(throws: ModelError.routeNotExpressible(virq: extVirq, format: .mshv,
                                                       refusal: .destinationAboveEightBits(apicID: APICID(rawValue: 0x1A5)))) {
            try RouteExport.mshv(try ext.state.routeSource(of: extVirq), gsi: 1)
        }
        let high = RouteSource(virq: VirtualIRQ(rawValue: 1), architecture: .arm64,
                               message: MSIMessage(addressHi: 0x1, addressLo: 0x0000_0040, data: 96), delivery: .spi(intid: 96),
                               extendedDestinationID: false)
        #expect(throws: ModelError.routeNotExpressible(virq: VirtualIRQ(rawValue: 1), format: .mshv,
                                                       refusal: .addressHighNotZero(addressHi: 1))) {
            try RouteExport.mshv(high, gsi: 1)
        }
    }

    @Test("an MBI (SPI) message exports to MSHV as it is")
    func mshvSPI() throws {
        var s = try Scenario.arm64(cpus: 4, mbi: [SPIRange(base: 96, count: 32)])
        try s.device("nic", bdf: "0000:00:03.0", parent: "gic")
        let virq = try s.allocate("nic")[0]
        let entry = try RouteExport.mshv(try s.state.routeSource(of: virq), gsi: virq.rawValue)
        #expect(Self.hex(entry.bytes) == "01000000" + "40000008" + "00000000" + "60000000")
    }

    @Test("an IRQ without a message has no route: it is not activated")
    func notActivated() throws {
        var s = try Scenario.x86(cpus: 2)
        try s.device("nic", bdf: "0000:00:03.0", parent: "vector")
        let virq = try s.allocate("nic", activate: false)[0]
        #expect(throws: ModelError.irqNotActivated(system: s.system, virq: virq)) { try s.state.routeSource(of: virq) }
    }

    @Test("the Hyper-V requests are the ones the model built: create-interrupt as stored, retarget as the unmask sent")
    func hyperV() throws {
        var s = try Scenario.x86(cpus: 4)
        try s.hyperV(parent: "vector")
        try s.device("nic", bdf: "0000:00:03.0", parent: "vpci")
        let virq = try s.allocate("nic", affinity: "2")[0]
        try s.apply(.unmask(system: s.system, virq: virq))
        let requests = try RouteExport.hyperV(try s.state.routeSource(of: virq))
        let stored = try #require(try s.irq(virq).hyperVLevel?.request)
        #expect(requests.createInterrupt == stored)
        #expect(requests.createInterrupt.bytes == stored.bytes)
        let sent = try s.effects(virq: virq).compactMap { effect -> HyperVRetargetRequest? in
            if case .hyperVRetarget(let request) = effect { return request }
            return nil
        }.last
        #expect(requests.retarget == sent)
        #expect(requests.retarget?.bytes == sent?.bytes)

        let (plain, plainVirq) = try Self.x86APIC3()
        #expect(throws: ModelError.routeNotExpressible(virq: plainVirq, format: .hyperv, refusal: .notHyperV)) {
            try RouteExport.hyperV(try plain.state.routeSource(of: plainVirq))
        }
    }

    @Test("arm64 Hyper-V has a create-interrupt request and no retarget")
    func hyperVArm64() throws {
        var s = try Scenario.arm64(cpus: 4)
        try s.hyperV(parent: "gic")
        try s.device("nic", bdf: "0000:00:03.0", parent: "vpci")
        let virq = try s.allocate("nic")[0]
        let source = try s.state.routeSource(of: virq)
        let requests = try RouteExport.hyperV(source)
        #expect(requests.createInterrupt == (try s.irq(virq).hyperVLevel?.request))
        #expect(requests.retarget == nil)
        guard case .spi = source.delivery else {
            Issue.record("a Hyper-V arm64 message writes GICD_SETSPI_NSR")
            return
        }
    }
}
