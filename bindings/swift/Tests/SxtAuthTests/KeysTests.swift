import CSxtAuth
import Foundation
import XCTest
@testable import SxtAuth

/// Key operations, status codes and library facts: no server needed.
final class KeysTests: SxtTestCase {
    // Test vectors from the protocol document (checked with PyNaCl).
    let seed = "Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2Yc="
    let publicKey = "jx2dxJGVfC1cppytY0zUGoITMn2UsYaVBvTBHh9Cjhs="
    let authCode = "469867d9660b67f8aa12b2"
    let signature = "1b4217c3fadf9b2cee981a16069eb7047d79315513af57ccae91fe890e21371ed8724724203d9b904241eeafac50f3934feafa476f8c6a90973d157ee97eb102"

    func testTestVectors() throws {
        XCTAssertEqual(try SxtKeys.publicKey(of: seed), publicKey)
        XCTAssertEqual(try SxtKeys.sign(authCode, with: seed), signature)
        XCTAssertEqual(try SxtKeys.publicKey(of: "AlpbthdPZMnUYStjlw03n13atWl1AA33KVJ0If6+3Z4="),
                       "1gQJ4ElmE/SyE4BRbtbjHEBYy6SQzHAcreKu2Snvou4=")
    }

    func testOtherAcceptedKeyEncodings() throws {
        let seedBytes = try XCTUnwrap(Data(base64Encoded: seed))
        let hex = seedBytes.map { String(format: "%02x", $0) }.joined()
        XCTAssertEqual(try SxtKeys.publicKey(of: hex), publicKey)
        XCTAssertEqual(try SxtKeys.sign(authCode, with: hex), signature)

        let full = (seedBytes + (try XCTUnwrap(Data(base64Encoded: publicKey)))).base64EncodedString()
        XCTAssertEqual(try SxtKeys.publicKey(of: full), publicKey)
        XCTAssertEqual(try SxtKeys.sign(authCode, with: full), signature)
    }

    func testGenerate() throws {
        let first = try SxtKeys.generate()
        let second = try SxtKeys.generate()
        XCTAssertEqual(first.privateKey.count, 44)
        XCTAssertEqual(first.publicKey.count, 44)
        XCTAssertEqual(Data(base64Encoded: first.privateKey)?.count, 32)
        XCTAssertEqual(Data(base64Encoded: first.publicKey)?.count, 32)
        XCTAssertEqual(try SxtKeys.publicKey(of: first.privateKey), first.publicKey)
        XCTAssertNotEqual(first.privateKey, second.privateKey)
        XCTAssertNotEqual(first.publicKey, second.publicKey)
        let signed = try SxtKeys.sign("hello", with: first.privateKey)
        XCTAssertEqual(signed.count, 128)
        XCTAssertTrue(signed.allSatisfy { "0123456789abcdef".contains($0) })
    }

    func testBadKeysAreRejected() throws {
        let seedBytes = try XCTUnwrap(Data(base64Encoded: seed))
        let otherPublic = try XCTUnwrap(Data(base64Encoded: "1gQJ4ElmE/SyE4BRbtbjHEBYy6SQzHAcreKu2Snvou4="))
        let mismatched = (seedBytes + otherPublic).base64EncodedString()
        for bad in ["", "not a key", String(seed.dropLast()), "zz" + String(repeating: "0", count: 62),
                    mismatched, publicKey + publicKey] {
            let error = assertSxtError(.invalidKey) { try SxtKeys.publicKey(of: bad) }
            XCTAssertNil(error?.httpStatus)
            XCTAssertNotNil(error?.argument, "the error names the bad argument")
            if let error, bad.count >= 40 {
                XCTAssertFalse(error.message.contains(bad), "the message must not echo the key")
            }
            assertSxtError(.invalidKey) { try SxtKeys.sign("x", with: bad) }
        }
    }

    func testNULCharactersAreRefusedNotTruncated() {
        // C would read "Td/...=" up to the NUL and sign with a valid key: the binding must refuse instead.
        let error = assertSxtError(.invalidArgument) { try SxtKeys.publicKey(of: seed + "\0junk") }
        XCTAssertEqual(error?.argument, "privateKey")
        let message = assertSxtError(.invalidArgument) { try SxtKeys.sign("a\0b", with: seed) }
        XCTAssertEqual(message?.argument, "message")
    }

    func testSigningArbitraryUnicode() throws {
        let signed = try SxtKeys.sign("héllo wörld ✓", with: seed)
        XCTAssertEqual(signed.count, 128)
        XCTAssertNotEqual(signed, try SxtKeys.sign("hello world", with: seed))
    }

