import Foundation
internal import CSxtAuth

/// Options for synchronous calls (`sxt_call`): a deadline and a cancellation that any thread can trigger.
/// The `async` calls need none: cancelling their task cancels them.
///
/// ``run(_:)`` applies the options to every synchronous call of this library that its closure makes on the
/// calling thread. ``cancel()`` stops those calls at once and makes later ones fail at once, each with
/// ``SxtError/Code/cancelled``: a blocked read, write, TLS handshake or host name lookup is woken; on Apple
/// platforms a TCP connect under way is not interrupted and ends within the connect timeout (on Linux it is
/// woken too). A deadline (``init(timeout:)``
/// or ``setTimeout(_:)``) counts from when it is set; a call past it throws ``SxtError/Code/timeout`` ("the
/// call's deadline passed"). A session's renewal cut short keeps its tokens as they were.
///
/// **Threads.** ``cancel()`` may be called from any thread while another is inside ``run(_:)``: that is its
/// purpose. The object owns one C handle, released when the last reference goes away.
public final class SxtCall: @unchecked Sendable {
    private let context: CallContext
    private let pointer: OpaquePointer

    /// Options with a deadline `timeout` from now (1 ms to 24 h), or none.
    ///
    /// - Throws: ``SxtError`` with ``SxtError/Code/invalidArgument`` naming `timeout_ms`.
    public init(timeout: Duration? = nil) throws {
        var raw: OpaquePointer?
        try check { sxt_call_new(&raw, $0) }
        guard let raw else { throw SxtError(code: .internal, message: "the library made no call options") }
        pointer = raw
        context = CallContext(raw)
        if let timeout {
            try setTimeout(timeout)
        }
    }

    deinit {
        sxt_call_free(pointer)
    }

    /// Cancels every call running with these options, and every later one. Idempotent; returns at once.
    public func cancel() {
        context.cancel()
    }

    /// Gives calls made with these options a deadline `timeout` from now (1 ms to 24 h, rounded up to whole
    /// milliseconds), replacing an earlier one. A call reads it when it starts.
    ///
    /// - Throws: ``SxtError`` with ``SxtError/Code/invalidArgument`` naming `timeout_ms`.
    public func setTimeout(_ timeout: Duration) throws {
        let ms = try SxtClient.milliseconds(timeout, name: "timeout_ms")
        try check { sxt_call_set_timeout_ms(pointer, ms, $0) }
    }

    /// Runs `body` on the calling thread with these options applied to every synchronous call of this library
    /// it makes (an outer `run`'s options are restored afterwards).
    public func run<T>(_ body: () throws -> T) rethrows -> T {
        let outer = CallContext.installed
        CallContext.install(context)
        defer { CallContext.install(outer) }
        return try withExtendedLifetime(self) { try body() }
    }
}
