//! Ed25519 keys as SxT users hold them: parsing, generation, signing, encoding.
//!
//! Accepted private key encodings (surrounding ASCII white space is ignored):
//! * standard base64 with padding of the 32-byte seed (44 characters) — what the SxT tools print;
//! * 64 hexadecimal characters of the same seed;
//! * standard base64 with padding of the 64-byte `seed || public key` (88 characters) — the Go and Node SDKs'
//!   form; its second half must be the public key of its first half.
//!
//! Public keys are standard base64 with padding of the 32 raw bytes. Signatures are the 64-byte Ed25519
//! signature over the exact UTF-8 bytes of the message, as lowercase hex (128 characters).
//!
//! Private key material is wiped from memory when dropped (every intermediate buffer included), and `Debug`
//! prints only the public half. All types here are `Send + Sync`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use zeroize::Zeroizing;

use crate::error::{ErrorKind, Error, Result};

/// The scheme string the protocol sends with every key.
pub const SCHEME: &str = "ed25519";

/// An Ed25519 private key (the 32-byte seed). Wiped on drop; `Debug` shows the public key only.
#[derive(Clone)]
pub struct PrivateKey {
    signing: SigningKey,
}

/// An Ed25519 public key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey {
    verifying: VerifyingKey,
}

impl PrivateKey {
    /// A new key from the operating system's random number generator.
    pub fn generate() -> PrivateKey {
        let mut seed = Zeroizing::new([0u8; 32]);
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, seed.as_mut());
        PrivateKey { signing: SigningKey::from_bytes(&seed) }
    }

    /// Parses a private key in any accepted encoding (see the module docs).
    ///
    /// Errors: [`ErrorKind::InvalidKey`] naming what was wrong (never echoing the input).
    pub fn parse(text: &str) -> Result<PrivateKey> {
        PrivateKey::parse_argument(text, "private_key")
    }

    /// As [`PrivateKey::parse`], naming the argument `name` in errors.
    pub fn parse_argument(text: &str, name: &'static str) -> Result<PrivateKey> {
        let text = text.trim_matches(|c: char| c.is_ascii_whitespace());
        let bad = |why: &str| Error::argument(ErrorKind::InvalidKey, name, why);
        let seed: Zeroizing<[u8; 32]> = match text.len() {
            44 => {
                let bytes = decode_base64(text).ok_or_else(|| bad("not valid base64"))?;
                to_seed(&bytes).ok_or_else(|| bad("base64 does not hold 32 bytes"))?
            }
            64 => {
                let bytes = decode_hex(text).ok_or_else(|| bad("64 characters but not hexadecimal"))?;
                to_seed(&bytes).ok_or_else(|| bad("hex does not hold 32 bytes"))?
            }
            88 => {
                let bytes = decode_base64(text).ok_or_else(|| bad("not valid base64"))?;
                if bytes.len() != 64 {
                    return Err(bad("base64 does not hold 64 bytes"));
                }
                let seed = to_seed(&bytes[..32]).ok_or_else(|| bad("base64 does not hold 64 bytes"))?;
                let key = SigningKey::from_bytes(&seed);
                if key.verifying_key().as_bytes()[..] != bytes[32..] {
                    return Err(bad("the second half of the 64-byte key is not the public key of the first"));
                }
                return Ok(PrivateKey { signing: key });
            }
            0 => return Err(bad("empty")),
            _ => {
                return Err(bad(
                    "expected base64 of a 32-byte seed (44 characters), 64 hex characters, \
                     or base64 of 64 bytes seed||public key (88 characters)",
                ))
            }
        };
        Ok(PrivateKey { signing: SigningKey::from_bytes(&seed) })
    }

    /// The public half.
    pub fn public_key(&self) -> PublicKey {
        PublicKey { verifying: self.signing.verifying_key() }
    }

    /// The seed as standard base64 with padding (44 characters): the form SxT users keep. The returned string
    /// is wiped when dropped.
    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(STANDARD.encode(self.signing.as_bytes()))
    }

    /// Signs the exact bytes of `message` and returns the signature as lowercase hex (128 characters).
    pub fn sign_hex(&self, message: &str) -> String {
        encode_hex(&self.signing.sign(message.as_bytes()).to_bytes())
    }
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PrivateKey(public: {})", self.public_key().to_base64())
    }
}

impl PublicKey {
    /// Parses standard base64 with padding of 32 bytes that form a valid Ed25519 point.
    ///
    /// Errors: [`ErrorKind::InvalidKey`].
    pub fn parse(text: &str) -> Result<PublicKey> {
        let text = text.trim_matches(|c: char| c.is_ascii_whitespace());
        let bad = |why: &str| Error::argument(ErrorKind::InvalidKey, "public_key", why);
        let bytes = decode_base64(text).ok_or_else(|| bad("not valid base64"))?;
        let raw: [u8; 32] = bytes.as_slice().try_into().map_err(|_| bad("base64 does not hold 32 bytes"))?;
        let verifying = VerifyingKey::from_bytes(&raw).map_err(|_| bad("not a valid Ed25519 public key"))?;
        Ok(PublicKey { verifying })
    }

