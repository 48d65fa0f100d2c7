//! `sxt_status`: the one table of the C library's status codes (number, name, description), and the error
//! type every exported function reports through ([`CError`]).
//!
//! Most statuses are the Rust core's error kinds ([`ErrorKind`]), given stable numbers here; a few exist only
//! at the C boundary (`OK`, `NULL_ARGUMENT`, `INVALID_UTF8`, `INVALID_HANDLE`, `PANIC`). The C++, Go and
//! Swift bindings, the C tests and the benchmark mirror this table; `make test-header` checks each copy
//! against the generated header (`scripts/check-status-table.py`).

use sxt_auth_core::{Error, ErrorKind};

/// Stable numeric status codes, grouped by range. Numbers are never reused; a retired code stays listed as a
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
pub enum Status {
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
    /// An external signer (`sxt_signer_new`) failed, took longer than a challenge lives (30 s), or returned
    /// something that is not a valid signature for its public key; nothing was sent with it.
    SignerFailed = 9,
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
    /// The reply is not what the protocol says (bad JSON, missing field, wrong type, a token that is not a
    /// bearer token, a challenge that is not printable ASCII, token info for another user).
    MalformedResponse = 105,
    /// The call was cancelled through its `sxt_call` (`sxt_call_cancel`).
    Cancelled = 106,
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

impl Status {
    /// Every status, in numeric order.
    pub(crate) const ALL: [Status; 28] = [
        Status::Ok,
        Status::NullArgument,
        Status::InvalidUtf8,
        Status::InvalidArgument,
        Status::InvalidKey,
        Status::InvalidUrl,
        Status::InsecureUrl,
        Status::InvalidHandle,
        Status::InvalidCertificate,
        Status::SignerFailed,
        Status::Network,
        Status::Timeout,
        Status::Tls,
        Status::ResponseTooLarge,
        Status::Redirect,
        Status::MalformedResponse,
        Status::Cancelled,
        Status::BadRequest,
        Status::Unauthorized,
        Status::NotFound,
        Status::Conflict,
        Status::RateLimited,
        Status::ClientError,
        Status::ServerError,
        Status::LoggedOut,
        Status::SessionExpired,
        Status::Panic,
        Status::Internal,
    ];

    /// The status with this number, if there is one.
    pub(crate) fn from_i32(number: i32) -> Option<Status> {
        Status::ALL.iter().copied().find(|s| *s as i32 == number)
    }

    /// The C name, as in the header: `"SXT_STATUS_INVALID_KEY"`.
    pub(crate) fn name(self) -> &'static std::ffi::CStr {
        match self {
            Status::Ok => c"SXT_STATUS_OK",
            Status::NullArgument => c"SXT_STATUS_NULL_ARGUMENT",
            Status::InvalidUtf8 => c"SXT_STATUS_INVALID_UTF8",
            Status::InvalidArgument => c"SXT_STATUS_INVALID_ARGUMENT",
            Status::InvalidKey => c"SXT_STATUS_INVALID_KEY",
            Status::InvalidUrl => c"SXT_STATUS_INVALID_URL",
            Status::InsecureUrl => c"SXT_STATUS_INSECURE_URL",
            Status::InvalidHandle => c"SXT_STATUS_INVALID_HANDLE",
            Status::InvalidCertificate => c"SXT_STATUS_INVALID_CERTIFICATE",
            Status::SignerFailed => c"SXT_STATUS_SIGNER_FAILED",
            Status::Network => c"SXT_STATUS_NETWORK",
            Status::Timeout => c"SXT_STATUS_TIMEOUT",
            Status::Tls => c"SXT_STATUS_TLS",
            Status::ResponseTooLarge => c"SXT_STATUS_RESPONSE_TOO_LARGE",
            Status::Redirect => c"SXT_STATUS_REDIRECT",
            Status::MalformedResponse => c"SXT_STATUS_MALFORMED_RESPONSE",
            Status::Cancelled => c"SXT_STATUS_CANCELLED",
            Status::BadRequest => c"SXT_STATUS_BAD_REQUEST",
            Status::Unauthorized => c"SXT_STATUS_UNAUTHORIZED",
            Status::NotFound => c"SXT_STATUS_NOT_FOUND",
            Status::Conflict => c"SXT_STATUS_CONFLICT",
            Status::RateLimited => c"SXT_STATUS_RATE_LIMITED",
            Status::ClientError => c"SXT_STATUS_CLIENT_ERROR",
            Status::ServerError => c"SXT_STATUS_SERVER_ERROR",
            Status::LoggedOut => c"SXT_STATUS_LOGGED_OUT",
            Status::SessionExpired => c"SXT_STATUS_SESSION_EXPIRED",
            Status::Panic => c"SXT_STATUS_PANIC",
            Status::Internal => c"SXT_STATUS_INTERNAL",
        }
    }

