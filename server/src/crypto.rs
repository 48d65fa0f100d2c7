//! Key and signature decoding, Ed25519 verification, and random identifiers.
//!
//! Written against the protocol text, not shared with the client library, so an
//! encoding mistake on one side shows up as a failure instead of cancelling out.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use ed25519_dalek::{Signature, VerifyingKey};
use rand::rngs::OsRng;
use rand::RngCore;

/// The only key scheme the protocol defines.
pub const SCHEME_ED25519: &str = "ed25519";

/// Checks the `scheme` field. The SxT SDKs (Python, Go, Node) all send the
/// lowercase string, and the protocol fixes it as lowercase, so nothing else is
/// accepted: a client that sends `ED25519` has a bug worth hearing about.
pub fn check_scheme(scheme: &str) -> Result<(), String> {
    if scheme == SCHEME_ED25519 {
        Ok(())
    } else {
        Err(format!("scheme not supported by this server (only \"{SCHEME_ED25519}\", in lowercase)"))
    }
}

/// A public key as sent on the wire: standard base64 with padding of the 32 raw
/// bytes (44 characters). The error text never repeats the input.
pub fn parse_public_key(b64: &str) -> Result<VerifyingKey, String> {
    const WANT: &str = "key must be the standard base64 (with padding) of a 32-byte Ed25519 public key";
    if b64.len() != 44 {
        return Err(format!("{WANT}: expected 44 characters, got {}", b64.len()));
    }
    let bytes = STANDARD.decode(b64).map_err(|_| format!("{WANT}: not valid base64"))?;
    let raw: [u8; 32] =
        bytes.as_slice().try_into().map_err(|_| format!("{WANT}: decodes to {} bytes", bytes.len()))?;
    let key = VerifyingKey::from_bytes(&raw).map_err(|_| format!("{WANT}: not a valid curve point"))?;
    if key.is_weak() {
        return Err(format!("{WANT}: the key is a small-order point"));
    }
    Ok(key)
}

/// A signature as sent on the wire: 128 lowercase hex characters.
pub fn parse_signature(hex: &str) -> Result<Signature, String> {
    const WANT: &str = "signature must be 128 lowercase hex characters (a 64-byte Ed25519 signature)";
    if hex.len() != 128 {
        return Err(format!("{WANT}: got {} characters", hex.len()));
    }
    let mut raw = [0u8; 64];
    for (i, pair) in hex.as_bytes().chunks_exact(2).enumerate() {
        let hi = lower_hex_value(pair[0]);
        let lo = lower_hex_value(pair[1]);
        match (hi, lo) {
            (Some(h), Some(l)) => raw[i] = (h << 4) | l,
            _ => return Err(format!("{WANT}: found a character outside 0-9a-f")),
        }
    }
    Ok(Signature::from_bytes(&raw))
}

fn lower_hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

