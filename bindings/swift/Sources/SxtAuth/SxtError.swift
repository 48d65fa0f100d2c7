internal import CSxtAuth

/// The error every throwing call of this package throws (the `async` variants may also throw
/// `CancellationError` when their task was cancelled before the call started).
///
/// It carries the library's stable status ``code`` and the detail the C library reports with it: a
/// human-readable ``message``, the ``httpStatus`` the server answered with, the server's RFC 7807 ``title``
/// and ``detail``, and for bad input the name of the ``argument`` that was wrong. Everything is copied out of
/// the C `sxt_error` (which is freed before the error is thrown), so the value owns no C memory.
///
/// Messages never contain a key or a token. `SxtError` is a value type and `Sendable`.
///
/// ```swift
/// do {
///     let session = try client.login(userID: "alice", privateKey: key)
/// } catch let error as SxtError where error.code == .notFound {
///     // unknown user
/// }
/// ```
public struct SxtError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The library's stable status codes (`sxt_status` in `sxt_auth.h`), one case per `SXT_STATUS_*`
    /// constant, with the same number as `rawValue`.
    ///
    /// Numbers are grouped by range: 1–99 the caller's input, 100–199 transport, 200–299 the server refused
    /// the call, 300–399 session state, 900–999 bugs inside the library. A thrown ``SxtError`` never has
    /// ``ok``. A status this version of the binding does not know (from a newer library) is reported as
    /// ``unknown``, with the number kept in ``SxtError/rawCode``.
    public enum Code: Int32, Sendable, CaseIterable, CustomStringConvertible {
        /// `SXT_STATUS_OK`: success. Never carried by a thrown error.
        case ok = 0
        /// `SXT_STATUS_NULL_ARGUMENT`: a required pointer argument was NULL.
        case nullArgument = 1
        /// `SXT_STATUS_INVALID_UTF8`: a string argument was not valid UTF-8.
        case invalidUTF8 = 2
        /// `SXT_STATUS_INVALID_ARGUMENT`: an argument was empty, too long, or otherwise out of range
        /// (including a string with an embedded NUL character, which the binding refuses itself).
        case invalidArgument = 3
        /// `SXT_STATUS_INVALID_KEY`: a key is not in any accepted encoding, or a 64-byte key's halves do not
        /// match.
        case invalidKey = 4
        /// `SXT_STATUS_INVALID_URL`: the base URL cannot be parsed or normalised.
        case invalidURL = 5
        /// `SXT_STATUS_INSECURE_URL`: a plain `http://` base URL without ``SxtClient/Options/allowHTTP``.
        case insecureURL = 6
        /// `SXT_STATUS_INVALID_HANDLE`: a C handle was invalid. The binding never passes one; seeing it is a
        /// bug.
        case invalidHandle = 7
        /// `SXT_STATUS_INVALID_CERTIFICATE`: a PEM CA bundle could not be parsed or held no certificate.
        case invalidCertificate = 8
        /// `SXT_STATUS_SIGNER_FAILED`: an external signer failed (its error is in the message), took longer
        /// than a challenge lives (30 s), or returned an invalid signature; nothing was sent with it.
        case signerFailed = 9
        /// `SXT_STATUS_NETWORK`: could not connect, or the connection broke (DNS, refused, reset).
        case network = 100
        /// `SXT_STATUS_TIMEOUT`: a connect, read or overall deadline passed.
        case timeout = 101
        /// `SXT_STATUS_TLS`: the TLS handshake failed (untrusted certificate, wrong host name, protocol
        /// error).
        case tls = 102
        /// `SXT_STATUS_RESPONSE_TOO_LARGE`: the reply was larger than the library accepts for an auth call.
        case responseTooLarge = 103
        /// `SXT_STATUS_REDIRECT`: the server answered with a redirect, which the library never follows.
        case redirect = 104
        /// `SXT_STATUS_MALFORMED_RESPONSE`: the reply is not what the protocol says.
        case malformedResponse = 105
        /// `SXT_STATUS_CANCELLED`: the call was cancelled (its task was cancelled).
        case cancelled = 106
        /// `SXT_STATUS_BAD_REQUEST`: HTTP 400 (malformed request, bad or expired challenge, bad signature,
        /// bad join code).
        case badRequest = 200
        /// `SXT_STATUS_UNAUTHORIZED`: HTTP 401 or 403 (missing, invalid or expired token).
        case unauthorized = 201
        /// `SXT_STATUS_NOT_FOUND`: HTTP 404 (unknown user).
        case notFound = 202
        /// `SXT_STATUS_CONFLICT`: HTTP 409 (the user already exists, on deployments that answer so).
        case conflict = 203
        /// `SXT_STATUS_RATE_LIMITED`: HTTP 429.
        case rateLimited = 204
        /// `SXT_STATUS_CLIENT_ERROR`: any other HTTP 4xx.
        case clientError = 205
        /// `SXT_STATUS_SERVER_ERROR`: HTTP 5xx.
        case serverError = 206
        /// `SXT_STATUS_LOGGED_OUT`: the session was logged out; it can only be released.
        case loggedOut = 300
        /// `SXT_STATUS_SESSION_EXPIRED`: the session's tokens ran out and it holds no key to sign in again
        /// (``SxtClient/Options/keepKey`` was `false`).
        case sessionExpired = 301
        /// `SXT_STATUS_PANIC`: the library hit an internal bug (a panic caught at the C boundary).
        case panic = 900
        /// `SXT_STATUS_INTERNAL`: an internal invariant of the library failed.
        case `internal` = 901
        /// A status this binding does not know (reported by a newer library). Not a C status; the number
        /// the library returned is in ``SxtError/rawCode``.
        case unknown = -1

        /// The stable C name of the status, e.g. `"SXT_STATUS_INVALID_KEY"` (`"SXT_STATUS_UNKNOWN"` for
        /// ``unknown``).
        public var name: String { String(cString: sxt_status_name(rawValue)) }

        /// The library's one-line description of the status, e.g. "the key is not in an accepted encoding".
        public var summary: String { String(cString: sxt_status_description(rawValue)) }

        /// The C name, as ``name``.
        public var description: String { name }
    }

    /// The status, as a ``Code``.
    public let code: Code
    /// The status number exactly as the library returned it (equal to `code.rawValue` unless ``code`` is
    /// ``Code/unknown``).
    public let rawCode: Int32
    /// A human-readable message, never empty, never containing a key or a token.
    public let message: String
    /// The HTTP status the server answered with, or `nil` when the failure was not an HTTP error reply.
    public let httpStatus: Int?
    /// The server's RFC 7807 `title`, when it sent one.
    public let title: String?
    /// The server's RFC 7807 `detail`, when it sent one.
    public let detail: String?
    /// For input errors, the name of the parameter that was wrong (the C parameter name, such as
    /// `"private_key"`, or for checks made by the binding itself the Swift parameter name), else `nil`.
    public let argument: String?

    /// Creates an error with the given fields. The library creates these; this initialiser exists for tests
    /// and for code that wraps ``SxtClient`` behind its own protocol.
    public init(code: Code, message: String, httpStatus: Int? = nil, title: String? = nil,
                detail: String? = nil, argument: String? = nil) {
        self.code = code
        self.rawCode = code.rawValue
        self.message = message
        self.httpStatus = httpStatus
        self.title = title
        self.detail = detail
        self.argument = argument
    }

    /// Copies the detail out of a C error (which the caller still owns and frees).
    init(status: sxt_status, error: OpaquePointer?) {
        let raw = Int32(truncatingIfNeeded: status.rawValue)
        code = Code(rawValue: raw) ?? .unknown
        rawCode = raw
        if let error {
            message = String(cString: sxt_error_message(error))
            let http = sxt_error_http_status(error)
            httpStatus = http == 0 ? nil : Int(http)
            title = sxt_error_title(error).map { String(cString: $0) }
            detail = sxt_error_detail(error).map { String(cString: $0) }
            argument = sxt_error_argument(error).map { String(cString: $0) }
        } else {
            message = String(cString: sxt_status_description(raw))
            httpStatus = nil
            title = nil
            detail = nil
            argument = nil
        }
    }

    /// `"<message> (SXT_STATUS_...)"`, plus the HTTP status when there is one. Never contains a secret.
    public var description: String {
        var text = "\(message) (\(String(cString: sxt_status_name(rawCode)))"
        if let httpStatus { text += ", HTTP \(httpStatus)" }
        return text + ")"
    }
}

/// An error the binding itself raises for an argument the C call would silently misread (an embedded NUL)
/// or that cannot be expressed in C (a duration out of range).
func invalidArgument(_ name: String, _ problem: String) -> SxtError {
    SxtError(code: .invalidArgument, message: "\(name) \(problem)", argument: name)
}
