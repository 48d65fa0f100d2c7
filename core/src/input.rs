//! The rules for text a caller passes in: user ids, join codes, e-mail addresses, the user agent. Every layer
//! above (the C ABI and its bindings) only converts types and reports what these say.

use crate::error::{Error, ErrorKind, Result};

/// The longest user id the library sends.
pub const MAX_USER_ID_LEN: usize = 256;
/// The longest join code the library sends.
pub const MAX_JOIN_CODE_LEN: usize = 256;
/// The longest e-mail address the library sends (RFC 5321's path limit).
pub const MAX_EMAIL_LEN: usize = 320;
/// The longest `User-Agent` accepted.
pub const MAX_USER_AGENT_LEN: usize = 256;

/// A user id: 1 to [`MAX_USER_ID_LEN`] bytes, no control characters, and not `.` or `..` (in a URL path
/// they are dot segments: `auth/idexists/..` would name another resource).
pub fn check_user_id(user_id: &str) -> Result<()> {
    check_text("user_id", user_id, MAX_USER_ID_LEN)?;
    if user_id == "." || user_id == ".." {
        return Err(Error::argument(ErrorKind::InvalidArgument, "user_id", "is a dot segment (. or ..)"));
    }
    Ok(())
}

/// A join code, when one is given: as [`check_text`] with [`MAX_JOIN_CODE_LEN`].
pub fn check_join_code(join_code: Option<&str>) -> Result<()> {
    join_code.map_or(Ok(()), |code| check_text("join_code", code, MAX_JOIN_CODE_LEN))
}

/// An e-mail address: as [`check_text`] with [`MAX_EMAIL_LEN`] (the server judges its form).
pub fn check_email(email: &str) -> Result<()> {
    check_text("email", email, MAX_EMAIL_LEN)
}

/// A `User-Agent` value: 1 to [`MAX_USER_AGENT_LEN`] bytes, no control characters (so no CR/LF can reach a
/// header).
pub fn check_user_agent(user_agent: &str) -> Result<()> {
    check_text("user_agent", user_agent, MAX_USER_AGENT_LEN)
}

/// Non-empty, at most `max` bytes, no control characters. Errors: [`ErrorKind::InvalidArgument`] naming `name`.
pub fn check_text(name: &'static str, value: &str, max: usize) -> Result<()> {
    if value.is_empty() {
        return Err(Error::argument(ErrorKind::InvalidArgument, name, "empty"));
    }
    if value.len() > max {
        return Err(Error::argument(ErrorKind::InvalidArgument, name, &format!("longer than {max} bytes")));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::argument(ErrorKind::InvalidArgument, name, "contains control characters"));
    }
    Ok(())
}

/// Percent-encodes everything but RFC 3986 unreserved characters, for a path segment.
pub(crate) fn percent_encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rules() {
        assert_eq!(check_user_id("").unwrap_err().kind(), ErrorKind::InvalidArgument);
        assert_eq!(check_user_id(&"a".repeat(257)).unwrap_err().kind(), ErrorKind::InvalidArgument);
        assert_eq!(check_user_id("a\nb").unwrap_err().kind(), ErrorKind::InvalidArgument);
        assert!(check_user_id("alice_01").is_ok());
        for dots in [".", ".."] {
            assert_eq!(check_user_id(dots).unwrap_err().argument_name(), Some("user_id"), "{dots}");
        }
        assert!(check_user_id("...").is_ok() && check_user_id(".alice").is_ok());
        assert!(check_join_code(None).is_ok());
        assert_eq!(check_join_code(Some("")).unwrap_err().argument_name(), Some("join_code"));
        assert_eq!(check_email(&"e".repeat(321)).unwrap_err().argument_name(), Some("email"));
        for bad in ["", "a\r\nX-Injected: 1", "tab\there", &"u".repeat(257)] {
            assert_eq!(check_user_agent(bad).unwrap_err().argument_name(), Some("user_agent"), "{bad:?}");
        }
        assert!(check_user_agent("my-app/1.0 (sxt-auth)").is_ok());
    }

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(percent_encode("a b/c?é"), "a%20b%2Fc%3F%C3%A9");
    }
}
