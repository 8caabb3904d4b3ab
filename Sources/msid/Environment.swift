import Glibc

/// The process environment as a dictionary (read once at start).
enum Environment {
    static var current: [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        return result
    }
}

/// Writes whole lines with write(2) (Glibc's `stdout` is a global var that Swift 6 will not
/// touch from here; libmicrohttpd-notes.md, pitfall 9).
private func writeLine(_ text: String, to descriptor: Int32) { writeAll(text + "\n", to: descriptor) }

/// Writes all of `text`, retrying short writes and interruptions.
private func writeAll(_ text: String, to descriptor: Int32) {
    let bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else { return }
        offset += written
    }
}

/// Standard output: the `listening on` and `ready` lines.
enum StandardOutput {
    static func writeLine(_ text: String) { msid.writeLine(text, to: 1) }
    /// `text` as it is (the caller ends its lines).
    static func write(_ text: String) { writeAll(text, to: 1) }
}

/// Standard error: the reason a start fails, before logging is of use.
enum StandardError {
    static func writeLine(_ text: String) { msid.writeLine(text, to: 2) }
}
