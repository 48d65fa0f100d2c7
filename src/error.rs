//! The one error type of the library and its table of stable numeric codes.
//!
//! Every failure the library can report is an [`Error`]: a [`Code`] (stable number, the same one the C ABI
//! returns as `sxt_status`) plus what the caller needs to act on it — the HTTP status and the server's RFC 7807
//! `title`/`detail` when the server refused a call, or the name of the argument that was bad.
//!
//! Secrets never enter an error: messages are built from fixed text, argument *names*, server-provided
//! `title`/`detail` (which the server controls and which never echo a token) and transport descriptions.

use std::fmt;

/// Stable numeric error codes, grouped by range. Numbers are never reused; a retired code stays listed as a
/// comment. The C header exposes the same values as `sxt_status`.
///
/// * `0`: success
/// * `1..=99`: the caller's input (arguments, keys, URLs, handles)
/// * `100..=199`: transport (network, TLS, timeouts, unreadable replies)
/// * `200..=299`: the server refused the call (HTTP 4xx/5xx)
/// * `300..=399`: session state
/// * `900..=999`: bugs inside the library
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    /// Success.
    Ok = 0,
    /// A required pointer argument was NULL.
    NullArgument = 1,
    /// A string argument was not valid UTF-8.
    InvalidUtf8 = 2,
    /// An argument was empty, too long, or otherwise out of range.
    InvalidArgument = 3,
    /// A private or public key is not in any accepted encoding, or a 64-byte key's halves do not match.
    InvalidKey = 4,
    /// The base URL cannot be parsed or normalised.
    InvalidUrl = 5,
    /// The base URL is plain `http://` and plain http was not explicitly allowed.
    InsecureUrl = 6,
    /// A handle is NULL, of the wrong type, already freed, or was never issued by this library.
    InvalidHandle = 7,
    /// A PEM CA certificate bundle could not be parsed or held no certificate.
    InvalidCertificate = 8,
    /// Could not connect or the connection broke (DNS, refused, reset).
    Network = 100,
    /// A connect, read or overall deadline passed.
    Timeout = 101,
    /// The TLS handshake failed (untrusted certificate, wrong host name, protocol error).
    Tls = 102,
    /// The reply was larger than the library accepts for an auth call.
    ResponseTooLarge = 103,
    /// The server answered with a redirect, which the library never follows.
    Redirect = 104,
    /// The reply is not what the protocol says (bad JSON, missing field, wrong type).
    MalformedResponse = 105,
    /// HTTP 400: malformed request, bad or expired challenge, bad signature, bad join code.
    BadRequest = 200,
    /// HTTP 401 or 403: missing, invalid or expired token.
    Unauthorized = 201,
    /// HTTP 404: unknown user.
    NotFound = 202,
    /// HTTP 409: the user already exists (some deployments answer a duplicate registration this way).
    Conflict = 203,
    /// HTTP 429: rate limited.
    RateLimited = 204,
    /// Any other HTTP 4xx.
    ClientError = 205,
    /// HTTP 5xx.
    ServerError = 206,
    /// The session was logged out; it can only be freed.
    LoggedOut = 300,
    /// The session's tokens ran out and it holds no key to sign in again. When the server refused the refresh,
    /// the error keeps its HTTP status, title and detail.
    SessionExpired = 301,
    /// The library hit an internal bug (a panic was caught at the C boundary).
    Panic = 900,
    /// An internal invariant failed.
    Internal = 901,
}

impl Code {
    /// Every code, in numeric order (used by the C error table and its tests).
    pub const ALL: [Code; 26] = [
        Code::Ok,
        Code::NullArgument,
        Code::InvalidUtf8,
        Code::InvalidArgument,
        Code::InvalidKey,
        Code::InvalidUrl,
        Code::InsecureUrl,
        Code::InvalidHandle,
        Code::InvalidCertificate,
        Code::Network,
        Code::Timeout,
        Code::Tls,
        Code::ResponseTooLarge,
        Code::Redirect,
        Code::MalformedResponse,
        Code::BadRequest,
        Code::Unauthorized,
        Code::NotFound,
        Code::Conflict,
        Code::RateLimited,
        Code::ClientError,
        Code::ServerError,
        Code::LoggedOut,
        Code::SessionExpired,
        Code::Panic,
        Code::Internal,
    ];

    /// The stable number.
    pub fn as_i32(self) -> i32 {
        self as i32
    }

