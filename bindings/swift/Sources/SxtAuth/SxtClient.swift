import Foundation
internal import CSxtAuth

/// A connection to one Space and Time (SxT) auth service: its base URL, settings, and a connection pool
/// shared by every session started from it. The entry point for signing in.
///
/// ```swift
/// let client = try SxtClient(baseURL: "https://api.spaceandtime.dev")
/// if try await !client.userExists("alice") {
///     _ = try await client.register(userID: "alice", privateKey: key, joinCode: orgCode)
/// }
/// let session = try await client.login(userID: "alice", privateKey: key)
/// let token = try await session.accessToken()
/// ```
///
/// **Ownership.** The client owns one C `sxt_client` handle, released when the last reference goes away.
/// Sessions keep what they need of the client, so they keep working after it is released.
///
/// **Threads.** `sxt_auth.h` states that a client may be used "from many threads at once" and is "immutable
/// once created; safe to use from any number of threads at once". The Swift object holds only immutable
/// properties besides that handle, hence `@unchecked Sendable`.
///
/// **Blocking.** The synchronous methods block the calling thread for the network round trip (bounded by
/// the ``Options`` timeouts). Their `async` overloads run the call on a thread of their own and suspend the
/// caller instead; prefer them from Swift concurrency code.
public final class SxtClient: @unchecked Sendable, CustomStringConvertible {
    /// Settings for a client. Every `nil` or default value leaves the library's default in place.
    ///
    /// Library defaults: connect timeout 10 s, read timeout 15 s, whole-call timeout 30 s, `https` only,
    /// Mozilla's trusted roots, user agent `sxt-auth/<version>`, refresh margin 60 s, sessions keep the key.
    public struct Options: Sendable, Equatable {
        /// How long establishing a connection (DNS, TCP, TLS) may take; must be positive. Rounded up to
        /// whole milliseconds.
        public var connectTimeout: Duration?
        /// How long any single read from the server may stall; must be positive.
        public var readTimeout: Duration?
        /// The deadline for one whole HTTP call (connect, send, receive); must be positive. A sign-in makes
        /// two calls.
        public var timeout: Duration?
        /// How long before an access token expires a session refreshes it (zero allowed: refresh only once
        /// expired). The library clamps it per token to half the token's lifetime.
        public var refreshMargin: Duration?
        /// Extra trusted CA certificates, each entry a PEM bundle with one or more `CERTIFICATE` blocks,
        /// added to Mozilla's roots. For a private deployment or the local test server's `--ca-out` file.
        public var caPEM: [String]
        /// Allows plain `http://` base URLs, to any host (off by default). Meant for a local test server
        /// (loopback or a test container): tokens and signatures then cross the network unencrypted.
        public var allowHTTP: Bool
        /// Whether sessions keep a copy of the private key inside the library so they can sign in again by
        /// themselves when the refresh chain or the 24-hour session runs out (default `true`). When `false`,
        /// such a session throws ``SxtError/Code/sessionExpired`` and the caller signs in again; the key then
        /// stays only in the caller's memory.
        public var keepKey: Bool
        /// The `User-Agent` header (1 to 256 bytes, no control characters); `nil` for the library's default.
        public var userAgent: String?
        /// The SxT proxy that ``SxtClient/loginAPIKey(_:)`` signs in at; `nil` for the library's default,
        /// `https://proxy.api.makeinfinite.dev` (the current public Python SDK's). Held to `https` unless
        /// ``allowHTTP``.
        public var proxyURL: String?

        /// Creates options; every argument defaults to the library's default.
        public init(connectTimeout: Duration? = nil, readTimeout: Duration? = nil, timeout: Duration? = nil,
                    refreshMargin: Duration? = nil, caPEM: [String] = [], allowHTTP: Bool = false,
                    keepKey: Bool = true, userAgent: String? = nil, proxyURL: String? = nil) {
            self.connectTimeout = connectTimeout
            self.readTimeout = readTimeout
            self.timeout = timeout
            self.refreshMargin = refreshMargin
            self.caPEM = caPEM
            self.allowHTTP = allowHTTP
            self.keepKey = keepKey
            self.userAgent = userAgent
            self.proxyURL = proxyURL
        }
    }

    /// The C handle. Valid for the object's whole life.
    let handle: OpaquePointer

    /// The normalised base URL (no trailing `/` or `/v1`), e.g. `https://api.spaceandtime.dev`.
    public let baseURL: String