/// True when `signature` is a valid Ed25519 signature by `key` over exactly the
/// UTF-8 bytes of `message`. Uses the strict check (canonical `S`, no
/// small-order `R` or key), which every conforming signer satisfies.
pub fn verify(key: &VerifyingKey, message: &str, signature: &Signature) -> bool {
    key.verify_strict(message.as_bytes(), signature).is_ok()
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    OsRng.fill_bytes(&mut b);
    b
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// An opaque bearer token: 32 random bytes, base64url without padding.
pub fn new_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// A random opaque token of exactly `len` URL-safe base64 characters (the public network's JWTs run to about
/// 500), for `--token-size`.
pub fn new_token_of(len: usize) -> String {
    let mut bytes = vec![0u8; len.div_ceil(4) * 3];
    OsRng.fill_bytes(&mut bytes);
    let mut t = URL_SAFE_NO_PAD.encode(bytes);
    t.truncate(len);
    t
}

/// A join code made by an invitation: `jc_` and 18 random bytes, base64url. Never valid JSON (the Python
/// SDK tries the reply as JSON before it takes it as text), and safe in a URL path.
pub fn new_join_code() -> String {
    format!("jc_{}", URL_SAFE_NO_PAD.encode(random_bytes::<18>()))
}

/// The random part of an authCode: 16 random bytes as lowercase hex.
pub fn new_challenge() -> String {
    hex(&random_bytes::<16>())
}

/// A session id shaped like the public network's: 12 random bytes as hex.
pub fn new_session_id() -> String {
    hex(&random_bytes::<12>())
}

/// A random (version 4) UUID, the shape of SxT subscription ids.
pub fn new_uuid() -> String {
    let mut b = random_bytes::<16>();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    // Test vectors from the protocol document (checked there with PyNaCl).
    const SEED_1: &str = "Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2Yc=";
    const PUB_1: &str = "jx2dxJGVfC1cppytY0zUGoITMn2UsYaVBvTBHh9Cjhs=";
    const AUTH_CODE: &str = "469867d9660b67f8aa12b2";
    const SIG_1: &str = "1b4217c3fadf9b2cee981a16069eb7047d79315513af57ccae91fe890e21371ed8724724203d9b904241eeafac50f3934feafa476f8c6a90973d157ee97eb102";
    const SEED_2: &str = "AlpbthdPZMnUYStjlw03n13atWl1AA33KVJ0If6+3Z4=";
    const PUB_2: &str = "1gQJ4ElmE/SyE4BRbtbjHEBYy6SQzHAcreKu2Snvou4=";

    fn signing_key(seed_b64: &str) -> SigningKey {
        let seed: [u8; 32] = STANDARD.decode(seed_b64).unwrap().try_into().unwrap();
        SigningKey::from_bytes(&seed)
    }

    #[test]
    fn seeds_give_the_documented_public_keys() {
        for (seed, public) in [(SEED_1, PUB_1), (SEED_2, PUB_2)] {
            let derived = STANDARD.encode(signing_key(seed).verifying_key().as_bytes());
            assert_eq!(derived, public);
        }
    }

    #[test]
    fn documented_signature_verifies() {
        let key = parse_public_key(PUB_1).unwrap();
        let sig = parse_signature(SIG_1).unwrap();
        assert!(verify(&key, AUTH_CODE, &sig));
        // And signing the authCode ourselves reproduces it (Ed25519 is deterministic).
        let ours = signing_key(SEED_1).sign(AUTH_CODE.as_bytes());
        assert_eq!(hex(&ours.to_bytes()), SIG_1);
    }

    #[test]
    fn flipped_bits_fail() {
        let key = parse_public_key(PUB_1).unwrap();
        // One bit flipped, in R (first half) and in S (second half) of the signature.
        for byte in [5, 40] {
            let mut raw = parse_signature(SIG_1).unwrap().to_bytes();
            raw[byte] ^= 0x01;
            let flipped = hex(&raw);
            assert!(!verify(&key, AUTH_CODE, &parse_signature(&flipped).unwrap()));
        }
        // Same signature over a different message.
        let sig = parse_signature(SIG_1).unwrap();
        assert!(!verify(&key, "469867d9660b67f8aa12b3", &sig));
        assert!(!verify(&key, "469867d9660b67f8aa12b2\n", &sig));
        // Same signature with the other key.
        assert!(!verify(&parse_public_key(PUB_2).unwrap(), AUTH_CODE, &sig));
    }

    #[test]
    fn signature_encoding_is_strict() {
        assert!(parse_signature(&SIG_1.to_uppercase()).is_err());
        assert!(parse_signature(&SIG_1[..126]).is_err());
        assert!(parse_signature(&format!("{SIG_1}00")).is_err());
        assert!(parse_signature(&format!("{}zz", &SIG_1[..126])).is_err());
    }

    #[test]
    fn key_encoding_is_strict() {
        // Url-safe alphabet, missing padding, hex, a 64-byte key, garbage.
        assert!(parse_public_key("1gQJ4ElmE_SyE4BRbtbjHEBYy6SQzHAcreKu2Snvou4=").is_err());
        assert!(parse_public_key("jx2dxJGVfC1cppytY0zUGoITMn2UsYaVBvTBHh9Cjhs").is_err());
        assert!(parse_public_key(&hex(&[7u8; 32])).is_err());
        assert!(parse_public_key(&STANDARD.encode([1u8; 64])).is_err());
        assert!(parse_public_key("not a key at all, but exactly 44 characters").is_err());
        // The identity point is a valid encoding but a small-order (weak) key.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert!(parse_public_key(&STANDARD.encode(identity)).is_err());
        // Errors never repeat the input.
        let secretish = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        assert!(!parse_public_key(secretish).unwrap_err().contains(secretish));
    }

    #[test]
    fn scheme_is_lowercase_ed25519() {
        assert!(check_scheme("ed25519").is_ok());
        assert!(check_scheme("ED25519").is_err());
        assert!(check_scheme("ecdsa").is_err());
        assert!(check_scheme("").is_err());
    }

    #[test]
    fn identifiers_have_the_expected_shapes() {
        let t = new_token();
        assert_eq!(t.len(), 43);
        assert_ne!(t, new_token());
        for len in [16, 43, 500, 501, 4096] {
            let t = new_token_of(len);
            assert_eq!(t.len(), len);
            assert!(t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        }
        assert_eq!(new_challenge().len(), 32);
        assert_eq!(new_session_id().len(), 24);
        let u = new_uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
    }
}
