import Foundation
import XCTest
@testable import SxtAuth
#if canImport(Glibc)
import Glibc
private let streamSocket = Int32(SOCK_STREAM.rawValue)
#elseif canImport(Darwin)
import Darwin
private let streamSocket = SOCK_STREAM
#endif

/// `SxtClient`: options, URLs, TLS, user lookup, sign-in and registration, against the local server.
final class ClientTests: SxtTestCase {
    // MARK: URLs and options

    func testPlainHTTPIsRefusedWithoutAllowHTTP() throws {
        let server = try startServer()
        let error = assertSxtError(.insecureURL) { try SxtClient(baseURL: server.url) }
        XCTAssertNil(error?.httpStatus)
        assertSxtError(.insecureURL) { try SxtClient(baseURL: "http://sxt-auth.test") }
        // The opt-in covers any host (a test server in a container has a name); no network call is made.
        XCTAssertNoThrow(try SxtClient(baseURL: "http://sxt-auth.test", options: .init(allowHTTP: true)))
        XCTAssertNoThrow(try SxtClient(baseURL: server.url, options: .init(allowHTTP: true)))
    }

    func testInvalidURLs() {
        assertSxtError(.invalidURL) { try SxtClient(baseURL: "not a url") }
        assertSxtError(.invalidURL) { try SxtClient(baseURL: "https://") }
        assertSxtError(.invalidArgument) { try SxtClient(baseURL: "https://api.spaceandtime.dev\0/evil") }
    }

    func testBaseURLIsNormalised() throws {
        let server = try startServer()
        for suffix in ["", "/", "/v1", "/v1/"] {
            let client = try SxtClient(baseURL: server.url + suffix, options: server.options)
            XCTAssertEqual(client.baseURL, server.url, "suffix \(suffix)")
            XCTAssertEqual(client.description, "SxtClient(\(server.url))")
        }
        let byURL = try SxtClient(baseURL: try XCTUnwrap(URL(string: server.url + "/v1/")), options: server.options)
        XCTAssertEqual(byURL.baseURL, server.url)
        XCTAssertEqual(try SxtClient(baseURL: "https://api.spaceandtime.dev/v1/").baseURL,
                       "https://api.spaceandtime.dev")
    }

    func testOptionsAreValidated() throws {
        let url = "https://api.spaceandtime.dev"
        assertSxtError(.invalidArgument) { try SxtClient(baseURL: url, options: .init(connectTimeout: .zero)) }
        assertSxtError(.invalidArgument) { try SxtClient(baseURL: url, options: .init(readTimeout: .zero)) }
        assertSxtError(.invalidArgument) { try SxtClient(baseURL: url, options: .init(timeout: .zero)) }
        let negative = assertSxtError(.invalidArgument) {
            try SxtClient(baseURL: url, options: .init(timeout: .seconds(-1)))
        }
        XCTAssertEqual(negative?.argument, "timeout_ms", "errors name the C parameter, as the library's do")
        let tooLong = assertSxtError(.invalidArgument) {
            try SxtClient(baseURL: url, options: .init(readTimeout: .seconds(50 * 24 * 3600)))
        }
        XCTAssertEqual(tooLong?.argument, "read_timeout_ms")
        // The library's limit is 24 hours; the binding only converts.
        let overADay = assertSxtError(.invalidArgument) {
            try SxtClient(baseURL: url, options: .init(timeout: .milliseconds(86_400_001)))
        }
        XCTAssertEqual(overADay?.argument, "timeout_ms")
        XCTAssertNoThrow(try SxtClient(baseURL: url, options: .init(timeout: .milliseconds(86_400_000))))
        assertSxtError(.invalidArgument) { try SxtClient(baseURL: url, options: .init(userAgent: "")) }
        assertSxtError(.invalidArgument) { try SxtClient(baseURL: url, options: .init(userAgent: "bad\u{1}agent")) }
        assertSxtError(.invalidArgument) {
            try SxtClient(baseURL: url, options: .init(userAgent: String(repeating: "a", count: 257)))
        }
        assertSxtError(.invalidCertificate) { try SxtClient(baseURL: url, options: .init(caPEM: ["garbage"])) }
        assertSxtError(.invalidCertificate) {
            try SxtClient(baseURL: url, options: .init(caPEM: ["-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"]))
        }

        // Valid values, including a sub-millisecond one (rounded up, never to 0) and a zero refresh margin.
        let client = try SxtClient(baseURL: url, options: .init(
            connectTimeout: .microseconds(1), readTimeout: .milliseconds(1500), timeout: .seconds(20),
            refreshMargin: .zero, userAgent: "sxt-auth-swift-tests/1.0"))
        XCTAssertEqual(client.baseURL, url)
    }

