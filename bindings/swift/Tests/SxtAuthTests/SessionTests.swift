import Foundation
import XCTest
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
@testable import SxtAuth

/// `SxtSession`: every call, logout, self-refresh, re-login, concurrency and leak checks, against the local
/// server.
final class SessionTests: SxtTestCase {
    private func signIn(_ server: TestServer) throws -> (SxtClient, SxtSession, key: String) {
        let client = try server.client()
        let key = try SxtKeys.generate().privateKey
        let session = try client.register(userID: uniqueUserID(), privateKey: key)
        return (client, session, key)
    }

    func testEveryCall() throws {
        let server = try startServer()
        let (client, session, key) = try signIn(server)
        let user = session.userID

        let access = try session.accessToken()
        XCTAssertFalse(access.isEmpty)
        XCTAssertEqual(try session.accessToken(), access, "a fresh token is reused, not refreshed")
        let refreshToken = try session.refreshToken()
        XCTAssertFalse(refreshToken.isEmpty)
        XCTAssertNotEqual(refreshToken, access)

        let expiries = try session.expiries()
        let now = Date()
        XCTAssertGreaterThan(expiries.accessToken, now)
        XCTAssertLessThan(expiries.accessToken, now.addingTimeInterval(25 * 60 + 60))
        XCTAssertGreaterThanOrEqual(expiries.refreshToken, expiries.accessToken)
        XCTAssertEqual(expiries.accessToken.timeIntervalSince1970 * 1000,
                       Double(expiries.accessTokenEpochMilliseconds), accuracy: 1)

        let json = try session.tokenInfoJSON()
        XCTAssertTrue(json.contains("\"userId\""))
        let info = try session.tokenInfo()
        XCTAssertEqual(info.userID, user)
        XCTAssertNotNil(info.sessionID)
        XCTAssertNotNil(info.subscriptionID)
        XCTAssertFalse(info.restricted)
        XCTAssertFalse(info.quotaExceeded)
        XCTAssertFalse(info.trial)

        let publicKey = try SxtKeys.publicKey(of: key)
        let keys = try session.keys()
        XCTAssertEqual(keys.map(\.publicKey), [publicKey])
        XCTAssertEqual(keys.first?.scheme, "ed25519")
        XCTAssertNotNil(keys.first?.created)
        XCTAssertTrue(try session.keysJSON().hasPrefix("["))

        // refresh rotates both tokens; the old refresh token stops working (the server enforces it, and the
        // session keeps working with the new pair).
        try session.refresh()
        XCTAssertNotEqual(try session.accessToken(), access)
        XCTAssertNotEqual(try session.refreshToken(), refreshToken)
        XCTAssertEqual(try session.tokenInfo().sessionID, info.sessionID, "a refresh stays in the same session")

        // addKey: the new key can sign in; adding it twice is refused; a bad key never reaches the server.
        let second = try SxtKeys.generate()
        try session.addKey(privateKey: second.privateKey)
        XCTAssertEqual(Set(try session.keys().map(\.publicKey)), [publicKey, second.publicKey])
        XCTAssertEqual(try client.login(userID: user, privateKey: second.privateKey).userID, user)
        let duplicate = assertSxtError(.badRequest) { try session.addKey(privateKey: second.privateKey) }
        XCTAssertEqual(duplicate?.httpStatus, 400)
        assertSxtError(.invalidKey) { try session.addKey(privateKey: "not a key") }
        assertSxtError(.invalidArgument) { try session.addKey(privateKey: second.privateKey + "\0") }
    }

    func testLogout() throws {
        let server = try startServer()
        let (client, session, key) = try signIn(server)
        let user = session.userID
        try session.logout()

        XCTAssertEqual(session.userID, user, "the user id stays available after logout")
        assertSxtError(.loggedOut) { try session.accessToken() }
        assertSxtError(.loggedOut) { try session.refreshToken() }
        assertSxtError(.loggedOut) { try session.expiries() }
        assertSxtError(.loggedOut) { try session.refresh() }
        assertSxtError(.loggedOut) { try session.tokenInfo() }
        assertSxtError(.loggedOut) { try session.tokenInfoJSON() }
        assertSxtError(.loggedOut) { try session.keys() }
        assertSxtError(.loggedOut) { try session.addKey(privateKey: try SxtKeys.generate().privateKey) }
        let again = assertSxtError(.loggedOut) { try session.logout() }
        XCTAssertNil(again?.httpStatus)

        // The user can sign in again afterwards.
        XCTAssertEqual(try client.login(userID: user, privateKey: key).tokenInfo().userID, user)
    }

