//! [`Signer`]: a key that never enters the library. The app holds the private key where its platform protects
//! it (a Keychain or Secure Enclave item, the Android Keystore, an HSM or KMS, a hardware wallet) and signs
//! the challenges the library hands it.
//!
//! The app gives the public key as SxT wants it in the `key` field, the `scheme` (default `ed25519`; wallet
//! sign-in puts the chain id there, with a wallet address as the key) and a [`Sign`] implementation. The
//! library asks for the challenge, calls [`Sign::sign`] with the exact `authCode` bytes, checks what comes
//! back, and sends it. What is checked before anything is sent:
//! * for `ed25519`, the public key parses, and the signature is 128 lowercase hex characters that verify
//!   against it over the `authCode` (a signer with the wrong key, or returning garbage, is caught here);
//! * for any other scheme (which the library cannot verify), the key and signature are 1 to 1024 printable
//!   ASCII characters; they go to the server unchanged.
//! * the signer answered within [`CHALLENGE_LIFETIME`]: a challenge is valid 30 seconds, so a slower answer
//!   (a person who took too long to confirm) is reported as such instead of a puzzling refusal.
//!
//! A failing signer, a slow one and a wrong signature are [`ErrorKind::SignerFailed`] with a message saying
//! which; the signer's own message is kept (escaped, cut to 512 characters).

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::call;
use crate::error::{Error, ErrorKind, Result};
use crate::input::check_text;
use crate::keys::{PublicKey, SCHEME};

/// How long the service keeps a challenge valid: the most a signer may take.
pub const CHALLENGE_LIFETIME: Duration = Duration::from_secs(30);
/// The longest signature, and the longest public key of a scheme other than `ed25519`, accepted.
pub const MAX_EXTERNAL_LEN: usize = 1024;
/// The longest scheme string accepted.
pub const MAX_SCHEME_LEN: usize = 64;

/// Signs challenges with a key the app holds. Implementations must be `Send + Sync`: the library may call
/// [`Sign::sign`] from any thread, once per sign-in (a session's re-sign-in included), and from several
/// threads at once when several sign-ins run. No lock of the library is held while it runs, so it may block
/// as long as it needs (up to [`CHALLENGE_LIFETIME`]); it must not call into the session it signs for.
pub trait Sign: Send + Sync {
    /// Signs exactly `message` (an `authCode`: printable ASCII) and returns the signature as the scheme
    /// writes it in the protocol's `signature` field (for `ed25519`, 128 lowercase hex characters), or a
    /// message saying why it could not (never a secret: it goes into the error the caller sees).
    fn sign(&self, message: &[u8]) -> std::result::Result<String, String>;
}

/// A public key, its scheme and the [`Sign`] that signs for it. Cheap to clone (an `Arc`); the signer is
/// dropped when the last clone goes, sessions included. `Send + Sync`.
#[derive(Clone)]
pub struct Signer {
    inner: Arc<Inner>,
}

struct Inner {
    key: String,
    scheme: String,
    /// The key, for `ed25519`, to check signatures against.
    verifying: Option<PublicKey>,
    sign: Box<dyn Sign>,
}

impl Signer {
    /// A signer for `public_key` in `scheme` (None: `ed25519`).
    ///
    /// Errors: [`ErrorKind::InvalidKey`] naming `public_key` for an `ed25519` key that does not parse;
    /// [`ErrorKind::InvalidArgument`] naming `scheme` (empty, over 64 bytes, not printable ASCII) or
    /// `public_key` (for another scheme: empty, over 1024 bytes, not printable ASCII).
    pub fn new(public_key: &str, scheme: Option<&str>, sign: impl Sign + 'static) -> Result<Signer> {
        let scheme = scheme.unwrap_or(SCHEME);
        check_printable("scheme", scheme, MAX_SCHEME_LEN)?;
        let (key, verifying) = if scheme == SCHEME {
            let parsed = PublicKey::parse(public_key)?;
            (parsed.to_base64(), Some(parsed))
        } else {
            check_printable("public_key", public_key, MAX_EXTERNAL_LEN)?;
            (public_key.to_string(), None)
        };
        Ok(Signer { inner: Arc::new(Inner { key, scheme: scheme.to_string(), verifying, sign: Box::new(sign) }) })
    }

    /// The public key, as sent in the `key` field (for `ed25519`, re-encoded in the standard form).
    pub fn public_key(&self) -> &str {
        &self.inner.key
    }

    /// The scheme, as sent in the `scheme` field.
    pub fn scheme(&self) -> &str {
        &self.inner.scheme
    }

    /// Has the signer sign `auth_code`, timing it, and checks the answer (see the module docs).
    ///
    /// Errors: [`ErrorKind::SignerFailed`]; [`ErrorKind::Cancelled`] or [`ErrorKind::Timeout`] when the call
    /// was cancelled or passed its deadline while the signer ran.
    pub(crate) fn sign_challenge(&self, auth_code: &str) -> Result<String> {
        self.sign_within(auth_code, CHALLENGE_LIFETIME)
    }

