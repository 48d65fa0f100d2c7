import Foundation

/// Runs blocking C calls for the `async` API without blocking the caller's executor.
///
/// Each call runs on a thread of its own, so a slow network call never occupies a thread of Swift's
/// cooperative pool (which has one thread per core) and never starves other tasks, however many calls are
/// in flight. A thread costs far less than the network round trip it waits for.
///
/// Cancellation: a C call cannot be interrupted. A task cancelled before the call starts gets
/// `CancellationError`; once started, the call runs to completion, bounded by the client's timeouts.
enum Blocking {
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try Task.checkCancellation()
        let job = Job(body)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let thread = Thread {
                job.run()
                continuation.resume()
            }
            thread.name = "sxt-auth call"
            thread.start()
        }
        return try job.takeResult()
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
