import Foundation
import XCTest
@testable import SxtAuth

/// Signers (a closure), export/import as Data, and the observer, over http and https.
final class SignerTests: SxtTestCase {
    private struct Declined: Error, CustomStringConvertible {
        var description: String { "declined on the device" }
    }

    /// Counts calls across threads.
    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var n = 0
        func add() { lock.lock(); n += 1; lock.unlock() }
        var value: Int { lock.lock(); defer { lock.unlock() }; return n }
    }

    private func signer(_ keys: (privateKey: String, publicKey: String), _ counter: Counter? = nil) throws -> SxtSigner {
        let privateKey = keys.privateKey
        return try SxtSigner(publicKey: keys.publicKey) { message in
            counter?.add()
            return try SxtKeys.sign(String(decoding: message, as: UTF8.self), with: privateKey)
        }
    }

    func testASignerSignsInAndSignsInAgainWhenTheChainEnds() throws {
        for tls in [false, true] {
            let server = try startServer(tls: tls, "--access-ttl", "1", "--refresh-ttl", "2")
            var options = server.options
            options.refreshMargin = .zero
            options.keepKey = false
            let client = try SxtClient(baseURL: server.url, options: options)
            let keys = try SxtKeys.generate()
            let counter = Counter()
            var s: SxtSigner? = try signer(keys, counter)
            let user = uniqueUserID("signer")
            let session = try client.register(userID: user, signer: s!)
            XCTAssertEqual(counter.value, 1)
            s = nil // the session keeps the closure
            Thread.sleep(forTimeInterval: 2.2)
            XCTAssertFalse(try session.accessToken().isEmpty)
            XCTAssertEqual(counter.value, 2)
        }
    }

    func testThrowingAndGarbageSignersSendNothing() throws {
        let server = try startServer()
        let client = try server.client()
        let keys = try SxtKeys.generate()
        let user = uniqueUserID("bad")
        _ = try client.register(userID: user, signer: try signer(keys))
        let throwing = try SxtSigner(publicKey: keys.publicKey) { _ in throw Declined() }
        let e = assertSxtError(.signerFailed) { try client.login(userID: user, signer: throwing) }
        XCTAssertTrue(e?.message.contains("declined on the device") ?? false, e?.message ?? "")
        let garbage = try SxtSigner(publicKey: keys.publicKey) { _ in "zz" }
        assertSxtError(.signerFailed) { try client.login(userID: user, signer: garbage) }
        let other = try SxtKeys.generate()
        let wrong = try signer((privateKey: other.privateKey, publicKey: keys.publicKey))
        XCTAssertTrue(assertSxtError(.signerFailed) { try client.login(userID: user, signer: wrong) }?.message.contains("does not verify") ?? false)
        XCTAssertEqual(assertSxtError(.invalidKey) { try SxtSigner(publicKey: "not a key") { _ in "" } }?.argument, "public_key")
        assertSxtError(.invalidArgument) { try SxtSigner(publicKey: "a\u{0}b") { _ in "" } }
    }

    func testExportImportAndTheObserver() throws {
        for tls in [false, true] {
            let server = try startServer(tls: tls)
            let client = try server.client()
            let keys = try SxtKeys.generate()
            let user = uniqueUserID("export")
            let session = try client.register(userID: user, privateKey: keys.privateKey)
            let rotations = Counter(), logouts = Counter(), exports = Counter()
            session.setObserver { [weak session] event in
                switch event {
                case .rotated:
                    rotations.add()
                    // Outside every lock of the session: exporting from here works.
                    if (try? session?.export()) != nil { exports.add() }
                case .loggedOut:
                    logouts.add()
                }
            }
            try session.refresh()
            try session.refresh()
            XCTAssertEqual(rotations.value, 2)
            XCTAssertEqual(exports.value, 2)
            let blob = try session.export()
            XCTAssertTrue(blob.starts(with: Data("sxts1.".utf8)))
            XCTAssertNil(String(decoding: blob, as: UTF8.self).range(of: keys.privateKey))
            let restored = try server.client().importSession(blob, secret: keys.privateKey)
            XCTAssertEqual(restored.userID, user)
            try restored.refresh()
            _ = try client.importSession(try session.export(), signer: try signer(keys))
            XCTAssertEqual(assertSxtError(.invalidArgument) { try client.importSession(blob.dropLast(3)) }?.argument, "blob")
            XCTAssertEqual(assertSxtError(.invalidKey) { try client.importSession(blob, secret: try SxtKeys.generate().privateKey) }?.argument, "secret")
            try session.logout()
            XCTAssertEqual(logouts.value, 1)
            assertSxtError(.loggedOut) { try session.export() }
            session.setObserver(nil)
        }
    }
}
