import IRQModel

/// The JSON forms of interrupt remapping entries: written straight to bytes (members in key
/// order), and as trees parsed back from those bytes, so the two forms cannot disagree.
enum RemappingDTO {
    /// An IRQ's remapping level: where its entry lies, its mode, and the entry as the table
    /// holds it.
    static func writeView(_ view: RemappingView, to out: inout JSONWriter) {
        out.beginObject()
        out.key("entry")
        writeEntry(view.entry, to: &out)
        if let handle = view.handle { out.member("handle", handle) }
        out.member("index", view.index)
        out.member("mode", view.mode)
        if let posted = view.posted {
            out.key("postedTo")
            writePosted(posted, to: &out)
        }
        if let subhandle = view.subhandle { out.member("subhandle", subhandle) }
        if let table = view.table { out.member("table", PCIAddress.hexDeviceID(table)) }
        out.endObject()
    }

    static func view(_ view: RemappingView) -> JSONValue {
        var out = JSONWriter()
        writeView(view, to: &out)
        return tree(out.bytes)
    }

    static func entry(_ entry: RemappingEntry) -> JSONValue {
        var out = JSONWriter()
        writeEntry(entry, to: &out)
        return tree(out.bytes)
    }

    /// A posted target as a client gives it (`PUT .../vcpu-affinity`) and reads it back.
    static func writePosted(_ posted: PostedTarget, to out: inout JSONWriter) {
        out.beginObject()
        out.key("descriptor")
        out.hexString(posted.descriptor, digits: 16)
        out.member("urgent", posted.urgent)
        out.member("vector", posted.vector.rawValue)
        out.endObject()
    }

    /// The fields of an entry in its format's layout, with its raw words and bytes.
    static func writeEntry(_ entry: RemappingEntry, to out: inout JSONWriter) {
        out.beginObject()
        out.key("bytes")
        out.hexBytes(entry.bytes)
        if !entry.posted || entry.format != .vtd {
            out.member("deliveryMode", entry.deliveryMode == 0 ? "fixed" : String(entry.deliveryMode))
        }
        if let destination = entry.destinationID { out.member("destinationId", destination) }
        if !entry.posted || entry.format != .vtd {
            out.member("destinationMode", entry.destinationModeLogical ? "logical" : "physical")
        }
        out.member("format", entry.format.rawValue)
        out.key("high")
        out.hexString(entry.high, digits: 16)
        out.key("low")
        out.hexString(entry.low, digits: 16)
        out.member("posted", entry.posted)
        if let descriptor = entry.postedDescriptor {
            out.key("postedDescriptor")
            out.hexString(descriptor, digits: 16)
        }
        out.member("present", entry.present)
        if entry.format == .vtd && !entry.posted { out.member("redirectionHint", entry.redirectionHint) }
        if let source = entry.source {
            out.key("sid")
            out.hexString(source.sid, digits: 4)
            out.member("sq", source.sq)
            out.member("svt", source.svt)
        }
        if entry.format == .vtd && !entry.posted { out.member("trigger", entry.triggerModeLevel ? "level" : "edge") }
        if entry.format == .vtd && entry.posted { out.member("urgent", entry.urgent) }
        out.member("vector", entry.vector)
        out.endObject()
    }

    private static func tree(_ bytes: [UInt8]) -> JSONValue {
        // The writer's output is JSON by construction; a failure would be a bug in it.
        (try? JSONParser.parse(bytes)) ?? .null
    }
}