    /// Creates a client for the service at `baseURL`, which may end with or without `/` and `/v1`
    /// (`https://api.spaceandtime.dev`, `https://api.spaceandtime.dev/v1/`, ...). No network call is made.
    ///
    /// - Throws: ``SxtError`` with ``SxtError/Code/invalidURL``, ``SxtError/Code/insecureURL`` (`http://`
    ///   without ``Options/allowHTTP``),
    ///   ``SxtError/Code/invalidCertificate`` (a ``Options/caPEM`` entry holds no valid certificate), or
    ///   ``SxtError/Code/invalidArgument`` (a timeout that is zero, negative or longer than 24 hours, a bad
    ///   user agent, a NUL character in a string).
    public init(baseURL: String, options: Options = Options()) throws {
        var optionsHandle: OpaquePointer? = nil
        try check { sxt_client_options_new(&optionsHandle, $0) }
        defer { sxt_client_options_free(optionsHandle) }
        try Self.apply(options, to: optionsHandle)

        var client: OpaquePointer? = nil
        try withCString(baseURL, name: "baseURL") { url throws(SxtError) in
            try check { sxt_client_new(url, optionsHandle, &client, $0) }
        }
        guard let client else {
            throw SxtError(code: .internal, message: "the library reported success but returned no client")
        }
        do {
            self.baseURL = try callReturningString { sxt_client_base_url(client, $0, $1) }
        } catch {
            sxt_client_free(client)
            throw error
        }
        handle = client
    }

    /// Creates a client for the service at `baseURL`; see ``init(baseURL:options:)``.
    public convenience init(baseURL: URL, options: Options = Options()) throws {
        try self.init(baseURL: baseURL.absoluteString, options: options)
    }

    deinit {
        sxt_client_free(handle)
    }

    /// `SxtClient(<baseURL>)`.
    public var description: String { "SxtClient(\(baseURL))" }

    private static func apply(_ options: Options, to handle: OpaquePointer?) throws(SxtError) {
        if let value = options.connectTimeout {
            let ms = try milliseconds(value, name: "connect_timeout_ms")
            try check { sxt_client_options_set_connect_timeout_ms(handle, ms, $0) }
        }
        if let value = options.readTimeout {
            let ms = try milliseconds(value, name: "read_timeout_ms")
            try check { sxt_client_options_set_read_timeout_ms(handle, ms, $0) }
        }
        if let value = options.timeout {
            let ms = try milliseconds(value, name: "timeout_ms")
            try check { sxt_client_options_set_timeout_ms(handle, ms, $0) }
        }
        if let value = options.refreshMargin {
            let ms = try milliseconds(value, name: "refresh_margin_ms")
            try check { sxt_client_options_set_refresh_margin_ms(handle, ms, $0) }
        }
        for pem in options.caPEM {
            try withCString(pem, name: "caPEM") { text throws(SxtError) in
                try check { sxt_client_options_add_ca_pem(handle, text, $0) }
            }
        }
        if options.allowHTTP {
            try check { sxt_client_options_set_allow_http(handle, true, $0) }
        }
        try check { sxt_client_options_set_keep_key(handle, options.keepKey, $0) }
        if let userAgent = options.userAgent {
            try withCString(userAgent, name: "userAgent") { text throws(SxtError) in
                try check { sxt_client_options_set_user_agent(handle, text, $0) }
            }
        }
        if let proxyURL = options.proxyURL {
            try withCString(proxyURL, name: "proxyURL") { text throws(SxtError) in
                try check { sxt_client_options_set_proxy_url(handle, text, $0) }
            }
        }
    }

    /// A duration as the whole milliseconds C expects (positive fractions round up, so they never become 0).
    static func milliseconds(_ duration: Duration, name: String) throws(SxtError) -> UInt32 {
        if duration < .zero {
            throw invalidArgument(name, "is negative")
        }
        let (seconds, attoseconds) = duration.components
        let perMillisecond: Int64 = 1_000_000_000_000_000
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        let total = whole.addingReportingOverflow((attoseconds + perMillisecond - 1) / perMillisecond)
        // Too long for the C API's UInt32: the largest value, which the library refuses as over its limit.
        guard !overflow, !total.overflow, let ms = UInt32(exactly: total.partialValue) else {
            return UInt32.max
        }
        return ms
    }

    // MARK: - Synchronous calls (block the calling thread)

    /// Asks whether `userID` is taken (`GET /v1/auth/idexists/{userId}`). Blocks the calling thread.
    ///
    /// - Throws: ``SxtError``: ``SxtError/Code/invalidArgument`` (empty, over 256 bytes, control
    ///   characters), transport codes (``SxtError/Code/network`` ... ``SxtError/Code/malformedResponse``) and
    ///   server codes (``SxtError/Code/badRequest`` ... ``SxtError/Code/serverError``).
    public func userExists(_ userID: String) throws -> Bool {
        try withExtendedLifetime(self) { () throws(SxtError) -> Bool in
            var exists = false
            try withCString(userID, name: "userID") { id throws(SxtError) in
                try check { sxt_user_exists_call(handle, CallContext.current, id, &exists, $0) }
            }
            return exists
        }
    }

