import Testing
@testable import IRQModel

@Suite("MSI message encodings")
struct MessageEncodingTests {
    @Test("TV-01 to TV-04: x86 physical-mode messages", arguments: [
        (UInt32(3), UInt8(0x41), false, UInt32(0xFEE0_3000)), (0x1A5, 0x30, true, 0xFEEA_5020), (0x7FFF, 0xEA, true, 0xFEEF_FFE0),
        (0x100, 0x22, true, 0xFEE0_0020),
    ])
    func x86Compose(apic: UInt32, vector: UInt8, extended: Bool, addressLo: UInt32) throws {
        let message = try #require(X86MSIMessage.compose(apicID: APICID(rawValue: apic), vector: Vector(rawValue: vector), extendedDestinationID: extended))
        #expect(message == MSIMessage(addressHi: 0, addressLo: addressLo, data: UInt32(vector)))
        let fields = try #require(X86MSIMessage.decode(message, extendedDestinationID: extended))
        #expect(fields.destinationID == apic && fields.vector == vector && fields.deliveryMode == 0)
        #expect(!fields.destinationModeLogical && !fields.redirectionHint && !fields.levelTriggered && !fields.levelAssert)
    }

    @Test("an APIC ID above 0xFF cannot be addressed without the extended destination id")
    func unaddressable() {
        #expect(X86MSIMessage.compose(apicID: APICID(rawValue: 0x100), vector: Vector(rawValue: 0x22), extendedDestinationID: false) == nil)
        #expect(X86MSIMessage.compose(apicID: APICID(rawValue: 0x8000), vector: Vector(rawValue: 0x22), extendedDestinationID: true) == nil)
    }

    @Test("compose and decode round trip over every vector and a sweep of APIC IDs")
    func roundTrip() throws {
        for vector in UInt8(0x20)...0xEA {
            for apic in stride(from: UInt32(0), through: 0x7FFF, by: 0x3F1) {
                let message = try #require(X86MSIMessage.compose(apicID: APICID(rawValue: apic), vector: Vector(rawValue: vector), extendedDestinationID: true))
                let fields = try #require(X86MSIMessage.decode(message, extendedDestinationID: true))
                #expect(fields.destinationID == apic && fields.vector == vector)
            }
        }
    }

    @Test("TV-27, TV-30, TV-33: GIC doorbells")
    func gicDoorbells() {
        #expect(GICMessages.setSPI(frameBase: 0x0800_0000, intid: HardwareIRQ(rawValue: 96)).addressHex == "0x0000000008000040")
        #expect(GICMessages.itsTranslater(itsBase: 0x0808_0000, eventID: 3) == MSIMessage(addressHi: 0, addressLo: 0x0809_0040, data: 3))
        #expect(GICMessages.itsTranslater(itsBase: 0x1_0000_0000, eventID: 3) == MSIMessage(addressHi: 1, addressLo: 0x0001_0040, data: 3))
        #expect(GICMessages.setSPI(frameBase: 0x0802_0000, intid: HardwareIRQ(rawValue: 120)) == MSIMessage(addressHi: 0, addressLo: 0x0802_0040, data: 120))
        #expect(GICMessages.irouterOffset(intid: HardwareIRQ(rawValue: 64)) == 0x6200)
        #expect(MPIDR(rawValue: 0x1_0000_0203).irouterValue == 0x0000_0001_0000_0203)
    }
}

@Suite("Hyper-V wire formats")
struct HyperVWireTests {
    static let guid = HyperVInstanceID(string: "abee639e-0b9d-49b7-9a07-c54ba8cd5734")

    @Test("TV-26: the device id and segment come from the instance GUID")
    func deviceID() throws {
        let guid = try #require(HyperVWireTests.guid)
        #expect(guid.bytes == [0x9E, 0x63, 0xEE, 0xAB, 0x9D, 0x0B, 0xB7, 0x49, 0x9A, 0x07, 0xC5, 0x4B, 0xA8, 0xCD, 0x57, 0x34])
        #expect(guid.deviceID(function: 0) == 0x0B9D_49B0)
        #expect(guid.deviceID(function: 1) == 0x0B9D_49B1)
        #expect(guid.pciSegment == 0x0B9D)
        #expect(guid.description == "abee639e-0b9d-49b7-9a07-c54ba8cd5734")
    }

    @Test("TV-19: arm64 protocol 1.4 create request, 82 bytes")
    func createRequestV14() {
        let request = HyperVCreateInterruptRequest(protocolVersion: .v1_4, winSlot: 0, vector: 64, deliveryMode: 0, vectorCount: 1,
                                                   processor: VPIndex(rawValue: 0))
        let bytes = request.bytes
        #expect(bytes.count == 82)
        #expect(Array(bytes[0..<4]) == [0x1B, 0x00, 0x49, 0x42])
        #expect(Array(bytes[4..<8]) == [0, 0, 0, 0])
        #expect(Array(bytes[8..<12]) == [0x40, 0, 0, 0])
        #expect(bytes[12] == 0 && bytes[13] == 0)
        #expect(Array(bytes[14..<18]) == [1, 0, 1, 0])
        #expect(Array(bytes[18..<20]) == [0, 0])
    }

