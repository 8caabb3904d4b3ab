import Testing
@testable import IRQModel

@Suite("CPU sets")
struct CPUSetTests {
    @Test("TV-36: cpulist and hex mask print as the kernel prints them", arguments: [
        (4, "0-3", "f"), (4, "1", "2"), (4, "0-1", "3"), (64, "0-3", "00000000,0000000f"), (36, "0,35", "8,00000001"),
        (8, "0,2-4,7", "9d"), (128, "0-7", "00000000,00000000,00000000,000000ff"),
    ])
    func kernelFormats(cpuCount: Int, list: String, mask: String) throws {
        let set = try CPUSet(cpulist: list)
        #expect(set.cpulist == list)
        #expect(set.hexMask(cpuCount: cpuCount) == mask)
        #expect(try CPUSet(hexMask: mask) == set)
    }

    @Test("the stride form and a trailing newline parse as Linux parses them")
    func strideAndNewline() throws {
        #expect(try CPUSet(cpulist: "0-15:2/4").cpulist == "0-1,4-5,8-9,12-13")
        #expect(try CPUSet(cpulist: "3,1\n").cpulist == "1,3")
        #expect(try CPUSet(cpulist: "").isEmpty)
    }

    @Test("malformed lists are refused with the reason", arguments: [
        ("5-3", "ends before it starts"), ("4096", "beyond the limit"), ("1,,2", "expected a decimal"), ("a", "expected a decimal"),
        ("1 ,2", "unexpected ' '"), ("0-7:0/4", "needs 0 < used <= group"), ("0-7:5/4", "needs 0 < used <= group"), ("-1", "expected a decimal"),
    ])
    func malformed(text: String, reason: String) {
        #expect {
            try CPUSet(cpulist: text)
        } throws: { error in
            (error as? CPUListSyntaxError)?.reason.contains(reason) == true
        }
    }

    @Test("set algebra and printing match a naive Set over random sets", arguments: [1, 2, 3])
    func againstNaiveSet(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        for _ in 0..<300 {
            let bound = Int(random.next() % 300) + 1
            let a = Set((0..<bound).filter { _ in random.next() % 3 == 0 })
            let b = Set((0..<bound).filter { _ in random.next() % 2 == 0 })
            let setA = CPUSet(a.map { CPUID($0) })
            let setB = CPUSet(b.map { CPUID($0) })
            #expect(setA.map(\.index) == a.sorted())
            #expect(setA.intersection(setB).map(\.index) == a.intersection(b).sorted())
            #expect(setA.union(setB).map(\.index) == a.union(b).sorted())
            #expect(setA.subtracting(setB).map(\.index) == a.subtracting(b).sorted())
            #expect(setA.isSubset(of: setB) == a.isSubset(of: b))
            #expect(setA.firstCommon(with: setB)?.index == a.intersection(b).min())
            #expect(setA.count == a.count && setA.first?.index == a.min() && setA.last?.index == a.max())
            #expect(try CPUSet(cpulist: setA.cpulist) == setA)
            #expect(try CPUSet(hexMask: setA.hexMask(cpuCount: bound)) == setA)
            let probe = Int(random.next() % UInt64(bound))
            #expect(setA.next(after: CPUID(probe))?.index == a.filter { $0 > probe }.min())
            #expect(setA.nextWrapping(after: CPUID(probe))?.index == (a.filter { $0 > probe }.min() ?? a.min()))
        }
    }
}

