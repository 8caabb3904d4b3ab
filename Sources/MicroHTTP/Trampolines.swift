import CMicroHTTPD
import Glibc
import Synchronization

/// The C callbacks libmicrohttpd calls, and the only place with `@convention(c)` and
/// `Unmanaged`. Each is a thin trampoline into Swift; nothing here can throw into C.
///
/// They are static members of a nonisolated type on purpose: closures written in main.swift
/// would be main-actor isolated and trap on libmicrohttpd's threads (libmicrohttpd-notes.md,
/// pitfall 2).
enum Trampolines {
    /// `MHD_AccessHandlerCallback`. Safe: `cls` is the `ServerContext` retained by `HTTPServer`
    /// for the daemon's whole life; `*requestContext` is a `RequestState` retained on the first
    /// call and released in `requestCompleted`.
    ///
    /// The first call arrives with the headers complete. Answering there would switch off
    /// keep-alive (pitfall 1), so it only records the request, except for a rejection: a head
    /// that `RequestFraming` refuses gets its 400 (or 501) with `Connection: close`, and a
    /// declared body over the limit gets 413, at once, before the body is read.
    static let accessHandler: MHD_AccessHandlerCallback = { cls, connection, url, method, version, uploadData, uploadDataSize, requestContext in
        guard let cls, let connection, let uploadDataSize, let requestContext else { return .NO }
        let context = Unmanaged<ServerContext>.fromOpaque(cls).takeUnretainedValue()

        guard let existing = requestContext.pointee else {
            let fields = headerFields(of: connection)
            let state = RequestState(method: HTTPMethod(rawValue: method.map { String(cString: $0) } ?? ""),
                                     path: url.map { String(cString: $0) } ?? "/",
                                     query: arguments(of: connection), headers: HTTPHeaders(fields.map { (name: $0.name, value: $0.value) }))
            requestContext.pointee = Unmanaged.passRetained(state).toOpaque()
            context.inFlight.add(1, ordering: .relaxed)
            let link = connectionState(of: connection)
            state.reserve = link?.reserve ?? false
            if let refused = RequestFraming.check(version: version.map { String(cString: $0) } ?? "", fields: fields) {
                return answerEarly(context.refusal(refused.status, refused.reason), state: state, link: link, on: connection, context: context)
            }
            if state.reserve && !context.reservedPaths.contains(state.path) {
                var response = context.refusal(.serviceUnavailable, "every regular connection slot is taken; only health checks are answered now")
                response.headers.set(name: "Retry-After", value: "1")
                return answerEarly(response, state: state, link: link, on: connection, context: context)
            }
            (state.bodyLimit, state.tooLarge) = context.bodyLimit(method: state.method, path: state.path)
            if let declared = state.headers["Content-Length"].flatMap({ Int($0) }), declared > state.bodyLimit {
                return answerEarly(state.tooLarge(), state: state, link: link, on: connection, context: context)
            }
            return .YES
        }

        let state = Unmanaged<RequestState>.fromOpaque(existing).takeUnretainedValue()
        if uploadDataSize.pointee > 0 {
            if let uploadData {
                uploadData.withMemoryRebound(to: UInt8.self, capacity: uploadDataSize.pointee) { bytes in
                    state.append(UnsafeBufferPointer(start: bytes, count: uploadDataSize.pointee), limit: state.bodyLimit)
                }
            }
            uploadDataSize.pointee = 0
            return .YES
        }
        guard !state.answered else {
            // Called again after a deferred answer resumed the connection.
            if let deferred = state.deferred, let response = deferred.take() {
                return queue(response, on: connection, context: context, close: state.reserve)
            }
            return .YES
        }
        state.answered = true
        connectionState(of: connection)?.deadline.store(0, ordering: .relaxed)  // received whole: sending is not counted
        if state.oversize {
            return queue(state.tooLarge(), on: connection, context: context, close: state.reserve)
        }
        switch context.responder.answer(to: state.request) {
        case .now(let response):
            return queue(response, on: connection, context: context, close: state.reserve)
        case .later(let start):
            // Suspend the connection until the answer is delivered (see DeferredAnswer); the
            // worker thread goes on with other connections meanwhile.
            let deferred = DeferredAnswer(connection: connection)
            state.deferred = deferred
            context.pending.withLock { $0[ObjectIdentifier(deferred)] = deferred }
            start { response in deferred.deliver(response) }
            if let response = deferred.suspendUnlessReady() {
                return queue(response, on: connection, context: context, close: state.reserve)
            }
            return .YES
        }
    }

    /// Answers on the first call (a refusal): the connection closes after it, and the deadline
    /// stops counting.
    private static func answerEarly(_ response: HTTPResponse, state: RequestState, link: ConnectionState?, on connection: OpaquePointer,
                                    context: ServerContext) -> MHD_Result {
        state.answered = true
        link?.deadline.store(0, ordering: .relaxed)
        return queue(response, on: connection, context: context, close: true)
    }

