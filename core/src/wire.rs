//! The JSON bodies of the SxT auth protocol, exactly as the protocol document names their fields.
//!
//! Replies are parsed leniently where the public service is known to vary (unknown fields are ignored,
//! expiries may be integers or floats) and strictly where a mistake would be dangerous (tokens must be
//! non-empty strings).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use zeroize::Zeroizing;

use crate::error::{ErrorKind, Error, Result};

/// Body of `POST /v1/auth/code`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeRequest<'a> {
    pub user_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub join_code: Option<&'a str>,
}

/// Body of `POST /v1/auth/code-register`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeRegisterRequest<'a> {
    pub user_id: &'a str,
    pub email: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub join_code: Option<&'a str>,
}

/// Reply of the three challenge endpoints.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthCodeReply {
    pub auth_code: String,
}

/// Body of `POST /v1/auth/token`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenRequest<'a> {
    pub user_id: &'a str,
    pub auth_code: &'a str,
    pub signature: &'a str,
    pub key: &'a str,
    pub scheme: &'a str,
}

/// Body of `POST /v1/auth/keys`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AddKeyRequest<'a> {
    pub auth_code: &'a str,
    pub signature: &'a str,
    pub key: &'a str,
    pub scheme: &'a str,
}

/// A token set as the token and refresh endpoints return it. Tokens are wiped on drop.
pub struct TokenSet {
    pub access_token: Zeroizing<String>,
    pub refresh_token: Zeroizing<String>,
    /// Unix epoch milliseconds.
    pub access_expires_ms: i64,
    /// Unix epoch milliseconds.
    pub refresh_expires_ms: i64,
    /// The end of the whole session (the 24-hour cap), Unix epoch milliseconds, when the server says (one SDK
    /// declares `sessionExpires`; the protocol does not require it).
    pub session_expires_ms: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawTokenSet {
    access_token: Zeroizing<String>,
    refresh_token: Zeroizing<String>,
    access_token_expires: Value,
    refresh_token_expires: Value,
    #[serde(default)]
    session_expires: Value,
}

/// Parses a token set. Expiries are epoch milliseconds; a value below 10^11 can only be seconds (it would be
/// 1973 in milliseconds), so it is read as seconds, as some deployments send. A number sent as a JSON
/// string is accepted too.
///
/// Errors: [`ErrorKind::MalformedResponse`].
pub fn parse_token_set(body: &[u8]) -> Result<TokenSet> {
    let raw: RawTokenSet = serde_json::from_slice(body).map_err(|_| malformed("the token reply is not a token set"))?;
    if raw.access_token.is_empty() || raw.refresh_token.is_empty() {
        return Err(malformed("the token reply has an empty token"));
    }
    let access_expires_ms = epoch_ms(&raw.access_token_expires)?;
    Ok(TokenSet {
        access_expires_ms,
        refresh_expires_ms: epoch_ms(&raw.refresh_token_expires)?,
        // Optional and advisory: a missing or unreadable value, or one that ends the session before the access
        // token it came with, is ignored rather than trusted or failing the sign-in.
        session_expires_ms: if raw.session_expires.is_null() { None } else { epoch_ms(&raw.session_expires).ok() }
            .filter(|&end| end >= access_expires_ms),
        access_token: raw.access_token,
        refresh_token: raw.refresh_token,
    })
}

fn epoch_ms(v: &Value) -> Result<i64> {
    let n = v
        .as_i64()
        .or_else(|| v.as_f64().filter(|f| f.is_finite() && f.abs() < 9.0e15).map(|f| f as i64))
        .or_else(|| v.as_str().and_then(|s| s.trim().parse::<i64>().ok()))
        .ok_or_else(|| malformed("a token expiry is not a number"))?;
    if n <= 0 {
        return Err(malformed("a token expiry is not a positive time"));
    }
    Ok(if n < 100_000_000_000 { n.saturating_mul(1000) } else { n })
}

/// Parses a challenge reply. Errors: [`ErrorKind::MalformedResponse`] when `authCode` is missing or empty.
pub fn parse_auth_code(body: &[u8]) -> Result<String> {
    let reply: AuthCodeReply =
        serde_json::from_slice(body).map_err(|_| malformed("the challenge reply has no authCode string"))?;
    if reply.auth_code.is_empty() || reply.auth_code.len() > 4096 {
        return Err(malformed("the challenge reply's authCode is empty or too long"));
    }
    Ok(reply.auth_code)
}

/// Parses the `auth/idexists` reply: a bare JSON boolean.
pub fn parse_bool(body: &[u8]) -> Result<bool> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Bool(b)) => Ok(b),
        _ => Err(malformed("the reply is not a JSON boolean")),
    }
}