    /// A one-line description: the core's for the statuses that are its error kinds, else the boundary's own.
    pub(crate) fn description(self) -> &'static str {
        match self.kind() {
            Some(kind) => kind.description(),
            None => match self {
                Status::Ok => "success",
                Status::NullArgument => "a required argument was NULL",
                Status::InvalidUtf8 => "a string argument is not valid UTF-8",
                Status::InvalidHandle => "the handle is NULL, freed, or not of the expected type",
                Status::Panic => "internal error: a panic was caught",
                _ => "internal error",
            },
        }
    }

    /// The core's error kind this status reports, or None for the statuses of the C boundary alone.
    pub(crate) fn kind(self) -> Option<ErrorKind> {
        ErrorKind::ALL.iter().copied().find(|k| Status::from(*k) == self)
    }
}

impl From<ErrorKind> for Status {
    fn from(kind: ErrorKind) -> Status {
        match kind {
            ErrorKind::InvalidArgument => Status::InvalidArgument,
            ErrorKind::InvalidKey => Status::InvalidKey,
            ErrorKind::InvalidUrl => Status::InvalidUrl,
            ErrorKind::InsecureUrl => Status::InsecureUrl,
            ErrorKind::InvalidCertificate => Status::InvalidCertificate,
            ErrorKind::SignerFailed => Status::SignerFailed,
            ErrorKind::Network => Status::Network,
            ErrorKind::Timeout => Status::Timeout,
            ErrorKind::Tls => Status::Tls,
            ErrorKind::ResponseTooLarge => Status::ResponseTooLarge,
            ErrorKind::Redirect => Status::Redirect,
            ErrorKind::MalformedResponse => Status::MalformedResponse,
            ErrorKind::BadRequest => Status::BadRequest,
            ErrorKind::Unauthorized => Status::Unauthorized,
            ErrorKind::NotFound => Status::NotFound,
            ErrorKind::Conflict => Status::Conflict,
            ErrorKind::RateLimited => Status::RateLimited,
            ErrorKind::ClientError => Status::ClientError,
            ErrorKind::ServerError => Status::ServerError,
            ErrorKind::LoggedOut => Status::LoggedOut,
            ErrorKind::SessionExpired => Status::SessionExpired,
            ErrorKind::Cancelled => Status::Cancelled,
            ErrorKind::Internal => Status::Internal,
            // The core's kinds are non-exhaustive: one added there without a number here is a library bug.
            _ => Status::Internal,
        }
    }
}

/// A failed C call: its status and the secret-free detail that becomes an `sxt_error`.
#[derive(Debug)]
pub(crate) struct CError {
    pub(crate) status: Status,
    pub(crate) message: String,
    pub(crate) http_status: u16,
    pub(crate) title: Option<String>,
    pub(crate) detail: Option<String>,
    pub(crate) argument: Option<&'static str>,
}

/// What every function body of the C library returns.
pub(crate) type CResult<T> = Result<T, CError>;

impl CError {
    /// A failure of the boundary itself, about the parameter `argument` (for the core's errors use `From`).
    pub(crate) fn argument(status: Status, argument: &'static str, why: &str) -> CError {
        CError { argument: Some(argument), ..CError::new(status, format!("{argument}: {why}")) }
    }

    /// A failure with a message of the caller's (no secrets in it).
    pub(crate) fn new(status: Status, message: impl Into<String>) -> CError {
        CError { status, message: message.into(), http_status: 0, title: None, detail: None, argument: None }
    }
}

impl From<Error> for CError {
    fn from(e: Error) -> CError {
        CError {
            status: Status::from(e.kind()),
            message: e.message().to_string(),
            http_status: e.http_status(),
            title: e.title().map(str::to_string),
            detail: e.detail().map(str::to_string),
            argument: e.argument_name(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_unique_sorted_and_named_like_the_header() {
        let mut last = -1;
        for s in Status::ALL {
            assert!((s as i32) > last, "{s:?} out of order or repeated");
            last = s as i32;
            let name = s.name().to_str().unwrap();
            let expected: String = format!("{s:?}").chars().fold(String::from("SXT_STATUS"), |mut acc, c| {
                if c.is_uppercase() {
                    acc.push('_');
                }
                acc.push(c.to_ascii_uppercase());
                acc
            });
            assert_eq!(name, expected, "{s:?}");
            assert!(!s.description().is_empty());
            assert_eq!(Status::from_i32(s as i32), Some(s));
        }
        assert_eq!(Status::from_i32(42), None);
    }

    #[test]
    fn every_core_kind_has_its_own_status_and_maps_back() {
        let mut seen = std::collections::HashSet::new();
        for kind in ErrorKind::ALL {
            let status = Status::from(kind);
            assert!(seen.insert(status), "{kind:?} shares {status:?}");
            assert_eq!(status.kind(), Some(kind));
            assert_eq!(status.description(), kind.description());
        }
        for only_here in [Status::Ok, Status::NullArgument, Status::InvalidUtf8, Status::InvalidHandle, Status::Panic] {
            assert_eq!(only_here.kind(), None);
        }
    }
}
