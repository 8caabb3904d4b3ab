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

/// Writes to standard output with write(2) (Glibc's `stdout` is a global var that Swift 6 will
/// not touch from here; libmicrohttpd-notes.md, pitfall 9).
enum StandardOutput {
    static func writeLine(_ text: String) {
        let bytes = Array((text + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }
}

/// The data directory: created with mode 0700 when missing.
enum DataDirectory {
    struct Failure: Error, CustomStringConvertible {
        let path: String
        let code: Int32
        var description: String { "cannot create the data directory \(path): \(String(cString: strerror(code)))" }
    }

    static func prepare(_ path: String) throws {
        var status = stat()
        if stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR { return }
        if mkdir(path, 0o700) != 0 && errno != EEXIST { throw Failure(path: path, code: errno) }
    }
}
