import Foundation
internal import CSxtAuth

/// A signed-in session: the user's access and refresh tokens, kept valid by the library.
///
/// Created by ``SxtClient/login(userID:privateKey:)`` and the `register` calls. The library refreshes the
/// access token ahead of expiry (one refresh at a time, however many callers ask) and signs in again with the
/// key the session was started with when the refresh chain or the 24-hour session runs out (unless
/// ``SxtClient/Options/keepKey`` was `false`: then it throws ``SxtError/Code/sessionExpired``). Ask
/// ``accessToken()`` for a token each time you need one rather than storing it.
///
/// **Ownership.** The session owns one C `sxt_session` handle, released when the last reference goes away.
/// Releasing does not log out: the server keeps the tokens valid until they expire (call ``logout()`` first to
/// end them). The library wipes its copies of the tokens and key on release; the `String`s this class returns
/// are ordinary Swift strings, which Swift cannot wipe.
///
/// **Threads.** `sxt_auth.h` states that a session is "safe to use from any number of threads at once" and
/// that a due refresh is single-flight. The Swift object holds only immutable properties besides that
/// handle, hence `@unchecked Sendable`: share one session between tasks and threads freely.
///
/// **Blocking.** Methods that may reach the network block the calling thread when called synchronously;
/// their `async` overloads run the call on a thread of their own and suspend the caller instead.
/// ``refreshToken()``, ``expiries()`` and ``userID`` never touch the network.
///
/// **After logout** every method but ``userID`` throws ``SxtError`` with ``SxtError/Code/loggedOut``.
public final class SxtSession: @unchecked Sendable, CustomStringConvertible {
    /// What the server knows of an access token (`GET /v1/auth/validtoken`). Fields the server omits are
    /// `nil` (or `false` for the flags); unknown extra fields are ignored. The whole reply is available as
    /// JSON from ``SxtSession/tokenInfoJSON()``.
    public struct TokenInfo: Decodable, Sendable, Equatable {
        /// The user the token belongs to (`userId`).
        public let userID: String
        /// The subscription the user belongs to (`subscriptionId`), if any.
        public let subscriptionID: String?
        /// The login session the token belongs to (`sessionId`).
        public let sessionID: String?
        /// Whether the user's access is restricted (`restricted`).
        public let restricted: Bool
        /// Whether the subscription's quota is used up (`quotaExceeded`).
        public let quotaExceeded: Bool
        /// Whether the subscription is a trial (`trial`).
        public let trial: Bool

        private enum CodingKeys: String, CodingKey {
            case userID = "userId"
            case subscriptionID = "subscriptionId"
            case sessionID = "sessionId"
            case restricted, quotaExceeded, trial
        }

