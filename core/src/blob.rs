//! The text form of an exported session ([`crate::Session::export`]): what an app stores in its Keychain or
//! Keystore to restore the session after a restart ([`crate::Client::import_session`]).
//!
//! `sxts1.<payload>.<check>`: the version, the base64url (no padding) of a JSON record, and the base64url of
//! the first 16 bytes of SHA-256 over the version tag and the payload. The check catches a truncated or
//! altered blob (it is not a signature: whoever can write the store can write a valid blob, and the blob
//! holds bearer tokens anyway, so it must be kept as a secret). The record holds the tokens, their absolute
//! expiries (epoch milliseconds, on the server's clock as the server stated them), the session cap, the user
//! id, the service's base URL, and how the session signs in (a key's scheme and public key, or an API key):
//! never a private key or an API key.
//!
//! Parsing is strict: a blob over [`MAX_BLOB_LEN`] bytes, of another version, with a bad check, or whose
//! record is not exactly what this version writes is refused with [`ErrorKind::InvalidArgument`] naming
//! `blob` and saying which; the message never repeats the blob.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{Error, ErrorKind, Result};

/// The version this library writes and reads.
pub const VERSION: u32 = 1;
/// The longest blob accepted.
pub const MAX_BLOB_LEN: usize = 64 * 1024;

const TAG: &str = "sxts1";

/// How a session signs in.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum Origin {
    /// A key (in the library's memory or an app's signer): its scheme and public key as sent.
    Key { scheme: String, public_key: String },
    /// An API key.
    ApiKey,
}

/// What a blob holds. Tokens are wiped on drop.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Record {
    pub(crate) v: u32,
    pub(crate) base_url: String,
    pub(crate) user_id: String,
    pub(crate) origin: Origin,
    pub(crate) access_token: Zeroizing<String>,
    pub(crate) access_expires_ms: i64,
    /// Empty for an API-key session.
    pub(crate) refresh_token: Zeroizing<String>,
    pub(crate) refresh_expires_ms: i64,
    /// The end of the session (the 24-hour cap), epoch milliseconds.
    pub(crate) session_expires_ms: i64,
}

/// The blob of `record`, wiped when dropped.
pub(crate) fn encode(record: &Record) -> Result<Zeroizing<String>> {
    let json = Zeroizing::new(
        serde_json::to_vec(record).map_err(|_| Error::with_message(ErrorKind::Internal, "cannot encode the session"))?,
    );
    let payload = Zeroizing::new(URL_SAFE_NO_PAD.encode(&json[..]));
    Ok(Zeroizing::new(format!("{TAG}.{}.{}", payload.as_str(), check_of(&payload))))
}

/// The record of `blob`. Errors: [`ErrorKind::InvalidArgument`] naming `blob` (see the module docs).
pub(crate) fn decode(blob: &str) -> Result<Record> {
    let bad = |why: &str| Error::argument(ErrorKind::InvalidArgument, "blob", why);
    let blob = blob.trim_matches(|c: char| c.is_ascii_whitespace());
    if blob.is_empty() {
        return Err(bad("empty"));
    }
    if blob.len() > MAX_BLOB_LEN {
        return Err(bad(&format!("longer than {MAX_BLOB_LEN} bytes: not an exported session")));
    }
    let mut parts = blob.split('.');
    let (Some(tag), Some(payload), Some(check), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(bad("not an exported session (expected sxts<version>.<payload>.<check>), or truncated"));
    };
    if tag != TAG {
        return Err(match tag.strip_prefix("sxts").and_then(|v| v.parse::<u32>().ok()) {
            Some(v) => bad(&format!("an exported session of version {v}; this library reads version {VERSION}")),
            None => bad("not an exported session (it does not start with sxts<version>.)"),
        });
    }
    if check != check_of(payload) {
        return Err(bad("the blob was altered or truncated (its check does not match)"));
    }
    let json = Zeroizing::new(URL_SAFE_NO_PAD.decode(payload).map_err(|_| bad("the payload is not base64url"))?);
    let record: Record = serde_json::from_slice(&json).map_err(|_| bad("the payload is not a session record of version 1"))?;
    if record.v != VERSION {
        return Err(bad(&format!("a record of version {}; this library reads version {VERSION}", record.v)));
    }
    Ok(record)
}

fn check_of(payload: &str) -> String {
    let mut h = Sha256::new();
    h.update(TAG.as_bytes());
    h.update(b".");
    h.update(payload.as_bytes());
    URL_SAFE_NO_PAD.encode(&h.finalize()[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Record {
        Record {
            v: VERSION,
            base_url: "https://api.example".into(),
            user_id: "alice".into(),
            origin: Origin::Key { scheme: "ed25519".into(), public_key: "jx2dxJGVfC1cppytY0zUGoITMn2UsYaVBvTBHh9Cjhs=".into() },
            access_token: Zeroizing::new("access.token.jwt".into()),
            access_expires_ms: 1_800_000_000_000,
            refresh_token: Zeroizing::new("refresh".into()),
            refresh_expires_ms: 1_800_000_300_000,
            session_expires_ms: 1_800_086_400_000,
        }
    }

    #[test]
    fn round_trip_and_strictness() {
        let blob = encode(&record()).unwrap();
        assert!(blob.starts_with("sxts1."));
        let back = decode(&blob).unwrap();
        assert_eq!((back.user_id.as_str(), back.access_token.as_str(), back.origin.clone()), ("alice", "access.token.jwt", record().origin));
        assert!(decode(&format!("  {}\n", blob.as_str())).is_ok(), "surrounding white space from a file is fine");
        let why = |b: &str| decode(b).map(|_| ()).unwrap_err().message().to_string();
        assert!(why(&blob[..blob.len() - 3]).contains("altered or truncated"));
        assert!(why(&blob[..blob.len() / 2]).contains("truncated"));
        let mut altered = blob.as_bytes().to_vec();
        altered[10] = if altered[10] == b'A' { b'B' } else { b'A' };
        assert!(why(std::str::from_utf8(&altered).unwrap()).contains("altered"));
        assert!(why(&blob.replacen("sxts1.", "sxts2.", 1)).contains("version 2; this library reads version 1"));
        assert!(why("hello").contains("not an exported session"));
        assert!(why("").contains("empty"));
        assert!(why(&"a".repeat(MAX_BLOB_LEN + 1)).contains("longer than"));
        for b in ["", "sxts1.x.y", blob.as_str()] {
            if let Err(e) = decode(&b[..b.len().saturating_sub(1)]) {
                assert!(!e.message().contains("access.token"), "never echoes the blob");
                assert_eq!(e.argument_name(), Some("blob"));
            }
        }
    }

    #[test]
    fn a_record_with_fields_this_version_does_not_write_is_refused() {
        let json = br#"{"v":1,"base_url":"b","user_id":"u","origin":"api_key","access_token":"a","access_expires_ms":1,"refresh_token":"","refresh_expires_ms":0,"session_expires_ms":1,"private_key":"x"}"#;
        let payload = URL_SAFE_NO_PAD.encode(json);
        let blob = format!("{TAG}.{payload}.{}", check_of(&payload));
        assert!(decode(&blob).map(|_| ()).unwrap_err().message().contains("not a session record"));
    }
}
