/// A GICv3 ITS (drivers/irqchip/irq-gic-v3-its.c) under the GICv3 root. hwirq = LPI INTID;
/// each DeviceID gets an ITS device with a contiguous LPI range and an event space; the event
/// id travels in the MSI data and the DeviceID out of band.
///
/// DeviceIDs: a PCI device's requester id (after its DMA alias) mapped through the ITS's
/// `msiMap` (`pci_msi_domain_get_msi_rid` → `of_msi_map_id` / `iort_msi_map_id`; identity
/// without a map or for a RID no entry covers, as `of_map_id` bypasses). PCI devices whose
/// DeviceIDs coincide share one ITS device, as `its_msi_prepare` does ("Reusing ITT for
/// devID"): it is marked shared and, as in the kernel, never freed.
///
/// LPI pool: first fit over free ranges, not aligned, merging on free (`alloc_lpi_range`,
/// `free_lpi_range`), initially `[8192, 65536)` (16 ID bits).
public struct GICv3ITSDomain: Hashable, Sendable, Codable {
    public static let firstLPI: UInt32 = 8192
    public static let lpiLimit: UInt32 = 1 << 16

    public let itsBase: UInt64
    /// The requester-id to DeviceID map, first matching entry wins; empty is identity.
    public let msiMap: [MSIMapEntry]
    /// Free LPI ranges, sorted and disjoint, adjacent ranges merged (canonical).
    public internal(set) var freeLPIs: [Range<UInt32>]
    /// ITS devices by DeviceID.
    public internal(set) var devices: [UInt32: ITSDevice]
    /// The DeviceID of every PCI device an ITS device serves (derived from `devices`).
    public internal(set) var deviceIDs: [PCIAddress: UInt32] = [:]
    /// LPIs routed to each CPU (`its_read_lpi_count`), kept apart for managed and other IRQs.
    /// Changed only through `countLPI`, which keeps the tournaments in step.
    public private(set) var lpiCounts: [UInt32]
    public private(set) var managedLPICounts: [UInt32]
    /// `leastLoadedCPU`'s rankings of `lpiCounts` and `managedLPICounts` (derived: rebuilt on
    /// decoding, neither encoded nor compared).
    private var lpiLoad: CPUTournament
    private var managedLPILoad: CPUTournament

    init(itsBase: UInt64, msiMap: [MSIMapEntry], cpuCount: Int) {
        self.itsBase = itsBase
        self.msiMap = msiMap
        self.freeLPIs = [GICv3ITSDomain.firstLPI ..< GICv3ITSDomain.lpiLimit]
        self.devices = [:]
        self.lpiCounts = Array(repeating: 0, count: cpuCount)
        self.managedLPICounts = Array(repeating: 0, count: cpuCount)
        lpiLoad = GICv3ITSDomain.ranking(lpiCounts)
        managedLPILoad = GICv3ITSDomain.ranking(managedLPICounts)
    }

    /// A tournament in which fewer LPIs score higher (see `leastLoadedCPU`).
    private static func ranking(_ counts: [UInt32]) -> CPUTournament {
        CPUTournament(scores: counts.map(score(of:)))
    }

    /// The tournament score of a CPU routing `count` LPIs: the fewer, the higher; above
    /// `Int64.min` for every count, so that any CPU can be chosen.
    private static func score(of count: UInt32) -> Int64 { -Int64(count) }

    public static func == (lhs: GICv3ITSDomain, rhs: GICv3ITSDomain) -> Bool {
        lhs.itsBase == rhs.itsBase && lhs.msiMap == rhs.msiMap && lhs.freeLPIs == rhs.freeLPIs && lhs.devices == rhs.devices
            && lhs.lpiCounts == rhs.lpiCounts && lhs.managedLPICounts == rhs.managedLPICounts
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(itsBase)
        hasher.combine(freeLPIs)
        hasher.combine(devices)
        hasher.combine(lpiCounts)
        hasher.combine(managedLPICounts)
    }

    public var freeLPICount: Int { freeLPIs.reduce(0) { $0 + $1.count } }

    /// `its_lpi_alloc`: first fit; when no range fits, halve the request until one does.
    /// - Returns: the range, possibly shorter than `count`; nil when not even one LPI is free.
    mutating func allocateLPIs(_ count: Int) -> Range<UInt32>? {
        var wanted = count
        while wanted > 0 {
            if let index = freeLPIs.firstIndex(where: { $0.count >= wanted }) {
                let range = freeLPIs[index]
                let taken = range.lowerBound ..< range.lowerBound + UInt32(wanted)
                if taken.upperBound == range.upperBound {
                    freeLPIs.remove(at: index)
                } else {
                    freeLPIs[index] = taken.upperBound ..< range.upperBound
                }
                return taken
            }
            wanted /= 2
        }
        return nil
    }