    /// Standard base64 with padding (44 characters).
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.verifying.as_bytes())
    }

    /// Whether `signature_hex` (128 lowercase hex characters) is this key's strict Ed25519 signature over the
    /// exact bytes of `message`.
    pub fn verifies_hex(&self, message: &str, signature_hex: &str) -> bool {
        let Some(bytes) = decode_hex(signature_hex) else { return false };
        let Ok(raw) = <[u8; 64]>::try_from(bytes.as_slice()) else { return false };
        self.verifying.verify_strict(message.as_bytes(), &ed25519_dalek::Signature::from_bytes(&raw)).is_ok()
    }
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({})", self.to_base64())
    }
}

fn decode_base64(text: &str) -> Option<Zeroizing<Vec<u8>>> {
    STANDARD.decode(text).ok().map(Zeroizing::new)
}

fn to_seed(bytes: &[u8]) -> Option<Zeroizing<[u8; 32]>> {
    let mut seed = Zeroizing::new([0u8; 32]);
    if bytes.len() != 32 {
        return None;
    }
    seed.copy_from_slice(bytes);
    Some(seed)
}

fn decode_hex(text: &str) -> Option<Zeroizing<Vec<u8>>> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    let raw = text.as_bytes();
    if raw.len() % 2 != 0 {
        return None;
    }
    let mut out = Zeroizing::new(Vec::with_capacity(raw.len() / 2));
    for pair in raw.chunks_exact(2) {
        out.push(nibble(pair[0])? << 4 | nibble(pair[1])?);
    }
    Some(out)
}

fn encode_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // The protocol document's test vectors.
    const SEED: &str = "Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2Yc=";
    const PUBLIC: &str = "jx2dxJGVfC1cppytY0zUGoITMn2UsYaVBvTBHh9Cjhs=";
    const AUTH_CODE: &str = "469867d9660b67f8aa12b2";
    const SIGNATURE: &str = "1b4217c3fadf9b2cee981a16069eb7047d79315513af57ccae91fe890e21371ed8724724203d9b904241eeafac50f3934feafa476f8c6a90973d157ee97eb102";
    const SEED2: &str = "AlpbthdPZMnUYStjlw03n13atWl1AA33KVJ0If6+3Z4=";
    const PUBLIC2: &str = "1gQJ4ElmE/SyE4BRbtbjHEBYy6SQzHAcreKu2Snvou4=";

    fn seed_hex(b64: &str) -> String {
        encode_hex(&STANDARD.decode(b64).unwrap())
    }

    #[test]
    fn vectors_public_keys() {
        assert_eq!(PrivateKey::parse(SEED).unwrap().public_key().to_base64(), PUBLIC);
        assert_eq!(PrivateKey::parse(SEED2).unwrap().public_key().to_base64(), PUBLIC2);
    }

    #[test]
    fn vectors_signature() {
        assert_eq!(PrivateKey::parse(SEED).unwrap().sign_hex(AUTH_CODE), SIGNATURE);
    }

    #[test]
    fn all_three_encodings_agree() {
        let hex = seed_hex(SEED);
        let mut both = STANDARD.decode(SEED).unwrap();
        both.extend(STANDARD.decode(PUBLIC).unwrap());
        let both = STANDARD.encode(both);
        for text in [SEED.to_string(), hex.clone(), hex.to_uppercase(), both, format!("  {SEED}\n")] {
            let k = PrivateKey::parse(&text).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(k.public_key().to_base64(), PUBLIC);
            assert_eq!(k.to_base64().as_str(), SEED);
        }
    }

    #[test]
    fn mismatched_64_byte_key_is_refused() {
        let mut both = STANDARD.decode(SEED).unwrap();
        both.extend(STANDARD.decode(PUBLIC2).unwrap());
        let e = PrivateKey::parse(&STANDARD.encode(both)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidKey);
        assert!(e.message().contains("second half"));
    }

    #[test]
    fn garbage_is_refused_without_echo() {
        let secretish = "Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2Y!=";
        for text in ["", "abc", secretish, &"g".repeat(64), &"A".repeat(43), &"é".repeat(22), "Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2Yc"] {
            let e = PrivateKey::parse(text).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidKey, "{text:?}");
            assert!(text.is_empty() || !e.message().contains(text));
        }
        // 44 characters of base64 that decode to 33 bytes? Not possible with padding; 32-byte check still guards.
        assert_eq!(PublicKey::parse("not a key").unwrap_err().kind(), ErrorKind::InvalidKey);
    }

    #[test]
    fn generated_keys_round_trip_and_differ() {
        let a = PrivateKey::generate();
        let b = PrivateKey::generate();
        assert_ne!(a.public_key(), b.public_key());
        let again = PrivateKey::parse(&a.to_base64()).unwrap();
        assert_eq!(again.public_key(), a.public_key());
        assert_eq!(PublicKey::parse(&a.public_key().to_base64()).unwrap(), a.public_key());
        assert!(!format!("{a:?}").contains(a.to_base64().as_str()));
    }
}
