//! The server's in-memory state and the protocol rules: users and keyrings,
//! subscriptions and their invitations, challenges, sessions and tokens, API keys.
//!
//! One mutex guards everything. Each request holds it for a few map operations
//! (signature checks happen outside it), which is plenty for a test server.
//!
//! Memory is bounded, and no request does work proportional to the tables:
//! challenges are kept in issue order and expired ones are dropped from the
//! front a few at a time; each user id holds at most a few outstanding
//! challenges (a new one evicts that user's oldest), and a full table evicts the
//! oldest challenge rather than refusing everyone. Users, sessions per user,
//! sessions overall, tokens per session and outstanding invitations are capped
//! ([`Limits`]). Expired tokens, sessions and invitations are also purged once a
//! second.
//!
//! Subscriptions: every user belongs to one, with a role (member, admin or
//! owner). A user registered without a join code owns a new one; a `--join-code`
//! code makes it a member of that code's subscription; an invitation
//! (`POST /v1/subscription/invite`, single use, 24 hours) gives its role in the
//! inviter's subscription, at registration or later through
//! `POST /v1/subscription/invite/{joinCode}`.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use ed25519_dalek::{Signature, VerifyingKey};
use serde::Serialize;

use crate::crypto;
use crate::jwt;
use crate::problem::Problem;

/// How long an invitation's join code lives on the public service, and by default here (`--invite-ttl`).
pub const INVITE_TTL_MS: u64 = 24 * 60 * 60 * 1000;

/// Keys one user may hold.
const MAX_KEYS_PER_USER: usize = 32;

/// Size bounds of the in-memory tables.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Outstanding challenges; a new one beyond this evicts the oldest.
    pub max_challenges: usize,
    /// Outstanding challenges of one user id; a new one beyond this evicts that user's oldest.
    pub max_challenges_per_user: usize,
    /// Registered users; registration beyond this is refused (503).
    pub max_users: usize,
    /// Live sessions of one user; a new sign-in beyond this ends that user's oldest session.
    pub max_sessions_per_user: usize,
    /// Live sessions overall; a sign-in beyond this (after purging expired ones) is refused (503).
    pub max_sessions: usize,
    /// Live tokens of one session (each refresh adds an access token); beyond this the oldest is revoked.
    pub max_tokens_per_session: usize,
    /// Outstanding invitations; a new one beyond this evicts the oldest.
    pub max_invites: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_challenges: 100_000,
            max_challenges_per_user: 128,
            max_users: 100_000,
            max_sessions_per_user: 64,
            max_sessions: 200_000,
            max_tokens_per_session: 8,
            max_invites: 100_000,
        }
    }
}

/// Wall-clock time in epoch milliseconds. Tests and in-process drivers can move it forward.
#[derive(Default)]
pub struct Clock {
    offset_ms: AtomicU64,
}

impl Clock {
    pub fn now_ms(&self) -> u64 {
        let wall = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
        wall + self.offset_ms.load(Ordering::Relaxed)
    }

    /// Moves this clock `ms` milliseconds forward (it never goes back).
    pub fn advance(&self, ms: u64) {
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }
}

/// Lifetimes and registration rules, all durations in milliseconds.
#[derive(Debug, Clone)]
pub struct Policy {
    pub challenge_ttl_ms: u64,
    pub access_ttl_ms: u64,
    pub refresh_ttl_ms: u64,
    pub session_ttl_ms: u64,
    pub join_code_ttl_ms: u64,
    /// Lifetime of a join code made by an invitation.
    pub invite_ttl_ms: u64,
    pub join_codes: Vec<String>,
    pub require_join_code: bool,
    pub limits: Limits,
    /// Opaque token length in characters (`--token-size`); None: 43 (32 random bytes).
    pub token_size: Option<usize>,
    /// Opaque random tokens instead of ES256 JWTs.
    pub opaque_tokens: bool,
    /// `(user id, API key)` pairs for `POST /auth/apikey`.
    pub api_keys: Vec<(String, String)>,
}

impl Policy {
    pub fn from_config(c: &crate::cli::Config) -> Self {
        Policy {
            challenge_ttl_ms: c.challenge_ttl * 1000,
            access_ttl_ms: c.access_ttl * 1000,
            refresh_ttl_ms: c.refresh_ttl * 1000,
            session_ttl_ms: c.session_ttl * 1000,
            join_code_ttl_ms: c.join_code_ttl * 1000,
            invite_ttl_ms: c.invite_ttl * 1000,
            join_codes: c.join_codes.clone(),
            require_join_code: c.require_join_code,
            limits: Limits::default(),
            token_size: c.token_size,
            opaque_tokens: c.opaque_tokens,
            api_keys: c.api_keys.clone(),
        }
    }
}

