//! [`Client`]: the calls of the SxT auth protocol that need no session, and the ways to start one.
//!
//! A client holds one connection pool and its settings; it is cheap to clone (an `Arc`), `Send + Sync`, and
//! meant to be shared by every session of an application.

use std::sync::Arc;

use crate::api_key::ApiKey;
use crate::config::ClientConfig;
use crate::error::{Error, ErrorKind, Result};
use crate::input::{check_email, check_join_code, check_user_id, percent_encode};
use crate::keys::PrivateKey;
use crate::blob::Origin;
use crate::session::{Resume, Session};
use crate::signer::Signer;
use crate::sign_in::{api_key_sign_in, sign_in, Challenge, Credential, Service, Signing};
use crate::wire::{self, Refresh};

/// A connection to one SxT auth service. See the module docs.
#[derive(Clone)]
pub struct Client {
    service: Arc<Service>,
}

impl Client {
    /// A client with default settings. Errors: [`ErrorKind::InvalidUrl`], [`ErrorKind::InsecureUrl`].
    pub fn new(base_url: &str) -> Result<Client> {
        Client::with_config(base_url, &ClientConfig::default())
    }

    /// A client with the given settings. Errors: [`ErrorKind::InvalidUrl`], [`ErrorKind::InsecureUrl`].
    pub fn with_config(base_url: &str, config: &ClientConfig) -> Result<Client> {
        Ok(Client { service: Service::new(base_url, config)? })
    }

    /// The normalised base URL.
    pub fn base_url(&self) -> &str {
        self.service.transport.base_url().as_str()
    }

    /// `GET /v1/auth/idexists/{userId}`: whether the user id is taken.
    ///
    /// Errors: [`ErrorKind::InvalidArgument`] (empty, over 256 bytes, control characters); transport codes;
    /// the server's refusal (e.g. [`ErrorKind::BadRequest`] for an id it does not accept);
    /// [`ErrorKind::MalformedResponse`] unless the reply is a bare JSON boolean.
    pub fn user_exists(&self, user_id: &str) -> Result<bool> {
        check_user_id(user_id)?;
        let reply = self.service.transport.get(&format!("/v1/auth/idexists/{}", percent_encode(user_id)), None)?;
        let exists = wire::parse_bool(&reply.body)?;
        if exists {
            self.service.known_users.insert(user_id);
        }
        Ok(exists)
    }

    /// Signs in an existing user: challenge from `auth/code`, signed with `key`, traded at `auth/token`.
    /// The session keeps a copy of the key (unless [`ClientConfig::keep_key`] is off) so it can sign in again
    /// when its refresh chain runs out.
    ///
    /// On the SxT service a token call for an unknown user id *registers* it. So that a mistyped user id
    /// never creates an account, `login` first asks `auth/idexists` and fails with [`ErrorKind::NotFound`] for an
    /// unknown user; [`Client::register`] is the call that creates one. A client remembers (up to 1024) user ids
    /// it has seen exist, through `user_exists`, a sign-in or a registration, and skips that question for them:
    /// a repeated sign-in takes two exchanges, not three.
    ///
    /// Errors: input codes; transport codes; [`ErrorKind::NotFound`]; [`ErrorKind::BadRequest`] or
    /// [`ErrorKind::Unauthorized`] when the server refuses the signature or the key is not on the keyring.
    pub fn login(&self, user_id: &str, key: &PrivateKey) -> Result<Session> {
        self.require_existing(user_id)?;
        self.start(user_id, Signing::Key(key), Challenge::Code { join_code: None })
    }

    /// As [`Client::login`], signing with an app's [`Signer`]: the private key never enters the library. The
    /// session keeps the signer (whatever [`ClientConfig::keep_key`] says: it holds no secret) and signs in
    /// through it again when its refresh chain ends.
    ///
    /// Errors: as [`Client::login`]; [`ErrorKind::SignerFailed`] (the signer failed, was too slow, or signed
    /// with another key: nothing more is sent).
    pub fn login_signer(&self, user_id: &str, signer: &Signer) -> Result<Session> {
        self.require_existing(user_id)?;
        self.start(user_id, Signing::Signer(signer), Challenge::Code { join_code: None })
    }

    /// As [`Client::register`] (or with an `email`, [`Client::register_with_email`]), signing with `signer`:
    /// its public key and scheme become the user's first key.
    ///
    /// Errors: as [`Client::register`]; [`ErrorKind::SignerFailed`].
    pub fn register_signer(&self, user_id: &str, signer: &Signer, email: Option<&str>, join_code: Option<&str>) -> Result<Session> {
        check_join_code(join_code)?;
        match email {
            Some(email) => {
                check_email(email)?;
                self.start(user_id, Signing::Signer(signer), Challenge::Register { email, join_code })
            }
            None => self.start(user_id, Signing::Signer(signer), Challenge::Code { join_code }),
        }
    }