    /// `free_lpi_range`: insert in order and merge with neighbours.
    mutating func releaseLPIs(_ range: Range<UInt32>) {
        let index = freeLPIs.firstIndex(where: { $0.lowerBound > range.lowerBound }) ?? freeLPIs.endIndex
        freeLPIs.insert(range, at: index)
        if index + 1 < freeLPIs.count, freeLPIs[index].upperBound == freeLPIs[index + 1].lowerBound {
            freeLPIs[index] = freeLPIs[index].lowerBound ..< freeLPIs[index + 1].upperBound
            freeLPIs.remove(at: index + 1)
        }
        if index > 0, freeLPIs[index - 1].upperBound == freeLPIs[index].lowerBound {
            freeLPIs[index - 1] = freeLPIs[index - 1].lowerBound ..< freeLPIs[index].upperBound
            freeLPIs.remove(at: index)
        }
    }

    /// `its_pci_msi_prepare`: the number of events to provision for a device: the request and
    /// the domain's hardware size (MSI-X table size) rounded up to a power of two, at least 32
    /// for DeviceID 0 (aliasing devices share it).
    static func provisionedEvents(requested: Int, hardwareSize: Int, deviceID: UInt32) -> Int {
        let wanted = max(requested, hardwareSize, 1)
        let power = 1 << countOrder(wanted)
        return deviceID == 0 ? max(power, 32) : power
    }

    /// The CPU choice of `its_select_cpu` for an IRQ (NUMA nodes not modelled):
    /// `cpumask_pick_least_loaded` over `candidates` with the IRQ's own kind of count; strict
    /// `<`, so ties go to the lowest-numbered CPU. The kernel scans the mask; the tournament
    /// gives the same CPU without visiting every candidate.
    func leastLoadedCPU(in candidates: CPUSet, managed: Bool) -> CPUID? {
        (managed ? managedLPILoad : lpiLoad).best(in: candidates, above: .min).map { CPUID($0) }
    }

    /// Most entries an `msiMap` may hold.
    public static let maxMSIMapEntries = 64

    /// Validates a requester-id map: each entry within the 16-bit RID space and the 32-bit
    /// DeviceID space, with at least one id.
    static func validate(msiMap: [MSIMapEntry]) throws(ModelError) {
        guard msiMap.count <= maxMSIMapEntries else {
            throw .invalidDomainConfiguration(kind: .gicv3ITS, member: "msiMap", reason: "at most \(maxMSIMapEntries) entries; \(msiMap.count) given")
        }
        for (index, entry) in msiMap.enumerated() {
            guard entry.length >= 1, UInt64(entry.ridBase) + UInt64(entry.length) <= 0x1_0000,
                  UInt64(entry.deviceIDBase) + UInt64(entry.length) <= 0x1_0000_0000 else {
                throw .invalidDomainConfiguration(
                    kind: .gicv3ITS, member: "msiMap",
                    reason: "entry \(index): \(entry.length) ids from RID 0x\(String(entry.ridBase, radix: 16)) to DeviceID 0x\(String(entry.deviceIDBase, radix: 16)) leave the 16-bit RID or 32-bit DeviceID space, or are none")
            }
        }
    }

    /// The DeviceID of a PCI device whose writes carry `requesterID` (`of_map_id`: the first
    /// entry of the device's segment covering the RID; none: the RID itself).
    func deviceID(segment: UInt16, requesterID: UInt32) -> UInt32 {
        for entry in msiMap {
            if let mapped = entry.map(segment: segment, rid: requesterID) { return mapped }
        }
        return requesterID
    }

    /// Stores a new ITS device, or one whose PCI devices changed, and indexes them.
    mutating func store(_ device: ITSDevice) {
        sharerCount += device.sharers.count - (devices[device.deviceID]?.sharers.count ?? 0)
        devices[device.deviceID] = device
        deviceIDs[device.device] = device.deviceID
        for pci in device.sharers { deviceIDs[pci] = device.deviceID }
    }

    /// Writes back a stored device whose PCI devices did not change (its events did).
    mutating func update(_ device: ITSDevice) { devices[device.deviceID] = device }

    /// Removes an ITS device and its PCI devices from the index.
    mutating func remove(deviceID: UInt32) {
        guard let device = devices.removeValue(forKey: deviceID) else { return }
        sharerCount -= device.sharers.count
        deviceIDs[device.device] = nil
        for pci in device.sharers { deviceIDs[pci] = nil }
    }

    /// PCI devices that share another's ITS device (derived, kept by `store` and `remove`):
    /// sharing is never undone, so a refused command that raised this left a change behind
    /// (`its_msi_prepare` marks a device shared before any event is allocated).
    public private(set) var sharerCount = 0

    /// The ITS device serving a PCI device.
    func device(serving pci: PCIAddress) -> ITSDevice? {
        deviceIDs[pci].flatMap { devices[$0] }
    }

    private enum CodingKeys: String, CodingKey { case itsBase, msiMap, freeLPIs, devices, lpiCounts, managedLPICounts }

