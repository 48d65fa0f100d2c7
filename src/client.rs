//! [`Client`]: the calls of the SxT auth protocol that need no session, and the ways to start one.
//!
//! A client holds one connection pool and its settings; it is cheap to clone (an `Arc`), `Send + Sync`, and
//! meant to be shared by every session of an application.

use std::sync::Arc;
use std::time::Duration;

use crate::error::{Code, Error, Result};
use crate::http::{Reply, Transport, TransportConfig};
use crate::keys::{PrivateKey, SCHEME};
use crate::session::Session;
use crate::wire;

/// Settings for a [`Client`].
#[derive(Clone)]
pub struct ClientConfig {
    /// Timeouts, trusted roots, plain-http permission, user agent.
    pub transport: TransportConfig,
    /// How long before an access token's expiry a session refreshes it (default 60 s). Clamped per token to
    /// half its lifetime, so short-lived tokens are not refreshed on every use. Also absorbs clock skew.
    pub refresh_margin: Duration,
    /// Whether sessions keep a copy of the private key so they can sign in again by themselves when the
    /// refresh chain or the 24-hour session runs out (default true). Without it such a session fails with
    /// [`Code::SessionExpired`] and the caller signs in again.
    pub keep_key: bool,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig { transport: TransportConfig::default(), refresh_margin: Duration::from_secs(60), keep_key: true }
    }
}

/// A connection to one SxT auth service. See the module docs.
#[derive(Clone)]
pub struct Client {
    inner: Arc<ClientInner>,
}

pub(crate) struct ClientInner {
    pub(crate) transport: Transport,
    pub(crate) refresh_margin: Duration,
    pub(crate) keep_key: bool,
}

/// The longest user id the library sends.
pub const MAX_USER_ID_LEN: usize = 256;

impl Client {
    /// A client with default settings. Errors: [`Code::InvalidUrl`], [`Code::InsecureUrl`].
    pub fn new(base_url: &str) -> Result<Client> {
        Client::with_config(base_url, &ClientConfig::default())
    }

    /// A client with the given settings. Errors: [`Code::InvalidUrl`], [`Code::InsecureUrl`].
    pub fn with_config(base_url: &str, config: &ClientConfig) -> Result<Client> {
        let transport = Transport::new(base_url, &config.transport)?;
        Ok(Client { inner: Arc::new(ClientInner { transport, refresh_margin: config.refresh_margin, keep_key: config.keep_key }) })
    }

    /// The normalised base URL.
    pub fn base_url(&self) -> &str {
        self.inner.transport.base_url().as_str()
    }

    pub(crate) fn inner(&self) -> &ClientInner {
        &self.inner
    }

    /// `GET /v1/auth/idexists/{userId}`: whether the user id is taken.
    ///
    /// Errors: [`Code::InvalidArgument`] (empty, over 256 bytes, control characters); transport codes;
    /// the server's refusal (e.g. [`Code::BadRequest`] for an id it does not accept);
    /// [`Code::MalformedResponse`] unless the reply is a bare JSON boolean.
    pub fn user_exists(&self, user_id: &str) -> Result<bool> {
        check_user_id(user_id)?;
        let reply = self.inner.transport.get(&format!("/v1/auth/idexists/{}", percent_encode(user_id)), None)?;
        wire::parse_bool(&reply.body)
    }

    /// Signs in an existing user: challenge from `auth/code`, signed with `key`, traded at `auth/token`.
    /// The session keeps a copy of the key (unless [`ClientConfig::keep_key`] is off) so it can sign in again
    /// when its refresh chain runs out.
    ///
    /// On the SxT service a token call for an unknown user id *registers* it. So that a mistyped user id
    /// never creates an account, `login` first asks `auth/idexists` and fails with [`Code::NotFound`] for an
    /// unknown user; [`Client::register`] is the call that creates one.
    ///
    /// Errors: input codes; transport codes; [`Code::NotFound`]; [`Code::BadRequest`] or
    /// [`Code::Unauthorized`] when the server refuses the signature or the key is not on the keyring.
    pub fn login(&self, user_id: &str, key: &PrivateKey) -> Result<Session> {
        if !self.user_exists(user_id)? {
            return Err(Error::argument(Code::NotFound, "user_id", "no such user; register it first"));
        }
        self.start(user_id, key, Challenge::Code { join_code: None })
    }