        /// Decodes the server's JSON object.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            userID = try c.decode(String.self, forKey: .userID)
            subscriptionID = try c.decodeIfPresent(String.self, forKey: .subscriptionID)
            sessionID = try c.decodeIfPresent(String.self, forKey: .sessionID)
            restricted = try c.decodeIfPresent(Bool.self, forKey: .restricted) ?? false
            quotaExceeded = try c.decodeIfPresent(Bool.self, forKey: .quotaExceeded) ?? false
            trial = try c.decodeIfPresent(Bool.self, forKey: .trial) ?? false
        }
    }

    /// One key on the user's keyring, as `GET /v1/auth/keys` lists it. The whole reply is available as JSON
    /// from ``SxtSession/keysJSON()``.
    public struct KeyInfo: Decodable, Sendable, Equatable {
        /// The public key, standard base64 (the server's `key` field, or `publicKey`).
        public let publicKey: String
        /// The signature scheme (`scheme`), e.g. `"ed25519"`, when the server names it.
        public let scheme: String?
        /// When the key was added (`created`), as the server sent it when it is an integer (the local server
        /// sends Unix epoch milliseconds).
        public let created: Int64?

        private enum CodingKeys: String, CodingKey {
            case key, publicKey, scheme, created
        }

        /// Decodes one element of the server's JSON array.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            if let key = try c.decodeIfPresent(String.self, forKey: .key) {
                publicKey = key
            } else {
                publicKey = try c.decode(String.self, forKey: .publicKey)
            }
            scheme = try c.decodeIfPresent(String.self, forKey: .scheme)
            created = try? c.decodeIfPresent(Int64.self, forKey: .created)
        }
    }

    /// When the current tokens expire, as the server gave it.
    public struct Expiries: Sendable, Equatable {
        /// Expiry of the current access token, Unix epoch milliseconds.
        public let accessTokenEpochMilliseconds: Int64
        /// Expiry of the current refresh token, Unix epoch milliseconds.
        public let refreshTokenEpochMilliseconds: Int64
        /// Expiry of the current access token.
        public var accessToken: Date { Date(timeIntervalSince1970: Double(accessTokenEpochMilliseconds) / 1000) }
        /// Expiry of the current refresh token.
        public var refreshToken: Date { Date(timeIntervalSince1970: Double(refreshTokenEpochMilliseconds) / 1000) }
    }

    /// The C handle. Valid for the object's whole life.
    let handle: OpaquePointer

    /// The user id the session signed in as. Available after logout too.
    public let userID: String

    private init(handle: OpaquePointer, userID: String) {
        self.handle = handle
        self.userID = userID
    }

    /// Runs a C call that writes a new `sxt_session *`, and takes ownership of it.
    static func make(_ call: (UnsafeMutablePointer<OpaquePointer?>, ErrorOut) -> sxt_status) throws(SxtError) -> SxtSession {
        var session: OpaquePointer? = nil
        try check { call(&session, $0) }
        guard let session else {
            throw SxtError(code: .internal, message: "the library reported success but returned no session")
        }
        do {
            let userID = try callReturningString { sxt_session_user_id(session, $0, $1) }
            return SxtSession(handle: session, userID: userID)
        } catch {
            sxt_session_free(session)
            throw error
        }
    }

    deinit {
        sxt_session_free(handle)
    }

    /// `SxtSession(<userID>)`. Never shows a token.
    public var description: String { "SxtSession(\(userID))" }

    private func decode<T: Decodable>(_ type: T.Type, from json: String, what: String) throws(SxtError) -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(json.utf8))
        } catch {
            throw SxtError(code: .malformedResponse, message: "the server's \(what) reply could not be decoded: \(error)")
        }
    }

    // MARK: - Synchronous calls

    /// A valid access token (a JWT on the public network; treat it as an opaque secret). Refreshes first
    /// when the token is within the refresh margin of expiry, or signs in again when the refresh chain has
    /// run out, blocking the calling thread for that round trip. If a due refresh fails but the current token
    /// has not yet expired, that token is returned.
    ///
    /// - Throws: ``SxtError``: ``SxtError/Code/loggedOut``, ``SxtError/Code/sessionExpired``, and the
    ///   transport and server codes of the refresh or sign-in.
    public func accessToken() throws -> String {
        try withExtendedLifetime(self) { () throws(SxtError) -> String in
            try callReturningString { sxt_session_access_token_call(handle, CallContext.current, $0, $1) }
        }
    }

    /// Refreshes now (`POST /v1/auth/refresh`): both tokens rotate and the old refresh token stops working.
    /// When the refresh chain has run out (or the server refuses it), signs in again with the session's key.
    /// Concurrent renewals share one network exchange. On failure the old tokens are kept. Blocks the calling
    /// thread.
    ///
    /// - Throws: ``SxtError``: ``SxtError/Code/loggedOut``, ``SxtError/Code/sessionExpired``, transport and
    ///   server codes.
    public func refresh() throws {
        try withExtendedLifetime(self) { () throws(SxtError) in
            try check { sxt_refresh_call(handle, CallContext.current, $0) }
        }
    }

    /// Logs out (`POST /v1/auth/logout`), which ends every session of this user on the server. Afterwards
    /// the tokens are wiped and every call but ``userID`` throws ``SxtError/Code/loggedOut``. A server answer
    /// of 401 (tokens already dead) counts as success; after a transport failure nothing changes and the call
    /// may be retried. Blocks the calling thread.
    ///
    /// - Throws: ``SxtError``: ``SxtError/Code/loggedOut`` (already logged out), transport and server codes.
    public func logout() throws {
        try withExtendedLifetime(self) { () throws(SxtError) in
            try check { sxt_logout_call(handle, CallContext.current, $0) }
        }
    }

    /// The current refresh token (a secret). Does not refresh and makes no network call.
    ///
    /// - Throws: ``SxtError`` with ``SxtError/Code/loggedOut``.
    public func refreshToken() throws -> String {
        try withExtendedLifetime(self) { () throws(SxtError) -> String in
            try callReturningString { sxt_session_refresh_token(handle, $0, $1) }
        }
    }

    /// The expiry times the server gave for the current access and refresh tokens. Does not refresh and
    /// makes no network call.
    ///
    /// - Throws: ``SxtError`` with ``SxtError/Code/loggedOut``.
    public func expiries() throws -> Expiries {
        try withExtendedLifetime(self) { () throws(SxtError) -> Expiries in
            var access: Int64 = 0
            var refresh: Int64 = 0
            try check { sxt_session_expiries(handle, &access, &refresh, $0) }
            return Expiries(accessTokenEpochMilliseconds: access, refreshTokenEpochMilliseconds: refresh)
        }
    }

    /// Asks the server about the access token (`GET /v1/auth/validtoken`) and returns its JSON reply as is
    /// (an object with `userId`, `subscriptionId`, `sessionId`, `restricted`, `quotaExceeded`, `trial` and
    /// possibly more). Refreshes first when due; on a 401 renews once and retries. Blocks the calling thread.
    ///
    /// - Throws: ``SxtError``: ``SxtError/Code/loggedOut``, ``SxtError/Code/sessionExpired``, transport and
    ///   server codes.
    public func tokenInfoJSON() throws -> String {
        try withExtendedLifetime(self) { () throws(SxtError) -> String in
            try callReturningString { sxt_session_token_info_call(handle, CallContext.current, $0, $1) }
        }
    }

    /// As ``tokenInfoJSON()``, decoded into a ``TokenInfo``.
    ///
    /// - Throws: as ``tokenInfoJSON()``; a reply without a string `userId` is
    ///   ``SxtError/Code/malformedResponse``.
    public func tokenInfo() throws -> TokenInfo {
        try decode(TokenInfo.self, from: try tokenInfoJSON(), what: "token info")
    }

    /// Lists the keys on the user's keyring (`GET /v1/auth/keys`) and returns the server's JSON array as is.
    /// Refreshes first when due. Blocks the calling thread.
    ///
    /// - Throws: as ``tokenInfoJSON()``; a reply that is not a JSON array is
    ///   ``SxtError/Code/malformedResponse``.
    public func keysJSON() throws -> String {
        try withExtendedLifetime(self) { () throws(SxtError) -> String in
            try callReturningString { sxt_session_keys_call(handle, CallContext.current, $0, $1) }
        }
    }

    /// As ``keysJSON()``, decoded into ``KeyInfo`` values.
    ///
    /// - Throws: as ``keysJSON()``; an element without a string `key` (or `publicKey`) is
    ///   ``SxtError/Code/malformedResponse``.
    public func keys() throws -> [KeyInfo] {
        try decode([KeyInfo].self, from: try keysJSON(), what: "key list")
    }

    /// Adds the key `privateKey` (any accepted encoding) to the user's keyring: a challenge from
    /// `POST /v1/auth/keys/code`, signed with the new key, sent to `POST /v1/auth/keys`. Only the public half
    /// leaves the process. Blocks the calling thread.
    ///
    /// - Throws: ``SxtError``: ``SxtError/Code/invalidKey``, ``SxtError/Code/loggedOut``, transport and server
    ///   codes (a key already on the keyring is refused by the server, typically
    ///   ``SxtError/Code/badRequest``).
    public func addKey(privateKey: String) throws {
        try withExtendedLifetime(self) { () throws(SxtError) in
            try withCString(privateKey, name: "privateKey") { key throws(SxtError) in
                try check { sxt_session_add_key_call(handle, CallContext.current, key, $0) }
            }
        }
    }

    // MARK: - Asynchronous calls (suspend the caller; the call runs on a thread of its own)

    /// ``accessToken()`` without blocking the caller's executor (a due refresh runs on a thread of its own).
    ///
    /// - Throws: ``SxtError``, or `CancellationError` if the task was cancelled before the call started or,
    ///   cancelled while the call was in flight, the call then failed.
    public func accessToken() async throws -> String {
        try await Blocking.run { try self.accessToken() }
    }

    /// ``refresh()`` without blocking the caller's executor.
    ///
    /// - Throws: ``SxtError``, or `CancellationError` if the task was cancelled before the call started or,
    ///   cancelled while the call was in flight, the call then failed.
    public func refresh() async throws {
        try await Blocking.run { try self.refresh() }
    }

    /// ``logout()`` without blocking the caller's executor.
    ///
    /// - Throws: ``SxtError``, or `CancellationError` if the task was cancelled before the call started or,
    ///   cancelled while the call was in flight, the call then failed.
    public func logout() async throws {
        try await Blocking.run { try self.logout() }
    }

    /// ``tokenInfoJSON()`` without blocking the caller's executor.
    ///
    /// - Throws: ``SxtError``, or `CancellationError` if the task was cancelled before the call started or,
    ///   cancelled while the call was in flight, the call then failed.
    public func tokenInfoJSON() async throws -> String {
        try await Blocking.run { try self.tokenInfoJSON() }
    }

    /// ``tokenInfo()`` without blocking the caller's executor.
    ///
    /// - Throws: ``SxtError``, or `CancellationError` if the task was cancelled before the call started or,
    ///   cancelled while the call was in flight, the call then failed.
    public func tokenInfo() async throws -> TokenInfo {
        try await Blocking.run { try self.tokenInfo() }
    }

    /// ``keysJSON()`` without blocking the caller's executor.
    ///
    /// - Throws: ``SxtError``, or `CancellationError` if the task was cancelled before the call started or,
    ///   cancelled while the call was in flight, the call then failed.
    public func keysJSON() async throws -> String {
        try await Blocking.run { try self.keysJSON() }
    }

    /// ``keys()`` without blocking the caller's executor.
    ///
    /// - Throws: ``SxtError``, or `CancellationError` if the task was cancelled before the call started or,
    ///   cancelled while the call was in flight, the call then failed.
    public func keys() async throws -> [KeyInfo] {
        try await Blocking.run { try self.keys() }
    }

    /// ``addKey(privateKey:)`` without blocking the caller's executor.
    ///
    /// - Throws: ``SxtError``, or `CancellationError` if the task was cancelled before the call started or,
    ///   cancelled while the call was in flight, the call then failed.
    public func addKey(privateKey: String) async throws {
        try await Blocking.run { try self.addKey(privateKey: privateKey) }
    }
}
