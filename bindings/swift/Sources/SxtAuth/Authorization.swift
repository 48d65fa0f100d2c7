import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
internal import CSxtAuth

/// The access token where requests are made: the `Authorization` header value, the report of a token an API
/// refused, and `URLRequest`/`URLSession` helpers that do both, with one retry.
extension SxtSession {
    /// `"Bearer <access token>"`: the `Authorization` header value for the SxT APIs, with a valid token (as
    /// ``accessToken()``). Blocks the calling thread for a due renewal.
    ///
    /// - Throws: as ``accessToken()``.
    public func authorization() throws -> String {
        try withExtendedLifetime(self) { () throws(SxtError) -> String in
            try callReturningString { sxt_session_authorization_call(handle, CallContext.current, $0, $1) }
        }
    }

    /// Reports that an API answered 401 to `accessToken` (a token from this session, without `Bearer `) before
    /// its expiry: the token was revoked (a logout elsewhere, say). Renews the tokens unless the session has
    /// moved on from that one already, so however many callers report the same token, one renewal serves them
    /// all. Blocks the calling thread for the renewal.
    ///
    /// - Throws: ``SxtError``: ``SxtError/Code/loggedOut``, ``SxtError/Code/sessionExpired``, the renewal's
    ///   transport and server codes; ``SxtError/Code/invalidArgument`` (NUL character) naming `accessToken`.
    public func tokenRejected(_ accessToken: String) throws {
        try withExtendedLifetime(self) { () throws(SxtError) in
            try withCString(accessToken, name: "accessToken") { token throws(SxtError) in
                try check { sxt_session_token_rejected_call(handle, CallContext.current, token, $0) }
            }
        }
    }

    /// ``authorization()`` without blocking the caller's executor; cancelled with its task.
    public func authorization() async throws -> String {
        try await Blocking.run { try self.authorization() }
    }

    /// ``tokenRejected(_:)`` without blocking the caller's executor; cancelled with its task.
    public func tokenRejected(_ accessToken: String) async throws {
        try await Blocking.run { try self.tokenRejected(accessToken) }
    }

    /// `request` with the session's `Authorization: Bearer <access token>` header.
    ///
    /// - Throws: as ``accessToken()``.
    public func authorize(_ request: URLRequest) async throws -> URLRequest {
        var authorized = request
        authorized.setValue("Bearer \(try await accessToken())", forHTTPHeaderField: "Authorization")
        return authorized
    }

    /// Loads `request` through `urlSession` with the session's access token. When the API answers 401, reports
    /// the token (``tokenRejected(_:)``) and retries once with the new one, unless the request's body is a
    /// stream (which cannot be sent again): then the 401 comes back as it came.
    ///
    /// - Throws: as ``accessToken()``; the `URLSession`'s own errors; `CancellationError` when the task is
    ///   cancelled while the session renews its token.
    public func data(for request: URLRequest, using urlSession: URLSession = .shared) async throws -> (Data, URLResponse) {
        let token = try await accessToken()
        var authorized = request
        authorized.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let (data, response) = try await Self.load(authorized, urlSession)
        guard (response as? HTTPURLResponse)?.statusCode == 401, request.httpBodyStream == nil else {
            return (data, response)
        }
        try await tokenRejected(token)
        let fresh = try await accessToken()
        guard fresh != token else { return (data, response) }
        authorized.setValue("Bearer \(fresh)", forHTTPHeaderField: "Authorization")
        return try await Self.load(authorized, urlSession)
    }

    /// `URLSession`'s data task as an `async` call (the same on Apple platforms and on Linux).
    private static func load(_ request: URLRequest, _ urlSession: URLSession) async throws -> (Data, URLResponse) {
        try await withCheckedThrowingContinuation { continuation in
            urlSession.dataTask(with: request) { data, response, error in
                if let error {
                    continuation.resume(throwing: error)
                } else if let response {
                    continuation.resume(returning: (data ?? Data(), response))
                } else {
                    continuation.resume(throwing: URLError(.badServerResponse))
                }
            }.resume()
        }
    }
}
