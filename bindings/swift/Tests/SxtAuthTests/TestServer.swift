import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@testable import SxtAuth

/// One instance of the local SxT-compatible auth server (`sxt-auth-server`), spawned for a test and stopped
/// when the test ends. The binary comes from `SXT_SERVER_BIN`, else `target/debug/sxt-auth-server` of this
/// repository.
final class TestServer: @unchecked Sendable {
    let process: Process
    /// The base URL from the server's `listening on <URL>` line.
    let url: String
    /// The CA certificate (PEM) the server wrote with `--tls`, else `nil`.
    let caPEM: String?
    private let directory: URL

    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["SXT_SERVER_BIN"], !path.isEmpty {
            return path
        }
        // Tests/SxtAuthTests/TestServer.swift -> repository root
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent("target/debug/sxt-auth-server").path
    }

    /// Starts a server with `arguments` (added to `--listen 127.0.0.1:0`) and waits for its listening line.
    init(tls: Bool = false, arguments: [String] = []) throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("sxt-swift-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let caFile = directory.appendingPathComponent("ca.pem")

        var args = ["--listen", "127.0.0.1:0"]
        if tls { args += ["--tls", "--ca-out", caFile.path] }
        args += arguments

        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = args
        let stdout = Pipe()
        process.standardOutput = stdout
        // One line per request; shown only when asked for, so test output stays readable.
        process.standardError = ProcessInfo.processInfo.environment["SXT_SERVER_LOG"] == "1"
            ? FileHandle.standardError : FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw ServerStartError("cannot start \(Self.binary): \(error)")
        }

        let reader = FirstLineReader(stdout.fileHandleForReading)
        guard let line = reader.wait(seconds: 30) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw ServerStartError("\(Self.binary) printed no listening line")
        }
        let prefix = "listening on "
        guard line.hasPrefix(prefix) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw ServerStartError("unexpected first line from the server: \(line)")
        }
        url = String(line.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
        caPEM = tls ? try String(contentsOf: caFile, encoding: .utf8) : nil
    }

    /// Stops the server and waits for it to exit. SIGKILL, not SIGTERM: on Linux, Foundation's `Process`
    /// passes the blocked-signal mask of the spawning thread (a Dispatch or Swift concurrency thread, which
    /// blocks most signals) on to the child, so a SIGTERM would stay pending in the server forever.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Client options for this server: plain http allowed, or its CA trusted.
    var options: SxtClient.Options {
        var options = SxtClient.Options()
        if let caPEM {
            options.caPEM = [caPEM]
        } else {
            options.allowHTTP = true
        }
        return options
    }

    /// A client for this server.
    func client() throws -> SxtClient {
        try SxtClient(baseURL: url, options: options)
    }
}

/// An error that fails the test (not a skip: a server that does not start is a failure).
struct ServerStartError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Reads the first line of a pipe on a thread of its own, then keeps draining it so the server never blocks
/// on a full pipe.
private final class FirstLineReader: @unchecked Sendable {
    private let lock = NSLock()
    private let ready = DispatchSemaphore(value: 0)
    private var line: String?

    init(_ handle: FileHandle) {
        let thread = Thread { [self] in
            var buffer = Data()
            var signalled = false
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                if signalled { continue }
                buffer.append(chunk)
                if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    let text = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                    lock.lock()
                    line = text
                    lock.unlock()
                    signalled = true
                    ready.signal()
                }
            }
            if !signalled { ready.signal() }
        }
        thread.start()
    }

    func wait(seconds: Double) -> String? {
        guard ready.wait(timeout: .now() + seconds) == .success else { return nil }
        lock.lock()
        defer { lock.unlock() }
        return line
    }
}

/// Base class of the tests: starts servers on demand, stops them after the test, and checks after every test
/// that all library objects it made were released (`sxt_live_objects()` back to where it was; the count is 0
/// before the first test, so a leak fails the test that leaked, and `testLiveObjectsReturnToZero` checks the
/// absolute count).
class SxtTestCase: XCTestCase {
    private var liveAtStart = 0

    /// Starts a server that is stopped when the current test ends.
    func startServer(tls: Bool = false, _ arguments: String...) throws -> TestServer {
        let server = try TestServer(tls: tls, arguments: arguments)
        addTeardownBlock { server.stop() }
        return server
    }

    override func setUp() {
        super.setUp()
        continueAfterFailure = true
        liveAtStart = liveObjectCount()
    }

    override func tearDown() {
        // The objects a test made are released when it returns; a worker thread of an async call may still be
        // unwinding for a moment, so allow a short grace period.
        XCTAssertEqual(eventually(liveObjects: liveAtStart), liveAtStart,
                       "library objects made by the test are still alive: a leak")
        super.tearDown()
    }
}

/// Waits up to two seconds for `sxt_live_objects()` to come down to `target`; returns the last count.
func eventually(liveObjects target: Int) -> Int {
    let deadline = Date().addingTimeInterval(2)
    var count = liveObjectCount()
    while count > target && Date() < deadline {
        Thread.sleep(forTimeInterval: 0.01)
        count = liveObjectCount()
    }
    return count
}

/// Asserts that `body` throws an ``SxtError`` with `code`, and returns it for further checks.
@discardableResult
func assertSxtError<T>(_ code: SxtError.Code, file: StaticString = #filePath, line: UInt = #line,
                       _ body: () throws -> T) -> SxtError? {
    do {
        let value = try body()
        XCTFail("expected \(code), got a value: \(value)", file: file, line: line)
    } catch let error as SxtError {
        XCTAssertEqual(error.code, code, "\(error)", file: file, line: line)
        XCTAssertEqual(error.rawCode, code.rawValue, file: file, line: line)
        XCTAssertFalse(error.message.isEmpty, file: file, line: line)
        return error
    } catch {
        XCTFail("expected SxtError \(code), got \(error)", file: file, line: line)
    }
    return nil
}

/// The async form of ``assertSxtError(_:file:line:_:)``.
@discardableResult
func assertSxtErrorAsync<T>(_ code: SxtError.Code, file: StaticString = #filePath, line: UInt = #line,
                            _ body: () async throws -> T) async -> SxtError? {
    do {
        let value = try await body()
        XCTFail("expected \(code), got a value: \(value)", file: file, line: line)
    } catch let error as SxtError {
        XCTAssertEqual(error.code, code, "\(error)", file: file, line: line)
        return error
    } catch {
        XCTFail("expected SxtError \(code), got \(error)", file: file, line: line)
    }
    return nil
}

/// A user id no other test uses.
func uniqueUserID(_ prefix: String = "swift") -> String {
    "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
}
