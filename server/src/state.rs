//! The server's in-memory state and the protocol rules: users and keyrings,
//! challenges, sessions and tokens.
//!
//! One mutex guards everything. Each request holds it for a few map operations
//! (signature checks happen outside it), which is plenty for a test server.
//!
//! Memory is bounded, and no request does work proportional to the tables:
//! challenges are kept in issue order and expired ones are dropped from the
//! front a few at a time; each user id holds at most a few outstanding
//! challenges (a new one evicts that user's oldest), and a full table evicts the
//! oldest challenge rather than refusing everyone. Users, sessions per user,
//! sessions overall and tokens per session are capped ([`Limits`]). Expired
//! tokens and sessions are also purged once a second.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use ed25519_dalek::{Signature, VerifyingKey};
use serde::Serialize;

use crate::crypto;
use crate::problem::Problem;

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
    pub join_codes: Vec<String>,
    pub require_join_code: bool,
    pub limits: Limits,
    /// Token length in characters (`--token-size`); None: 43 (32 random bytes).
    pub token_size: Option<usize>,
}

impl Policy {
    pub fn from_config(c: &crate::cli::Config) -> Self {
        Policy {
            challenge_ttl_ms: c.challenge_ttl * 1000,
            access_ttl_ms: c.access_ttl * 1000,
            refresh_ttl_ms: c.refresh_ttl * 1000,
            session_ttl_ms: c.session_ttl * 1000,
            join_code_ttl_ms: c.join_code_ttl * 1000,
            join_codes: c.join_codes.clone(),
            require_join_code: c.require_join_code,
            limits: Limits::default(),
            token_size: c.token_size,
        }
    }
}

/// What a challenge may be used for.
#[derive(Debug, Clone, PartialEq)]
enum Purpose {
    /// `auth/code` or `auth/code-register`: log in, or register if the user is new.
    Login { join_code: Option<String>, email: Option<String> },
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

#[derive(Debug)]
struct User {
    keys: Vec<KeyEntry>,
    subscription_id: String,
    /// Recorded at registration (`auth/code-register`); no endpoint returns it.
    #[allow(dead_code)]
    email: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Access,
    Refresh,
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
    store: Mutex<Store>,
}

impl AuthState {
    pub fn new(policy: Policy) -> Self {
        let clock = Clock::default();
        let join_codes = policy.join_codes.iter().map(|c| (c.clone(), crypto::new_uuid())).collect();
        let join_codes_expire_ms = clock.now_ms() + policy.join_code_ttl_ms;
        AuthState { policy, clock, join_codes, join_codes_expire_ms, store: Mutex::new(Store::default()) }
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
    fn check_join_code(&self, join_code: Option<&str>, now: u64) -> Result<Option<String>, Problem> {
        match join_code {
            None | Some("") => Ok(None),
            Some(code) => {
                if !self.join_codes.contains_key(code) {
                    Err(Problem::bad_join_code("unknown join code"))
                } else if now >= self.join_codes_expire_ms {
                    Err(Problem::bad_join_code("join code has expired"))
                } else {
                    Ok(Some(code.to_string()))
                }
            }
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
        let join_code = self.check_join_code(join_code, now)?;
        let mut store = self.store();
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
        match store.users.get(user_id) {
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
                // issued; it may have expired since.
                let subscription_id = match &join_code {
                    Some(code) => {
                        self.check_join_code(Some(code), now)?;
                        self.join_codes[code].clone()
                    }
                    None if self.policy.require_join_code => {
                        return Err(Problem::not_found(
                            "unknown-user",
                            "unknown userId; this server needs a joinCode to register a new user",
                        ))
                    }
                    None => crypto::new_uuid(),
                };
                store.users.insert(
                    user_id.to_string(),
                    User {
                        keys: vec![KeyEntry { key_b64: signed.key_b64.clone(), created_ms: now }],
                        subscription_id,
                        email,
                    },
                );
            }
        }

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
            Session { user_id: user_id.to_string(), expires_ms: session_end, tokens: VecDeque::new() },
        );
        store.sessions_by_user.entry(user_id.to_string()).or_default().push_back(session_id.clone());
        Ok(self.issue_pair(&mut store, user_id, &session_id, session_end, now))
    }

    fn new_token(&self) -> String {
        match self.policy.token_size {
            Some(len) => crypto::new_token_of(len),
            None => crypto::new_token(),
        }
    }

    fn issue_pair(
        &self,
        store: &mut Store,
        user_id: &str,
        session_id: &str,
        session_end: u64,
        now: u64,
    ) -> TokenSet {
        let set = TokenSet {
            access_token: self.new_token(),
            refresh_token: self.new_token(),
            access_token_expires: (now + self.policy.access_ttl_ms).min(session_end),
            refresh_token_expires: (now + self.policy.refresh_ttl_ms).min(session_end),
            session_expires: session_end,
        };
        for (token, kind, expires_ms) in [
            (&set.access_token, TokenKind::Access, set.access_token_expires),
            (&set.refresh_token, TokenKind::Refresh, set.refresh_token_expires),
        ] {
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
            session.tokens.push_back(set.refresh_token.clone());
            while session.tokens.len() > max {
                if let Some(old) = session.tokens.pop_front() {
                    tokens.remove(&old);
                }
            }
        }
        set
    }

    /// Looks a bearer token up and checks it is live and of the wanted kind
    /// (`None`: either kind).
    fn check_token(
        store: &Store,
        token: &str,
        want: Option<TokenKind>,
        now: u64,
    ) -> Result<TokenEntry, Problem> {
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
        let entry = Self::check_token(&store, refresh_token, Some(TokenKind::Refresh), now)?;
        store.tokens.remove(refresh_token);
        if let Some(session) = store.sessions.get_mut(&entry.session_id) {
            session.tokens.retain(|t| t != refresh_token);
        }
        let session_end = store.sessions[&entry.session_id].expires_ms;
        Ok(self.issue_pair(&mut store, &entry.user_id, &entry.session_id, session_end, now))
    }

    /// `auth/logout`: ends every session of the token's user.
    pub fn logout(&self, token: &str) -> Result<(), Problem> {
        let now = self.clock.now_ms();
        let mut store = self.store();
        let entry = Self::check_token(&store, token, None, now)?;
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
        let entry = Self::check_token(&store, access_token, Some(TokenKind::Access), now)?;
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
        let entry = Self::check_token(&store, access_token, Some(TokenKind::Access), now)?;
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
        let entry = Self::check_token(&store, access_token, Some(TokenKind::Access), now)?;
        self.insert_challenge(&mut store, &entry.user_id, Purpose::AddKey, "", now)
    }

    /// `POST auth/keys`: add the key that signed an `auth/keys/code` challenge.
    pub fn add_key(&self, access_token: &str, signed: &SignedChallenge) -> Result<KeyInfo, Problem> {
        let now = self.clock.now_ms();
        let user_id = {
            let mut store = self.store();
            let entry = Self::check_token(&store, access_token, Some(TokenKind::Access), now)?;
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
    /// Drops expired challenges and expired or ended sessions with their tokens.
    fn purge(&mut self, now: u64) {
        self.drop_expired_challenges(now);
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