    /// Registers a new user whose first key is `key` and signs it in. The challenge comes from `auth/code`,
    /// with the organisation's `join_code` when given (SxT made it optional in its beta; a deployment may
    /// require it). For an existing user whose keyring holds `key` this is a plain sign-in.
    ///
    /// Errors: input codes; transport codes; [`Code::BadRequest`] for an unknown join code, or a user id
    /// registered with another key (or [`Code::Conflict`] / [`Code::Unauthorized`], as the deployment
    /// answers); [`Code::NotFound`] or [`Code::BadRequest`] for a missing join code the deployment requires.
    pub fn register(&self, user_id: &str, key: &PrivateKey, join_code: Option<&str>) -> Result<Session> {
        if let Some(code) = join_code {
            check_text("join_code", code, 256)?;
        }
        self.start(user_id, key, Challenge::Code { join_code })
    }

    /// Registers a new user through `auth/code-register`, which also takes an e-mail address.
    ///
    /// Errors: as [`Client::register`]; [`Code::InvalidArgument`] for an empty or over-long `email` (the
    /// server judges its form).
    pub fn register_with_email(
        &self,
        user_id: &str,
        key: &PrivateKey,
        email: &str,
        join_code: Option<&str>,
    ) -> Result<Session> {
        check_text("email", email, 320)?;
        if let Some(code) = join_code {
            check_text("join_code", code, 256)?;
        }
        self.start(user_id, key, Challenge::Register { email, join_code })
    }

    fn start(&self, user_id: &str, key: &PrivateKey, challenge: Challenge<'_>) -> Result<Session> {
        check_user_id(user_id)?;
        let (reply, started) = self.sign_in(user_id, key, &challenge)?;
        let kept = self.inner.keep_key.then(|| key.clone());
        Session::new(self.clone(), user_id.to_string(), kept, reply, started)
    }

    /// One full challenge/response sign-in. Returns the token reply and the instant the exchange began
    /// (the conservative start of the server's session clock).
    pub(crate) fn sign_in(
        &self,
        user_id: &str,
        key: &PrivateKey,
        challenge: &Challenge<'_>,
    ) -> Result<(Reply, std::time::Instant)> {
        let started = std::time::Instant::now();
        let t = &self.inner.transport;
        let code_reply = match *challenge {
            Challenge::Code { join_code } => {
                t.post("/v1/auth/code", None, Some(&wire::CodeRequest { user_id, join_code }))?
            }
            Challenge::Register { email, join_code } => t.post(
                "/v1/auth/code-register",
                None,
                Some(&wire::CodeRegisterRequest { user_id, email, join_code }),
            )?,
        };
        let auth_code = wire::parse_auth_code(&code_reply.body)?;
        let signature = key.sign_hex(&auth_code);
        let public = key.public_key().to_base64();
        let body = wire::TokenRequest { user_id, auth_code: &auth_code, signature: &signature, key: &public, scheme: SCHEME };
        Ok((t.post("/v1/auth/token", None, Some(&body))?, started))
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("base_url", &self.base_url()).finish()
    }
}

/// Where a sign-in's challenge comes from.
pub(crate) enum Challenge<'a> {
    Code { join_code: Option<&'a str> },
    Register { email: &'a str, join_code: Option<&'a str> },
}

fn check_user_id(user_id: &str) -> Result<()> {
    check_text("user_id", user_id, MAX_USER_ID_LEN)
}

/// Non-empty, at most `max` bytes, no control characters.
pub(crate) fn check_text(name: &'static str, value: &str, max: usize) -> Result<()> {
    if value.is_empty() {
        return Err(Error::argument(Code::InvalidArgument, name, "empty"));
    }
    if value.len() > max {
        return Err(Error::argument(Code::InvalidArgument, name, &format!("longer than {max} bytes")));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::argument(Code::InvalidArgument, name, "contains control characters"));
    }
    Ok(())
}

/// Percent-encodes everything but RFC 3986 unreserved characters, for a path segment.
fn percent_encode(segment: &str) -> String {
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
    fn user_ids_are_checked_and_encoded() {
        assert_eq!(check_user_id("").unwrap_err().code(), Code::InvalidArgument);
        assert_eq!(check_user_id(&"a".repeat(257)).unwrap_err().code(), Code::InvalidArgument);
        assert_eq!(check_user_id("a\nb").unwrap_err().code(), Code::InvalidArgument);
        assert!(check_user_id("alice_01").is_ok());
        assert_eq!(percent_encode("a b/c?é"), "a%20b%2Fc%3F%C3%A9");
    }
}