    /// Signs in `userID` with `privateKey` (any accepted encoding): a challenge from `POST /v1/auth/code`,
    /// signed, traded at `POST /v1/auth/token`. Blocks the calling thread.
    ///
    /// The session keeps a copy of the key inside the library (unless ``Options/keepKey`` is `false`) so
    /// that it can sign in again by itself when its refresh chain runs out. On SxT a token call for an
    /// unknown user id registers it, so `login` first asks whether the user exists and throws
    /// ``SxtError/Code/notFound`` for an unknown one: a mistyped id never creates an account (the `register`
    /// calls do that).
    ///
    /// - Returns: a new ``SxtSession``, owned by the caller.
    /// - Throws: ``SxtError``: ``SxtError/Code/invalidArgument``, ``SxtError/Code/invalidKey``, transport
    ///   codes, ``SxtError/Code/notFound`` (unknown user), and the server's refusals:
    ///   ``SxtError/Code/badRequest`` (signature refused, key not on the keyring),
    ///   ``SxtError/Code/unauthorized``.
    public func login(userID: String, privateKey: String) throws -> SxtSession {
        try withExtendedLifetime(self) { () throws(SxtError) -> SxtSession in
            try withCString(userID, name: "userID") { id throws(SxtError) in
                try withCString(privateKey, name: "privateKey") { key throws(SxtError) in
                    try SxtSession.make { sxt_login_call(handle, CallContext.current, id, key, $0, $1) }
                }
            }
        }
    }

    /// Registers the new user `userID` with `privateKey` as its first key and signs it in. Blocks the
    /// calling thread.
    ///
    /// `joinCode` is the organisation's code, which joins its subscription; SxT made it optional, though a
    /// deployment may require one. For an existing user whose keyring holds the key, this is a plain sign-in.
    ///
    /// - Returns: a new ``SxtSession``, as ``login(userID:privateKey:)``.
    /// - Throws: ``SxtError``: as ``login(userID:privateKey:)`` (but never ``SxtError/Code/notFound`` for a
    ///   new user); an unknown join code, or a user id registered with another key, is
    ///   ``SxtError/Code/badRequest`` (or ``SxtError/Code/conflict`` / ``SxtError/Code/unauthorized``, as the
    ///   deployment answers); a missing join code that the deployment requires is ``SxtError/Code/notFound``
    ///   or ``SxtError/Code/badRequest`` (the local server answers 404).
    public func register(userID: String, privateKey: String, joinCode: String? = nil) throws -> SxtSession {
        try withExtendedLifetime(self) { () throws(SxtError) -> SxtSession in
            try withCString(userID, name: "userID") { id throws(SxtError) in
                try withCString(privateKey, name: "privateKey") { key throws(SxtError) in
                    try withOptionalCString(joinCode, name: "joinCode") { code throws(SxtError) in
                        try SxtSession.make { sxt_register_call(handle, CallContext.current, id, key, code, $0, $1) }
                    }
                }
            }
        }
    }

    /// Registers the new user `userID` through `POST /v1/auth/code-register`, which also takes an e-mail
    /// address. Otherwise as ``register(userID:privateKey:joinCode:)``. Blocks the calling thread.
    public func register(userID: String, privateKey: String, email: String,
                         joinCode: String? = nil) throws -> SxtSession {
        try withExtendedLifetime(self) { () throws(SxtError) -> SxtSession in
            try withCString(userID, name: "userID") { id throws(SxtError) in
                try withCString(privateKey, name: "privateKey") { key throws(SxtError) in
                    try withCString(email, name: "email") { mail throws(SxtError) in
                        try withOptionalCString(joinCode, name: "joinCode") { code throws(SxtError) in
                            try SxtSession.make { sxt_register_with_email_call(handle, CallContext.current, id, key, mail, code, $0, $1) }
                        }
                    }
                }
            }
        }
    }

    // MARK: - Asynchronous calls (suspend the caller; the call runs on a thread of its own)

    /// Asks whether `userID` is taken, without blocking the caller's executor. As ``userExists(_:)``.
    ///
    /// - Throws: ``SxtError``, or `CancellationError` if the task was cancelled before the call started or,
    ///   cancelled while the call was in flight, the call then failed.
    public func userExists(_ userID: String) async throws -> Bool {
        try await Blocking.run { try self.userExists(userID) }
    }

    /// Signs in without blocking the caller's executor. As ``login(userID:privateKey:)``.
    ///
    /// - Throws: ``SxtError``, or `CancellationError` if the task was cancelled before the call started or,
    ///   cancelled while the call was in flight, the call then failed.
    public func login(userID: String, privateKey: String) async throws -> SxtSession {
        try await Blocking.run { try self.login(userID: userID, privateKey: privateKey) }
    }

    /// Registers and signs in without blocking the caller's executor. As
    /// ``register(userID:privateKey:joinCode:)``.
    ///
    /// - Throws: ``SxtError``, or `CancellationError` if the task was cancelled before the call started or,
    ///   cancelled while the call was in flight, the call then failed.
    public func register(userID: String, privateKey: String, joinCode: String? = nil) async throws -> SxtSession {
        try await Blocking.run { try self.register(userID: userID, privateKey: privateKey, joinCode: joinCode) }
    }

    /// Registers with an e-mail address and signs in without blocking the caller's executor. As
    /// ``register(userID:privateKey:email:joinCode:)``.
    ///
    /// - Throws: ``SxtError``, or `CancellationError` if the task was cancelled before the call started or,
    ///   cancelled while the call was in flight, the call then failed.
    public func register(userID: String, privateKey: String, email: String,
                         joinCode: String? = nil) async throws -> SxtSession {
        try await Blocking.run {
            try self.register(userID: userID, privateKey: privateKey, email: email, joinCode: joinCode)
        }
    }
}