    /// The stable name, as in the C header (`SXT_` prefix dropped), e.g. `"INVALID_KEY"`.
    pub fn name(self) -> &'static str {
        match self {
            Code::Ok => "OK",
            Code::NullArgument => "NULL_ARGUMENT",
            Code::InvalidUtf8 => "INVALID_UTF8",
            Code::InvalidArgument => "INVALID_ARGUMENT",
            Code::InvalidKey => "INVALID_KEY",
            Code::InvalidUrl => "INVALID_URL",
            Code::InsecureUrl => "INSECURE_URL",
            Code::InvalidHandle => "INVALID_HANDLE",
            Code::InvalidCertificate => "INVALID_CERTIFICATE",
            Code::Network => "NETWORK",
            Code::Timeout => "TIMEOUT",
            Code::Tls => "TLS",
            Code::ResponseTooLarge => "RESPONSE_TOO_LARGE",
            Code::Redirect => "REDIRECT",
            Code::MalformedResponse => "MALFORMED_RESPONSE",
            Code::BadRequest => "BAD_REQUEST",
            Code::Unauthorized => "UNAUTHORIZED",
            Code::NotFound => "NOT_FOUND",
            Code::Conflict => "CONFLICT",
            Code::RateLimited => "RATE_LIMITED",
            Code::ClientError => "CLIENT_ERROR",
            Code::ServerError => "SERVER_ERROR",
            Code::LoggedOut => "LOGGED_OUT",
            Code::SessionExpired => "SESSION_EXPIRED",
            Code::Panic => "PANIC",
            Code::Internal => "INTERNAL",
        }
    }

    /// A one-line description of the code, for messages.
    pub fn description(self) -> &'static str {
        match self {
            Code::Ok => "success",
            Code::NullArgument => "a required argument was NULL",
            Code::InvalidUtf8 => "a string argument is not valid UTF-8",
            Code::InvalidArgument => "an argument is empty, too long or out of range",
            Code::InvalidKey => "the key is not in an accepted encoding",
            Code::InvalidUrl => "the base URL is not valid",
            Code::InsecureUrl => "plain http is refused for this URL",
            Code::InvalidHandle => "the handle is NULL, freed, or not of the expected type",
            Code::InvalidCertificate => "the CA certificate PEM could not be used",
            Code::Network => "network error",
            Code::Timeout => "the request timed out",
            Code::Tls => "TLS error",
            Code::ResponseTooLarge => "the server's reply is too large",
            Code::Redirect => "the server answered with a redirect, which is not followed",
            Code::MalformedResponse => "the server's reply does not follow the protocol",
            Code::BadRequest => "the server refused the request (400)",
            Code::Unauthorized => "the server refused the credentials (401)",
            Code::NotFound => "the server does not know this user (404)",
            Code::Conflict => "the user already exists (409)",
            Code::RateLimited => "the server is rate limiting (429)",
            Code::ClientError => "the server refused the request (4xx)",
            Code::ServerError => "the server failed (5xx)",
            Code::LoggedOut => "the session was logged out",
            Code::SessionExpired => "the session expired and holds no key to sign in again",
            Code::Panic => "internal error: a panic was caught",
            Code::Internal => "internal error",
        }
    }

    /// The code for an HTTP error status.
    pub fn from_http_status(status: u16) -> Code {
        match status {
            400 => Code::BadRequest,
            401 | 403 => Code::Unauthorized,
            404 => Code::NotFound,
            409 => Code::Conflict,
            429 => Code::RateLimited,
            300..=399 => Code::Redirect,
            402..=499 => Code::ClientError,
            _ => Code::ServerError,
        }
    }
}

/// A failure, with everything the caller may need and nothing secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    code: Code,
    message: String,
    http_status: u16,
    title: Option<String>,
    detail: Option<String>,
    argument: Option<&'static str>,
}

/// Result alias used across the crate.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An error with the code's own description as its message.
    pub fn new(code: Code) -> Error {
        Error::with_message(code, code.description())
    }

    /// An error with a message of the caller's. The message must not contain secrets.
    pub fn with_message(code: Code, message: impl Into<String>) -> Error {
        Error { code, message: message.into(), http_status: 0, title: None, detail: None, argument: None }
    }

    /// An error about the argument named `argument` (a parameter name, never its value).
    pub fn argument(code: Code, argument: &'static str, why: &str) -> Error {
        let mut e = Error::with_message(code, format!("{argument}: {why}"));
        e.argument = Some(argument);
        e
    }

    /// An error for an HTTP status the server answered with, carrying its `title`/`detail`.
    pub fn http(status: u16, title: Option<String>, detail: Option<String>) -> Error {
        let code = Code::from_http_status(status);
        let mut message = format!("HTTP {status}");
        match (&title, &detail) {
            (Some(t), Some(d)) => message.push_str(&format!(": {t}: {d}")),
            (Some(t), None) | (None, Some(t)) => message.push_str(&format!(": {t}")),
            (None, None) => message.push_str(&format!(": {}", code.description())),
        }
        Error { code, message, http_status: status, title, detail, argument: None }
    }

    /// The same failure reported under another code (the HTTP status, title and detail are kept), e.g. a
    /// refused refresh that means the session is over.
    pub fn with_code(mut self, code: Code) -> Error {
        self.message = format!("{}: {}", code.description(), self.message);
        self.code = code;
        self
    }

    /// The stable code.
    pub fn code(&self) -> Code {
        self.code
    }
    /// A human-readable, secret-free message.
    pub fn message(&self) -> &str {
        &self.message
    }
    /// The HTTP status the server answered with, or 0 when the failure was not an HTTP error reply.
    pub fn http_status(&self) -> u16 {
        self.http_status
    }
    /// The server's RFC 7807 `title`, when it sent one.
    pub fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }
    /// The server's RFC 7807 `detail`, when it sent one.
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }
    /// The name of the argument that was bad, for input errors.
    pub fn argument_name(&self) -> Option<&'static str> {
        self.argument
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.code.name(), self.code.as_i32(), self.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_named() {
        let mut seen = std::collections::HashSet::new();
        for c in Code::ALL {
            assert!(seen.insert(c.as_i32()), "duplicate code {}", c.as_i32());
            assert!(!c.name().is_empty());
        }
    }

    #[test]
    fn http_errors_keep_server_text() {
        let e = Error::http(401, Some("JWT authorization failed".into()), Some("expired".into()));
        assert_eq!(e.code(), Code::Unauthorized);
        assert_eq!(e.http_status(), 401);
        assert_eq!(e.title(), Some("JWT authorization failed"));
        assert!(e.message().contains("expired"));
        assert_eq!(Error::http(503, None, None).code(), Code::ServerError);
        assert_eq!(Error::http(418, None, None).code(), Code::ClientError);
    }
}
