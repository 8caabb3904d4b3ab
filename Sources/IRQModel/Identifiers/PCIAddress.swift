/// A PCI function address, written `DDDD:BB:DD.F` (segment, bus, device, function in hex).
/// Invariant: `device < 32`, `function < 8`.
public struct PCIAddress: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let segment: UInt16
    public let bus: UInt8
    public let device: UInt8
    public let function: UInt8

    public init?(segment: UInt16, bus: UInt8, device: UInt8, function: UInt8) {
        guard device < 32, function < 8 else { return nil }
        self.segment = segment
        self.bus = bus
        self.device = device
        self.function = function
    }

    /// Parses the canonical BDF form `DDDD:BB:DD.F` (exactly 4, 2, 2 and 1 hex digits).
    public init(parsing text: String) throws(ModelError) {
        let bytes = Array(text.utf8)
        func field(_ range: Range<Int>) -> UInt16? {
            var value: UInt16 = 0
            for byte in bytes[range] {
                guard let digit = PCIAddress.hexDigit(byte) else { return nil }
                value = value << 4 | UInt16(digit)
            }
            return value
        }
        guard bytes.count == 12, bytes[4] == UInt8(ascii: ":"), bytes[7] == UInt8(ascii: ":"),
              bytes[10] == UInt8(ascii: "."),
              let segment = field(0..<4), let bus = field(5..<7), let device = field(8..<10),
              let function = field(11..<12)
        else {
            throw .invalidPCIAddress(text, reason: "expected the form DDDD:BB:DD.F in hexadecimal, e.g. 0000:00:04.0")
        }
        guard device < 32 else { throw .invalidPCIAddress(text, reason: "device number 0x\(String(device, radix: 16)) is above 0x1f") }
        guard function < 8 else { throw .invalidPCIAddress(text, reason: "function number \(function) is above 7") }
        self.segment = segment
        self.bus = UInt8(bus)
        self.device = UInt8(device)
        self.function = UInt8(function)
    }

    private static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Linux `devfn`: `device << 3 | function`.
    public var devfn: UInt8 { device << 3 | function }
    /// The PCI requester ID `bus << 8 | devfn` (Linux `pci_dev_id`), used as the ITS DeviceID
    /// under an identity msi-map.
    public var requesterID: UInt32 { UInt32(bus) << 8 | UInt32(devfn) }

    /// A DeviceID or requester id as people read them: `0x` and at least four hex digits.
    public static func hexDeviceID(_ id: UInt32) -> String {
        let digits = String(id, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// `DDDD:BB:DD.F` in lowercase hex: twelve bytes, so a small string (no allocation),
    /// written in place (every IRQ answer and every IRQ of a snapshot carries one).
    public var description: String {
        String(unsafeUninitializedCapacity: 12) { buffer in
            let digits: StaticString = "0123456789abcdef"
            func put(_ value: UInt16, width: Int, at position: Int) {
                for index in 0..<width {
                    let nibble = Int(value >> UInt16(4 * (width - 1 - index))) & 0xF
                    buffer[position + index] = digits.utf8Start[nibble]
                }
            }
            put(segment, width: 4, at: 0)
            buffer[4] = UInt8(ascii: ":")
            put(UInt16(bus), width: 2, at: 5)
            buffer[7] = UInt8(ascii: ":")
            put(UInt16(device), width: 2, at: 8)
            buffer[10] = UInt8(ascii: ".")
            put(UInt16(function), width: 1, at: 11)
            return 12
        }
    }

    public static func < (lhs: PCIAddress, rhs: PCIAddress) -> Bool {
        (lhs.segment, lhs.bus, lhs.devfn) < (rhs.segment, rhs.bus, rhs.devfn)
    }

    /// The four fields as one word (equal addresses, equal words), hashed once: an ITS finds
    /// its device by address several times per command.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(UInt32(segment) << 16 | UInt32(bus) << 8 | UInt32(devfn))
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do { self = try PCIAddress(parsing: text) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(error)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
