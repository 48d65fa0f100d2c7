package sxtauth

/**
 * The library's status codes (`sxt_status` in include/sxt_auth.h), with the header's numbers. The ranges:
 * 0 success, 1-99 the caller's input, 100-199 transport, 200-299 the server refused, 300-399 session state,
 * 900-999 bugs inside the library. [UNKNOWN] stands for a number this binding does not know (a newer
 * library); [SxtException.code] keeps the number itself. `make test-header` and a test of this binding check
 * the table against the header and the library.
 */
public enum class SxtStatus(public val code: Int) {
    /** Success (never in an exception). */
    OK(0),

    /** A required argument was missing (null where the C API needs a value). */
    NULL_ARGUMENT(1),

    /** A text argument was not valid UTF-8 (from Kotlin: not valid Unicode). */
    INVALID_UTF8(2),

    /** An argument was empty, too long, held a NUL character, or was otherwise out of range. */
    INVALID_ARGUMENT(3),

    /** A private or public key is not in any accepted encoding, or a 64-byte key's halves do not match. */
    INVALID_KEY(4),

    /** The base URL cannot be parsed or normalised. */
    INVALID_URL(5),

    /** The base URL is plain `http://` and plain http was not allowed ([SxtClientOptions.allowHttp]). */
    INSECURE_URL(6),

    /** A handle was already freed or never issued (the binding reports closed objects itself). */
    INVALID_HANDLE(7),

    /** A PEM CA certificate bundle could not be parsed or held no certificate. */
    INVALID_CERTIFICATE(8),

    /** An external signer failed (its error is in the message), took longer than a challenge lives (30 s), or returned an invalid signature. */
    SIGNER_FAILED(9),

    /** Could not connect, or the connection broke (DNS, refused, reset). */
    NETWORK(100),

    /** A connect, read or whole-call deadline passed. */
    TIMEOUT(101),

    /** The TLS handshake failed (untrusted certificate, wrong host name, protocol error). */
    TLS(102),

    /** The reply was larger than the library accepts for an auth call. */
    RESPONSE_TOO_LARGE(103),

    /** The server answered with a redirect, which the library never follows. */
    REDIRECT(104),

    /** The reply is not what the protocol says (bad JSON, missing field, token info for another user, ...). */
    MALFORMED_RESPONSE(105),

    /** The call was cancelled (a coroutine is cancelled with CancellationException instead). */
    CANCELLED(106),

    /** HTTP 400: malformed request, bad or expired challenge, bad signature, bad join code. */
    BAD_REQUEST(200),

    /** HTTP 401 or 403: missing, invalid or expired token. */
    UNAUTHORIZED(201),

    /** HTTP 404, or a sign-in of a user id that does not exist. */
    NOT_FOUND(202),

    /** HTTP 409: the user already exists. */
    CONFLICT(203),

    /** HTTP 429: rate limited. */
    RATE_LIMITED(204),

    /** Any other HTTP 4xx. */
    CLIENT_ERROR(205),

    /** HTTP 5xx. */
    SERVER_ERROR(206),

    /** The session was logged out; it can only be closed. */
    LOGGED_OUT(300),

    /** The session's tokens ran out and it holds no key to sign in again. */
    SESSION_EXPIRED(301),

    /** The library hit an internal bug (a panic was caught at the C boundary). */
    PANIC(900),

    /** An internal invariant failed. */
    INTERNAL(901),

    /** A number this binding does not know (from a newer library). */
    UNKNOWN(-1),
    ;

    /** The library's stable name for this status, e.g. `SXT_STATUS_INVALID_KEY`. */
    public val statusName: String get() = SxtAuth.statusName(code)

    /** The library's one-line description of this status. */
    public val description: String get() = SxtAuth.statusDescription(code)

    public companion object {
        private val byCode = entries.associateBy { it.code }

        /** The status with number [code], or [UNKNOWN]. */
        @JvmStatic
        public fun of(code: Int): SxtStatus = byCode[code]?.takeIf { it != UNKNOWN } ?: UNKNOWN
    }
}