    /// `MHD_NotifyConnectionCallback`: a connection starts (its `ConnectionState` is retained
    /// into libmicrohttpd's socket context, with its first request's deadline, and a reserve
    /// slot when the regular ones are taken) or closes (released, after `ConnectionWatch` has
    /// forgotten it and perhaps taken a duplicate of the socket to linger on). Safe: `cls` is
    /// the retained `ServerContext`; libmicrohttpd calls "closed" once per "started", before it
    /// closes the socket.
    static let notifyConnection: MHD_NotifyConnectionCallback = { cls, connection, socketContext, code in
        guard let cls, let socketContext else { return }
        let context = Unmanaged<ServerContext>.fromOpaque(cls).takeUnretainedValue()
        if code.rawValue == MHD_ConnectionNotificationCode.CONNECTION_NOTIFY_STARTED.rawValue {
            guard let connection else { return }
            let open = context.openConnections.add(1, ordering: .relaxed).newValue
            let reserve = context.connectionLimit > 0 && open > context.connectionLimit
            let span = reserve ? context.reserveDeadline : context.requestDeadline
            let state = ConnectionState(socket: mhd_shim_connection_fd(connection), reserve: reserve,
                                        deadline: span > 0 ? ConnectionState.now() + span : 0)
            socketContext.pointee = Unmanaged.passRetained(state).toOpaque()
            context.watch.register(state)
        } else if let raw = socketContext.pointee {
            socketContext.pointee = nil
            context.openConnections.subtract(1, ordering: .relaxed)
            context.watch.closed(Unmanaged<ConnectionState>.fromOpaque(raw).takeRetainedValue())
        }
    }

    /// The `ConnectionState` of `connection`. Safe: the socket context holds a retained one from
    /// "started" to "closed", and access-handler calls happen in between.
    private static func connectionState(of connection: OpaquePointer) -> ConnectionState? {
        mhd_shim_socket_context(connection).map { Unmanaged<ConnectionState>.fromOpaque($0).takeUnretainedValue() }
    }

    /// `MHD_AcceptPolicyCallback`: every new connection is welcome until the server drains;
    /// then libmicrohttpd closes it at once. Safe: `cls` is the retained `ServerContext`.
    static let acceptPolicy: MHD_AcceptPolicyCallback = { cls, _, _ in
        guard let cls else { return .YES }
        return Unmanaged<ServerContext>.fromOpaque(cls).takeUnretainedValue().draining.load(ordering: .relaxed) ? .NO : .YES
    }

    /// `MHD_RequestCompletedCallback`: releases the request's state (retained on its first call).
    /// A keep-alive connection's next request gets its deadline from here: the idle allowance
    /// plus the request deadline.
    static let requestCompleted: MHD_RequestCompletedCallback = { cls, connection, requestContext, _ in
        guard let cls, let requestContext, let state = requestContext.pointee else { return }
        let context = Unmanaged<ServerContext>.fromOpaque(cls).takeUnretainedValue()
        if context.requestDeadline > 0, let connection, let link = connectionState(of: connection), !link.reserve {
            link.deadline.store(ConnectionState.now() + context.idleAllowance + context.requestDeadline, ordering: .relaxed)
        }
        let request = Unmanaged<RequestState>.fromOpaque(state)
        if let deferred = request.takeUnretainedValue().deferred {
            context.pending.withLock { _ = $0.removeValue(forKey: ObjectIdentifier(deferred)) }
        }
        request.release()
        requestContext.pointee = nil
        context.inFlight.subtract(1, ordering: .relaxed)
    }

    /// Starts the pthread running `watch.run()`. Safe: the watch is retained into the thread's
    /// argument and released by the thread when `run` returns (or here, when no thread starts).
    static func startThread(running watch: ConnectionWatch) -> pthread_t? {
        let box = Unmanaged.passRetained(watch).toOpaque()
        var handle = pthread_t()
        let created = pthread_create(&handle, nil, { raw in
            guard let raw else { return nil }
            Unmanaged<ConnectionWatch>.fromOpaque(raw).takeRetainedValue().run()
            return nil
        }, box)
        guard created == 0 else {
            Unmanaged<ConnectionWatch>.fromOpaque(box).release()
            return nil
        }
        return handle
    }

    /// `MHD_ContentReaderCallback` of a large body: copies the next piece of the bytes the
    /// `ResponseBody` holds into libmicrohttpd's buffer (of the connection's pool, so bounded).
    /// Safe: `cls` is the `ResponseBody` retained by `queue` until `releaseBody`.
    static let readBody: MHD_ContentReaderCallback = { cls, position, buffer, capacity in
        guard let cls, let buffer else { return MHD_CONTENT_READER_END_WITH_ERROR }
        let body = Unmanaged<ResponseBody>.fromOpaque(cls).takeUnretainedValue()
        return body.copy(from: Int(clamping: position), into: UnsafeMutableRawPointer(buffer), capacity: capacity)
    }

