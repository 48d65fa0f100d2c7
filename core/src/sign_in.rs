//! Sign-in, in one place: the challenge/response exchange with a key, and API-key sign-in at the proxy. A
//! [`Client`](crate::Client) uses them to start a session and a [`Session`](crate::Session) to sign in again.
//! Both hold the same [`Service`], never each other.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::api_key::ApiKey;
use crate::base_url::BaseUrl;
use crate::config::ClientConfig;
use crate::error::Result;
use crate::http::{Reply, Transport};
use crate::keys::{PrivateKey, SCHEME};
use crate::signer::Signer;
use crate::wire::{self, Refresh};

/// What a client and every session started from it share: the transport (one connection pool) and the
/// session settings. `Send + Sync`.
pub(crate) struct Service {
    pub(crate) transport: Transport,
    /// Where API-key sign-in goes (`{proxy}/auth/apikey`), on the same transport.
    pub(crate) proxy: BaseUrl,
    pub(crate) refresh_margin: Duration,
    pub(crate) keep_key: bool,
    /// User ids this client has seen exist, so a later sign-in of the same user skips `auth/idexists`.
    pub(crate) known_users: KnownUsers,
}

/// A bounded set of user ids known to exist (the oldest is forgotten first). User ids are not secret.
#[derive(Default)]
pub(crate) struct KnownUsers(Mutex<(HashSet<String>, VecDeque<String>)>);

impl KnownUsers {
    /// How many user ids are remembered.
    pub(crate) const CAPACITY: usize = 1024;

    pub(crate) fn contains(&self, user_id: &str) -> bool {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).0.contains(user_id)
    }

    pub(crate) fn insert(&self, user_id: &str) {
        let mut guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let (set, order) = &mut *guard;
        // Every sign-in passes here: a user already known costs a look-up, no allocation.
        if !set.contains(user_id) {
            set.insert(user_id.to_string());
            order.push_back(user_id.to_string());
            if order.len() > Self::CAPACITY {
                if let Some(oldest) = order.pop_front() {
                    set.remove(&oldest);
                }
            }
        }
    }
}

impl Service {
    /// Errors: those of [`Transport::new`].
    pub(crate) fn new(base_url: &str, config: &ClientConfig) -> Result<Arc<Service>> {
        let proxy = BaseUrl::parse(config.proxy_url(), config.transport().allow_http()).map_err(|e| e.renamed_argument("proxy_url"))?;
        Ok(Arc::new(Service {
            transport: Transport::new(base_url, config.transport())?,
            proxy,
            refresh_margin: config.refresh_margin(),
            keep_key: config.keep_key(),
            known_users: KnownUsers::default(),
        }))
    }
}

/// Where a sign-in's challenge comes from.
pub(crate) enum Challenge<'a> {
    /// `POST /v1/auth/code`, with the organisation's join code when given.
    Code { join_code: Option<&'a str> },
    /// `POST /v1/auth/code-register`, which also takes an e-mail address.
    Register { email: &'a str, join_code: Option<&'a str> },
}

/// What a session signs in again with, when it keeps it.
#[derive(Clone)]
pub(crate) enum Credential {
    Key(PrivateKey),
    Signer(Signer),
    ApiKey(ApiKey),
}

/// What signs a challenge: a key in the library's memory, or an app's [`Signer`].
#[derive(Clone, Copy)]
pub(crate) enum Signing<'a> {
    Key(&'a PrivateKey),
    Signer(&'a Signer),
}

impl Signing<'_> {
    /// The signature for `auth_code`. Errors: a signer's ([`crate::ErrorKind::SignerFailed`], cancellation).
    pub(crate) fn sign(&self, auth_code: &str) -> Result<String> {
        match self {
            Signing::Key(k) => Ok(k.sign_hex(auth_code)),
            Signing::Signer(s) => s.sign_challenge(auth_code),
        }
    }

    /// The public key as the `key` field carries it.
    pub(crate) fn public_key(&self) -> String {
        match self {
            Signing::Key(k) => k.public_key().to_base64(),
            Signing::Signer(s) => s.public_key().to_string(),
        }
    }

    /// The `scheme` field.
    pub(crate) fn scheme(&self) -> &str {
        match self {
            Signing::Key(_) => SCHEME,
            Signing::Signer(s) => s.scheme(),
        }
    }

    /// The credential a session keeps to sign in again: a copy of the key when `keep_key`, the signer always
    /// (it holds no secret of the library's).
    pub(crate) fn kept(&self, keep_key: bool) -> Option<Credential> {
        match self {
            Signing::Key(k) => keep_key.then(|| Credential::Key((*k).clone())),
            Signing::Signer(s) => Some(Credential::Signer((*s).clone())),
        }
    }
}

/// A token reply, what it must hold, and the instant the exchange that produced it began (the conservative
/// start of the server's session clock).
pub(crate) struct SignedIn {
    pub(crate) reply: Reply,
    pub(crate) refresh: Refresh,
    pub(crate) started: Instant,
}

/// Signs in with `credential` (a key: the `auth/code` challenge, for an existing user).
pub(crate) fn sign_in_with(service: &Service, user_id: &str, credential: &Credential) -> Result<SignedIn> {
    match credential {
        Credential::Key(key) => sign_in(service, user_id, Signing::Key(key), &Challenge::Code { join_code: None }),
        Credential::Signer(s) => sign_in(service, user_id, Signing::Signer(s), &Challenge::Code { join_code: None }),
        Credential::ApiKey(key) => api_key_sign_in(service, key),
    }
}

/// `POST {proxy}/auth/apikey` with the `apikey` header: an access token, no refresh token.
///
/// Errors: transport codes; the proxy's refusal (401/403: [`crate::ErrorKind::Unauthorized`]).
pub(crate) fn api_key_sign_in(service: &Service, api_key: &ApiKey) -> Result<SignedIn> {
    let started = Instant::now();
    let reply = service.transport.post_api_key(&service.proxy, "/auth/apikey", api_key.expose())?;
    Ok(SignedIn { reply, refresh: Refresh::Ignored, started })
}

/// One full challenge/response sign-in: a challenge, signed with `with`, traded at `auth/token`.
///
/// Errors: transport codes; the server's refusals; [`crate::ErrorKind::MalformedResponse`] for a challenge
/// reply without a usable `authCode`; a signer's failure ([`crate::ErrorKind::SignerFailed`]), before anything
/// more is sent.
pub(crate) fn sign_in(service: &Service, user_id: &str, with: Signing<'_>, challenge: &Challenge<'_>) -> Result<SignedIn> {
    let started = Instant::now();
    let t = &service.transport;
    let code_reply = match *challenge {
        Challenge::Code { join_code } => t.post("/v1/auth/code", None, Some(&wire::CodeRequest { user_id, join_code }))?,
        Challenge::Register { email, join_code } => {
            t.post("/v1/auth/code-register", None, Some(&wire::CodeRegisterRequest { user_id, email, join_code }))?
        }
    };
    let auth_code = wire::parse_auth_code(&code_reply.body)?;
    let signature = with.sign(&auth_code)?;
    let public = with.public_key();
    let body = wire::TokenRequest { user_id, auth_code: &auth_code, signature: &signature, key: &public, scheme: with.scheme() };
    let reply = t.post("/v1/auth/token", None, Some(&body))?;
    service.known_users.insert(user_id);
    Ok(SignedIn { reply, refresh: Refresh::Required, started })
}
