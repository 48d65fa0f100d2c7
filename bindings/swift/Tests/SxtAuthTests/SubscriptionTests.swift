import Foundation
import XCTest
@testable import SxtAuth

/// API-key sign-in (the local server's /auth/apikey stands in for the SxT proxy) and subscriptions, over
/// http and https.
final class SubscriptionTests: SxtTestCase {
    private let apiKey = "swift-test-api-key-9"

    private func proxiedClient(_ server: TestServer, keepKey: Bool = true) throws -> SxtClient {
        var options = server.options
        options.proxyURL = server.url
        options.keepKey = keepKey
        options.refreshMargin = .zero
        return try SxtClient(baseURL: server.url, options: options)
    }

    func testLoginAPIKeyOverHTTPAndHTTPS() throws {
        for tls in [false, true] {
            let server = try startServer(tls: tls, "--api-key", "swiftapi:\(apiKey)")
            let client = try proxiedClient(server)
            let session = try client.loginAPIKey(apiKey)
            XCTAssertEqual(session.userID, "swiftapi", "from validtoken")
            XCTAssertEqual(try session.tokenInfo().userID, "swiftapi")
            assertSxtError(.notFound) { try session.refreshToken() }
            XCTAssertEqual(try session.expiries().refreshTokenEpochMilliseconds, 0)
            let before = try session.accessToken()
            try session.refresh() // signs in again with the API key
            XCTAssertNotEqual(try session.accessToken(), before)
            try session.logout()
            assertSxtError(.loggedOut) { try session.accessToken() }

            let refused = assertSxtError(.unauthorized) { try client.loginAPIKey("swift-wrong-key") }
            XCTAssertEqual(refused?.httpStatus, 401)
            XCTAssertEqual(refused?.detail, "unknown API key")
            XCTAssertFalse(refused?.message.contains("swift-wrong-key") ?? true)
            for bad in ["", "has space", "caf\u{e9}"] {
                XCTAssertEqual(assertSxtError(.invalidArgument) { try client.loginAPIKey(bad) }?.argument, "api_key")
            }
        }
        let insecure = assertSxtError(.insecureURL) {
            try SxtClient(baseURL: "https://api.example", options: .init(proxyURL: "http://127.0.0.1:9"))
        }
        XCTAssertEqual(insecure?.argument, "proxy_url")
    }

    func testAnExpiredAPIKeySessionSignsInAgainOrExpiresWithoutTheKey() throws {
        let server = try startServer("--api-key", "swiftapi:\(apiKey)", "--access-ttl", "2")
        let session = try proxiedClient(server).loginAPIKey(apiKey)
        let bare = try proxiedClient(server, keepKey: false).loginAPIKey(apiKey)
        let first = try session.accessToken()
        Thread.sleep(forTimeInterval: 2.1)
        XCTAssertNotEqual(try session.accessToken(), first)
        assertSxtError(.sessionExpired) { try bare.accessToken() }
    }

    func testInviteAndJoin() throws {
        for tls in [false, true] {
            let server = try startServer(tls: tls)
            let client = try server.client()
            let owner = try client.register(userID: uniqueUserID("owner"), privateKey: try SxtKeys.generate().privateKey)
            let member = try client.register(userID: uniqueUserID("member"), privateKey: try SxtKeys.generate().privateKey)
            let ownerSubscription = try owner.tokenInfo().subscriptionID
            XCTAssertNotEqual(try member.tokenInfo().subscriptionID, ownerSubscription)

            let code = try owner.createJoinCode(role: .admin)
            XCTAssertFalse(code.isEmpty)
            let before = try member.accessToken()
            try member.joinSubscription(joinCode: code)
            XCTAssertNotEqual(try member.accessToken(), before)
            XCTAssertEqual(try member.tokenInfo().subscriptionID, ownerSubscription)
            XCTAssertFalse(try member.createJoinCode(role: .member).isEmpty)
            XCTAssertEqual(assertSxtError(.unauthorized) { try member.createJoinCode(role: .owner) }?.httpStatus, 403)
            XCTAssertEqual(assertSxtError(.badRequest) { try owner.joinSubscription(joinCode: code) }?.detail,
                           "unknown join code, or one already used")
            XCTAssertEqual(assertSxtError(.invalidArgument) { try owner.joinSubscription(joinCode: "") }?.argument,
                           "join_code")
        }
    }

    func testAnExpiredJoinCodeIsRefused() throws {
        let server = try startServer("--invite-ttl", "1")
        let client = try server.client()
        let owner = try client.register(userID: uniqueUserID("owner"), privateKey: try SxtKeys.generate().privateKey)
        let member = try client.register(userID: uniqueUserID("member"), privateKey: try SxtKeys.generate().privateKey)
        let code = try owner.createJoinCode(role: .member)
        Thread.sleep(forTimeInterval: 1.1)
        XCTAssertEqual(assertSxtError(.badRequest) { try member.joinSubscription(joinCode: code) }?.detail, "join code has expired")
    }

    func testARevokedAPIKeyIsRefusedAndItsSessionCannotSignInAgain() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sxt-keys-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data("# keys\nfileuser:SWIFT-FILE-KEY\n".utf8).write(to: file)
        let server = try startServer("--api-keys-file", file.path, "--access-ttl", "2")
        let session = try proxiedClient(server).loginAPIKey("SWIFT-FILE-KEY")
        try Data("# none\n".utf8).write(to: file)
        XCTAssertEqual(kill(server.process.processIdentifier, SIGHUP), 0)
        Thread.sleep(forTimeInterval: 0.5) // the server reads the file again
        let refused = assertSxtError(.unauthorized) { try self.proxiedClient(server).loginAPIKey("SWIFT-FILE-KEY") }
        XCTAssertEqual(refused?.detail, "unknown API key")
        Thread.sleep(forTimeInterval: 2.1)
        XCTAssertEqual(assertSxtError(.unauthorized) { try session.accessToken() }?.httpStatus, 401)
    }

    func testTheAsyncForms() async throws {
        let server = try startServer("--api-key", "swiftapi:\(apiKey)")
        let keyed: SxtSession = try await proxiedClient(server).loginAPIKey(apiKey)
        let owner: SxtSession = try await server.client().register(userID: uniqueUserID("owner"),
                                                                   privateKey: try SxtKeys.generate().privateKey)
        let code: String = try await owner.createJoinCode(role: .member)
        try await keyed.joinSubscription(joinCode: code)
        let joined: SxtSession.TokenInfo = try await keyed.tokenInfo()
        let ownerInfo: SxtSession.TokenInfo = try await owner.tokenInfo()
        XCTAssertEqual(joined.subscriptionID, ownerInfo.subscriptionID)
    }
}