/// What a challenge may be used for.
#[derive(Debug, Clone, PartialEq)]
enum Purpose {
    /// `auth/code` or `auth/code-register`: log in, or register if the user is new.
    Login { join_code: Option<JoinCode>, email: Option<String> },
    /// `auth/keys/code`: add a key to the keyring of the user who asked.
    AddKey,
}

#[derive(Debug)]
struct Challenge {
    user_id: String,
    purpose: Purpose,
    expires_ms: u64,
}

#[derive(Debug, Clone)]
struct KeyEntry {
    key_b64: String,
    created_ms: u64,
}

/// A user's standing in its subscription, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Member,
    Admin,
    Owner,
}

impl Role {
    /// `MEMBER`, `ADMIN` or `OWNER`, in any case (the Python SDK upper-cases what it is given).
    pub fn parse(text: &str) -> Option<Role> {
        match text.to_ascii_uppercase().as_str() {
            "MEMBER" => Some(Role::Member),
            "ADMIN" => Some(Role::Admin),
            "OWNER" => Some(Role::Owner),
            _ => None,
        }
    }
}

/// A join code made by `POST /v1/subscription/invite`: single use.
#[derive(Debug, Clone)]
struct Invite {
    subscription_id: String,
    role: Role,
    expires_ms: u64,
}

/// A join code given with a challenge request, checked.
#[derive(Debug, Clone, PartialEq)]
enum JoinCode {
    /// A `--join-code` code: membership of its subscription, for any number of users.
    Org(String),
    /// An invitation: its role in its subscription, once.
    Invite(String),
}

#[derive(Debug)]
struct User {
    keys: Vec<KeyEntry>,
    subscription_id: String,
    role: Role,
    /// Recorded at registration (`auth/code-register`); no endpoint returns it.
    #[allow(dead_code)]
    email: Option<String>,
}

impl User {
    /// A user made by an API key: the owner of a subscription of its own, with an empty keyring that its
    /// first key sign-in fills.
    fn of_api_key() -> User {
        User { keys: Vec::new(), subscription_id: crypto::new_uuid(), role: Role::Owner, email: None }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Access,
    Refresh,
}

/// Who a token is for, as its claims say.
struct Subject<'a> {
    user_id: &'a str,
    subscription_id: &'a str,
    session_id: &'a str,
    session_end: u64,
}

#[derive(Debug, Clone)]
struct TokenEntry {
    kind: TokenKind,
    user_id: String,
    session_id: String,
    expires_ms: u64,
}

#[derive(Debug)]
struct Session {
    user_id: String,
    /// Started by `auth/apikey`: access tokens only, no refresh.
    api_key: bool,
    /// Absolute end of the session: no token outlives it.
    expires_ms: u64,
    /// Its tokens, oldest first.
    tokens: VecDeque<String>,
}

#[derive(Default)]
struct Store {
    users: HashMap<String, User>,
    challenges: HashMap<String, Challenge>,
    /// Challenge codes in issue order (so in expiry order); codes already taken are skipped when reached.
    challenge_order: VecDeque<String>,
    /// Each user id's outstanding challenge codes, oldest first.
    challenges_by_user: HashMap<String, VecDeque<String>>,
    tokens: HashMap<String, TokenEntry>,
    sessions: HashMap<String, Session>,
    /// Each user's live session ids, oldest first.
    sessions_by_user: HashMap<String, VecDeque<String>>,
    invites: HashMap<String, Invite>,
    /// Invitation codes in issue order (so in expiry order); codes already used are skipped when reached.
    invite_order: VecDeque<String>,
}

/// The token set returned by `auth/token` and `auth/refresh`.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TokenSet {
    pub access_token: String,
    pub refresh_token: String,
    pub access_token_expires: u64,
    pub refresh_token_expires: u64,
    pub session_expires: u64,
}

/// The reply of `auth/apikey`: an access token, no refresh token (as the SxT proxy's).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AccessToken {
    pub access_token: String,
    pub access_token_expires: u64,
    pub session_expires: u64,
}

