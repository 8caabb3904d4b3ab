import IRQModel
import SnapshotStore

/// The snapshot file's JSON, a versioned envelope around the world:
/// `{"format":1,"msid":"<version>","sequence":<last journal record covered>,"state":{...}}`.
/// The same document is what `GET /v1/snapshot` exports and `PUT /v1/snapshot` takes.
///
/// `snapshot.json` is that document sealed with a last member
/// `"checksum":"crc32c:<8 hex digits>"` (`SnapshotChecksum`), the CRC-32C of every byte before
/// it: `decode` verifies and removes it, and reads a document without one (older files, and
/// what `GET` exports) as before.
public enum SnapshotDocument {
    /// The format this msid writes and the only one it reads.
    public static let format = 1
    /// The msid release that wrote a document (informational).
    public static let msidVersion = BuildInfo.version

    /// Why a document was refused; nothing is changed when decoding fails.
    public enum Failure: Error, Hashable, Sendable, CustomStringConvertible {
        /// Not JSON text: the byte offset and why.
        case notJSON(offset: Int, reason: String)
        /// A member of the envelope is missing or of the wrong type (a JSON pointer).
        case badEnvelope(pointer: String, reason: String)
        case unknownFormat(Int)
        /// The state does not decode into a world (a JSON pointer and why).
        case badState(pointer: String, reason: String)
        /// The state decodes but breaks an invariant of the model.
        case inconsistentState(String)
        /// The bytes are not the ones msid sealed: the stored checksum and the bytes' own.
        case checksumMismatch(stored: UInt32, computed: UInt32)

        public var description: String {
            switch self {
            case .notJSON(let offset, let reason): "not JSON at byte \(offset): \(reason)"
            case .badEnvelope(let pointer, let reason): "\(pointer): \(reason)"
            case .unknownFormat(let format): "unknown snapshot format \(format); this msid reads format \(SnapshotDocument.format)"
            case .badState(let pointer, let reason): "\(pointer): \(reason)"
            case .inconsistentState(let reason): "the state breaks an invariant: \(reason)"
            case .checksumMismatch(let stored, let computed):
                "its checksum does not match its bytes (stored crc32c:\(String(decoding: SnapshotChecksum.hex(stored), as: UTF8.self)), "
                    + "computed crc32c:\(String(decoding: SnapshotChecksum.hex(computed), as: UTF8.self))): the file was changed or damaged after msid wrote it"
            }
        }
    }

    /// The document for `world`, covering journal records up to `sequence`.
    public static func encode(_ world: World, sequence: UInt64) -> [UInt8] {
        encode(world, sequence: sequence, direct: true)
    }

