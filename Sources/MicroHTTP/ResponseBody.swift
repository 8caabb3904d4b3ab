import CMicroHTTPD
import Glibc
import Synchronization

/// A large response body on its way out: the bytes the responder built, read by libmicrohttpd
/// piece by piece (no copy of the whole), counted against the server's response budget from
/// `reserve` until `release`. Read by one connection's thread at a time; `release` runs once,
/// when libmicrohttpd destroys the response.
final class ResponseBody: @unchecked Sendable {
    // @unchecked Sendable: `bytes` is immutable; `released` is touched only by `release`,
    // which libmicrohttpd calls once.
    let bytes: [UInt8]
    private let context: ServerContext
    private var released = false

    private init(bytes: [UInt8], context: ServerContext) {
        self.bytes = bytes
        self.context = context
    }

    /// Takes `bytes.count` from the budget, or nil when that would pass the limit while other
    /// large answers are held (a single answer larger than the whole budget still goes out
    /// when it is alone).
    ///
    /// What is counted is the array's capacity, not its count: a body built by appending can
    /// hold up to twice its length (measured: 19.5 MB snapshots pinned about 32 MB each).
    static func reserve(_ bytes: [UInt8], in context: ServerContext) -> ResponseBody? {
        let (before, after) = context.responseBytes.add(bytes.capacity, ordering: .relaxed)
        guard before == 0 || after <= context.responseBufferLimit else {
            context.responseBytes.subtract(bytes.capacity, ordering: .relaxed)
            return nil
        }
        return ResponseBody(bytes: bytes, context: context)
    }

    /// Copies up to `capacity` bytes from `position` into `buffer`; the count, or
    /// `MHD_CONTENT_READER_END_OF_STREAM` past the end.
    func copy(from position: Int, into buffer: UnsafeMutableRawPointer, capacity: Int) -> Int {
        guard position < bytes.count else { return MHD_CONTENT_READER_END_OF_STREAM }
        let count = min(capacity, bytes.count - position)
        bytes.withUnsafeBytes { source in
            if let base = source.baseAddress { buffer.copyMemory(from: base + position, byteCount: count) }
        }
        return count
    }

    func release() {
        guard !released else { return }
        released = true
        context.responseBytes.subtract(bytes.capacity, ordering: .relaxed)
    }
}