    /// Devices are encoded as a list in PCI address order, so equal domains encode equally.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        itsBase = try container.decode(UInt64.self, forKey: .itsBase)
        msiMap = try container.decodeIfPresent([MSIMapEntry].self, forKey: .msiMap) ?? []
        freeLPIs = try container.decode([Range<UInt32>].self, forKey: .freeLPIs)
        devices = [:]
        for device in try container.decode([ITSDevice].self, forKey: .devices) {
            guard devices[device.deviceID] == nil else {
                throw DecodingError.dataCorruptedError(forKey: .devices, in: container,
                                                       debugDescription: "two ITS devices have DeviceID \(device.deviceID)")
            }
            devices[device.deviceID] = device
            sharerCount += device.sharers.count
            for pci in device.pciDevices { deviceIDs[pci] = device.deviceID }
        }
        lpiCounts = try container.decode([UInt32].self, forKey: .lpiCounts)
        managedLPICounts = try container.decode([UInt32].self, forKey: .managedLPICounts)
        lpiLoad = GICv3ITSDomain.ranking(lpiCounts)
        managedLPILoad = GICv3ITSDomain.ranking(managedLPICounts)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(itsBase, forKey: .itsBase)
        if !msiMap.isEmpty { try container.encode(msiMap, forKey: .msiMap) }
        try container.encode(freeLPIs, forKey: .freeLPIs)
        try container.encode(devices.values.sorted { $0.device < $1.device }, forKey: .devices)
        try container.encode(lpiCounts, forKey: .lpiCounts)
        try container.encode(managedLPICounts, forKey: .managedLPICounts)
    }

    mutating func countLPI(on cpu: CPUID, managed: Bool, delta: Int32) {
        if managed {
            managedLPICounts[cpu.index] = UInt32(Int32(managedLPICounts[cpu.index]) + delta)
            managedLPILoad.update(cpu.index, score: GICv3ITSDomain.score(of: managedLPICounts[cpu.index]))
        } else {
            lpiCounts[cpu.index] = UInt32(Int32(lpiCounts[cpu.index]) + delta)
            lpiLoad.update(cpu.index, score: GICv3ITSDomain.score(of: lpiCounts[cpu.index]))
        }
    }
}

/// An ITS device (`struct its_device`): one per DeviceID with live LPIs.
public struct ITSDevice: Hashable, Sendable, Codable {
    /// The PCI device it was created for.
    public let device: PCIAddress
    /// Other PCI devices whose DeviceID is the same (aliases); not empty means `shared`, and
    /// a shared device is never freed (`its_irq_domain_free` / `its_msi_teardown`).
    public internal(set) var sharers: [PCIAddress] = []
    /// The DeviceID: the requester id through the ITS's msi-map.
    public let deviceID: UInt32
    public let lpiBase: UInt32
    /// Entries of the device's ITT: `max(2, provisioned events)`.
    public let ittEntries: Int
    /// Allocated events; its size is the number of LPIs the device got.
    public internal(set) var events: FixedBitmap

    public var lpis: Range<UInt32> { lpiBase ..< lpiBase + UInt32(events.bitCount) }
    /// `its_dev->shared`.
    public var shared: Bool { !sharers.isEmpty }
    /// Every PCI device it serves.
    var pciDevices: [PCIAddress] { [device] + sharers }

    init(device: PCIAddress, deviceID: UInt32, lpiBase: UInt32, ittEntries: Int, events: FixedBitmap) {
        self.device = device
        self.deviceID = deviceID
        self.lpiBase = lpiBase
        self.ittEntries = ittEntries
        self.events = events
    }

    private enum CodingKeys: String, CodingKey { case device, sharers, deviceID, lpiBase, ittEntries, events }

    /// Snapshots from before DeviceIDs were shared have no `sharers`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        device = try container.decode(PCIAddress.self, forKey: .device)
        sharers = try container.decodeIfPresent([PCIAddress].self, forKey: .sharers) ?? []
        deviceID = try container.decode(UInt32.self, forKey: .deviceID)
        lpiBase = try container.decode(UInt32.self, forKey: .lpiBase)
        ittEntries = try container.decode(Int.self, forKey: .ittEntries)
        events = try container.decode(FixedBitmap.self, forKey: .events)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(device, forKey: .device)
        if !sharers.isEmpty { try container.encode(sharers, forKey: .sharers) }
        try container.encode(deviceID, forKey: .deviceID)
        try container.encode(lpiBase, forKey: .lpiBase)
        try container.encode(ittEntries, forKey: .ittEntries)
        try container.encode(events, forKey: .events)
    }
}

/// The ITS level of one IRQ.
public struct ITSLevel: Hashable, Sendable, Codable {
    public let eventID: UInt32
    /// The collection (target CPU) after MAPTI/MOVI; nil while not activated.
    public internal(set) var collection: CPUID?

    package init(eventID: UInt32, collection: CPUID?) {
        self.eventID = eventID
        self.collection = collection
    }
}