    /// As [`Signer::sign_challenge`], with `limit` as the challenge's lifetime.
    fn sign_within(&self, auth_code: &str, limit: Duration) -> Result<String> {
        let started = Instant::now();
        let answer = self.inner.sign.sign(auth_code.as_bytes());
        let took = started.elapsed();
        call::check()?;
        let signature = answer.map_err(|why| {
            let why: String = why.chars().take(512).collect();
            Error::with_message(ErrorKind::SignerFailed, format!("the signer failed: {why}"))
        })?;
        if took >= limit {
            return Err(Error::with_message(
                ErrorKind::SignerFailed,
                format!(
                    "the signer took {:.1} s; a challenge is valid {} s, so it was not sent",
                    took.as_secs_f64(),
                    limit.as_secs_f64()
                ),
            ));
        }
        match &self.inner.verifying {
            Some(key) => {
                if signature.len() != 128 || !signature.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
                    return Err(Error::with_message(
                        ErrorKind::SignerFailed,
                        "the signer's answer is not an ed25519 signature (128 lowercase hex characters)",
                    ));
                }
                if !key.verifies_hex(auth_code, &signature) {
                    return Err(Error::with_message(
                        ErrorKind::SignerFailed,
                        "the signer's signature does not verify against its public key over the challenge",
                    ));
                }
            }
            None => check_printable("signature", &signature, MAX_EXTERNAL_LEN)
                .map_err(|_| Error::with_message(ErrorKind::SignerFailed, "the signer's answer is not 1 to 1024 printable ASCII characters"))?,
        }
        Ok(signature)
    }
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer").field("scheme", &self.inner.scheme).field("public_key", &self.inner.key).finish_non_exhaustive()
    }
}

/// As [`check_text`], and every byte printable ASCII (no spaces).
fn check_printable(name: &'static str, value: &str, max: usize) -> Result<()> {
    check_text(name, value, max)?;
    if !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::argument(ErrorKind::InvalidArgument, name, "has a character other than printable ASCII"));
    }
    Ok(())
}

impl<F> Sign for F
where
    F: Fn(&[u8]) -> std::result::Result<String, String> + Send + Sync,
{
    fn sign(&self, message: &[u8]) -> std::result::Result<String, String> {
        self(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::PrivateKey;

    fn with_key(key: &PrivateKey) -> Signer {
        let k = key.clone();
        Signer::new(&key.public_key().to_base64(), None, move |m: &[u8]| Ok(k.sign_hex(std::str::from_utf8(m).unwrap()))).unwrap()
    }

    #[test]
    fn a_good_signature_passes_and_garbage_does_not() {
        let key = PrivateKey::generate();
        assert_eq!(with_key(&key).sign_challenge("abc123").unwrap(), key.sign_hex("abc123"));
        let other = PrivateKey::generate();
        let wrong = Signer::new(&key.public_key().to_base64(), None, move |m: &[u8]| Ok(other.sign_hex(std::str::from_utf8(m).unwrap()))).unwrap();
        assert!(wrong.sign_challenge("abc").unwrap_err().message().contains("does not verify"));
        for garbage in ["", "zz", &"A".repeat(128), &"0".repeat(127)] {
            let g = garbage.to_string();
            let s = Signer::new(&key.public_key().to_base64(), None, move |_: &[u8]| Ok(g.clone())).unwrap();
            assert_eq!(s.sign_challenge("abc").unwrap_err().kind(), ErrorKind::SignerFailed, "{garbage:?}");
        }
        let failing = Signer::new(&key.public_key().to_base64(), None, |_: &[u8]| Err("user said no\n".to_string())).unwrap();
        let e = failing.sign_challenge("abc").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::SignerFailed);
        assert!(e.message().contains("user said no") && !e.message().contains('\n'), "{}", e.message());
    }

    #[test]
    fn a_signer_slower_than_the_challenge_lives_is_reported_as_such() {
        let key = PrivateKey::generate();
        let k = key.clone();
        let slow = Signer::new(&key.public_key().to_base64(), None, move |m: &[u8]| {
            std::thread::sleep(Duration::from_millis(120));
            Ok(k.sign_hex(std::str::from_utf8(m).unwrap()))
        })
        .unwrap();
        let e = slow.sign_within("abc", Duration::from_millis(100)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::SignerFailed);
        assert!(e.message().contains("the signer took 0.1 s; a challenge is valid 0.1 s"), "{}", e.message());
        assert!(slow.sign_within("abc", Duration::from_secs(5)).is_ok());
    }

    #[test]
    fn other_schemes_pass_through_checked_only_for_shape() {
        let s = Signer::new("0xAbC0000000000000000000000000000000000001", Some("1"), |_: &[u8]| Ok("0xsig".into())).unwrap();
        assert_eq!((s.scheme(), s.public_key()), ("1", "0xAbC0000000000000000000000000000000000001"));
        assert_eq!(s.sign_challenge("abc").unwrap(), "0xsig");
        let bad = Signer::new("k", Some("1"), |_: &[u8]| Ok("has space".into())).unwrap();
        assert_eq!(bad.sign_challenge("abc").unwrap_err().kind(), ErrorKind::SignerFailed);
        assert_eq!(Signer::new("k", Some(""), |_: &[u8]| Ok(String::new())).unwrap_err().argument_name(), Some("scheme"));
        assert_eq!(Signer::new("not a key", None, |_: &[u8]| Ok(String::new())).unwrap_err().kind(), ErrorKind::InvalidKey);
    }
}
