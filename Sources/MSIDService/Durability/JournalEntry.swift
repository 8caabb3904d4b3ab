import IRQModel
import SnapshotStore

/// What one journal record holds: a model command that succeeded, a command the model refused
/// that still changed the world (the kernel's own failure paths, see `World.apply(_:leftResidue:)`),
/// or a whole new state (`PUT /v1/snapshot`). Payloads are JSON: `{"command":{...},"at":T}`,
/// `{"refused":{...},"at":T}` or `{"replace":{...world...}}`, where `at` is the time the
/// command was applied (milliseconds since the Unix epoch, stamped on its events; records
/// written before events had times have none).
enum JournalEntry {
    case command(Command, at: UInt64? = nil)
    /// Replayed by applying the command again, which must be refused again.
    case refused(Command, at: UInt64? = nil)
    case replace(World)

    /// The record's payload, made ready outside any lock. msid's encoder escapes every control
    /// character, so the text never holds a newline; the failure path exists only so that a bug
    /// there would be a 500 answer, not a damaged journal.
    /// `direct: false` encodes every command through `Codable` (tests compare the two paths).
    func payload(direct: Bool = true) throws(JournalEntryFailure) -> JournalPayload {
        var bytes: [UInt8]
        switch self {
        case .command(let command, let time):
            if direct, let directBytes = command.directJournalPayload() {
                bytes = directBytes
            } else {
                let prefix = Array(#"{"command":"#.utf8)
                bytes = (try? JSONStreamEncoder.encode(command, after: prefix)) ?? prefix + Array("null".utf8)
                bytes.append(UInt8(ascii: "}"))
            }
            JournalEntry.stamp(&bytes, time)
        case .refused(let command, let time):
            let prefix = Array(#"{"refused":"#.utf8)
            bytes = (try? JSONStreamEncoder.encode(command, after: prefix)) ?? prefix + Array("null".utf8)
            bytes.append(UInt8(ascii: "}"))
            JournalEntry.stamp(&bytes, time)
        case .replace(let world):
            bytes = SnapshotDocument.stateBytes(world, after: Array(#"{"replace":"#.utf8))
            bytes.append(UInt8(ascii: "}"))
        }
        guard let payload = JournalPayload(bytes) else { throw JournalEntryFailure(reason: "the encoded entry holds a newline") }
        return payload
    }

    /// Adds `,"at":T` before the payload's closing brace.
    private static func stamp(_ bytes: inout [UInt8], _ time: UInt64?) {
        guard let time, bytes.last == UInt8(ascii: "}") else { return }
        bytes.removeLast()
        bytes.append(contentsOf: Array(#","at":"#.utf8) + Array(String(time).utf8))
        bytes.append(UInt8(ascii: "}"))
    }

    /// Reads a record's payload back; the reason when it is not a valid entry.
    static func decode(_ payload: [UInt8]) throws(JournalEntryFailure) -> JournalEntry {
        let value: JSONValue
        do throws(JSONParser.Failure) {
            value = try JSONParser.parse(payload)
        } catch {
            throw JournalEntryFailure(reason: "not JSON at byte \(error.offset): \(error.reason)")
        }
        guard case .object(var members) = value, let member = members.first else {
            throw JournalEntryFailure(reason: "expected an object with \"command\", \"refused\" or \"replace\"")
        }
        // An optional second member `at`: when the command was applied.
        var time: UInt64?
        if members.count == 2, members[1].key == "at", case .number(let text) = members[1].value, let value = UInt64(text), member.key != "replace" {
            time = value
            members.removeLast()
        }
        guard members.count == 1 else {
            throw JournalEntryFailure(reason: "expected one member, \"command\", \"refused\" or \"replace\", and for a command an integer \"at\"")
        }
        switch member.key {
        case "command":
            do {
                return .command(try JSONTreeDecoder.decode(Command.self, from: member.value), at: time)
            } catch {
                throw JournalEntryFailure(reason: "the command does not decode: \(error)")
            }
        case "refused":
            do {
                return .refused(try JSONTreeDecoder.decode(Command.self, from: member.value), at: time)
            } catch {
                throw JournalEntryFailure(reason: "the refused command does not decode: \(error)")
            }
        case "replace":
            do throws(SnapshotDocument.Failure) {
                return .replace(try SnapshotDocument.decodeWorld(member.value, pointerPrefix: "/replace"))
            } catch {
                throw JournalEntryFailure(reason: error.description)
            }
        default:
            throw JournalEntryFailure(reason: "unknown entry \"\(member.key)\"")
        }
    }
}

struct JournalEntryFailure: Error {
    let reason: String
}