    func testLogoutEndsTheUsersOtherSessionsOnTheServer() throws {
        let server = try startServer()
        let (client, first, key) = try signIn(server)
        let second = try client.login(userID: first.userID, privateKey: key)
        let secondSession = try second.tokenInfo().sessionID
        try first.logout()
        // The second session's tokens died on the server; it renews by signing in again with its key, which
        // starts a new server session.
        XCTAssertNotEqual(try second.tokenInfo().sessionID, secondSession)
    }

    /// With a 2-second access token the refresh margin is clamped to 1 second: after 1.3 s the session must
    /// hand out a new token by itself, and after the old one expired every call still works.
    func testSelfRefreshWithAShortAccessTokenLifetime() throws {
        let server = try startServer("--access-ttl", "2")
        let (_, session, _) = try signIn(server)
        let first = try session.accessToken()
        let firstRefresh = try session.refreshToken()
        Thread.sleep(forTimeInterval: 1.3)
        let second = try session.accessToken()
        XCTAssertNotEqual(second, first, "the session did not refresh a token that was due")
        XCTAssertNotEqual(try session.refreshToken(), firstRefresh)
        XCTAssertEqual(try session.tokenInfo().userID, session.userID)

        Thread.sleep(forTimeInterval: 2.2) // past the expiry of `second`
        XCTAssertEqual(try session.tokenInfo().userID, session.userID)
        XCTAssertNotEqual(try session.accessToken(), second)
        XCTAssertGreaterThan(try session.expiries().accessToken, Date())
    }

    /// With a 2-second refresh token, a session idle for longer cannot refresh: it must sign in again with
    /// its key, by itself.
    func testReloginAfterTheRefreshTokenExpired() throws {
        let server = try startServer("--access-ttl", "1", "--refresh-ttl", "2")
        let (_, session, _) = try signIn(server)
        let sessionID = try session.tokenInfo().sessionID
        let refreshToken = try session.refreshToken()
        Thread.sleep(forTimeInterval: 2.5)

        let info = try session.tokenInfo()
        XCTAssertEqual(info.userID, session.userID)
        XCTAssertNotEqual(info.sessionID, sessionID, "a new sign-in starts a new server session")
        XCTAssertNotEqual(try session.refreshToken(), refreshToken)
        XCTAssertGreaterThan(try session.expiries().refreshToken, Date())

        Thread.sleep(forTimeInterval: 2.5)
        try session.refresh() // an explicit refresh with a dead chain signs in again too
        XCTAssertEqual(try session.tokenInfo().userID, session.userID)
    }

    /// Without the key, a session whose refresh chain ran out cannot renew itself: it reports
    /// `sessionExpired` and the caller signs in again.
    func testSessionWithoutTheKeyExpires() throws {
        let server = try startServer("--access-ttl", "1", "--refresh-ttl", "2")
        var options = server.options
        options.keepKey = false
        let client = try SxtClient(baseURL: server.url, options: options)
        let key = try SxtKeys.generate().privateKey
        let session = try client.register(userID: uniqueUserID(), privateKey: key)
        XCTAssertEqual(try session.tokenInfo().userID, session.userID)
        Thread.sleep(forTimeInterval: 2.5)
        assertSxtError(.sessionExpired) { try session.accessToken() }
        assertSxtError(.sessionExpired) { try session.refresh() }
        assertSxtError(.sessionExpired) { try session.tokenInfo() }
        XCTAssertEqual(try client.login(userID: session.userID, privateKey: key).tokenInfo().userID, session.userID)
    }

    func testURLSessionRequestsAreAuthorizedAndRetriedOnceAfterARevokedToken() async throws {
        let server = try startServer()
        let client = try server.client()
        let user = uniqueUserID()
        let key = try SxtKeys.generate().privateKey
        let session = try await client.register(userID: user, privateKey: key)
        let other = try await client.login(userID: user, privateKey: key)
        let token = try await session.accessToken()
        let authorization = try await session.authorization()
        XCTAssertEqual(authorization, "Bearer \(token)")
        let url = try XCTUnwrap(URL(string: server.url + "/v1/auth/validtoken"))
        let authorized = try await session.authorize(URLRequest(url: url))
        XCTAssertEqual(authorized.value(forHTTPHeaderField: "Authorization"), "Bearer \(token)")

        let (_, first) = try await session.data(for: URLRequest(url: url))
        XCTAssertEqual((first as? HTTPURLResponse)?.statusCode, 200)
        // A logout elsewhere revokes the token: the API answers 401; one renewal, one retry, 200.
        try await other.logout()
        let (body, second) = try await session.data(for: URLRequest(url: url))
        XCTAssertEqual((second as? HTTPURLResponse)?.statusCode, 200, String(decoding: body, as: UTF8.self))
        let renewed = try await session.accessToken()
        XCTAssertNotEqual(renewed, token)
        // A token the session no longer holds renews nothing.
        try await session.tokenRejected(token)
        try await session.tokenRejected("not-a-token-of-this-session")
        let still = try await session.accessToken()
        XCTAssertEqual(still, renewed)
        await assertSxtErrorAsync(.invalidArgument) { try await session.tokenRejected("a\u{0}b") }
    }

