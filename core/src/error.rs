//! The one error type of the library and its kinds.
//!
//! Every failure the library can report is an [`Error`]: an [`ErrorKind`] plus what the caller needs to act on
//! it — the HTTP status and the server's RFC 7807 `title`/`detail` when the server refused a call, or the name
//! of the argument that was bad. The C library maps each kind onto a stable `sxt_status` number; that table
//! lives there (`src/status.rs` at the repository root), not here.
//!
//! Secrets never enter an error: messages are built from fixed text, argument *names*, server-provided
//! `title`/`detail` (which the server controls and which never echo a token) and transport descriptions.
//! No error text holds a control character: whatever a server sent is escaped (`\n`, `\u{1b}`), so a hostile
//! server cannot forge log lines or terminal escapes in an application's logs.

use std::fmt;

/// What went wrong, by what the caller can do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// An argument was empty, too long, or otherwise out of range.
    InvalidArgument,
    /// A private or public key is not in any accepted encoding, or a 64-byte key's halves do not match.
    InvalidKey,
    /// The base URL cannot be parsed or normalised.
    InvalidUrl,
    /// The base URL is plain `http://` and plain http was not explicitly allowed.
    InsecureUrl,
    /// A PEM CA certificate bundle could not be parsed or held no certificate.
    InvalidCertificate,
    /// An external signer failed, took longer than a challenge lives, or returned something that is not a
    /// valid signature for its public key; nothing was sent with it.
    SignerFailed,
    /// Could not connect or the connection broke (DNS, refused, reset).
    Network,
    /// A connect, read or overall deadline passed.
    Timeout,
    /// The TLS handshake failed (untrusted certificate, wrong host name, protocol error).
    Tls,
    /// The reply was larger than the library accepts for an auth call.
    ResponseTooLarge,
    /// The server answered with a redirect, which the library never follows.
    Redirect,
    /// The reply is not what the protocol says (bad JSON, missing field, wrong type, a token that is not a
    /// bearer token, a challenge that is not printable ASCII, token info for another user).
    MalformedResponse,
    /// HTTP 400: malformed request, bad or expired challenge, bad signature, bad join code.
    BadRequest,
    /// HTTP 401 or 403: missing, invalid or expired token.
    Unauthorized,
    /// HTTP 404: unknown user.
    NotFound,
    /// HTTP 409: the user already exists (some deployments answer a duplicate registration this way).
    Conflict,
    /// HTTP 429: rate limited.
    RateLimited,
    /// Any other HTTP 4xx.
    ClientError,
    /// HTTP 5xx.
    ServerError,
    /// The session was logged out; it can only be dropped.
    LoggedOut,
    /// The session's tokens ran out and it holds no key to sign in again. When the server refused the refresh,
    /// the error keeps its HTTP status, title and detail.
    SessionExpired,
    /// The call was cancelled through its [`crate::call::Cancel`].
    Cancelled,
    /// An internal invariant failed.
    Internal,
}

impl ErrorKind {
    /// Every kind, in declaration order (for tables and their tests).
    pub const ALL: [ErrorKind; 23] = [
        ErrorKind::InvalidArgument,
        ErrorKind::InvalidKey,
        ErrorKind::InvalidUrl,
        ErrorKind::InsecureUrl,
        ErrorKind::InvalidCertificate,
        ErrorKind::SignerFailed,
        ErrorKind::Network,
        ErrorKind::Timeout,
        ErrorKind::Tls,
        ErrorKind::ResponseTooLarge,
        ErrorKind::Redirect,
        ErrorKind::MalformedResponse,
        ErrorKind::BadRequest,
        ErrorKind::Unauthorized,
        ErrorKind::NotFound,
        ErrorKind::Conflict,
        ErrorKind::RateLimited,
        ErrorKind::ClientError,
        ErrorKind::ServerError,
        ErrorKind::LoggedOut,
        ErrorKind::SessionExpired,
        ErrorKind::Cancelled,
        ErrorKind::Internal,
    ];

    /// A one-line description, for messages.
    pub fn description(self) -> &'static str {
        match self {
            ErrorKind::InvalidArgument => "an argument is empty, too long or out of range",
            ErrorKind::InvalidKey => "the key is not in an accepted encoding",
            ErrorKind::InvalidUrl => "the base URL is not valid",
            ErrorKind::InsecureUrl => "plain http is refused for this URL",
            ErrorKind::InvalidCertificate => "the CA certificate PEM could not be used",
            ErrorKind::SignerFailed => "the external signer failed or returned an invalid signature",
            ErrorKind::Network => "network error",
            ErrorKind::Timeout => "the request timed out",
            ErrorKind::Tls => "TLS error",
            ErrorKind::ResponseTooLarge => "the server's reply is too large",
            ErrorKind::Redirect => "the server answered with a redirect, which is not followed",
            ErrorKind::MalformedResponse => "the server's reply does not follow the protocol",
            ErrorKind::BadRequest => "the server refused the request (400)",
            ErrorKind::Unauthorized => "the server refused the credentials (401)",
            ErrorKind::NotFound => "the server does not know this user (404)",
            ErrorKind::Conflict => "the user already exists (409)",
            ErrorKind::RateLimited => "the server is rate limiting (429)",
            ErrorKind::ClientError => "the server refused the request (4xx)",
            ErrorKind::ServerError => "the server failed (5xx)",
            ErrorKind::LoggedOut => "the session was logged out",
            ErrorKind::SessionExpired => "the session expired and holds no key to sign in again",
            ErrorKind::Cancelled => "the call was cancelled",
            ErrorKind::Internal => "internal error",
        }
    }

    /// The kind for an HTTP error status.
    pub fn from_http_status(status: u16) -> ErrorKind {
        match status {
            400 => ErrorKind::BadRequest,
            401 | 403 => ErrorKind::Unauthorized,
            404 => ErrorKind::NotFound,
            409 => ErrorKind::Conflict,
            429 => ErrorKind::RateLimited,
            300..=399 => ErrorKind::Redirect,
            402..=499 => ErrorKind::ClientError,
            _ => ErrorKind::ServerError,
        }
    }
}