    /// Every Swift case has the number and name of its C constant, and every status the library names has a
    /// Swift case.
    func testStatusCodesMirrorTheHeader() {
        let table: [(SxtError.Code, sxt_status, String)] = [
            (.ok, SXT_STATUS_OK, "SXT_STATUS_OK"),
            (.nullArgument, SXT_STATUS_NULL_ARGUMENT, "SXT_STATUS_NULL_ARGUMENT"),
            (.invalidUTF8, SXT_STATUS_INVALID_UTF8, "SXT_STATUS_INVALID_UTF8"),
            (.invalidArgument, SXT_STATUS_INVALID_ARGUMENT, "SXT_STATUS_INVALID_ARGUMENT"),
            (.invalidKey, SXT_STATUS_INVALID_KEY, "SXT_STATUS_INVALID_KEY"),
            (.invalidURL, SXT_STATUS_INVALID_URL, "SXT_STATUS_INVALID_URL"),
            (.insecureURL, SXT_STATUS_INSECURE_URL, "SXT_STATUS_INSECURE_URL"),
            (.invalidHandle, SXT_STATUS_INVALID_HANDLE, "SXT_STATUS_INVALID_HANDLE"),
            (.invalidCertificate, SXT_STATUS_INVALID_CERTIFICATE, "SXT_STATUS_INVALID_CERTIFICATE"),
            (.signerFailed, SXT_STATUS_SIGNER_FAILED, "SXT_STATUS_SIGNER_FAILED"),
            (.network, SXT_STATUS_NETWORK, "SXT_STATUS_NETWORK"),
            (.timeout, SXT_STATUS_TIMEOUT, "SXT_STATUS_TIMEOUT"),
            (.tls, SXT_STATUS_TLS, "SXT_STATUS_TLS"),
            (.responseTooLarge, SXT_STATUS_RESPONSE_TOO_LARGE, "SXT_STATUS_RESPONSE_TOO_LARGE"),
            (.redirect, SXT_STATUS_REDIRECT, "SXT_STATUS_REDIRECT"),
            (.malformedResponse, SXT_STATUS_MALFORMED_RESPONSE, "SXT_STATUS_MALFORMED_RESPONSE"),
            (.cancelled, SXT_STATUS_CANCELLED, "SXT_STATUS_CANCELLED"),
            (.badRequest, SXT_STATUS_BAD_REQUEST, "SXT_STATUS_BAD_REQUEST"),
            (.unauthorized, SXT_STATUS_UNAUTHORIZED, "SXT_STATUS_UNAUTHORIZED"),
            (.notFound, SXT_STATUS_NOT_FOUND, "SXT_STATUS_NOT_FOUND"),
            (.conflict, SXT_STATUS_CONFLICT, "SXT_STATUS_CONFLICT"),
            (.rateLimited, SXT_STATUS_RATE_LIMITED, "SXT_STATUS_RATE_LIMITED"),
            (.clientError, SXT_STATUS_CLIENT_ERROR, "SXT_STATUS_CLIENT_ERROR"),
            (.serverError, SXT_STATUS_SERVER_ERROR, "SXT_STATUS_SERVER_ERROR"),
            (.loggedOut, SXT_STATUS_LOGGED_OUT, "SXT_STATUS_LOGGED_OUT"),
            (.sessionExpired, SXT_STATUS_SESSION_EXPIRED, "SXT_STATUS_SESSION_EXPIRED"),
            (.panic, SXT_STATUS_PANIC, "SXT_STATUS_PANIC"),
            (.internal, SXT_STATUS_INTERNAL, "SXT_STATUS_INTERNAL"),
        ]
        for (code, status, name) in table {
            XCTAssertEqual(code.rawValue, Int32(truncatingIfNeeded: status.rawValue), name)
            XCTAssertEqual(code.name, name)
            XCTAssertFalse(code.summary.isEmpty, name)
        }
        XCTAssertEqual(Set(table.map(\.0)).count, table.count)
        XCTAssertEqual(Set(SxtError.Code.allCases).subtracting(table.map(\.0)), [.unknown])
        XCTAssertEqual(SxtError.Code.unknown.name, "SXT_STATUS_UNKNOWN")

        // Any number the library names must have a Swift case (catches a code added to the library only).
        for number in Int32(0)...Int32(1000) {
            let name = String(cString: sxt_status_name(number))
            if name != "SXT_STATUS_UNKNOWN" {
                XCTAssertNotNil(SxtError.Code(rawValue: number), "\(name) = \(number) has no Swift case")
            }
        }
    }

    func testVersionMatchesTheHeader() {
        XCTAssertEqual(SxtLibrary.version, SXT_VERSION_STRING)
        XCTAssertEqual(SxtLibrary.version, "\(SXT_VERSION_MAJOR).\(SXT_VERSION_MINOR).\(SXT_VERSION_PATCH)")
    }

    func testErrorDescriptionNamesTheStatus() {
        let error = SxtError(code: .notFound, message: "no such user", httpStatus: 404)
        XCTAssertEqual(error.description, "no such user (SXT_STATUS_NOT_FOUND, HTTP 404)")
    }
}