    /// Registers a new user whose first key is `key` and signs it in. The challenge comes from `auth/code`,
    /// with the organisation's `join_code` when given (SxT made it optional in its beta; a deployment may
    /// require it). For an existing user whose keyring holds `key` this is a plain sign-in.
    ///
    /// Errors: input codes; transport codes; [`ErrorKind::BadRequest`] for an unknown join code, or a user id
    /// registered with another key (or [`ErrorKind::Conflict`] / [`ErrorKind::Unauthorized`], as the deployment
    /// answers); [`ErrorKind::NotFound`] or [`ErrorKind::BadRequest`] for a missing join code the deployment requires.
    pub fn register(&self, user_id: &str, key: &PrivateKey, join_code: Option<&str>) -> Result<Session> {
        check_join_code(join_code)?;
        self.start(user_id, Signing::Key(key), Challenge::Code { join_code })
    }

    /// Registers a new user through `auth/code-register`, which also takes an e-mail address.
    ///
    /// Errors: as [`Client::register`]; [`ErrorKind::InvalidArgument`] for an empty or over-long `email` (the
    /// server judges its form).
    pub fn register_with_email(
        &self,
        user_id: &str,
        key: &PrivateKey,
        email: &str,
        join_code: Option<&str>,
    ) -> Result<Session> {
        check_email(email)?;
        check_join_code(join_code)?;
        self.start(user_id, Signing::Key(key), Challenge::Register { email, join_code })
    }

    /// Signs in with an API key: `POST {proxy}/auth/apikey` (the proxy of [`ClientConfig::proxy_url`]) with
    /// the key in the `apikey` header. The reply is an access token without a refresh token, so the session
    /// signs in again with the API key when the token is due (it keeps a copy, wiped with it, unless
    /// [`ClientConfig::keep_key`] is off; then it fails with [`ErrorKind::SessionExpired`]). The user id is the
    /// reply's `userId` when it has one, else what `GET /v1/auth/validtoken` on the API says (one more
    /// exchange). Logging out sends the access token.
    ///
    /// Errors: transport codes; [`ErrorKind::Unauthorized`] for a key the proxy refuses (401 or 403, with its
    /// detail); [`ErrorKind::MalformedResponse`] for a reply without an access token, or token info without
    /// a usable `userId`.
    pub fn login_api_key(&self, api_key: &ApiKey) -> Result<Session> {
        let signed_in = api_key_sign_in(&self.service, api_key)?;
        let set = wire::parse_token_reply(&signed_in.reply.body, Refresh::Ignored)?;
        let user_id = match set.user_id {
            Some(u) => u,
            None => {
                let reply = self.service.transport.get("/v1/auth/validtoken", Some(&set.access_token))?;
                let info = wire::parse_json(&reply.body)?;
                match info.get("userId").and_then(|u| u.as_str()) {
                    Some(u) if check_user_id(u).is_ok() => u.to_string(),
                    _ => {
                        return Err(Error::with_message(
                            ErrorKind::MalformedResponse,
                            "the token info of the API key's token has no usable userId",
                        ))
                    }
                }
            }
        };
        let kept = self.service.keep_key.then(|| Credential::ApiKey(api_key.clone()));
        Session::new(Arc::clone(&self.service), user_id, kept, Origin::ApiKey, signed_in)
    }

    /// A sign-in never registers by mistake: an id not known to exist is asked about (`auth/idexists`) first.
    /// An invalid id is never a known one, so `user_exists` refuses it before any request.
    fn require_existing(&self, user_id: &str) -> Result<()> {
        if !self.service.known_users.contains(user_id) && !self.user_exists(user_id)? {
            return Err(Error::argument(ErrorKind::NotFound, "user_id", "no such user; register it first"));
        }
        Ok(())
    }

    fn start(&self, user_id: &str, with: Signing<'_>, challenge: Challenge<'_>) -> Result<Session> {
        check_user_id(user_id)?;
        let signed_in = sign_in(&self.service, user_id, with, &challenge)?;
        let origin = Origin::Key { scheme: with.scheme().to_string(), public_key: with.public_key() };
        Session::new(Arc::clone(&self.service), user_id.to_string(), with.kept(self.service.keep_key), origin, signed_in)
    }

    /// Restores a session exported with [`Session::export`] (in this process or an earlier one), for this
    /// client's service. It refreshes as usual from then on; with `resume` (the key, signer or API key it
    /// signed in with) it also signs in again when its tokens run out; with [`Resume::Nothing`] it then fails
    /// with [`ErrorKind::SessionExpired`].
    ///
    /// Errors: [`ErrorKind::InvalidArgument`] naming `blob` (not an exported session, another version,
    /// truncated or altered, over 64 KiB, or from a client of another base URL); [`ErrorKind::InvalidKey`] when
    /// `resume` is not what the session signed in with; [`ErrorKind::SessionExpired`] when neither its access
    /// token nor its refresh token is still valid, or its 24-hour session is over.
    pub fn import_session(&self, blob: &str, resume: Resume<'_>) -> Result<Session> {
        Session::import(Arc::clone(&self.service), blob, resume)
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("base_url", &self.base_url()).finish()
    }
}