@Suite("Fixed bitmaps")
struct FixedBitmapTests {
    @Test("searches match a naive Set model", arguments: [1, 2])
    func againstNaiveSet(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        for size in 1...130 {
            var bitmap = FixedBitmap(bitCount: size)
            var naive = Set<Int>()
            for _ in 0..<60 {
                let bit = Int(random.next() % UInt64(size))
                if naive.contains(bit) { bitmap.clear(bit); naive.remove(bit) } else { bitmap.set(bit); naive.insert(bit) }
                bitmap.checkInvariants()
                let lower = Int(random.next() % UInt64(size))
                #expect(bitmap.firstClear(in: lower..<size) == (lower..<size).first { !naive.contains($0) })
                #expect(bitmap.firstSet(in: lower..<size) == (lower..<size).first { naive.contains($0) })
                let count = Int(random.next() % 4) + 1
                #expect(bitmap.firstClearRun(count: count, in: 0..<size)
                        == (0...Swift.max(0, size - count)).first { s in s + count <= size && (s..<s + count).allSatisfy { !naive.contains($0) } })
                for order in 0...5 {
                    let block = 1 << order
                    let expected = stride(from: 0, through: size - block, by: block).first { s in (s..<s + block).allSatisfy { !naive.contains($0) } }
                    #expect(bitmap.freeRegion(order: order) == (size >= block ? expected : nil))
                }
            }
        }
    }

    @Test("TV-15 and TV-16 on a 956-bit window")
    func hyperVWindow() {
        var window = FixedBitmap(bitCount: 956)
        var offsets: [Int] = []
        for order in [0, 2, 0, 5, 1, 0] {
            guard let offset = window.freeRegion(order: order) else { Issue.record("no region"); return }
            window.set(offset ..< offset + (1 << order))
            offsets.append(offset)
        }
        #expect(offsets == [0, 4, 1, 32, 2, 8])
        var fresh = FixedBitmap(bitCount: 956)
        var blocks = 0
        while let offset = fresh.freeRegion(order: 5) {
            fresh.set(offset ..< offset + 32)
            blocks += 1
        }
        #expect(blocks == 29)
        #expect(fresh.bitCount - fresh.setCount == 28)
    }

    /// The cpulist as the kernel's `%*pbl` defines it, built the obvious way from sorted CPUs.
    static func naiveCPUList(_ cpus: [Int]) -> String {
        var parts: [String] = []
        var index = 0
        while index < cpus.count {
            var end = index
            while end + 1 < cpus.count && cpus[end + 1] == cpus[end] + 1 { end += 1 }
            parts.append(end == index ? "\(cpus[index])" : "\(cpus[index])-\(cpus[end])")
            index = end + 1
        }
        return parts.joined(separator: ",")
    }

    @Test("cpulist finds runs a word at a time: runs across word edges, whole words, CPU 4095, single CPUs", arguments: [4, 5, 6])
    func cpulistRuns(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var cases: [[Int]] = [[], [0], [4095], [63, 64], [0, 63], [64, 127], [62, 63, 64, 65], Array(0..<64), Array(0..<128),
                              Array(60..<200), Array(4032..<4096), [1, 3, 5, 64, 65, 66, 128], Array(0..<4096)]
        for _ in 0..<400 {
            // Runs of random length at random gaps, so that runs start and end on every bit.
            var cpus: [Int] = []
            var next = Int(random.next() % 70)
            while next < 600 {
                let length = Int(random.next() % 140) + 1
                cpus.append(contentsOf: next..<min(600, next + length))
                next += length + Int(random.next() % 5) + 1
            }
            cases.append(cpus)
        }
        for cpus in cases {
            let set = CPUSet(cpus.map { CPUID($0) })
            #expect(set.cpulist == Self.naiveCPUList(cpus), "\(cpus)")
        }
    }
}

@Suite("PCI addresses")
struct PCIAddressTests {
    @Test("an address prints as DDDD:BB:DD.F in lowercase hex and parses back, for every device and function")
    func description() throws {
        var random = SplitMix64(seed: 7)
        for device in UInt8(0)..<32 {
            for function in UInt8(0)..<8 {
                let segment = UInt16(truncatingIfNeeded: random.next())
                let bus = UInt8(truncatingIfNeeded: random.next())
                let address = try #require(PCIAddress(segment: segment, bus: bus, device: device, function: function))
                func hex(_ value: Int, _ width: Int) -> String {
                    let digits = String(value, radix: 16)
                    return String(repeating: "0", count: width - digits.count) + digits
                }
                let expected = "\(hex(Int(segment), 4)):\(hex(Int(bus), 2)):\(hex(Int(device), 2)).\(function)"
                #expect(address.description == expected)
                #expect(try PCIAddress(parsing: address.description) == address)
            }
        }
        #expect(PCIAddress(segment: 0xFFFF, bus: 0xFF, device: 31, function: 7)?.description == "ffff:ff:1f.7")
        #expect(PCIAddress(segment: 0, bus: 0, device: 0, function: 0)?.description == "0000:00:00.0")
    }
}
