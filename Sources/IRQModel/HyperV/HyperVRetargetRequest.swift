/// The `HVCALL_RETARGET_INTERRUPT` input (`struct hv_retarget_device_interrupt`,
/// include/hyperv/hvgdk_mini.h) that `hv_irq_retarget_interrupt` sends on an x86 unmask, and
/// its hypercall control word.
public struct HyperVRetargetRequest: Hashable, Sendable, Codable {
    public static let hypercallCode: UInt64 = 0x7E
    public static let partitionIDSelf: UInt64 = 0xFFFF_FFFF_FFFF_FFFF
    /// `HV_DEVICE_INTERRUPT_TARGET_PROCESSOR_SET`.
    public static let processorSetFlag: UInt32 = 2

    /// The target VPs: a 64-bit mask (protocol 1.1) or a sparse VP set (1.2 and later).
    public enum Target: Hashable, Sendable, Codable {
        case vpMask(UInt64)
        case vpSet(validBankMask: UInt64, banks: [UInt64])
    }

    public var deviceID: UInt64
    /// The host's address (low 32 bits) and data.
    public var address: UInt32
    public var data: UInt32
    /// The IRQ's own current vector.
    public var vector: UInt32
    /// 0 with a VP mask, 2 (processor set) with a VP set; multicast (1) is never set.
    public var flags: UInt32
    public var target: Target

    /// A request as it was recorded (the snapshot decoder restores them from the trail).
    package init(deviceID: UInt64, address: UInt32, data: UInt32, vector: UInt32, flags: UInt32, target: Target) {
        self.deviceID = deviceID
        self.address = address
        self.data = data
        self.vector = vector
        self.flags = flags
        self.target = target
    }

    /// Nil when the targets cannot be expressed: none, a VP ≥ 64 with protocol 1.1, or a VP of
    /// 4096 or more in a VP set (`cpumask_to_vpset` fails when the highest bank index is ≥ 64,
    /// so 64 banks, VPs up to 4095, still fit).
    public init?(protocolVersion: HyperVProtocolVersion, deviceID: UInt64, address: UInt32, data: UInt32,
                 vector: UInt32, targets: [VPIndex]) {
        self.init(protocolVersion: protocolVersion, deviceID: deviceID, address: address, data: data, vector: vector,
                  targetVPs: targets)
    }

    /// The request for one VP, what every x86 unmask sends (msid's effective affinity is one
    /// CPU): no array of targets to build.
    init?(protocolVersion: HyperVProtocolVersion, deviceID: UInt64, address: UInt32, data: UInt32,
          vector: UInt32, targetVP vp: VPIndex) {
        self.init(protocolVersion: protocolVersion, deviceID: deviceID, address: address, data: data, vector: vector,
                  targetVPs: CollectionOfOne(vp))
    }

    /// The same for any collection of VPs.
    init?<VPs: Collection<VPIndex>>(protocolVersion: HyperVProtocolVersion, deviceID: UInt64, address: UInt32, data: UInt32,
                                   vector: UInt32, targetVPs targets: VPs) {
        guard !targets.isEmpty else { return nil }
        self.deviceID = deviceID
        self.address = address
        self.data = data
        self.vector = vector
        if protocolVersion == .v1_1 {
            guard targets.allSatisfy({ $0.rawValue < 64 }) else { return nil }
            flags = 0
            target = .vpMask(targets.reduce(0) { $0 | 1 << UInt64($1.rawValue) })
        } else {
            let bankCount = Int(targets.reduce(0) { Swift.max($0, $1.rawValue) }) / 64 + 1
            guard bankCount <= 64 else { return nil }
            // Zeros appended rather than `Array(repeating:count:)`, whose allocation goes
            // through an entry point that looks up type metadata on every call (~350
            // instructions of each x86 unmask).
            var banks: [UInt64] = []
            banks.reserveCapacity(bankCount)
            for _ in 0..<bankCount { banks.append(0) }
            for vp in targets { banks[Int(vp.rawValue) / 64] |= 1 << UInt64(vp.rawValue % 64) }
            flags = HyperVRetargetRequest.processorSetFlag
            target = .vpSet(validBankMask: bankCount == 64 ? .max : (1 << UInt64(bankCount)) - 1, banks: banks)
        }
    }

    /// `HVCALL_RETARGET_INTERRUPT | (1 + nr_bank) << 17` for a VP set (the variable header in
    /// 8-byte units: the valid-bank mask and the banks); 0x7E with a VP mask.
    public var controlWord: UInt64 {
        switch target {
        case .vpMask: HyperVRetargetRequest.hypercallCode
        case .vpSet(_, let banks): HyperVRetargetRequest.hypercallCode | UInt64(1 + banks.count) << 17
        }
    }

    /// The packed input: partition id @0, device id @8, interrupt entry @16 {source = MSI (1),
    /// reserved, address, data}, reserved @32, target @40 {vector, flags, vp_mask | vp set}.
    public var bytes: [UInt8] {
        var out = WireWriter()
        out.u64(HyperVRetargetRequest.partitionIDSelf)
        out.u64(deviceID)
        out.u32(1)
        out.u32(0)
        out.u32(address)
        out.u32(data)
        out.u64(0)
        out.u32(vector)
        out.u32(flags)
        switch target {
        case .vpMask(let mask):
            out.u64(mask)
        case .vpSet(let valid, let banks):
            out.u64(0)
            out.u64(valid)
            for bank in banks { out.u64(bank) }
        }
        return out.bytes
    }
}