/// What `auth/validtoken` reports.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TokenInfo {
    pub user_id: String,
    pub subscription_id: String,
    pub session_id: String,
    pub restricted: bool,
    pub quota_exceeded: bool,
    pub trial: bool,
    pub access_token_expires: u64,
    pub session_expires: u64,
}

/// One entry of `GET auth/keys`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct KeyInfo {
    pub key: String,
    pub scheme: &'static str,
    pub created: u64,
}

/// A signed challenge as sent to `auth/token` or `POST auth/keys`, already
/// decoded and format-checked.
pub struct SignedChallenge {
    pub auth_code: String,
    pub signature: Signature,
    pub key: VerifyingKey,
    pub key_b64: String,
}

pub struct AuthState {
    pub policy: Policy,
    pub clock: Clock,
    /// Join code -> subscription it joins; all codes expire together.
    join_codes: HashMap<String, String>,
    join_codes_expire_ms: u64,
    /// API key -> the user it signs in: `--api-key`'s, and `--api-keys-file`'s as last (re)read.
    api_keys: std::sync::RwLock<HashMap<String, String>>,
    /// The JWT key; None for opaque tokens.
    signer: Option<jwt::Signer>,
    store: Mutex<Store>,
}

impl AuthState {
    pub fn new(policy: Policy) -> Self {
        let clock = Clock::default();
        let join_codes = policy.join_codes.iter().map(|c| (c.clone(), crypto::new_uuid())).collect();
        let join_codes_expire_ms = clock.now_ms() + policy.join_code_ttl_ms;
        let mut store = Store::default();
        let mut api_keys = HashMap::new();
        for (user, key) in &policy.api_keys {
            api_keys.insert(key.clone(), user.clone());
            store.users.entry(user.clone()).or_insert_with(User::of_api_key);
        }
        let signer = (!policy.opaque_tokens).then(jwt::Signer::new);
        let api_keys = std::sync::RwLock::new(api_keys);
        AuthState { policy, clock, join_codes, join_codes_expire_ms, api_keys, signer, store: Mutex::new(store) }
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock cannot leave the maps half-updated in a
        // way that matters here, so keep serving.
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn user_exists(&self, user_id: &str) -> bool {
        self.store().users.contains_key(user_id)
    }

    /// Checks a join code given with a challenge request; `None` and `""` mean
    /// "no join code" (the Go SDK sends an empty string, the Node SDK `null`).
    fn check_join_code(&self, store: &Store, join_code: Option<&str>, now: u64) -> Result<Option<JoinCode>, Problem> {
        match join_code {
            None | Some("") => Ok(None),
            Some(code) => self.find_join_code(store, code, now).map(Some),
        }
    }

    /// A `--join-code` code or an invitation, live at `now`.
    fn find_join_code(&self, store: &Store, code: &str, now: u64) -> Result<JoinCode, Problem> {
        if self.join_codes.contains_key(code) {
            return if now >= self.join_codes_expire_ms {
                Err(Problem::bad_join_code("join code has expired"))
            } else {
                Ok(JoinCode::Org(code.to_string()))
            };
        }
        match store.invites.get(code) {
            Some(invite) if invite.expires_ms > now => Ok(JoinCode::Invite(code.to_string())),
            Some(_) => Err(Problem::bad_join_code("join code has expired")),
            None => Err(Problem::bad_join_code("unknown join code, or one already used")),
        }
    }

    /// The subscription and role a checked join code gives, consuming an invitation.
    fn redeem(&self, store: &mut Store, code: &JoinCode, now: u64) -> Result<(String, Role), Problem> {
        match code {
            JoinCode::Org(c) => {
                if now >= self.join_codes_expire_ms {
                    return Err(Problem::bad_join_code("join code has expired"));
                }
                Ok((self.join_codes[c].clone(), Role::Member))
            }
            JoinCode::Invite(c) => match store.invites.remove(c) {
                Some(invite) if invite.expires_ms > now => Ok((invite.subscription_id, invite.role)),
                Some(_) => Err(Problem::bad_join_code("join code has expired")),
                None => Err(Problem::bad_join_code("unknown join code, or one already used")),
            },
        }
    }

    fn insert_challenge(
        &self,
        store: &mut Store,
        user_id: &str,
        purpose: Purpose,
        prefix: &str,
        now: u64,
    ) -> Result<String, Problem> {
        let limits = &self.policy.limits;
        store.drop_expired_challenges(now);
        let oldest_of_user = store
            .challenges_by_user
            .get(user_id)
            .filter(|codes| codes.len() >= limits.max_challenges_per_user)
            .and_then(|codes| codes.front().cloned());
        if let Some(code) = oldest_of_user {
            store.remove_challenge(&code);
        }
        while store.challenges.len() >= limits.max_challenges {
            let Some(code) = store.challenge_order.pop_front() else { break };
            store.remove_challenge(&code);
        }
        // The optional prefix becomes part of the authCode, so the client signs
        // it too ("sign in to ...: <code>" style messages for wallets).
        let code = format!("{prefix}{}", crypto::new_challenge());
        store.challenges.insert(
            code.clone(),
            Challenge {
                user_id: user_id.to_string(),
                purpose,
                expires_ms: now + self.policy.challenge_ttl_ms,
            },
        );
        store.challenge_order.push_back(code.clone());
        store.challenges_by_user.entry(user_id.to_string()).or_default().push_back(code.clone());
        if store.challenge_order.len() > 2 * limits.max_challenges + 1024 {
            // Mostly codes already taken: keep the queue proportional to the table.
            let live = &store.challenges;
            store.challenge_order.retain(|c| live.contains_key(c));
        }
        Ok(code)
    }

    /// `auth/code` and `auth/code-register`: a login challenge bound to the user
    /// and to the registration details given with it.
    pub fn login_challenge(
        &self,
        user_id: &str,
        join_code: Option<&str>,
        email: Option<&str>,
        prefix: &str,
    ) -> Result<String, Problem> {
        let now = self.clock.now_ms();
        let mut store = self.store();
        let join_code = self.check_join_code(&store, join_code, now)?;
        if !store.users.contains_key(user_id) && join_code.is_none() && self.policy.require_join_code {
            return Err(Problem::not_found(
                "unknown-user",
                "unknown userId; this server needs a joinCode to register a new user",
            ));
        }
        let purpose = Purpose::Login { join_code, email: email.map(str::to_string) };
        self.insert_challenge(&mut store, user_id, purpose, prefix, now)
    }

    /// Removes and returns the challenge (single use: any attempt consumes it),
    /// checking it belongs to `user_id`.
    fn take_challenge(store: &mut Store, code: &str, user_id: &str, now: u64) -> Result<Challenge, Problem> {
        let ch = store
            .remove_challenge(code)
            .ok_or_else(|| Problem::bad_challenge("unknown or already used authCode"))?;
        if ch.expires_ms <= now {
            return Err(Problem::bad_challenge("authCode has expired; request a new one"));
        }
        if ch.user_id != user_id {
            return Err(Problem::bad_challenge("authCode was issued for a different userId"));
        }
        Ok(ch)
    }

    /// `auth/token`: check the signed challenge, register the user on first
    /// use, and open a new session.
    pub fn exchange(&self, user_id: &str, signed: &SignedChallenge) -> Result<TokenSet, Problem> {
        let now = self.clock.now_ms();
        let challenge = {
            let mut store = self.store();
            Self::take_challenge(&mut store, &signed.auth_code, user_id, now)?
        };
        let Purpose::Login { join_code, email } = challenge.purpose else {
            return Err(Problem::bad_challenge(
                "authCode was issued for adding a key (auth/keys/code), not for logging in",
            ));
        };
        if !crypto::verify(&signed.key, &signed.auth_code, &signed.signature) {
            return Err(Problem::bad_signature("signature does not verify for this authCode and key"));
        }

        let mut store = self.store();
        match store.users.get_mut(user_id) {
            // A user made by --api-key starts with an empty keyring: its first key sign-in fills it.
            Some(user) if user.keys.is_empty() => {
                user.keys.push(KeyEntry { key_b64: signed.key_b64.clone(), created_ms: now });
            }
            Some(user) => {
                if !user.keys.iter().any(|k| k.key_b64 == signed.key_b64) {
                    return Err(Problem::bad_signature(
                        "key is not on this user's keyring (a userId cannot be registered twice)",
                    ));
                }
            }
            None => {
                if store.users.len() >= self.policy.limits.max_users {
                    return Err(Problem::unavailable(format!(
                        "this server holds its maximum of {} users; restart it or raise its limits",
                        self.policy.limits.max_users
                    )));
                }
                // Registration. The join code was checked when the challenge was
                // issued; it may have expired (or, an invitation, been used) since.
                let (subscription_id, role) = match &join_code {
                    Some(code) => self.redeem(&mut store, code, now)?,
                    None if self.policy.require_join_code => {
                        return Err(Problem::not_found(
                            "unknown-user",
                            "unknown userId; this server needs a joinCode to register a new user",
                        ))
                    }
                    None => (crypto::new_uuid(), Role::Owner),
                };
                store.users.insert(
                    user_id.to_string(),
                    User {
                        keys: vec![KeyEntry { key_b64: signed.key_b64.clone(), created_ms: now }],
                        subscription_id,
                        role,
                        email,
                    },
                );
            }
        }

        self.open_session(&mut store, user_id, false, now).map(|(set, _)| set)
    }

    /// Opens a new session of `user_id` (ending its oldest when it holds the most it may) and issues its
    /// first tokens: a pair, or for an API-key session an access token only.
    fn open_session(&self, store: &mut Store, user_id: &str, api_key: bool, now: u64) -> Result<(TokenSet, String), Problem> {
        let limits = &self.policy.limits;
        if store.sessions.len() >= limits.max_sessions {
            store.purge(now);
            if store.sessions.len() >= limits.max_sessions {
                return Err(Problem::unavailable(format!(
                    "this server holds its maximum of {} live sessions; retry when some expire",
                    limits.max_sessions
                )));
            }
        }
        let oldest = store
            .sessions_by_user
            .get(user_id)
            .filter(|ids| ids.len() >= limits.max_sessions_per_user)
            .and_then(|ids| ids.front().cloned());
        if let Some(id) = oldest {
            store.end_session(&id);
        }
        let session_id = crypto::new_session_id();
        let session_end = now + self.policy.session_ttl_ms;
        store.sessions.insert(
            session_id.clone(),
            Session { user_id: user_id.to_string(), api_key, expires_ms: session_end, tokens: VecDeque::new() },
        );
        store.sessions_by_user.entry(user_id.to_string()).or_default().push_back(session_id.clone());
        let set = self.issue(store, user_id, &session_id, session_end, now);
        Ok((set, session_id))
    }

    /// A new token: a JWT with the claims of the public network's, or an opaque random string.
    fn new_token(&self, kind: TokenKind, to: &Subject<'_>, expires_ms: u64, now: u64) -> String {
        let Some(signer) = &self.signer else {
            return match self.policy.token_size {
                Some(len) => crypto::new_token_of(len),
                None => crypto::new_token(),
            };
        };
        signer.sign(&jwt::Claims {
            iat: now / 1000,
            nbf: now / 1000,
            exp: expires_ms.div_ceil(1000),
            kind: match kind {
                TokenKind::Access => "access",
                TokenKind::Refresh => "refresh",
            }
            .to_string(),
            user: to.user_id.to_string(),
            subscription: to.subscription_id.to_string(),
            session: to.session_id.to_string(),
            ssn_exp: to.session_end,
            iteration: crypto::new_session_id(),
            trial: false,
        })
    }

    /// Issues a session's next tokens: an access and a refresh token, or for an API-key session an access
    /// token only (its `refresh_token` is then empty).
    fn issue(&self, store: &mut Store, user_id: &str, session_id: &str, session_end: u64, now: u64) -> TokenSet {
        let api_key = store.sessions.get(session_id).is_some_and(|s| s.api_key);
        let to = Subject { user_id, subscription_id: &store.users[user_id].subscription_id, session_id, session_end };
        let access_token_expires = (now + self.policy.access_ttl_ms).min(session_end);
        let refresh_token_expires = (now + self.policy.refresh_ttl_ms).min(session_end);
        let set = TokenSet {
            access_token: self.new_token(TokenKind::Access, &to, access_token_expires, now),
            refresh_token: if api_key {
                String::new()
            } else {
                self.new_token(TokenKind::Refresh, &to, refresh_token_expires, now)
            },
            access_token_expires,
            refresh_token_expires: if api_key { 0 } else { refresh_token_expires },
            session_expires: session_end,
        };
        for (token, kind, expires_ms) in [
            (&set.access_token, TokenKind::Access, set.access_token_expires),
            (&set.refresh_token, TokenKind::Refresh, set.refresh_token_expires),
        ] {
            if token.is_empty() {
                continue;
            }
            store.tokens.insert(
                token.clone(),
                TokenEntry {
                    kind,
                    user_id: user_id.to_string(),
                    session_id: session_id.to_string(),
                    expires_ms,
                },
            );
        }
        let max = self.policy.limits.max_tokens_per_session.max(2);
        let Store { sessions, tokens, .. } = store;
        if let Some(session) = sessions.get_mut(session_id) {
            session.tokens.push_back(set.access_token.clone());
            if !set.refresh_token.is_empty() {
                session.tokens.push_back(set.refresh_token.clone());
            }
            while session.tokens.len() > max {
                if let Some(old) = session.tokens.pop_front() {
                    tokens.remove(&old);
                }
            }
        }
        set
    }

    /// Looks a bearer token up and checks it is live and of the wanted kind
    /// (`None`: either kind). A JWT must verify first: signature, key id, time claims.
    fn check_token(
        &self,
        store: &Store,
        token: &str,
        want: Option<TokenKind>,
        now: u64,
    ) -> Result<TokenEntry, Problem> {
        if let Some(signer) = &self.signer {
            signer.verify(token, now).map_err(Problem::unauthorized)?;
        }
        let entry = store.tokens.get(token).ok_or_else(|| {
            Problem::unauthorized("token is unknown, was revoked by logout, or was already used")
        })?;
        if let Some(want) = want {
            if entry.kind != want {
                return Err(Problem::unauthorized(match want {
                    TokenKind::Access => "an access token is required here, not a refresh token",
                    TokenKind::Refresh => "a refresh token is required here, not an access token",
                }));
            }
        }
        let session = store
            .sessions
            .get(&entry.session_id)
            .ok_or_else(|| Problem::unauthorized("session has ended (logged out or expired)"))?;
        if session.expires_ms <= now {
            return Err(Problem::unauthorized("session has reached its maximum age; log in again"));
        }
        if entry.expires_ms <= now {
            return Err(Problem::unauthorized("token has expired"));
        }
        Ok(entry.clone())
    }

    /// `auth/refresh`: rotate the refresh token and issue a new access token in
    /// the same session.
    pub fn refresh(&self, refresh_token: &str) -> Result<TokenSet, Problem> {
        let now = self.clock.now_ms();
        let mut store = self.store();
        let entry = self.check_token(&store, refresh_token, Some(TokenKind::Refresh), now)?;
        store.tokens.remove(refresh_token);
        if let Some(session) = store.sessions.get_mut(&entry.session_id) {
            session.tokens.retain(|t| t != refresh_token);
        }
        let session_end = store.sessions[&entry.session_id].expires_ms;
        Ok(self.issue(&mut store, &entry.user_id, &entry.session_id, session_end, now))
    }

    /// `POST /auth/apikey`: a new session of the key's user, with an access token only.
    pub fn api_key_sign_in(&self, api_key: &str) -> Result<AccessToken, Problem> {
        let now = self.clock.now_ms();
        let user_id = self
            .api_keys
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(api_key)
            .cloned()
            .ok_or_else(|| Problem::bad_api_key("unknown API key"))?;
        let mut store = self.store();
        let (set, _) = self.open_session(&mut store, &user_id, true, now)?;
        Ok(AccessToken {
            access_token: set.access_token,
            access_token_expires: set.access_token_expires,
            session_expires: set.session_expires,
        })
    }

    /// Replaces the keys of `--api-keys-file` with `from_file` (the `--api-key` ones stay): a key no longer
    /// listed is revoked (new sign-ins with it are refused; sessions it opened live on). Users of new keys
    /// are created if absent. Returns how many keys are in force.
    pub fn set_file_api_keys(&self, from_file: &[(String, String)]) -> usize {
        let mut map = HashMap::new();
        for (user, key) in self.policy.api_keys.iter().chain(from_file) {
            map.insert(key.clone(), user.clone());
        }
        {
            let mut store = self.store();
            for user in map.values() {
                store.users.entry(user.clone()).or_insert_with(User::of_api_key);
            }
        }
        let n = map.len();
        *self.api_keys.write().unwrap_or_else(|p| p.into_inner()) = map;
        n
    }

    /// `POST /v1/subscription/invite?role=...`: a single-use join code into the caller's subscription, for a
    /// role no higher than the caller's. Members cannot invite.
    pub fn invite(&self, access_token: &str, role: Role) -> Result<String, Problem> {
        let now = self.clock.now_ms();
        let mut store = self.store();
        let entry = self.check_token(&store, access_token, Some(TokenKind::Access), now)?;
        let user = &store.users[&entry.user_id];
        if user.role < Role::Admin {
            return Err(Problem::forbidden("only an admin or owner of the subscription can invite"));
        }
        if role > user.role {
            return Err(Problem::forbidden("the role invited to cannot be higher than the inviter's"));
        }
        let invite = Invite { subscription_id: user.subscription_id.clone(), role, expires_ms: now + self.policy.invite_ttl_ms };
        store.drop_expired_invites(now);
        while store.invites.len() >= self.policy.limits.max_invites {
            let Some(code) = store.invite_order.pop_front() else { break };
            store.invites.remove(&code);
        }
        let code = crypto::new_join_code();
        store.invites.insert(code.clone(), invite);
        store.invite_order.push_back(code.clone());
        if store.invite_order.len() > 2 * self.policy.limits.max_invites + 1024 {
            let Store { invites, invite_order, .. } = &mut *store;
            invite_order.retain(|c| invites.contains_key(c));
        }
        Ok(code)
    }

    /// `POST /v1/subscription/invite/{joinCode}`: the caller joins the code's subscription with its role
    /// (leaving its own), and its session's tokens are replaced by new ones that say so.
    pub fn join(&self, access_token: &str, code: &str) -> Result<TokenSet, Problem> {
        let now = self.clock.now_ms();
        let mut store = self.store();
        let entry = self.check_token(&store, access_token, Some(TokenKind::Access), now)?;
        let join_code = self.find_join_code(&store, code, now)?;
        let (subscription_id, role) = self.redeem(&mut store, &join_code, now)?;
        if let Some(user) = store.users.get_mut(&entry.user_id) {
            user.subscription_id = subscription_id;
            user.role = role;
        }
        // The session's old tokens name the old subscription: they go.
        let Store { sessions, tokens, .. } = &mut *store;
        if let Some(session) = sessions.get_mut(&entry.session_id) {
            for t in session.tokens.drain(..) {
                tokens.remove(&t);
            }
        }
        let session_end = store.sessions[&entry.session_id].expires_ms;
        // An API-key session gets an access token only; its set still names the refresh fields, empty (""
        // and 0), because the public Python SDK's `join_subscription` reads all four.
        let set = self.issue(&mut store, &entry.user_id, &entry.session_id, session_end, now);
        Ok(set)
    }

    /// `auth/logout`: ends every session of the token's user.
    pub fn logout(&self, token: &str) -> Result<(), Problem> {
        let now = self.clock.now_ms();
        let mut store = self.store();
        let entry = self.check_token(&store, token, None, now)?;
        let user = entry.user_id;
        for id in store.sessions_by_user.get(&user).cloned().unwrap_or_default() {
            store.end_session(&id);
        }
        let add_key_codes: Vec<String> = store
            .challenges_by_user
            .get(&user)
            .into_iter()
            .flatten()
            .filter(|code| store.challenges.get(*code).is_some_and(|c| c.purpose == Purpose::AddKey))
            .cloned()
            .collect();
        for code in add_key_codes {
            store.remove_challenge(&code);
        }
        Ok(())
    }

    /// `auth/validtoken`.
    pub fn token_info(&self, access_token: &str) -> Result<TokenInfo, Problem> {
        let now = self.clock.now_ms();
        let store = self.store();
        let entry = self.check_token(&store, access_token, Some(TokenKind::Access), now)?;
        let user = &store.users[&entry.user_id];
        Ok(TokenInfo {
            user_id: entry.user_id.clone(),
            subscription_id: user.subscription_id.clone(),
            session_id: entry.session_id.clone(),
            restricted: false,
            quota_exceeded: false,
            trial: false,
            access_token_expires: entry.expires_ms,
            session_expires: store.sessions[&entry.session_id].expires_ms,
        })
    }

    /// `GET auth/keys`.
    pub fn list_keys(&self, access_token: &str) -> Result<Vec<KeyInfo>, Problem> {
        let now = self.clock.now_ms();
        let store = self.store();
        let entry = self.check_token(&store, access_token, Some(TokenKind::Access), now)?;
        Ok(store.users[&entry.user_id]
            .keys
            .iter()
            .map(|k| KeyInfo {
                key: k.key_b64.clone(),
                scheme: crypto::SCHEME_ED25519,
                created: k.created_ms,
            })
            .collect())
    }

    /// `POST auth/keys/code`: a challenge only usable to add a key for this user.
    pub fn add_key_challenge(&self, access_token: &str) -> Result<String, Problem> {
        let now = self.clock.now_ms();
        let mut store = self.store();
        let entry = self.check_token(&store, access_token, Some(TokenKind::Access), now)?;
        self.insert_challenge(&mut store, &entry.user_id, Purpose::AddKey, "", now)
    }

    /// `POST auth/keys`: add the key that signed an `auth/keys/code` challenge.
    pub fn add_key(&self, access_token: &str, signed: &SignedChallenge) -> Result<KeyInfo, Problem> {
        let now = self.clock.now_ms();
        let user_id = {
            let mut store = self.store();
            let entry = self.check_token(&store, access_token, Some(TokenKind::Access), now)?;
            let ch = Self::take_challenge(&mut store, &signed.auth_code, &entry.user_id, now)?;
            if ch.purpose != Purpose::AddKey {
                return Err(Problem::bad_challenge("authCode must come from auth/keys/code to add a key"));
            }
            entry.user_id
        };
        if !crypto::verify(&signed.key, &signed.auth_code, &signed.signature) {
            return Err(Problem::bad_signature(
                "signature does not verify: it must be made with the new key over the authCode",
            ));
        }
        let mut store = self.store();
        let user = store
            .users
            .get_mut(&user_id)
            .ok_or_else(|| Problem::not_found("unknown-user", "unknown userId"))?;
        if user.keys.iter().any(|k| k.key_b64 == signed.key_b64) {
            return Err(Problem::bad_request("this key is already on the keyring"));
        }
        if user.keys.len() >= MAX_KEYS_PER_USER {
            return Err(Problem::bad_request(format!("a keyring holds at most {MAX_KEYS_PER_USER} keys")));
        }
        let entry = KeyEntry { key_b64: signed.key_b64.clone(), created_ms: now };
        user.keys.push(entry.clone());
        Ok(KeyInfo { key: entry.key_b64, scheme: crypto::SCHEME_ED25519, created: entry.created_ms })
    }

    /// Drops everything that has expired.
    pub fn purge_expired(&self) {
        let now = self.clock.now_ms();
        self.store().purge(now);
    }

    /// How many users, challenges, tokens and sessions are held.
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        let s = self.store();
        (s.users.len(), s.challenges.len(), s.tokens.len(), s.sessions.len())
    }
}

