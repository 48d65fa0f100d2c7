import Foundation
internal import CSxtAuth

/// API-key sign-in and subscriptions: ``SxtClient/loginAPIKey(_:)``, ``SxtSession/joinSubscription(joinCode:)``
/// and ``SxtSession/createJoinCode(role:)``.
extension SxtClient {
    /// Signs in with an SxT API key (made in Space and Time Studio) at the proxy
    /// (`POST {proxy}/auth/apikey`, see ``Options/proxyURL``). Blocks the calling thread.
    ///
    /// The session has no refresh token: it signs in again with the API key when its access token is due
    /// (single flight), keeping a copy of the key that is wiped when the session goes, unless
    /// ``Options/keepKey`` is off (then ``SxtError/Code/sessionExpired`` once the token expires). Its
    /// ``SxtSession/userID`` is the reply's, or what `GET /v1/auth/validtoken` says (one more exchange).
    /// ``SxtSession/refreshToken()`` throws ``SxtError/Code/notFound``; ``SxtSession/logout()`` sends the access
    /// token. The key never appears in an error.
    ///
    /// - Throws: ``SxtError``: ``SxtError/Code/invalidArgument`` naming `api_key` (empty, over 1024 bytes, a
    ///   character other than printable ASCII; nothing is sent) or `apiKey` (a NUL character); transport codes;
    ///   ``SxtError/Code/unauthorized`` for a key the proxy refuses (401 or 403, with its title and detail);
    ///   ``SxtError/Code/malformedResponse``.
    public func loginAPIKey(_ apiKey: String) throws -> SxtSession {
        try withExtendedLifetime(self) { () throws(SxtError) -> SxtSession in
            try withCString(apiKey, name: "apiKey") { key throws(SxtError) in
                try SxtSession.make { sxt_login_api_key_call(handle, CallContext.current, key, $0, $1) }
            }
        }
    }

    /// ``loginAPIKey(_:)`` without blocking the caller's executor; cancelled with its task.
    ///
    /// - Throws: ``SxtError``, or `CancellationError` if the task was cancelled before the call started or,
    ///   cancelled while the call was in flight, the call then failed.
    public func loginAPIKey(_ apiKey: String) async throws -> SxtSession {
        try await Blocking.run { try self.loginAPIKey(apiKey) }
    }
}

extension SxtSession {
    /// A role in a subscription, lowest first: what a join code from ``createJoinCode(role:)`` gives.
    public enum Role: Int32, Sendable, CaseIterable {
        case member = 0
        case admin = 1
        case owner = 2
    }

    /// Joins the subscription `joinCode` names (`POST /v1/subscription/invite/{joinCode}`): the user leaves its
    /// subscription for that one, with the role the code gives, and the session adopts the server's new token
    /// set at once for every thread, as a rotation (the old tokens stop working). Renews first when due; a
    /// 401 renews once and retries. Blocks the calling thread.
    ///
    /// - Throws: ``SxtError``: ``SxtError/Code/invalidArgument`` naming `join_code` (empty, over 256 bytes,
    ///   control characters) or `joinCode` (NUL); ``SxtError/Code/loggedOut``, ``SxtError/Code/sessionExpired``,
    ///   transport codes; ``SxtError/Code/badRequest`` for an unknown, expired or used code (with the
    ///   server's detail); ``SxtError/Code/malformedResponse``.
    public func joinSubscription(joinCode: String) throws {
        try withExtendedLifetime(self) { () throws(SxtError) in
            try withCString(joinCode, name: "joinCode") { code throws(SxtError) in
                try check { sxt_session_join_subscription_call(handle, CallContext.current, code, $0) }
            }
        }
    }

    /// A new join code (`POST /v1/subscription/invite?role=...`) that makes whoever joins with it a `role` of
    /// this user's subscription. Blocks the calling thread.
    ///
    /// - Throws: ``SxtError``: ``SxtError/Code/unauthorized`` (HTTP 403, with the server's detail; not retried)
    ///   for a member's request or a role above the caller's; ``SxtError/Code/loggedOut``,
    ///   ``SxtError/Code/sessionExpired``, transport codes, ``SxtError/Code/malformedResponse``.
    public func createJoinCode(role: Role) throws -> String {
        try withExtendedLifetime(self) { () throws(SxtError) -> String in
            try callReturningString { sxt_session_create_join_code_call(handle, CallContext.current, role.rawValue, $0, $1) }
        }
    }

    /// ``joinSubscription(joinCode:)`` without blocking the caller's executor; cancelled with its task.
    ///
    /// - Throws: ``SxtError``, or `CancellationError` if the task was cancelled before the call started or,
    ///   cancelled while the call was in flight, the call then failed.
    public func joinSubscription(joinCode: String) async throws {
        try await Blocking.run { try self.joinSubscription(joinCode: joinCode) }
    }

    /// ``createJoinCode(role:)`` without blocking the caller's executor; cancelled with its task.
    ///
    /// - Throws: ``SxtError``, or `CancellationError` if the task was cancelled before the call started or,
    ///   cancelled while the call was in flight, the call then failed.
    public func createJoinCode(role: Role) async throws -> String {
        try await Blocking.run { try self.createJoinCode(role: role) }
    }
}
