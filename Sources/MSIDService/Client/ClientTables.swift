/// What `msid ctl` prints for people: msid's JSON answers as aligned tables (lists) or
/// `key: value` lines (one object), with the columns that matter for each list. The JSON stays
/// inside this module; the command line passes bytes in and gets text out.
public enum ClientTables {
    /// The columns of each list `msid ctl` shows, in order (nested members as `a.b`).
    static let columns: [String: [String]] = [
        "systems": ["name", "arch", "cpus", "online", "numaNodes", "domains", "irqs"],
        "domains": ["name", "kind", "parent", "allocatedIrqs"],
        "irqs": ["virq", "device", "type", "index", "effectiveAffinity", "vector", "intid", "msi.address", "msi.data", "managed", "masked"],
        "cpus": ["id", "cpu", "hwid", "node", "online", "migrated", "shutDown", "started"],
        "events": ["sequence", "virq", "kind", "cpu", "vector"],
    ]

    /// The answer as text: the first list member of a known name as a table (with any other
    /// scalar members as `key: value` lines after it), or the object's members one a line;
    /// nil when the bytes are not JSON (the caller prints them as they are).
    public static func render(_ bytes: [UInt8]) -> String? {
        guard let value = try? JSONParser.parse(bytes), case .object(let members) = value else { return nil }
        var text = ""
        var rest: [(key: String, value: JSONValue)] = []
        for member in members {
            if case .array(let items) = member.value, let columns = columns[member.key],
               items.contains(where: { if case .object = $0 { true } else { false } }) {
                text += table(items, columns: columns)
            } else {
                rest.append(member)
            }
        }
        for member in rest { text += "\(member.key): \(cell(member.value))\n" }
        return text
    }

    /// The raw JSON texts of a list member's items and the page's `next` cursor (for joining
    /// the pages of a list); nil when the bytes are not such a page.
    public static func items(_ bytes: [UInt8], member: String) -> (items: [String], next: String?)? {
        guard let value = try? JSONParser.parse(bytes), case .array(let items)? = value.member(member) else { return nil }
        var next: String?
        if case .string(let cursor)? = value.member("next") { next = cursor }
        return (items.map { String(decoding: $0.bytes, as: UTF8.self) }, next)
    }

    /// `text` as a JSON string literal (for the request bodies `msid ctl` builds).
    public static func jsonString(_ text: String) -> String { JSONText.string(text) }

    /// A problem answer as one line: `detail` (and the status), or nil when it is not one.
    public static func problem(_ bytes: [UInt8]) -> String? {
        guard let value = try? JSONParser.parse(bytes), case .string(let detail)? = value.member("detail") else { return nil }
        let status = value.member("status").map(cell) ?? "?"
        return "\(detail) (\(status))"
    }

    static func table(_ items: [JSONValue], columns given: [String]) -> String {
        // Only the columns some item has.
        let columns = given.filter { column in items.contains { lookup($0, column) != nil } }
        var rows: [[String]] = [columns.map { $0.uppercased() }]
        for item in items { rows.append(columns.map { column in lookup(item, column).map(cell) ?? "-" }) }
        return ViewDTO.render(rows, rightAligned: [])
    }

    static func lookup(_ value: JSONValue, _ path: String) -> JSONValue? {
        var current: JSONValue? = value
        for key in path.split(separator: ".") { current = current?.member(String(key)) }
        if current == .null { return nil }
        return current
    }

    static func cell(_ value: JSONValue) -> String {
        switch value {
        case .null: "-"
        case .bool(let flag): flag ? "yes" : "no"
        case .number(let text): text
        case .string(let text): text
        case .array(let items): items.map(cell).joined(separator: ",")
        case .object: String(decoding: value.bytes, as: UTF8.self)
        }
    }
}