impl Store {
    /// Drops expired challenges and invitations, and expired or ended sessions with their tokens.
    fn purge(&mut self, now: u64) {
        self.drop_expired_challenges(now);
        self.drop_expired_invites(now);
        let ended: Vec<String> = self.sessions.iter().filter(|(_, s)| s.expires_ms <= now).map(|(id, _)| id.clone()).collect();
        for id in ended {
            self.end_session(&id);
        }
        let sessions = &self.sessions;
        self.tokens.retain(|_, t| t.expires_ms > now && sessions.contains_key(&t.session_id));
        for session in self.sessions.values_mut() {
            let tokens = &self.tokens;
            session.tokens.retain(|t| tokens.contains_key(t));
        }
    }

    /// Drops the expired invitations at the front of the issue order.
    fn drop_expired_invites(&mut self, now: u64) {
        while let Some(code) = self.invite_order.front() {
            match self.invites.get(code) {
                Some(i) if i.expires_ms > now => break,
                _ => {
                    let code = self.invite_order.pop_front().unwrap_or_default();
                    self.invites.remove(&code);
                }
            }
        }
    }

    /// Drops the expired challenges at the front of the issue order: work proportional to what expired.
    fn drop_expired_challenges(&mut self, now: u64) {
        while let Some(code) = self.challenge_order.front() {
            match self.challenges.get(code) {
                Some(c) if c.expires_ms > now => break,
                _ => {
                    let code = self.challenge_order.pop_front().unwrap_or_default();
                    self.remove_challenge(&code);
                }
            }
        }
    }

    /// Removes one challenge from every index (its place in the issue order is skipped when reached).
    fn remove_challenge(&mut self, code: &str) -> Option<Challenge> {
        let ch = self.challenges.remove(code)?;
        if let Some(codes) = self.challenges_by_user.get_mut(&ch.user_id) {
            codes.retain(|c| c != code);
            if codes.is_empty() {
                self.challenges_by_user.remove(&ch.user_id);
            }
        }
        Some(ch)
    }

    /// Ends one session and revokes its tokens.
    fn end_session(&mut self, id: &str) {
        let Some(session) = self.sessions.remove(id) else { return };
        for token in &session.tokens {
            self.tokens.remove(token);
        }
        if let Some(ids) = self.sessions_by_user.get_mut(&session.user_id) {
            ids.retain(|s| s != id);
            if ids.is_empty() {
                self.sessions_by_user.remove(&session.user_id);
            }
        }
    }
}