    /// `MHD_ContentReaderFreeCallback`: the response is destroyed; its bytes leave the budget.
    static let releaseBody: MHD_ContentReaderFreeCallback = { cls in
        guard let cls else { return }
        Unmanaged<ResponseBody>.fromOpaque(cls).takeRetainedValue().release()
    }

    /// `mhd_shim_log_line`: libmicrohttpd's error log, formatted by the shim.
    static let logLine: mhd_shim_log_line = { cls, line in
        guard let cls, let line else { return }
        Unmanaged<ServerContext>.fromOpaque(cls).takeUnretainedValue().log(String(cString: line))
    }

    /// Queues `response`. A body of `largeResponseBytes` or more is not copied: libmicrohttpd
    /// reads it from the Swift array piece by piece (`readBody`), and the bytes count against
    /// the response budget until the response is destroyed; a body that does not fit while
    /// others are held is replaced by a 503 (`Retry-After`), so slow or stalled readers cannot
    /// hold more than `responseBufferLimit` bytes of answers between them.
    private static func queue(_ response: HTTPResponse, on connection: OpaquePointer, context: ServerContext, close: Bool = false) -> MHD_Result {
        var response = response
        var close = close
        var large: ResponseBody?
        if response.body.count >= context.largeResponseBytes {
            if let body = ResponseBody.reserve(response.body, in: context) {
                large = body
            } else {
                context.budgetRefusals.add(1, ordering: .relaxed)
                response = context.refusal(.serviceUnavailable, "too many large answers are being sent to clients right now; try again shortly")
                response.headers.set(name: "Retry-After", value: "5")
                close = true
            }
        }
        let handle: OpaquePointer?
        if let large {
            let retained = Unmanaged.passRetained(large).toOpaque()
            handle = MHD_create_response_from_callback(UInt64(large.bytes.count), 32 << 10, readBody, retained, releaseBody)
            if handle == nil { Unmanaged<ResponseBody>.fromOpaque(retained).takeRetainedValue().release() }
        } else {
            handle = response.body.withUnsafeBytes { bytes in
                mhd_shim_response_copying(bytes.baseAddress, bytes.count)
            }
        }
        guard let handle else { return .NO }
        defer { MHD_destroy_response(handle) }
        for field in response.headers {
            _ = MHD_add_response_header(handle, field.name, field.value)
        }
        if close || context.draining.load(ordering: .relaxed), response.headers["Connection"] == nil {
            _ = MHD_add_response_header(handle, "Connection", "close")
        }
        return MHD_queue_response(connection, UInt32(clamping: response.status.rawValue), handle)
    }

    /// Collects header fields through `MHD_get_connection_values_n`, each with whether its
    /// value lies in place after its name (not the case under obsolete line folding).
    private static func headerFields(of connection: OpaquePointer) -> [RequestFraming.Field] {
        var fields: [RequestFraming.Field] = []
        withUnsafeMutablePointer(to: &fields) { pointer in
            _ = MHD_get_connection_values_n(connection, .HEADER_KIND, collectHeaderField, pointer)
        }
        return fields
    }

    /// `MHD_KeyValueIteratorN`. Safe: `cls` points at an array on the caller's stack for the
    /// duration of the synchronous `MHD_get_connection_values_n` call; `key` and `value` are
    /// `key_size` and `value_size` bytes long.
    private static let collectHeaderField: MHD_KeyValueIteratorN = { cls, _, key, keySize, value, valueSize in
        guard let cls, let key else { return .YES }
        let name = String(decoding: UnsafeRawBufferPointer(start: key, count: keySize), as: UTF8.self)
        let text = value.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: valueSize), as: UTF8.self) } ?? ""
        cls.assumingMemoryBound(to: [RequestFraming.Field].self).pointee
            .append(RequestFraming.Field(name: name, value: text, inPlace: mhd_shim_field_in_place(key, keySize, value) != 0))
        return .YES
    }

    /// Collects query arguments (percent-decoded by libmicrohttpd).
    private static func arguments(of connection: OpaquePointer) -> [(name: String, value: String?)] {
        var fields = FieldList()
        withUnsafeMutablePointer(to: &fields) { pointer in
            _ = MHD_get_connection_values(connection, .GET_ARGUMENT_KIND, collectField, pointer)
        }
        return fields.items
    }

    private struct FieldList { var items: [(name: String, value: String?)] = [] }

    /// `MHD_KeyValueIterator`. Safe: `cls` points at a `FieldList` on the caller's stack for the
    /// duration of the synchronous `MHD_get_connection_values` call.
    private static let collectField: MHD_KeyValueIterator = { cls, _, key, value in
        guard let cls, let key else { return .YES }
        cls.assumingMemoryBound(to: FieldList.self).pointee.items.append((String(cString: key), value.map { String(cString: $0) }))
        return .YES
    }
}