    /// `direct: false` writes the IRQs and events through `Codable` too (the codec benchmark
    /// times both paths side by side; tests hold them to the same bytes).
    package static func encode(_ world: World, sequence: UInt64, direct: Bool) -> [UInt8] {
        let envelope = Array(#"{"format":\#(format),"msid":"\#(msidVersion)","sequence":\#(sequence),"state":"#.utf8)
        var bytes = stateBytes(world, direct: direct, after: envelope)
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    /// The world's JSON. msid's model encodes only integers, strings, booleans and containers,
    /// so the encoder's one failure (a non-finite double) cannot happen; were it to, the
    /// snapshot would be refused at decoding rather than a process trap here.
    static func stateBytes(_ world: World, direct: Bool = true, after prefix: [UInt8] = []) -> [UInt8] {
        (try? JSONStreamEncoder.encode(world, direct: direct, after: prefix)) ?? prefix + Array("null".utf8)
    }

    /// Reads and fully validates a document: envelope, format, the world's structure, and
    /// every invariant `World.validate()` checks.
    public static func decode(_ bytes: [UInt8]) throws(Failure) -> (world: World, sequence: UInt64) {
        try decode(bytes, direct: true)
    }

    /// `direct: false` reads the IRQs and events through `Codable` too (see `encode`);
    /// `parallel: false` skips the parallel path for msid's own layout (tests compare them).
    package static func decode(_ sealed: [UInt8], direct: Bool, parallel: Bool = true) throws(Failure) -> (world: World, sequence: UInt64) {
        var bytes = sealed
        do throws(SnapshotChecksum.Mismatch) { _ = try SnapshotChecksum.unseal(&bytes) } catch {
            throw .checksumMismatch(stored: error.stored, computed: error.computed)
        }
        if direct, parallel, ParallelJobs.processors > 1, let decoded = decodeSystemsInParallel(bytes) { return decoded }
        let document: JSONValue
        do throws(JSONParser.Failure) {
            document = try JSONParser.parse(bytes)
        } catch {
            throw .notJSON(offset: error.offset, reason: error.reason)
        }
        let decoded: Result<(world: World, sequence: UInt64), Failure>
        do throws(Failure) { decoded = .success(try decode(document, direct: direct)) } catch { decoded = .failure(error) }
        // The tree is garbage now; the caller need not wait while it is freed.
        BackgroundRelease.drop(consume document)
        return try decoded.get()
    }

    /// An uploaded document (`PUT /v1/snapshot`), already parsed as `document` from `bytes`:
    /// a sealed one (a copy of a `snapshot.json`) has its checksum verified and is read from
    /// its bytes; any other is read from the tree.
    static func decodeUpload(_ document: JSONValue, bytes: [UInt8]) throws(Failure) -> (world: World, sequence: UInt64) {
        guard SnapshotChecksum.isSealed(bytes) else { return try decode(document) }
        return try decode(bytes)
    }

    /// Validates a parsed document (see `decode(_:)` for bytes).
    static func decode(_ document: JSONValue, direct: Bool = true) throws(Failure) -> (world: World, sequence: UInt64) {
        guard case .object(let members) = document else { throw .badEnvelope(pointer: "", reason: "expected an object, found \(document.typeName)") }
        func member(_ name: String) -> JSONValue? { members.first { $0.key == name }?.value }
        if members.contains(where: { $0.key == "checksum" }) {
            // A sealed document's checksum was verified and removed before parsing: one left is
            // not in the form msid writes (a damaged one, or a document altered after sealing).
            throw .badEnvelope(pointer: "/checksum", reason: #"a checksum must be the document's last member, "checksum":"crc32c:<8 lowercase hex digits>", exactly as msid writes it"#)
        }
        if let unknown = members.first(where: { !["format", "msid", "sequence", "state"].contains($0.key) }) {
            throw .badEnvelope(pointer: ObjectReader.child("", unknown.key), reason: "unknown member")
        }
        guard case .number(let formatText)? = member("format"), let format = Int(formatText) else {
            throw .badEnvelope(pointer: "/format", reason: "an integer format version is required")
        }
        guard format == SnapshotDocument.format else { throw .unknownFormat(format) }
        guard case .number(let sequenceText)? = member("sequence"), let sequence = UInt64(sequenceText) else {
            throw .badEnvelope(pointer: "/sequence", reason: "a non-negative integer sequence is required")
        }
        if let version = member("msid") {
            guard case .string = version else { throw .badEnvelope(pointer: "/msid", reason: "the msid release must be a string") }
        }
        guard let state = member("state") else { throw .badEnvelope(pointer: "/state", reason: "the state is required") }
        let world = try decodeWorld(state, pointerPrefix: "/state", direct: direct)
        return (world, sequence)
    }

    /// Decodes and validates a world from its JSON.
    static func decodeWorld(_ state: JSONValue, pointerPrefix: String, direct: Bool = true) throws(Failure) -> World {
        let world: World
        do {
            world = try JSONTreeDecoder.decode(World.self, from: state, direct: direct)
        } catch let error as DecodingError {
            let (path, reason) = error.pathAndReason
            throw .badState(pointer: pointerPrefix + path, reason: reason)
        } catch {
            throw .badState(pointer: pointerPrefix, reason: "\(error)")
        }
        do throws(InvariantViolation) {
            try world.validate()
        } catch {
            throw .inconsistentState(error.description)
        }
        return world
    }
}

extension DecodingError {
    /// The JSON pointer of the failing member and a sentence saying why.
    var pathAndReason: (pointer: String, reason: String) {
        let context: Context
        var reason: String
        switch self {
        case .typeMismatch(_, let c): context = c; reason = c.debugDescription
        case .valueNotFound(_, let c): context = c; reason = c.debugDescription
        case .keyNotFound(let key, let c): context = c; reason = "the member \"\(key.stringValue)\" is required"
        case .dataCorrupted(let c): context = c; reason = c.debugDescription
        @unknown default: return ("", "\(self)")
        }
        if reason.isEmpty { reason = "invalid value" }
        let pointer = context.codingPath.reduce("") { pointer, key in ObjectReader.child(pointer, key.intValue.map(String.init) ?? key.stringValue) }
        return (pointer, reason)
    }
}
