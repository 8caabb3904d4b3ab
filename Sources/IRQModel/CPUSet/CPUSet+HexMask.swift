extension CPUSet {
    /// Parses the hex mask of /proc/irq/N/smp_affinity (`bitmap_parse`): comma-separated
    /// groups of 1 to 8 hex digits, most significant group first, one optional trailing newline.
    public init(hexMask text: String) throws(CPUListSyntaxError) {
        self.init()
        var body = Substring(text)
        if body.last == "\n" { body.removeLast() }
        guard !body.isEmpty else { throw CPUListSyntaxError(text: text, reason: "an empty mask") }
        let groups = body.split(separator: ",", omittingEmptySubsequences: false)
        for (position, group) in groups.reversed().enumerated() {
            guard (1...8).contains(group.count), let value = UInt32(group, radix: 16) else {
                throw CPUListSyntaxError(text: text, reason: "group \"\(group)\" is not 1 to 8 hexadecimal digits")
            }
            var bits = value
            while bits != 0 {
                let cpu = position * 32 + bits.trailingZeroBitCount
                guard cpu < CPUSet.capacity else {
                    throw CPUListSyntaxError(text: text, reason: "CPU \(cpu) is beyond the limit of \(CPUSet.capacity) CPUs")
                }
                insert(CPUID(cpu))
                bits &= bits - 1
            }
        }
    }

    /// The hex mask over `cpuCount` bits (`%*pb`): 32-bit groups, most significant first, every
    /// group 8 lowercase digits but the first, which has just the digits its bits need.
    public func hexMask(cpuCount: Int) -> String {
        let groupCount = Swift.max(1, (cpuCount + 31) / 32)
        let leadingBits = cpuCount % 32 == 0 ? 32 : cpuCount % 32
        var parts: [String] = []
        for group in (0..<groupCount).reversed() {
            var value: UInt32 = 0
            for bit in 0..<32 where contains(CPUID(group * 32 + bit)) { value |= 1 << UInt32(bit) }
            let width = group == groupCount - 1 ? (leadingBits + 3) / 4 : 8
            let digits = String(value, radix: 16)
            parts.append(String(repeating: "0", count: Swift.max(0, width - digits.count)) + digits)
        }
        return parts.joined(separator: ",")
    }
}
