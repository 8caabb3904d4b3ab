import IRQModel

/// The whole-system views: the interrupt table (a /proc/interrupts for msid, as JSON or as a
/// text table for people with curl), one CPU with what is routed to it, and the domain tree
/// (as /sys/kernel/debug/irq/domains nests it).
enum ViewDTO {
    // MARK: Interrupt table

    static func interrupts(_ rows: [InterruptRow]) -> JSONValue {
        .object([("interrupts", .array(rows.map(interrupt)))])
    }

    static func interrupt(_ row: InterruptRow) -> JSONValue {
        let irq = row.irq
        var members: [(String, JSONValue)] = [
            ("virq", .integer(irq.virq.rawValue)),
            ("device", .string(irq.device.description)),
            ("type", .string(irq.type.rawValue)),
            ("index", .integer(irq.index)),
            ("cpu", row.target.cpu.map { .integer($0.rawValue) } ?? .null),
            ("chips", .array(row.chips.map { .string($0) })),
            ("hwirqs", .array(irq.levels.map { .integer($0.hwirq.rawValue) })),
            ("activated", .bool(irq.activated)),
            ("masked", .bool(irq.masked)),
            ("managed", .bool(irq.managed)),
            ("managedShutdown", .bool(irq.managedShutdown)),
            ("affinityBroken", .bool(irq.affinityBroken)),
        ]
        members.append(contentsOf: target(row.target))
        return .object(members)
    }

    /// `vector` (x86, once assigned) or `intid` (arm64).
    static func target(_ target: RootTarget) -> [(String, JSONValue)] {
        var members: [(String, JSONValue)] = []
        if let vector = target.vector { members.append(("vector", .integer(vector.rawValue))) }
        if let intid = target.intid { members.append(("intid", .integer(intid))) }
        return members
    }

    /// The table for people: one line per IRQ, columns aligned, flags spelled out.
    static func interruptsText(_ rows: [InterruptRow], architecture: Architecture) -> String {
        let targetTitle = architecture == .x86_64 ? "VECTOR" : "INTID"
        var table: [[String]] = [["VIRQ", "CPU", targetTitle, "DEVICE", "TYPE", "INDEX", "CHIPS", "FLAGS"]]
        for row in rows {
            let irq = row.irq
            let target: String
            if let vector = row.target.vector {
                target = "0x" + String(vector.rawValue, radix: 16)
            } else if let intid = row.target.intid {
                target = String(intid)
            } else {
                target = "-"
            }
            var flags: [String] = []
            if !irq.activated { flags.append(irq.managedShutdown ? "shutdown" : "inactive") }
            if irq.masked && irq.activated { flags.append("masked") }
            if irq.managed { flags.append("managed") }
            if irq.affinityBroken { flags.append("affinity-broken") }
            table.append([String(irq.virq.rawValue), row.target.cpu.map { String($0.rawValue) } ?? "-", target,
                          irq.device.description, irq.type.rawValue, String(irq.index), row.chips.joined(separator: " > "),
                          flags.isEmpty ? "-" : flags.joined(separator: ",")])
        }
        return render(table, rightAligned: [0, 1, 5])
    }

    /// Columns padded to their widest cell; the given columns right-aligned, the last one not padded.
    static func render(_ table: [[String]], rightAligned: Set<Int>) -> String {
        guard let columns = table.first?.count else { return "" }
        let widths = (0..<columns).map { column in table.map { $0[column].count }.max() ?? 0 }
        var text = ""
        for row in table {
            var cells: [String] = []
            for (column, cell) in row.enumerated() {
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                if column == columns - 1 {
                    cells.append(cell)
                } else {
                    cells.append(rightAligned.contains(column) ? padding + cell : cell + padding)
                }
            }
            text += cells.joined(separator: "  ") + "\n"
        }
        return text
    }

    // MARK: One CPU

    static func cpu(_ view: CPUView) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("id", .integer(view.cpu.id.rawValue)),
            ("hwid", .integer(view.cpu.hardwareID)),
            ("online", .bool(view.cpu.online)),
            ("node", .integer(view.cpu.numaNode)),
        ]
        if let counters = view.vectorCounters {
            var vectors: [(String, JSONValue)] = [
                ("available", .integer(counters.available ?? 0)),
                ("allocated", .integer(counters.allocated)),
                ("managed", .integer(counters.managed ?? 0)),
                ("managedAllocated", .integer(counters.managedAllocated ?? 0)),
                ("reservedManaged", .array(view.reservedManagedVectors.map { .integer($0.rawValue) })),
            ]
            if counters.availableWrapped == true { vectors.append(("availableWrapped", .bool(true))) }
            members.append(("vectors", .object(vectors)))
        }
        let spis = view.interrupts.filter { ($0.target.intid ?? .max) < 1020 }.count
        let lpis = view.interrupts.filter { ($0.target.intid ?? 0) >= 8192 }.count
        members.append(("counts", .object([
            ("interrupts", .integer(view.interrupts.count)),
            ("managed", .integer(view.interrupts.filter(\.managed).count)),
            ("spis", .integer(spis)),
            ("lpis", .integer(lpis)),
        ])))
        members.append(("interrupts", .array(view.interrupts.map { routed in
            .object([("virq", .integer(routed.virq.rawValue)), ("managed", .bool(routed.managed))] + target(routed.target))
        })))
        return .object(members)
    }

    // MARK: Domain tree

    /// The hierarchy nested from the root: each domain with its kind, IRQ count, device (for
    /// `pci-msi`) and children, roots first.
    static func tree(_ views: [DomainView]) -> JSONValue {
        let byName = Dictionary(views.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        func node(_ view: DomainView) -> JSONValue {
            var members: [(String, JSONValue)] = [
                ("name", .string(view.name.rawValue)),
                ("kind", .string(view.kind.rawValue)),
                ("allocatedIrqs", .integer(view.allocatedIRQs)),
            ]
            if case .pciMSI(let device, _, _) = view.configuration { members.append(("device", .string(device.description))) }
            members.append(("children", .array(view.children.compactMap { byName[$0] }.map(node))))
            return .object(members)
        }
        return .object([("tree", .array(views.filter { $0.parent == nil }.map(node)))])
    }

    /// The tree as text, one domain a line, indented under its parent.
    static func treeText(_ views: [DomainView]) -> String {
        let byName = Dictionary(views.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var text = ""
        func line(_ view: DomainView, depth: Int) {
            var label = "\(view.name) (\(view.kind.rawValue)"
            if case .pciMSI(let device, _, _) = view.configuration { label += " \(device)" }
            label += "): \(view.allocatedIRQs) IRQs"
            text += String(repeating: "  ", count: depth) + label + "\n"
            for child in view.children.compactMap({ byName[$0] }) { line(child, depth: depth + 1) }
        }
        for root in views.filter({ $0.parent == nil }) { line(root, depth: 0) }
        return text
    }
}