/// A failure, with everything the caller may need and nothing secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    http_status: u16,
    title: Option<String>,
    detail: Option<String>,
    argument: Option<&'static str>,
}

/// Result alias used across the crate.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An error with the kind's own description as its message.
    pub fn new(kind: ErrorKind) -> Error {
        Error::with_message(kind, kind.description())
    }

    /// An error with a message of the caller's (control characters escaped). The message must not contain
    /// secrets.
    pub fn with_message(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error { kind, message: printable(message.into()), http_status: 0, title: None, detail: None, argument: None }
    }

    /// An error about the argument named `argument` (a parameter name, never its value); the message is
    /// `"{argument}: {why}"`.
    pub fn argument(kind: ErrorKind, argument: &'static str, why: &str) -> Error {
        let mut e = Error::with_message(kind, format!("{argument}: {why}"));
        e.argument = Some(argument);
        e
    }

    /// The same error about an argument, named as a caller's own API names it (the C library's parameter
    /// `connect_timeout_ms` for this crate's `connect_timeout`). The message's leading name changes with it.
    pub fn renamed_argument(mut self, name: &'static str) -> Error {
        if let Some(old) = self.argument.replace(name) {
            if let Some(rest) = self.message.strip_prefix(old) {
                self.message = format!("{name}{rest}");
            }
        }
        self
    }

    /// An error for an HTTP status the server answered with, carrying its `title`/`detail`.
    pub fn http(status: u16, title: Option<String>, detail: Option<String>) -> Error {
        let kind = ErrorKind::from_http_status(status);
        let (title, detail) = (title.map(printable), detail.map(printable));
        let mut message = format!("HTTP {status}");
        match (&title, &detail) {
            (Some(t), Some(d)) => message.push_str(&format!(": {t}: {d}")),
            (Some(t), None) | (None, Some(t)) => message.push_str(&format!(": {t}")),
            (None, None) => message.push_str(&format!(": {}", kind.description())),
        }
        Error { kind, message, http_status: status, title, detail, argument: None }
    }

    /// The same failure reported as another kind (the HTTP status, title and detail are kept), e.g. a refused
    /// refresh that means the session is over.
    pub fn with_kind(mut self, kind: ErrorKind) -> Error {
        self.message = format!("{}: {}", kind.description(), self.message);
        self.kind = kind;
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
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

/// `text` with every control character escaped (`\n`, `\t`, `\u{1b}`, ...); other text unchanged.
fn printable(text: String) -> String {
    if !text.chars().any(char::is_control) {
        return text;
    }
    text.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect()
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.message)
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
    fn every_kind_is_listed_once_and_described() {
        let mut seen = std::collections::HashSet::new();
        for k in ErrorKind::ALL {
            assert!(seen.insert(k), "{k:?} listed twice");
            assert!(!k.description().is_empty());
        }
    }

    #[test]
    fn http_errors_keep_server_text() {
        let e = Error::http(401, Some("JWT authorization failed".into()), Some("expired".into()));
        assert_eq!(e.kind(), ErrorKind::Unauthorized);
        assert_eq!(e.http_status(), 401);
        assert_eq!(e.title(), Some("JWT authorization failed"));
        assert!(e.message().contains("expired"));
        assert_eq!(Error::http(503, None, None).kind(), ErrorKind::ServerError);
        assert_eq!(Error::http(418, None, None).kind(), ErrorKind::ClientError);
    }

    #[test]
    fn server_text_cannot_forge_log_lines() {
        let e = Error::http(400, Some("Bad\rRequest".into()), Some("bad\n[INFO] login ok\u{1b}[31m".into()));
        for text in [e.message(), e.title().unwrap(), e.detail().unwrap()] {
            assert!(!text.chars().any(char::is_control), "{text:?}");
        }
        assert_eq!(e.detail(), Some("bad\\n[INFO] login ok\\u{1b}[31m"));
        assert!(Error::with_message(ErrorKind::Network, "a\tb").message().contains("a\\tb"));
        assert_eq!(Error::http(400, None, Some("plain é".into())).detail(), Some("plain é"));
    }

    #[test]
    fn a_renamed_argument_renames_the_message_too() {
        let e = Error::argument(ErrorKind::InvalidArgument, "connect_timeout", "must be greater than 0")
            .renamed_argument("connect_timeout_ms");
        assert_eq!(e.argument_name(), Some("connect_timeout_ms"));
        assert_eq!(e.message(), "connect_timeout_ms: must be greater than 0");
        let plain = Error::new(ErrorKind::Timeout).renamed_argument("x");
        assert_eq!(plain.message(), ErrorKind::Timeout.description());
    }
}