    func testCustomOptionsWorkAgainstTheServer() throws {
        let server = try startServer()
        var options = server.options
        options.connectTimeout = .seconds(2)
        options.readTimeout = .seconds(2)
        options.timeout = .seconds(5)
        options.refreshMargin = .seconds(5)
        options.userAgent = "sxt-auth-swift-tests/1.0 (+loopback)"
        let client = try SxtClient(baseURL: server.url, options: options)
        XCTAssertFalse(try client.userExists(uniqueUserID()))
    }

    // MARK: Transport failures

    func testConnectionRefusedIsANetworkError() throws {
        let server = try startServer()
        let client = try server.client()
        server.stop()
        let error = assertSxtError(.network) { try client.userExists("alice") }
        XCTAssertNil(error?.httpStatus)
    }

    func testAServerThatNeverAnswersTimesOut() throws {
        let listener = try SilentListener()
        let client = try SxtClient(baseURL: "http://127.0.0.1:\(listener.port)", options: .init(
            connectTimeout: .milliseconds(500), readTimeout: .milliseconds(300), timeout: .milliseconds(600),
            allowHTTP: true))
        let started = Date()
        assertSxtError(.timeout) { try client.userExists("alice") }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "the deadline was not honoured")
    }

    func testCancellingATaskStopsItsCallInFlight() async throws {
        let listener = try SilentListener()
        let client = try SxtClient(baseURL: "http://127.0.0.1:\(listener.port)", options: .init(
            readTimeout: .seconds(20), timeout: .seconds(20), allowHTTP: true))
        let started = Date()
        let task = Task { try await client.login(userID: "alice", privateKey: try SxtKeys.generate().privateKey) }
        try await Task.sleep(nanoseconds: 200_000_000)
        task.cancel()
        do {
            _ = try await task.value
            XCTFail("a cancelled sign-in succeeded")
        } catch is CancellationError {
        } catch {
            XCTFail("a cancelled sign-in threw \(error), not CancellationError")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "the cancel did not wake the blocked read")
        // The client is still usable: a call that is not cancelled times out by the client's own rules.
        let short = try SxtClient(baseURL: "http://127.0.0.1:\(listener.port)", options: .init(
            readTimeout: .milliseconds(300), timeout: .milliseconds(600), allowHTTP: true))
        await assertSxtErrorAsync(.timeout) { try await short.userExists("alice") }
    }

    func testSxtCallGivesSynchronousCallsADeadlineAndACancellation() throws {
        let listener = try SilentListener()
        let client = try SxtClient(baseURL: "http://127.0.0.1:\(listener.port)", options: .init(
            readTimeout: .seconds(20), timeout: .seconds(20), allowHTTP: true))
        XCTAssertEqual(assertSxtError(.invalidArgument) { try SxtCall(timeout: .zero) }?.argument, "timeout_ms")
        let deadline = try SxtCall(timeout: .milliseconds(300))
        var started = Date()
        let late = assertSxtError(.timeout) { try deadline.run { try client.userExists("alice") } }
        XCTAssertTrue(late?.message.contains("deadline") ?? false)
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        let call = try SxtCall()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { call.cancel() }
        started = Date()
        assertSxtError(.cancelled) { try call.run { try client.userExists("alice") } }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "the cancel did not wake the blocked read")
        assertSxtError(.cancelled) { try call.run { try client.userExists("alice") } }
    }

    func testATaskCancelledBeforeItsCallStartsThrowsAtOnce() async throws {
        let listener = try SilentListener()
        let client = try SxtClient(baseURL: "http://127.0.0.1:\(listener.port)", options: .init(
            readTimeout: .seconds(20), timeout: .seconds(20), allowHTTP: true))
        let started = Date()
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await client.userExists("alice")
        }
        do {
            _ = try await task.value
            XCTFail("a cancelled call succeeded")
        } catch is CancellationError {
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 2, "the call waited on the server")
    }

    // MARK: TLS

    func testTLSWithTheServersCA() throws {
        let server = try startServer(tls: true)
        XCTAssertTrue(server.url.hasPrefix("https://"))
        let client = try server.client()
        let user = uniqueUserID()
        let key = try SxtKeys.generate()
        XCTAssertFalse(try client.userExists(user))
        let session = try client.register(userID: user, privateKey: key.privateKey)
        XCTAssertEqual(try session.tokenInfo().userID, user)
        XCTAssertTrue(try client.userExists(user))
    }

    func testTLSWithoutTheCAFails() throws {
        let server = try startServer(tls: true)
        let client = try SxtClient(baseURL: server.url)
        let error = assertSxtError(.tls) { try client.userExists("alice") }
        XCTAssertNil(error?.httpStatus)
        assertSxtError(.tls) { try client.login(userID: "alice", privateKey: try SxtKeys.generate().privateKey) }
    }

    func testTLSWithAnotherCAFails() throws {
        let server = try startServer(tls: true)
        let other = try startServer(tls: true)
        let client = try SxtClient(baseURL: server.url, options: .init(caPEM: [try XCTUnwrap(other.caPEM)]))
        assertSxtError(.tls) { try client.userExists("alice") }
    }

    // MARK: Users, sign-in, registration

    func testRegisterThenLogin() throws {
        let server = try startServer()
        let client = try server.client()
        let user = uniqueUserID()
        let key = try SxtKeys.generate()

        XCTAssertFalse(try client.userExists(user))
        let registered = try client.register(userID: user, privateKey: key.privateKey)
        XCTAssertEqual(registered.userID, user)
        XCTAssertEqual(registered.description, "SxtSession(\(user))")
        XCTAssertTrue(try client.userExists(user))

        let session = try client.login(userID: user, privateKey: key.privateKey)
        XCTAssertEqual(session.userID, user)
        XCTAssertNotEqual(try session.accessToken(), try registered.accessToken())
        let info = try session.tokenInfo()
        XCTAssertEqual(info.userID, user)
        XCTAssertNotEqual(info.sessionID, try registered.tokenInfo().sessionID, "each login is its own session")
    }

    func testLoginAnUnknownUser() throws {
        let server = try startServer()
        let client = try server.client()
        let error = assertSxtError(.notFound) {
            try client.login(userID: uniqueUserID(), privateKey: try SxtKeys.generate().privateKey)
        }
        XCTAssertEqual(error?.argument, "user_id")
    }

    func testLoginWithTheWrongKey() throws {
        let server = try startServer()
        let client = try server.client()
        let user = uniqueUserID()
        _ = try client.register(userID: user, privateKey: try SxtKeys.generate().privateKey)
        let error = assertSxtError(.badRequest) {
            try client.login(userID: user, privateKey: try SxtKeys.generate().privateKey)
        }
        XCTAssertEqual(error?.httpStatus, 400)
        XCTAssertEqual(error?.title, "Signature verification failed")
        XCTAssertNotNil(error?.detail)
        XCTAssertNil(error?.argument)
    }

    func testMalformedKeyOrUserIDFailsBeforeTheNetwork() throws {
        let server = try startServer()
        let client = try server.client()
        let user = uniqueUserID()
        let key = try SxtKeys.generate().privateKey
        _ = try client.register(userID: user, privateKey: key)

        let badKey = assertSxtError(.invalidKey) { try client.login(userID: user, privateKey: "bm90IGEga2V5") }
        XCTAssertNil(badKey?.httpStatus)
        assertSxtError(.invalidKey) { try client.register(userID: uniqueUserID(), privateKey: "") }
        assertSxtError(.invalidArgument) { try client.userExists("") }
        assertSxtError(.invalidArgument) { try client.userExists("bad\u{7}id") }
        assertSxtError(.invalidArgument) { try client.userExists(String(repeating: "u", count: 257)) }
        assertSxtError(.invalidArgument) { try client.login(userID: "", privateKey: key) }
        let nul = assertSxtError(.invalidArgument) { try client.login(userID: user + "\0x", privateKey: key) }
        XCTAssertEqual(nul?.argument, "userID")
        assertSxtError(.invalidArgument) { try client.register(userID: uniqueUserID(), privateKey: key, joinCode: "") }
    }

    func testDuplicateRegistration() throws {
        let server = try startServer()
        let client = try server.client()
        let user = uniqueUserID()
        let key = try SxtKeys.generate().privateKey
        _ = try client.register(userID: user, privateKey: key)

        let error = assertSxtError(.badRequest) {
            try client.register(userID: user, privateKey: try SxtKeys.generate().privateKey)
        }
        XCTAssertEqual(error?.httpStatus, 400)
        XCTAssertNotNil(error?.title)
        // The header: for an existing user whose keyring holds the key, register is a plain sign-in.
        XCTAssertEqual(try client.register(userID: user, privateKey: key).userID, user)
    }

    func testRegisterWithEmail() throws {
        let server = try startServer()
        let client = try server.client()
        let user = uniqueUserID()
        let key = try SxtKeys.generate().privateKey
        let session = try client.register(userID: user, privateKey: key, email: "\(user)@example.com")
        XCTAssertEqual(try session.tokenInfo().userID, user)
        XCTAssertTrue(try client.userExists(user))

        let error = assertSxtError(.badRequest) {
            try client.register(userID: uniqueUserID(), privateKey: key, email: "not-an-address")
        }
        XCTAssertEqual(error?.httpStatus, 400)
        assertSxtError(.invalidArgument) { try client.register(userID: uniqueUserID(), privateKey: key, email: "") }
    }

    func testJoinCodeRequired() throws {
        let server = try startServer("--require-join-code", "--join-code", "TEAM-CODE")
        let client = try server.client()
        let key = try SxtKeys.generate().privateKey

        let missing = assertSxtError(.notFound) { try client.register(userID: uniqueUserID(), privateKey: key) }
        XCTAssertEqual(missing?.httpStatus, 404)
        XCTAssertNotNil(missing?.detail)

        let unknown = assertSxtError(.badRequest) {
            try client.register(userID: uniqueUserID(), privateKey: key, joinCode: "WRONG-CODE")
        }
        XCTAssertEqual(unknown?.httpStatus, 400)
        XCTAssertEqual(unknown?.title, "Invalid join code")
        assertSxtError(.badRequest) {
            try client.register(userID: uniqueUserID(), privateKey: key, email: "a@example.com", joinCode: "WRONG")
        }

        let user = uniqueUserID()
        let session = try client.register(userID: user, privateKey: key, joinCode: "TEAM-CODE")
        let info = try session.tokenInfo()
        XCTAssertEqual(info.userID, user)
        XCTAssertNotNil(info.subscriptionID)

        let second = try client.register(userID: uniqueUserID(), privateKey: try SxtKeys.generate().privateKey,
                                         email: "b@example.com", joinCode: "TEAM-CODE")
        XCTAssertEqual(try second.tokenInfo().subscriptionID, info.subscriptionID, "one join code, one subscription")

        // A registered user signs in without the code.
        XCTAssertEqual(try client.login(userID: user, privateKey: key).userID, user)
    }

    func testJoinCodeOptional() throws {
        let server = try startServer("--join-code", "TEAM-CODE")
        let client = try server.client()
        let alone = try client.register(userID: uniqueUserID(), privateKey: try SxtKeys.generate().privateKey)
        let joined = try client.register(userID: uniqueUserID(), privateKey: try SxtKeys.generate().privateKey,
                                         joinCode: "TEAM-CODE")
        XCTAssertNotEqual(try alone.tokenInfo().subscriptionID, try joined.tokenInfo().subscriptionID)
    }

    // MARK: async

    func testAsyncClientCalls() async throws {
        let server = try startServer()
        let client = try server.client()
        let user = uniqueUserID()
        let key = try SxtKeys.generate().privateKey

        let existsBefore = try await client.userExists(user)
        XCTAssertFalse(existsBefore)
        let registered = try await client.register(userID: user, privateKey: key)
        XCTAssertEqual(registered.userID, user)
        let existsAfter = try await client.userExists(user)
        XCTAssertTrue(existsAfter)
        let session = try await client.login(userID: user, privateKey: key)
        let info = try await session.tokenInfo()
        XCTAssertEqual(info.userID, user)
        let other = try await client.register(userID: uniqueUserID(), privateKey: key, email: "c@example.com")
        XCTAssertNotEqual(other.userID, user)

        let wrong = try SxtKeys.generate().privateKey
        let error = await assertSxtErrorAsync(.badRequest) { try await client.login(userID: user, privateKey: wrong) }
        XCTAssertEqual(error?.httpStatus, 400)
        await assertSxtErrorAsync(.notFound) { try await client.login(userID: uniqueUserID(), privateKey: key) }
        await assertSxtErrorAsync(.badRequest) {
            try await client.register(userID: user, privateKey: wrong, joinCode: nil)
        }
    }

    func testCancelledTaskDoesNotStartTheCall() async throws {
        let server = try startServer()
        let client = try server.client()
        let task = Task { () async throws -> Bool in
            while !Task.isCancelled { await Task.yield() }
            return try await client.userExists("alice")
        }
        task.cancel()
        do {
            _ = try await task.value
            XCTFail("a cancelled task must not run the call")
        } catch is CancellationError {
        }
    }
}

/// A TCP listener on 127.0.0.1 that never accepts: connections complete in the kernel's backlog and requests
/// are never answered, so a client's read deadline must fire.
private final class SilentListener {
    let descriptor: Int32
    let port: UInt16

    init() throws {
        let fd = socket(AF_INET, streamSocket, 0)
        guard fd >= 0 else { throw ServerStartError("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && listen(fd, 16) == 0
                    && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw ServerStartError("could not listen on 127.0.0.1")
        }
        descriptor = fd
        port = UInt16(bigEndian: address.sin_port)
    }

    deinit {
        close(descriptor)
    }
}