/// Parses any JSON reply (token info, key list).
pub fn parse_json(body: &[u8]) -> Result<Value> {
    serde_json::from_slice(body).map_err(|_| malformed("the reply is not JSON"))
}

/// The `title` and `detail` of an RFC 7807 error body, when the body is one. Non-string values are shown
/// as JSON; long values are cut.
pub fn parse_problem(body: &[u8]) -> (Option<String>, Option<String>) {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
        return (None, None);
    };
    let text = |k: &str| {
        map.get(k).filter(|v| !v.is_null()).map(|v| {
            let s = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            truncate(s, 512)
        })
    };
    (text("title").or_else(|| text("error")), text("detail").or_else(|| text("message")))
}

fn truncate(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
    s
}

fn malformed(why: &str) -> Error {
    Error::with_message(ErrorKind::MalformedResponse, why)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_set_units_and_extras() {
        let t = parse_token_set(
            br#"{"accessToken":"a","refreshToken":"r","accessTokenExpires":1700000000123,"refreshTokenExpires":1700000000.5,"sessionExpires":1}"#,
        )
        .unwrap();
        assert_eq!(t.access_token.as_str(), "a");
        assert_eq!(t.access_expires_ms, 1_700_000_000_123);
        assert_eq!(t.refresh_expires_ms, 1_700_000_000_000);
        assert_eq!(t.session_expires_ms, None, "sessionExpires 1 is not a time");
        let t = parse_token_set(br#"{"accessToken":"a","refreshToken":"r","accessTokenExpires":"1700000000123","refreshTokenExpires":1700000000}"#).unwrap();
        assert_eq!((t.access_expires_ms, t.refresh_expires_ms), (1_700_000_000_123, 1_700_000_000_000));
        assert_eq!(t.session_expires_ms, None);
        let t = parse_token_set(br#"{"accessToken":"a","refreshToken":"r","accessTokenExpires":1700000000123,"refreshTokenExpires":1700000000123,"sessionExpires":1700086400000}"#).unwrap();
        assert_eq!(t.session_expires_ms, Some(1_700_086_400_000));
        for bad in [
            &br#"{"accessToken":"","refreshToken":"r","accessTokenExpires":1,"refreshTokenExpires":1}"#[..],
            br#"{"accessToken":"a","refreshToken":"r","accessTokenExpires":"soon","refreshTokenExpires":1}"#,
            br#"{"accessToken":"a","refreshToken":"r","accessTokenExpires":null,"refreshTokenExpires":1}"#,
            br#"{"accessToken":"a","refreshToken":"r","accessTokenExpires":-5,"refreshTokenExpires":1}"#,
            br#"{"accessToken":1,"refreshToken":"r","accessTokenExpires":1,"refreshTokenExpires":1}"#,
            br#"[]"#,
            b"",
        ] {
            assert_eq!(parse_token_set(bad).err().unwrap().kind(), ErrorKind::MalformedResponse);
        }
    }

    #[test]
    fn idexists_is_a_bare_boolean() {
        assert!(parse_bool(b"true").unwrap());
        assert!(!parse_bool(b" false\n").unwrap());
        assert!(parse_bool(b"\"true\"").is_err());
        assert!(parse_bool(b"{}").is_err());
    }

    #[test]
    fn problem_bodies() {
        let (t, d) = parse_problem(br#"{"type":"x","title":"Bad Request","detail":"bad signature","status":400}"#);
        assert_eq!((t.as_deref(), d.as_deref()), (Some("Bad Request"), Some("bad signature")));
        assert_eq!(parse_problem(b"<html>"), (None, None));
        let (t, _) = parse_problem(format!(r#"{{"title":"{}"}}"#, "é".repeat(400)).as_bytes());
        assert!(t.unwrap().len() <= 515);
    }

    #[test]
    fn requests_use_protocol_field_names() {
        let body = serde_json::to_string(&TokenRequest {
            user_id: "u",
            auth_code: "c",
            signature: "s",
            key: "k",
            scheme: "ed25519",
        })
        .unwrap();
        assert_eq!(body, r#"{"userId":"u","authCode":"c","signature":"s","key":"k","scheme":"ed25519"}"#);
        let body = serde_json::to_string(&CodeRequest { user_id: "u", join_code: None }).unwrap();
        assert_eq!(body, r#"{"userId":"u"}"#);
    }
}