    func testAsyncSessionCalls() async throws {
        let server = try startServer()
        let client = try server.client()
        let key = try SxtKeys.generate().privateKey
        let session = try await client.register(userID: uniqueUserID(), privateKey: key)

        let token = try await session.accessToken()
        XCTAssertFalse(token.isEmpty)
        try await session.refresh()
        let refreshed = try await session.accessToken()
        XCTAssertNotEqual(refreshed, token)
        let info = try await session.tokenInfo()
        XCTAssertEqual(info.userID, session.userID)
        let json = try await session.tokenInfoJSON()
        XCTAssertTrue(json.contains(session.userID))
        let newKey = try SxtKeys.generate()
        try await session.addKey(privateKey: newKey.privateKey)
        let keys = try await session.keys()
        XCTAssertTrue(keys.contains { $0.publicKey == newKey.publicKey })
        let keysJSON = try await session.keysJSON()
        XCTAssertTrue(keysJSON.contains(newKey.publicKey))
        try await session.logout()
        await assertSxtErrorAsync(.loggedOut) { try await session.accessToken() }
        await assertSxtErrorAsync(.loggedOut) { try await session.tokenInfo() }
        await assertSxtErrorAsync(.loggedOut) { try await session.logout() }
    }

    /// 50 tasks share one session while its 2-second access token keeps coming due: every call succeeds, every
    /// token is valid on the server, and refreshes happened meanwhile.
    func testConcurrentUseFromManyTasks() async throws {
        let server = try startServer("--access-ttl", "2")
        let client = try server.client()
        let session = try await client.register(userID: uniqueUserID(), privateKey: try SxtKeys.generate().privateKey)
        let user = session.userID
        let firstToken = try await session.accessToken()

        let results = try await withThrowingTaskGroup(of: [String].self) { group in
            for task in 0..<50 {
                group.addTask {
                    var tokens: [String] = []
                    for round in 0..<6 {
                        tokens.append(try await session.accessToken())
                        let info = try await session.tokenInfo()
                        guard info.userID == user else {
                            throw SxtError(code: .internal, message: "task \(task) round \(round): wrong user \(info.userID)")
                        }
                        try await Task.sleep(for: .milliseconds(250 + 20 * (task % 5)))
                    }
                    return tokens
                }
            }
            var all: [[String]] = []
            for try await tokens in group { all.append(tokens) }
            return all
        }
        XCTAssertEqual(results.count, 50)
        XCTAssertTrue(results.allSatisfy { $0.count == 6 && $0.allSatisfy { !$0.isEmpty } })
        let distinct = Set(results.joined())
        XCTAssertGreaterThan(distinct.count, 1, "the token should have been refreshed during the run")
        XCTAssertTrue(distinct.contains(firstToken) || distinct.count > 1)
        // Single-flight refresh: far fewer tokens than calls.
        XCTAssertLessThan(distinct.count, 50, "refreshes were not shared between tasks")
        let info = try await session.tokenInfo()
        XCTAssertEqual(info.userID, user)
    }

    /// Sessions, clients and errors release their C objects; sessions outlive their client.
    func testLiveObjectsReturnToZero() throws {
        let server = try startServer()
        XCTAssertEqual(liveObjectCount(), 0)
        do {
            var client: SxtClient? = try server.client()
            let session = try client!.register(userID: uniqueUserID(), privateKey: try SxtKeys.generate().privateKey)
            XCTAssertGreaterThanOrEqual(liveObjectCount(), 2, "a client and a session are alive")
            client = nil
            XCTAssertGreaterThanOrEqual(liveObjectCount(), 1)
            // The session keeps working after its client was released.
            XCTAssertEqual(try session.tokenInfo().userID, session.userID)
            _ = try? session.addKey(privateKey: "bad")     // an error path
            _ = try? SxtClient(baseURL: "not a url")        // a failed constructor
            _ = try SxtKeys.generate()                      // strings handed out and released
            XCTAssertGreaterThanOrEqual(liveObjectCount(), 1)
        }
        XCTAssertEqual(eventually(liveObjects: 0), 0)
    }
}
