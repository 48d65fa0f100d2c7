//! [`ApiKey`]: an SxT API key (made in Space and Time Studio), a secret like a private key.
//!
//! The key is sent in the `apikey` header of `POST {proxy}/auth/apikey`, so only what a header can carry
//! unchanged is accepted: 1 to [`MAX_API_KEY_LEN`] printable ASCII characters (no spaces, no control
//! characters). Surrounding ASCII white space (a trailing newline from a file) is ignored. The key is wiped
//! from memory when dropped, never appears in an error, and `Debug` prints only that it is there.

use zeroize::Zeroizing;

use crate::error::{Error, ErrorKind, Result};

/// The longest API key accepted, in bytes.
pub const MAX_API_KEY_LEN: usize = 1024;

/// An API key. Cheap to clone; every copy is wiped on drop. `Send + Sync`.
#[derive(Clone)]
pub struct ApiKey {
    text: Zeroizing<String>,
}

impl ApiKey {
    /// Checks and keeps `text`.
    ///
    /// Errors: [`ErrorKind::InvalidArgument`] naming `api_key` (empty, longer than [`MAX_API_KEY_LEN`], or a
    /// character other than printable ASCII); the message never repeats the key.
    pub fn parse(text: &str) -> Result<ApiKey> {
        let text = text.trim_matches(|c: char| c.is_ascii_whitespace());
        let bad = |why: &str| Error::argument(ErrorKind::InvalidArgument, "api_key", why);
        if text.is_empty() {
            return Err(bad("empty"));
        }
        if text.len() > MAX_API_KEY_LEN {
            return Err(bad(&format!("longer than {MAX_API_KEY_LEN} bytes")));
        }
        if !text.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(bad("has a character other than printable ASCII (a space, a control character, or non-ASCII)"));
        }
        Ok(ApiKey { text: Zeroizing::new(text.to_string()) })
    }

    /// The key, for the `apikey` header.
    pub(crate) fn expose(&self) -> &str {
        &self.text
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_and_secrecy() {
        let k = ApiKey::parse("  sxt_Ab1-._~+/=  \n").unwrap();
        assert_eq!(k.expose(), "sxt_Ab1-._~+/=");
        assert_eq!(format!("{k:?}"), "ApiKey(..)");
        for bad in ["", " \n ", "has space", "tab\tin", "nul\0in", "é-non-ascii", &"k".repeat(MAX_API_KEY_LEN + 1)] {
            let e = ApiKey::parse(bad).unwrap_err();
            assert_eq!((e.kind(), e.argument_name()), (ErrorKind::InvalidArgument, Some("api_key")), "{bad:?}");
            assert!(bad.trim().is_empty() || !e.message().contains(bad.trim()), "{}", e.message());
        }
        assert!(ApiKey::parse(&"k".repeat(MAX_API_KEY_LEN)).is_ok());
    }
}
