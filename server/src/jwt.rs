//! Tokens shaped like the public network's: ES256-signed JWTs with a `kid` header and the claims the SxT
//! SDKs' samples show (`iat`, `nbf`, `exp`, `type`, `user`, `subscription`, `session`, `ssn_exp` in
//! milliseconds, `iteration`, `trial`), about 500 characters. The header carries `type` (access or refresh),
//! `kid` and `alg`, as the public network's do.
//!
//! The signing key is made at start-up and never leaves the process: a token from another server, or one
//! altered by a single character, does not verify. Verification here is only the signature, the header and
//! the time claims; whether a token is still live (not rotated away, not logged out) is the state's call.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, UnparsedPublicKey, ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING};
use serde::{Deserialize, Serialize};

use crate::crypto;

/// The longest token looked at; the server's own are about 550 characters.
const MAX_TOKEN_LEN: usize = 4096;

/// What a token says.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    pub iat: u64,
    pub nbf: u64,
    /// Expiry, epoch seconds (rounded up from the token's millisecond expiry).
    pub exp: u64,
    /// `access` or `refresh`.
    #[serde(rename = "type")]
    pub kind: String,
    pub user: String,
    pub subscription: String,
    pub session: String,
    /// The end of the session, epoch milliseconds.
    pub ssn_exp: u64,
    /// A random value that makes every token unique.
    pub iteration: String,
    pub trial: bool,
}

#[derive(Serialize, Deserialize)]
struct Header {
    #[serde(rename = "type")]
    kind: String,
    kid: String,
    alg: String,
}

/// The server's token key.
pub struct Signer {
    key: EcdsaKeyPair,
    public: Vec<u8>,
    kid: String,
    rng: SystemRandom,
}

impl Signer {
    /// A fresh P-256 key with a random key id.
    pub fn new() -> Signer {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).expect("P-256 key generation");
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).expect("a key just made");
        let public = key.public_key().as_ref().to_vec();
        Signer { key, public, kid: crypto::new_uuid(), rng }
    }

    /// `header.claims.signature`, each part base64url without padding.
    pub fn sign(&self, claims: &Claims) -> String {
        let header = Header { kind: claims.kind.clone(), kid: self.kid.clone(), alg: "ES256".into() };
        let mut token = String::with_capacity(600);
        token.push_str(&URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).unwrap_or_default()));
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default()));
        let signature = self.key.sign(&self.rng, token.as_bytes()).expect("ECDSA signing");
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(signature.as_ref()));
        token
    }

    /// The claims of a token this server signed that has not expired at `now_ms`. The reasons given never
    /// repeat the token.
    pub fn verify(&self, token: &str, now_ms: u64) -> Result<Claims, &'static str> {
        if token.len() > MAX_TOKEN_LEN {
            return Err("the token is not one this server issued");
        }
        let mut parts = token.split('.');
        let (Some(h), Some(c), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err("the token is not a JWT (header.claims.signature)");
        };
        let signature = URL_SAFE_NO_PAD.decode(s).map_err(|_| "the token's signature is not base64url")?;
        let signed = &token[..h.len() + 1 + c.len()];
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &self.public)
            .verify(signed.as_bytes(), &signature)
            .map_err(|_| "the token's signature does not verify")?;
        let header: Header = URL_SAFE_NO_PAD
            .decode(h)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or("the token's header is not valid")?;
        if header.alg != "ES256" || header.kid != self.kid {
            return Err("the token was not signed with this server's key");
        }
        let claims: Claims = URL_SAFE_NO_PAD
            .decode(c)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or("the token's claims are not valid")?;
        if claims.kind != header.kind {
            return Err("the token's header and claims disagree");
        }
        let now_s = now_ms / 1000;
        if now_s < claims.nbf {
            return Err("the token is not valid yet");
        }
        if now_s >= claims.exp {
            return Err("token has expired");
        }
        Ok(claims)
    }
}

impl Default for Signer {
    fn default() -> Self {
        Signer::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: u64) -> Claims {
        Claims {
            iat: 1_700_000_000,
            nbf: 1_700_000_000,
            exp,
            kind: "access".into(),
            user: "alice".into(),
            subscription: crypto::new_uuid(),
            session: crypto::new_session_id(),
            ssn_exp: 1_700_086_400_000,
            iteration: crypto::new_session_id(),
            trial: false,
        }
    }

    #[test]
    fn tokens_verify_and_are_shaped_like_the_public_networks() {
        let signer = Signer::new();
        let c = claims(1_700_001_500);
        let t = signer.sign(&c);
        assert!((450..700).contains(&t.len()), "about 500 characters: {}", t.len());
        assert_eq!(t.split('.').count(), 3);
        assert!(t.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)), "a bearer token");
        assert_eq!(signer.verify(&t, 1_700_000_500_000), Ok(c));
        let header: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(t.split('.').next().unwrap()).unwrap()).unwrap();
        assert_eq!(header["alg"], "ES256");
        assert_eq!(header["type"], "access");
        assert!(header["kid"].is_string());
    }

    #[test]
    fn altered_foreign_and_expired_tokens_do_not() {
        let signer = Signer::new();
        let t = signer.sign(&claims(1_700_001_500));
        let now = 1_700_000_500_000;
        assert_eq!(signer.verify(&t, 1_700_001_500_000), Err("token has expired"));
        assert!(Signer::new().verify(&t, now).is_err(), "another server's key");
        // One character changed in each part.
        let bytes = t.as_bytes();
        let dots: Vec<usize> = t.match_indices('.').map(|(i, _)| i).collect();
        for at in [5, dots[0] + 5, dots[1] + 5] {
            let mut altered = bytes.to_vec();
            altered[at] = if altered[at] == b'A' { b'B' } else { b'A' };
            assert!(signer.verify(std::str::from_utf8(&altered).unwrap(), now).is_err(), "altered at {at}");
        }
        for bad in ["", "a.b", "a.b.c.d", "not a token", &"x".repeat(5000)] {
            assert!(signer.verify(bad, now).is_err(), "{bad:.20}");
        }
    }
}
