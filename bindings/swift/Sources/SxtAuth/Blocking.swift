internal import CSxtAuth
import Foundation

/// Runs blocking C calls for the `async` API without blocking the caller's executor.
///
/// Each call runs on a thread of its own, so a slow network call never occupies a thread of Swift's
/// cooperative pool (which has one thread per core) and never starves other tasks, however many calls are
/// in flight. A thread costs far less than the network round trip it waits for.
///
/// Cancellation: each call has an `sxt_call` of its own, which the synchronous methods pass to the C
/// `*_call` functions when they run on that thread (``CallContext``). A task cancelled before the call starts
/// gets `CancellationError` and sends nothing; one cancelled while the call is in flight cancels the C call
/// (a blocked read or write is woken) and, when the call then fails, gets `CancellationError`. A session's
/// renewal cut short keeps its tokens.
enum Blocking {
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try Task.checkCancellation()
        var raw: OpaquePointer?
        guard sxt_call_new(&raw, nil) == SXT_STATUS_OK, let raw else {
            throw SxtError(code: .internal, message: "the library could not make call options")
        }
        let call = CallContext(raw)
        defer { sxt_call_free(raw) }
        let job = Job(body)
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let thread = Thread {
                    CallContext.install(call)
                    job.run()
                    CallContext.install(nil)
                    continuation.resume()
                }
                thread.name = "sxt-auth call"
                thread.start()
            }
        } onCancel: {
            call.cancel()
        }
        let result = Result { try job.takeResult() }
        if case .failure = result, Task.isCancelled {
            throw CancellationError()
        }
        return try result.get()
    }
}

/// The `sxt_call` of the asynchronous call running on the current thread, if any: the synchronous methods
/// pass ``CallContext/current`` to the C `*_call` functions (NULL on any other thread: no options).
///
/// `@unchecked Sendable`: the pointer is an id the library checks; `sxt_call_cancel` may be called from any
/// thread, and the `sxt_call` is freed only after the worker thread has finished with it.
final class CallContext: @unchecked Sendable {
    private let pointer: OpaquePointer
    private static let key = "sxt-auth.call"

    init(_ pointer: OpaquePointer) {
        self.pointer = pointer
    }

    func cancel() {
        _ = sxt_call_cancel(pointer, nil)
    }

    static func install(_ context: CallContext?) {
        Thread.current.threadDictionary[key] = context
    }

    /// The context installed on the current thread, or nil.
    static var installed: CallContext? {
        Thread.current.threadDictionary[key] as? CallContext
    }

    /// The current thread's call options, or nil.
    static var current: OpaquePointer? {
        installed?.pointer
    }
}

/// One call handed to a thread. The worker drops the closure (and whatever it captured) before it resumes
/// the caller, and the result is handed over through the job rather than held by the worker, so once the
/// `await` returns nothing on the worker thread still references the caller's objects.
///
/// `@unchecked Sendable`: `body` and `result` are written by the worker thread before it resumes the
/// continuation and read by the caller only after the continuation resumed, which orders the accesses.
private final class Job<T: Sendable>: @unchecked Sendable {
    private var body: (@Sendable () throws -> T)?
    private var result: Result<T, any Error>?

    init(_ body: @escaping @Sendable () throws -> T) {
        self.body = body
    }

    func run() {
        if let body {
            result = Result(catching: body)
        }
        body = nil
    }

    func takeResult() throws -> T {
        guard let result else {
            throw SxtError(code: .internal, message: "a blocking call finished without a result")
        }
        self.result = nil
        return try result.get()
    }
}