    @Test("TV-20 and TV-21: x86 protocol 1.2 (78 bytes) and 1.1 (24 bytes)")
    func createRequestOlder() {
        let slot = HyperVWinSlot.encode(device: 2, function: 3)
        #expect(slot == 0x62)
        let v12 = HyperVCreateInterruptRequest(protocolVersion: .v1_2, winSlot: slot, vector: 0x30, deliveryMode: 0, vectorCount: 1, processor: VPIndex(rawValue: 2))
        #expect(v12.bytes.count == 78)
        #expect(Array(v12.bytes[0..<16]) == [0x17, 0, 0x49, 0x42, 0x62, 0, 0, 0, 0x30, 0, 1, 0, 1, 0, 2, 0])
        let v11 = HyperVCreateInterruptRequest(protocolVersion: .v1_1, winSlot: slot, vector: 0x30, deliveryMode: 0, vectorCount: 1, processor: VPIndex(rawValue: 2))
        #expect(v11.bytes.count == 24)
        #expect(Array(v11.bytes[0..<4]) == [0x14, 0, 0x49, 0x42])
        #expect(Array(v11.bytes[16..<24]) == Array(repeating: 0xFF, count: 8))
    }

    @Test("TV-23 to TV-25: retarget targets and control words", arguments: [
        (HyperVProtocolVersion.v1_4, UInt32(2), UInt32(2), UInt64(0x4_007E)), (.v1_4, 70, 2, 0x6_007E), (.v1_1, 2, 0, 0x7E),
    ])
    func retarget(version: HyperVProtocolVersion, vp: UInt32, flags: UInt32, control: UInt64) throws {
        let request = try #require(HyperVRetargetRequest(protocolVersion: version, deviceID: 0x0B9D_49B0, address: 0xFEE0_2000,
                                                         data: 0x4031, vector: 0x31, targets: [VPIndex(rawValue: vp)]))
        #expect(request.flags == flags)
        #expect(request.controlWord == control)
        let bytes = request.bytes
        #expect(Array(bytes[0..<8]) == Array(repeating: 0xFF, count: 8))
        #expect(Array(bytes[8..<12]) == [0xB0, 0x49, 0x9D, 0x0B])
        #expect(Array(bytes[16..<20]) == [1, 0, 0, 0])
        #expect(Array(bytes[24..<28]) == [0x00, 0x20, 0xE0, 0xFE])
        #expect(Array(bytes[40..<44]) == [0x31, 0, 0, 0])
        if vp == 70 { #expect(request.target == .vpSet(validBankMask: 0x3, banks: [0, 0x40])) }
        if version == .v1_1 { #expect(request.target == .vpMask(0x4)) }
    }

    @Test("a device id with b[5] >= 0x80 sign-extends as the kernel's int arithmetic does")
    func deviceIDSignExtension() {
        let guid = HyperVInstanceID(bytes: [0, 0, 0, 0, 0x9D, 0x8B, 0xB7, 0x49, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(guid.deviceID(function: 2) == 0xFFFF_FFFF_8B9D_49B2)
    }

    @Test("a VP set holds 64 banks (VP 4095) but not VP 4096")
    func vpSetLimit() throws {
        let last = try #require(HyperVRetargetRequest(protocolVersion: .v1_4, deviceID: 0, address: 0, data: 0, vector: 0,
                                                      targets: [VPIndex(rawValue: 4095)]))
        #expect(last.controlWord == 0x7E | 65 << 17)
        #expect(last.target == .vpSet(validBankMask: .max, banks: Array(repeating: 0, count: 63) + [1 << 63]))
        #expect(HyperVRetargetRequest(protocolVersion: .v1_4, deviceID: 0, address: 0, data: 0, vector: 0, targets: [VPIndex(rawValue: 4096)]) == nil)
    }

    @Test("the one-VP request the unmask sends is the general request for that VP, on every protocol",
          arguments: [HyperVProtocolVersion.v1_1, .v1_2, .v1_4])
    func oneVP(version: HyperVProtocolVersion) {
        for vp in [0, 1, 63, 64, 65, 127, 128, 200, 255, 4031, 4032, 4095, 4096, 5000] as [UInt32] {
            let one = HyperVRetargetRequest(protocolVersion: version, deviceID: 0x0B9D_49B0, address: 0xFEE0_2000, data: 0x4031,
                                            vector: 0x31, targetVP: VPIndex(rawValue: vp))
            let general = HyperVRetargetRequest(protocolVersion: version, deviceID: 0x0B9D_49B0, address: 0xFEE0_2000, data: 0x4031,
                                                vector: 0x31, targets: [VPIndex(rawValue: vp)])
            #expect(one == general, "VP \(vp)")
        }
    }

    @Test("protocol 1.1 cannot name VP 64 or above")
    func unrepresentable() {
        #expect(HyperVRetargetRequest(protocolVersion: .v1_1, deviceID: 0, address: 0, data: 0, vector: 0, targets: [VPIndex(rawValue: 64)]) == nil)
        #expect(HyperVRetargetRequest(protocolVersion: .v1_4, deviceID: 0, address: 0, data: 0, vector: 0, targets: []) == nil)
    }
}
