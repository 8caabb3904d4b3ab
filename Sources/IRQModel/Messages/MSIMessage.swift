/// The address/data pair a device writes (a PCI MSI capability or one MSI-X table entry).
public struct MSIMessage: Hashable, Sendable, Codable {
    public var addressHi: UInt32
    public var addressLo: UInt32
    public var data: UInt32

    public init(addressHi: UInt32, addressLo: UInt32, data: UInt32) {
        self.addressHi = addressHi
        self.addressLo = addressLo
        self.data = data
    }

    public init(address: UInt64, data: UInt32) {
        self.init(addressHi: UInt32(truncatingIfNeeded: address >> 32), addressLo: UInt32(truncatingIfNeeded: address), data: data)
    }

    /// Hashes the address as one word and the data: the decode index hashes a message on
    /// every compose and teardown.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(address)
        hasher.combine(data)
    }

    /// `addressHi << 32 | addressLo`.
    public var address: UInt64 { UInt64(addressHi) << 32 | UInt64(addressLo) }

    /// The address for people: "0x" and 16 lowercase hex digits, e.g. "0x00000000fee03000".
    public var addressHex: String {
        let digits = String(address, radix: 16)
        return "0x" + String(repeating: "0", count: 16 - digits.count) + digits
    }
}
