//! [`Session`]: a signed-in user's tokens, kept valid.
//!
//! Contract:
//! * `Send + Sync`; every method takes `&self` and may be called from any number of threads at once.
//! * [`Session::access_token`] returns a valid token, refreshing it ahead of expiry (within the refresh
//!   margin). Only one renewal runs at a time however many threads ask, and that holds for failures too:
//!   while the current token is valid, callers that find a renewal in flight get the current token at once;
//!   once it has expired, they wait for that renewal and share its result, success or error. After a failure,
//!   automatic renewal backs off (1 s doubling to 30 s, never past a valid token's expiry).
//! * When the refresh token or the 24-hour session (the server's `sessionExpires` when it sends one, else
//!   24 hours from the sign-in) has run out, or the server refuses the refresh, a session
//!   that holds the user's key signs in again by itself; one that does not fails with
//!   [`ErrorKind::SessionExpired`] (carrying the server's refusal, when there was one).
//! * A session started with an API key ([`crate::Client::login_api_key`]) has no refresh token: when its
//!   access token is due it signs in again with the API key it holds (or fails with
//!   [`ErrorKind::SessionExpired`] when it holds none), under the same single-flight rule.
//! * A failed refresh never loses tokens that are still valid: a transport failure leaves the old tokens in
//!   place, and `access_token` still hands out an access token that has not yet expired.
//! * Expiry is tracked on the monotonic clock from the server's own view of time (its `Date` header when it
//!   sends one), so a wrong local wall clock does not make tokens look fresh or stale.
//! * After [`Session::logout`] every call fails with [`ErrorKind::LoggedOut`].
//! * Tokens and the key are wiped from memory when the session is dropped; `Debug` prints neither.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;
use zeroize::Zeroizing;

use crate::api_key::ApiKey;
use crate::blob::{self, Origin, Record};
use crate::call;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{Reply, Transport};
use crate::input::{check_join_code, percent_encode};
use crate::keys::PrivateKey;
use crate::signer::Signer;
use crate::sign_in::{sign_in_with, Credential, Service, SignedIn, Signing};
use crate::wire::{self, Expiry, Refresh, TokenSet};

/// What changed in a session, as its observer ([`Session::set_observer`]) hears it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Event {
    /// New tokens: a refresh, a sign-in again, or a subscription join. An app that stores the session
    /// exports it again now.
    Rotated,
    /// The session logged out: a stored copy is worth nothing now.
    LoggedOut,
}

/// An observer of a session's changes.
pub type Observer = Arc<dyn Fn(Event) + Send + Sync>;

/// What an imported session may sign in again with ([`crate::Client::import_session`]).
#[derive(Clone, Copy, Debug)]
pub enum Resume<'a> {
    /// Nothing: once its tokens run out it fails with [`ErrorKind::SessionExpired`].
    Nothing,
    /// The private key it signed in with.
    Key(&'a PrivateKey),
    /// The app's signer for the key it signed in with.
    Signer(&'a Signer),
    /// The API key it signed in with.
    ApiKey(&'a ApiKey),
    /// As text: the private key (any accepted encoding) or the API key it signed in with, read as what the
    /// blob says the session signed in with (errors name the argument `secret`).
    Text(&'a str),
}

/// A role in a subscription, lowest first: what a join code made by [`Session::create_join_code`] gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Member,
    Admin,
    Owner,
}

impl Role {
    /// The protocol's name: `MEMBER`, `ADMIN`, `OWNER`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "MEMBER",
            Role::Admin => "ADMIN",
            Role::Owner => "OWNER",
        }
    }
}

/// The absolute cap the service puts on a chain of refreshes from one sign-in.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// The longest token lifetime believed, whatever the server says: the session cap.
const MAX_TOKEN_LIFETIME_MS: i64 = SESSION_LIFETIME.as_millis() as i64;

/// After a failed renewal, automatic renewals wait this long before trying again, doubling with each further
/// failure up to [`MAX_RETRY_DELAY`]; while the access token is valid, never past its expiry.
const FIRST_RETRY_DELAY: Duration = Duration::from_secs(1);
const MAX_RETRY_DELAY: Duration = Duration::from_secs(30);

/// A signed-in session. Cheap to clone: clones share the same tokens.
#[derive(Clone)]
pub struct Session {
    inner: Arc<Inner>,
}

struct Inner {
    /// The transport and settings of the client this session was started from.
    service: Arc<Service>,
    user_id: String,
    /// What the session signs in again with (a key, a signer or an API key), unless told not to keep it.
    credential: Option<Credential>,
    /// How it signed in (for an export: the scheme and public key, or an API key).
    origin: Origin,
    /// Told of every rotation and of logout, outside any lock.
    observer: RwLock<Option<Observer>>,
    /// Events not yet told: queued under the state lock, told by whichever call leaves the session next.
    events: Mutex<std::collections::VecDeque<Event>>,
    /// How many events are queued: read first, so that a call with nothing to tell (every `access_token` with a
    /// fresh token) takes no lock for it.
    queued: AtomicUsize,
    /// Read on every `access_token`; written only when tokens change.
    state: RwLock<State>,
    /// Entered for the whole of a refresh, sign-in, join or logout: the single-flight gate.
    renew_gate: Gate,
    /// Logouts under way: a 401 seen meanwhile is the logout's doing, reported as [`ErrorKind::LoggedOut`].
    logouts: AtomicUsize,
}

/// The single-flight gate: one renewal (or join, or logout) at a time. A flag and a condition variable rather
/// than a mutex held across the work, so that no lock is held while a renewal waits on the network or on an
/// app's signer; a caller that must wait for the renewal sleeps on the condition variable.
#[derive(Default)]
struct Gate {
    busy: Mutex<bool>,
    free: Condvar,
}

/// The gate, entered; leaving it (drop) wakes the waiters.
struct GateGuard<'a>(&'a Gate);

impl Gate {
    /// Enters, waiting while another caller is inside.
    fn enter(&self) -> GateGuard<'_> {
        let mut busy = self.busy.lock().unwrap_or_else(|p| p.into_inner());
        while *busy {
            busy = self.free.wait(busy).unwrap_or_else(|p| p.into_inner());
        }
        *busy = true;
        GateGuard(self)
    }

    /// Enters if nobody is inside.
    fn try_enter(&self) -> Option<GateGuard<'_>> {
        let mut busy = self.busy.lock().unwrap_or_else(|p| p.into_inner());
        if *busy {
            return None;
        }
        *busy = true;
        Some(GateGuard(self))
    }
}

impl Drop for GateGuard<'_> {
    fn drop(&mut self) {
        *self.0.busy.lock().unwrap_or_else(|p| p.into_inner()) = false;
        self.0.free.notify_all();
    }
}

struct State {
    tokens: Tokens,
    /// When the sign-in that started this refresh chain began.
    chain_started: Instant,
    /// The same instant as an epoch time (the device's clock), for exports.
    chain_started_ms: i64,
    /// Bumped on every token change, so a waiter can tell that another thread already renewed.
    generation: u64,
    /// Bumped when a renewal attempt ends, well or not, so a waiter can tell that one ended while it waited.
    attempts: u64,
    /// The last renewal's failure, while no renewal has succeeded since.
    failure: Option<Failure>,
    logged_out: bool,
}

/// A failed renewal: what it said, how many failed in a row, and when automatic renewal may try again.
struct Failure {
    error: Error,
    streak: u32,
    retry_at: Instant,
}

/// What a caller saw before it asked for a renewal.
#[derive(Clone, Copy)]
struct Seen {
    generation: u64,
    attempts: u64,
}

struct Tokens {
    access: Zeroizing<String>,
    /// Empty for an API-key session (its refresh expiry is then the instant the tokens arrived).
    refresh: Zeroizing<String>,
    access_expires_ms: i64,
    refresh_expires_ms: i64,
    access_expires_at: Instant,
    access_renew_at: Instant,
    refresh_expires_at: Instant,
    /// The end of the session as the server stated it (`sessionExpires`), when it did.
    session_expires_at: Option<Instant>,
    /// The same, as the epoch time the server stated.
    session_expires_ms: Option<i64>,
}

impl Tokens {
    fn from_reply(reply: &Reply, refresh: Refresh, margin: Duration) -> Result<Tokens> {
        let set: TokenSet = wire::parse_token_reply(&reply.body, refresh)?;
        let received = Instant::now();
        let clocks = Clocks::at(reply.date, SystemTime::now());
        let access_life = clocks.lifetime(set.access_expires);
        let renew_before = margin.min(access_life / 2);
        // A stated end of the session before the access token it came with is not believed.
        let session_life = set.session_expires.map(|e| clocks.lifetime(e)).filter(|life| *life >= access_life);
        Ok(Tokens {
            access_expires_at: received + access_life,
            access_renew_at: received + access_life - renew_before,
            refresh_expires_at: received + set.refresh_expires.map_or(Duration::ZERO, |e| clocks.lifetime(e)),
            session_expires_at: session_life.map(|life| received + life),
            session_expires_ms: session_life.and(set.session_expires).map(|e| clocks.epoch_ms(e)),
            access_expires_ms: clocks.epoch_ms(set.access_expires),
            refresh_expires_ms: set.refresh_expires.map_or(0, |e| clocks.epoch_ms(e)),
            access: set.access_token,
            refresh: set.refresh_token,
        })
    }
}

/// The two views of "now" a reply's expiries are read against, in epoch milliseconds.
struct Clocks {
    /// The server's, from its `Date` header (see [`server_now`]).
    server_ms: i64,
    /// The device's own.
    local_ms: i64,
}

impl Clocks {
    fn at(date: Option<SystemTime>, local: SystemTime) -> Clocks {
        Clocks { server_ms: server_now(date, local), local_ms: epoch_ms(local) }
    }

    /// How long a token lives from now. An expiry is read against the server's clock when that gives a
    /// lifetime in (0, 24 h] (no SxT token outlives its session); otherwise the server's `Date` is not
    /// believed (a `Date` of 1970 would make an expired token look valid) and the local clock is used, the
    /// result held to [0, 24 h]. So an absurd expiry can neither overflow `Instant` nor keep a token alive.
    fn lifetime(&self, expiry: Expiry) -> Duration {
        let ms = match expiry {
            Expiry::InSeconds(s) => s.saturating_mul(1000).min(MAX_TOKEN_LIFETIME_MS),
            Expiry::AtMs(at) => {
                let by_server = at.saturating_sub(self.server_ms);
                if by_server > 0 && by_server <= MAX_TOKEN_LIFETIME_MS {
                    by_server
                } else {
                    at.saturating_sub(self.local_ms).clamp(0, MAX_TOKEN_LIFETIME_MS)
                }
            }
        };
        Duration::from_millis(ms as u64)
    }

    /// The expiry as an epoch time, as the server stated it (a lifetime counted from the server's now).
    fn epoch_ms(&self, expiry: Expiry) -> i64 {
        match expiry {
            Expiry::AtMs(at) => at,
            Expiry::InSeconds(s) => self.server_ms.saturating_add(s.saturating_mul(1000)),
        }
    }
}

/// An instant of the past as an epoch time on the device's clock.
fn epoch_of(past: Instant) -> i64 {
    epoch_ms(SystemTime::now()) - past.elapsed().as_millis() as i64
}

fn epoch_ms(t: SystemTime) -> i64 {
    t.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// The server's time when it answered, in epoch milliseconds: the local clock clamped into the one-second window
/// the `Date` header allows (`Date` has whole seconds). A correct local clock keeps its millisecond precision;
/// a wrong one is overruled by the server's. Without a `Date` header, the local clock.
fn server_now(date: Option<SystemTime>, local: SystemTime) -> i64 {
    match date {
        Some(d) => epoch_ms(local).clamp(epoch_ms(d), epoch_ms(d) + 999),
        None => epoch_ms(local),
    }
}

impl Session {
    pub(crate) fn new(
        service: Arc<Service>,
        user_id: String,
        credential: Option<Credential>,
        origin: Origin,
        signed_in: SignedIn,
    ) -> Result<Session> {
        let tokens = Tokens::from_reply(&signed_in.reply, signed_in.refresh, service.refresh_margin)?;
        Ok(Session::with_tokens(service, user_id, credential, origin, tokens, signed_in.started))
    }

    fn with_tokens(
        service: Arc<Service>,
        user_id: String,
        credential: Option<Credential>,
        origin: Origin,
        tokens: Tokens,
        chain_started: Instant,
    ) -> Session {
        let chain_started_ms = epoch_of(chain_started);
        let state = State { tokens, chain_started, chain_started_ms, generation: 0, attempts: 0, failure: None, logged_out: false };
        Session {
            inner: Arc::new(Inner {
                service,
                user_id,
                credential,
                origin,
                observer: RwLock::new(None),
                events: Mutex::new(Default::default()),
                queued: AtomicUsize::new(0),
                state: RwLock::new(state),
                renew_gate: Gate::default(),
                logouts: AtomicUsize::new(0),
            }),
        }
    }

    /// The session as text for the app to keep where its platform keeps secrets, to restore after a restart
    /// with [`crate::Client::import_session`]: the tokens, their expiries (epoch milliseconds on the server's
    /// clock), the session cap, the user id, the base URL and how it signs in (scheme and public key, or API
    /// key), never a private key or an API key. It holds bearer tokens: a secret, wiped when dropped. Export
    /// again after every [`Event::Rotated`] (the old blob's refresh token stops working).
    ///
    /// Errors: [`ErrorKind::LoggedOut`].
    pub fn export(&self) -> Result<Zeroizing<String>> {
        let st = self.state()?;
        let t = &st.tokens;
        let session_end_ms = t.session_expires_ms.unwrap_or(st.chain_started_ms + MAX_TOKEN_LIFETIME_MS);
        blob::encode(&Record {
            v: blob::VERSION,
            base_url: self.inner.service.transport.base_url().as_str().to_string(),
            user_id: self.inner.user_id.clone(),
            origin: self.inner.origin.clone(),
            access_token: t.access.clone(),
            access_expires_ms: t.access_expires_ms,
            refresh_token: t.refresh.clone(),
            refresh_expires_ms: t.refresh_expires_ms,
            session_expires_ms: session_end_ms,
        })
    }

    /// Restores an exported session (see [`crate::Client::import_session`]).
    pub(crate) fn import(service: Arc<Service>, blob_text: &str, resume: Resume<'_>) -> Result<Session> {
        let record = blob::decode(blob_text)?;
        let parsed_key;
        let parsed_api_key;
        let resume = match (resume, &record.origin) {
            (Resume::Text(text), Origin::ApiKey) => {
                parsed_api_key = ApiKey::parse(text).map_err(|e| e.renamed_argument("secret"))?;
                Resume::ApiKey(&parsed_api_key)
            }
            (Resume::Text(text), Origin::Key { .. }) => {
                parsed_key = PrivateKey::parse_argument(text, "secret")?;
                Resume::Key(&parsed_key)
            }
            (other, _) => other,
        };
        if record.base_url != service.transport.base_url().as_str() {
            return Err(Error::argument(
                ErrorKind::InvalidArgument,
                "blob",
                &format!("exported from a client of another service ({})", record.base_url),
            ));
        }
        crate::input::check_user_id(&record.user_id)
            .map_err(|_| Error::argument(ErrorKind::InvalidArgument, "blob", "its user id is not a valid one"))?;
        wire::check_bearer_token("accessToken", &record.access_token)
            .map_err(|_| Error::argument(ErrorKind::InvalidArgument, "blob", "its access token is not a bearer token"))?;
        let api_key = record.origin == Origin::ApiKey;
        if !record.refresh_token.is_empty() {
            wire::check_bearer_token("refreshToken", &record.refresh_token)
                .map_err(|_| Error::argument(ErrorKind::InvalidArgument, "blob", "its refresh token is not a bearer token"))?;
        }
        let credential = match (resume, &record.origin) {
            (Resume::Nothing, _) => None,
            (Resume::ApiKey(k), Origin::ApiKey) => Some(Credential::ApiKey(k.clone())),
            (Resume::Key(k), Origin::Key { scheme, public_key }) if scheme == crate::keys::SCHEME && k.public_key().to_base64() == *public_key => {
                Some(Credential::Key(k.clone()))
            }
            (Resume::Signer(s), Origin::Key { scheme, public_key }) if s.scheme() == scheme && s.public_key() == public_key => {
                Some(Credential::Signer(s.clone()))
            }
            (Resume::ApiKey(_), _) => return Err(Error::argument(ErrorKind::InvalidKey, "api_key", "the session did not sign in with an API key")),
            (_, Origin::ApiKey) => return Err(Error::argument(ErrorKind::InvalidKey, "private_key", "the session signed in with an API key, not a key")),
            _ => return Err(Error::argument(ErrorKind::InvalidKey, "private_key", "not the key the session signed in with")),
        };
        // Lifetimes from the stated epoch times, on the local clock (there is no reply to read the server's from).
        let now = Instant::now();
        let now_ms = epoch_ms(SystemTime::now());
        let life = |at_ms: i64| Duration::from_millis(at_ms.saturating_sub(now_ms).clamp(0, MAX_TOKEN_LIFETIME_MS) as u64);
        let access_life = life(record.access_expires_ms);
        let refresh_life = if api_key || record.refresh_token.is_empty() { Duration::ZERO } else { life(record.refresh_expires_ms) };
        let session_life = life(record.session_expires_ms);
        if session_life.is_zero() || (access_life.is_zero() && refresh_life.is_zero()) {
            return Err(Error::with_message(ErrorKind::SessionExpired, "the exported session has expired: sign in again"));
        }
        let renew_before = service.refresh_margin.min(access_life / 2);
        let tokens = Tokens {
            access_expires_at: now + access_life,
            access_renew_at: now + access_life - renew_before,
            refresh_expires_at: now + refresh_life,
            session_expires_at: Some(now + session_life),
            session_expires_ms: Some(record.session_expires_ms),
            access_expires_ms: record.access_expires_ms,
            refresh_expires_ms: if api_key { 0 } else { record.refresh_expires_ms },
            access: record.access_token.clone(),
            refresh: record.refresh_token.clone(),
        };
        // The chain's start as far as the 24-hour fallback goes: the stated cap always wins (above).
        let chain_started = (now + session_life).checked_sub(SESSION_LIFETIME).unwrap_or(now);
        service.known_users.insert(&record.user_id);
        Ok(Session::with_tokens(service, record.user_id.clone(), credential, record.origin.clone(), tokens, chain_started))
    }

    /// Sets (or, with None, removes) the observer told of every [`Event`]: after each rotation (a refresh, a
    /// sign-in again, a subscription join) and at logout. It runs on the thread whose call caused the change,
    /// after that call has released every lock of the session (it may call the session, e.g. to export it),
    /// before the call returns; calls from different threads may overlap. Each event is told once.
    pub fn set_observer(&self, observer: Option<Observer>) {
        *self.inner.observer.write().unwrap_or_else(|p| p.into_inner()) = observer;
    }

    /// Tells the observer the queued events (none held: called once a call has left every lock).
    fn tell(&self) {
        while self.inner.queued.load(Ordering::SeqCst) > 0 {
            let Some(event) = self.inner.events.lock().unwrap_or_else(|p| p.into_inner()).pop_front() else { return };
            self.inner.queued.fetch_sub(1, Ordering::SeqCst);
            let observer = self.inner.observer.read().unwrap_or_else(|p| p.into_inner()).clone();
            if let Some(observer) = observer {
                observer(event);
            }
        }
    }

    fn queue(&self, event: Event) {
        self.inner.events.lock().unwrap_or_else(|p| p.into_inner()).push_back(event);
        self.inner.queued.fetch_add(1, Ordering::SeqCst);
    }

    /// The user id this session signed in as.
    pub fn user_id(&self) -> &str {
        &self.inner.user_id
    }

    /// A valid access token, refreshing (or signing in again) first when it is due.
    ///
    /// Single flight, for failures too: while the current token is still valid, a caller that finds another
    /// thread renewing gets the current token at once; once it has expired, callers wait for the one renewal
    /// in flight and all get its result. After a failed renewal, automatic renewals back off (1 s, doubling to
    /// 30 s; while the token is valid, never past its expiry): until then a valid token is returned as it is,
    /// and an expired one gives the last failure's error without a request.
    ///
    /// Errors: [`ErrorKind::LoggedOut`]; [`ErrorKind::SessionExpired`]; the transport and server errors of the
    /// refresh or sign-in, when no still-valid token can be returned instead.
    pub fn access_token(&self) -> Result<Zeroizing<String>> {
        let result = self.current_access_token();
        self.tell();
        result
    }

    /// [`Session::access_token`] without telling the observer.
    fn current_access_token(&self) -> Result<Zeroizing<String>> {
        let now = Instant::now();
        let (seen, valid) = {
            let st = self.state()?;
            if now < st.tokens.access_renew_at {
                return Ok(st.tokens.access.clone());
            }
            let valid = now < st.tokens.access_expires_at;
            if let Some(f) = st.failure.as_ref().filter(|f| now < f.retry_at) {
                return if valid { Ok(st.tokens.access.clone()) } else { Err(f.error.clone()) };
            }
            (st.seen(), valid)
        };
        let result = if valid {
            match self.inner.renew_gate.try_enter() {
                Some(gate) => self.renew_locked(gate, seen),
                // Another thread is renewing; the current token is still good.
                None => Ok(()),
            }
        } else {
            self.renew(seen)
        };
        let st = self.state()?;
        match result {
            Ok(()) => Ok(st.tokens.access.clone()),
            Err(_) if Instant::now() < st.tokens.access_expires_at => Ok(st.tokens.access.clone()),
            Err(e) => Err(e),
        }
    }

    /// Refreshes now (`POST /v1/auth/refresh`), rotating both tokens; signs in again when the refresh chain
    /// has run out and the session holds the key. When another thread renews at the same moment, one call does
    /// the work and every caller gets its result. An explicit refresh does not wait out the back-off of
    /// [`Session::access_token`].
    pub fn refresh(&self) -> Result<()> {
        let seen = self.state()?.seen();
        let result = self.renew(seen);
        self.tell();
        result
    }

    /// The current refresh token (without refreshing).
    ///
    /// Errors: [`ErrorKind::LoggedOut`]; [`ErrorKind::NotFound`] for an API-key session, which has none.
    pub fn refresh_token(&self) -> Result<Zeroizing<String>> {
        let st = self.state()?;
        if st.tokens.refresh.is_empty() {
            return Err(Error::with_message(ErrorKind::NotFound, "an API-key session has no refresh token"));
        }
        Ok(st.tokens.refresh.clone())
    }

    /// The access and refresh token expiries the server gave, Unix epoch milliseconds (the refresh expiry is
    /// 0 for an API-key session, which has no refresh token).
    pub fn expiries_ms(&self) -> Result<(i64, i64)> {
        let st = self.state()?;
        Ok((st.tokens.access_expires_ms, st.tokens.refresh_expires_ms))
    }

    /// `GET /v1/auth/validtoken`: what the server knows of the access token (userId, subscriptionId,
    /// sessionId, restricted, quotaExceeded, trial, ...), as JSON.
    ///
    /// Errors: as [`Session::access_token`]; [`ErrorKind::MalformedResponse`] when the reply is not a JSON
    /// object, or names another user than this session's (a token set for another user must not pass
    /// unnoticed).
    pub fn token_info(&self) -> Result<Value> {
        let info = self
            .with_access(|t, token| t.get("/v1/auth/validtoken", Some(token)))
            .and_then(|r| wire::parse_json(&r.body))?;
        if !info.is_object() {
            return Err(Error::with_message(ErrorKind::MalformedResponse, "the token info is not a JSON object"));
        }
        match info.get("userId") {
            None | Some(Value::Null) => {}
            Some(Value::String(u)) if *u == self.inner.user_id => {}
            Some(_) => {
                return Err(Error::with_message(
                    ErrorKind::MalformedResponse,
                    "the server says this session's token belongs to another user",
                ))
            }
        }
        Ok(info)
    }

    /// `GET /v1/auth/keys`: the user's keyring, as the JSON array the server returns.
    pub fn keys(&self) -> Result<Value> {
        let v = self.with_access(|t, token| t.get("/v1/auth/keys", Some(token))).and_then(|r| wire::parse_json(&r.body))?;
        if !v.is_array() {
            return Err(Error::with_message(ErrorKind::MalformedResponse, "the key list is not a JSON array"));
        }
        Ok(v)
    }

    /// Adds `new_key` to the user's keyring: a challenge from `auth/keys/code`, signed with the new key,
    /// sent to `auth/keys`.
    pub fn add_key(&self, new_key: &PrivateKey) -> Result<()> {
        self.add_key_with(Signing::Key(new_key))
    }

    /// As [`Session::add_key`], for a key an app's [`Signer`] holds (its public key and scheme go on the
    /// keyring). Errors: also [`ErrorKind::SignerFailed`].
    pub fn add_key_signer(&self, signer: &Signer) -> Result<()> {
        self.add_key_with(Signing::Signer(signer))
    }

    fn add_key_with(&self, new_key: Signing<'_>) -> Result<()> {
        self.with_access(|t, token| {
            // No body (the protocol allows `{}` or none): a server that answers before reading a body it does
            // not need may close the connection when that body arrives.
            let code_reply = t.post("/v1/auth/keys/code", Some(token), None::<&()>)?;
            let auth_code = wire::parse_auth_code(&code_reply.body)?;
            let signature = new_key.sign(&auth_code)?;
            let public = new_key.public_key();
            let body = wire::AddKeyRequest { auth_code: &auth_code, signature: &signature, key: &public, scheme: new_key.scheme() };
            t.post("/v1/auth/keys", Some(token), Some(&body))
        })
        .map(drop)
    }

    /// `POST /v1/subscription/invite/{joinCode}`: the user joins the subscription `join_code` names (leaving
    /// the one it was in), with the role the code gives, and the session adopts the new token set the server
    /// answers with, at once for every thread (no caller sees an access token from one set and a refresh token
    /// from the other), as a rotation. The old tokens stop working on the server. With an access token about
    /// to expire, it is renewed first; a 401 renews once and retries.
    ///
    /// Errors: [`ErrorKind::InvalidArgument`] (`join_code`: empty, over 256 bytes, control characters); as
    /// [`Session::access_token`]; the server's refusal of the code ([`ErrorKind::BadRequest`] for an unknown,
    /// expired or used one, with its detail); [`ErrorKind::MalformedResponse`] for a reply that is not a token
    /// set.
    pub fn join_subscription(&self, join_code: &str) -> Result<()> {
        check_join_code(Some(join_code))?;
        let path = format!("/v1/subscription/invite/{}", percent_encode(join_code));
        let attempt = |token: &str| -> Result<()> {
            // Under the renewal gate: no refresh of this session runs while the server swaps its tokens.
            let _gate = self.gate();
            let reply = self.inner.service.transport.post(&path, Some(token), None::<&()>)?;
            self.install(&reply, Refresh::Optional, None)
        };
        let token = self.access_token()?;
        let result = match attempt(&token) {
            Err(e) if e.http_status() == 401 && !self.logging_out() => {
                self.token_rejected(&token)?;
                attempt(&self.access_token()?)
            }
            Err(e) if e.http_status() == 401 => Err(Error::new(ErrorKind::LoggedOut)),
            other => other,
        };
        self.tell();
        result
    }

    /// `POST /v1/subscription/invite?role=...`: a new join code (valid 24 hours on the public service) that
    /// makes whoever uses it a `role` of this user's subscription. The service refuses a role above the
    /// caller's, and a caller who is only a member.
    ///
    /// Errors: as [`Session::access_token`]; [`ErrorKind::Unauthorized`] (HTTP 403) for a role the caller may not
    /// give, with the server's detail; [`ErrorKind::MalformedResponse`] when the reply is not a join code.
    pub fn create_join_code(&self, role: Role) -> Result<String> {
        let path = format!("/v1/subscription/invite?role={}", role.as_str());
        let reply = self.with_access(|t, token| t.post(&path, Some(token), None::<&()>))?;
        wire::parse_join_code(&reply.body)
    }

    /// `POST /v1/auth/logout`, which ends every session of the user on the server. Afterwards every call on
    /// this session fails with [`ErrorKind::LoggedOut`] and the tokens are wiped. A 401 from the server (the tokens
    /// were already dead) counts as success; any other failure (a 403 included) leaves the session as it was,
    /// to retry.
    pub fn logout(&self) -> Result<()> {
        let result = self.logout_gated();
        self.tell();
        result
    }

    /// [`Session::logout`] without telling the observer.
    fn logout_gated(&self) -> Result<()> {
        let _gate = self.gate();
        let token = {
            let st = self.state()?;
            let t = &st.tokens;
            if Instant::now() < t.refresh_expires_at { t.refresh.clone() } else { t.access.clone() }
        };
        struct Pending<'a>(&'a AtomicUsize);
        impl Drop for Pending<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        self.inner.logouts.fetch_add(1, Ordering::SeqCst);
        let _pending = Pending(&self.inner.logouts);
        match self.inner.service.transport.post("/v1/auth/logout", Some(&token), None::<&()>) {
            Ok(_) => {}
            // 401: the tokens were already dead. A 403 is a refusal: the server session may live on.
            Err(e) if e.http_status() == 401 => {}
            Err(e) => return Err(e),
        }
        let mut st = self.write_state();
        st.logged_out = true;
        st.tokens.access = Zeroizing::new(String::new());
        st.tokens.refresh = Zeroizing::new(String::new());
        st.generation += 1;
        drop(st);
        self.queue(Event::LoggedOut);
        Ok(())
    }

    /// Whether [`Session::logout`] has succeeded.
    pub fn is_logged_out(&self) -> bool {
        self.read_state().logged_out
    }

    /// `"Bearer <access token>"`, the `Authorization` header value for the SxT APIs, with a valid token (as
    /// [`Session::access_token`]).
    ///
    /// Errors: as [`Session::access_token`].
    pub fn authorization(&self) -> Result<Zeroizing<String>> {
        let token = self.access_token()?;
        Ok(Zeroizing::new(format!("Bearer {}", token.as_str())))
    }

    /// Tells the session that a server refused `rejected`, an access token it handed out, with a 401 before
    /// its expiry (revoked: a logout elsewhere, say). Renews the tokens unless the session has moved on from
    /// that token already: however many callers report the same token, one renewal serves them all, and a
    /// token the session no longer holds (or never held) renews nothing. After it, [`Session::access_token`]
    /// gives the new token, for one retry of the refused request.
    ///
    /// Errors: [`ErrorKind::LoggedOut`]; those of the renewal ([`Session::refresh`]).
    pub fn token_rejected(&self, rejected: &str) -> Result<()> {
        let seen = {
            let st = self.state()?;
            if st.tokens.access.as_str() != rejected {
                return Ok(());
            }
            st.seen()
        };
        let result = self.renew(seen);
        self.tell();
        result
    }

    /// Runs an authorised call; on a 401 (the server revoked the token early) renews once and retries (a 403
    /// is a refusal of the caller, not of the token: it is not retried). A 401 while this session logs out (on
    /// another thread) is the logout's doing: [`ErrorKind::LoggedOut`].
    fn with_access(&self, call: impl Fn(&Transport, &str) -> Result<Reply>) -> Result<Reply> {
        let transport = &self.inner.service.transport;
        let token = self.access_token()?;
        let result = match call(transport, &token) {
            Err(e) if e.http_status() == 401 && !self.logging_out() => {
                self.token_rejected(&token)?;
                let token = self.access_token()?;
                call(transport, &token)
            }
            other => other,
        };
        match result {
            Err(e) if e.http_status() == 401 && self.logging_out() => Err(Error::new(ErrorKind::LoggedOut)),
            other => other,
        }
    }

    /// Whether a logout of this session is under way or done.
    fn logging_out(&self) -> bool {
        self.inner.logouts.load(Ordering::SeqCst) > 0 || self.read_state().logged_out
    }

    /// The single-flight renewal: waits for the gate, then renews unless another thread's attempt ended while
    /// this one waited (its success is this call's; its failure, likewise).
    fn renew(&self, seen: Seen) -> Result<()> {
        self.renew_locked(self.gate(), seen)
    }

    /// As [`Session::renew`], holding the gate.
    fn renew_locked(&self, _gate: GateGuard<'_>, seen: Seen) -> Result<()> {
        let (refresh, chain_alive) = {
            let st = self.state()?;
            if st.generation != seen.generation {
                return Ok(());
            }
            if st.attempts != seen.attempts {
                if let Some(f) = &st.failure {
                    return Err(f.error.clone());
                }
            }
            let now = Instant::now();
            let session_end = st.tokens.session_expires_at.unwrap_or(st.chain_started + SESSION_LIFETIME);
            let alive = now < st.tokens.refresh_expires_at && now < session_end;
            (st.tokens.refresh.clone(), alive)
        };
        let result = self.attempt(&refresh, chain_alive);
        if let Err(e) = &result {
            self.record_failure(e);
        }
        result
    }

    /// One renewal: a refresh while the chain lives, else (or when the server refuses it) a new sign-in with
    /// the kept key or API key. An API-key session has no chain: it always signs in again.
    fn attempt(&self, refresh: &str, chain_alive: bool) -> Result<()> {
        let transport = &self.inner.service.transport;
        let refused = if chain_alive && !refresh.is_empty() {
            match transport.post("/v1/auth/refresh", Some(refresh), None::<&()>) {
                Ok(reply) => return self.install(&reply, Refresh::Required, None),
                Err(e) if e.kind() == ErrorKind::Unauthorized => Some(e),
                Err(e) => return Err(e),
            }
        } else {
            None
        };
        let Some(credential) = &self.inner.credential else {
            // The refresh chain is over and there is no key to start another: the caller must sign in again.
            return Err(match refused {
                Some(e) => e.with_kind(ErrorKind::SessionExpired),
                None => Error::new(ErrorKind::SessionExpired),
            });
        };
        let signed_in = sign_in_with(&self.inner.service, &self.inner.user_id, credential)?;
        self.install(&signed_in.reply, signed_in.refresh, Some(signed_in.started))
    }

    /// Notes a failed attempt: waiters get its error, and automatic renewal backs off. An attempt cut short by
    /// its own caller (cancelled, or past that call's deadline: see `call`) is not the server's failure: it
    /// sets no back-off, and a waiter renews by itself.
    fn record_failure(&self, error: &Error) {
        if call::stopped() {
            return;
        }
        let mut st = self.write_state();
        let now = Instant::now();
        let streak = st.failure.as_ref().map_or(1, |f| f.streak.saturating_add(1));
        let delay = FIRST_RETRY_DELAY.saturating_mul(1 << (streak - 1).min(5)).min(MAX_RETRY_DELAY);
        let mut retry_at = now + delay;
        if now < st.tokens.access_expires_at {
            retry_at = retry_at.min(st.tokens.access_expires_at);
        }
        st.failure = Some(Failure { error: error.clone(), streak, retry_at });
        st.attempts += 1;
    }

    /// Adopts a renewal's token set. One whose access token has already expired (by the server's `Date`, or
    /// the device's clock when it sent none) makes the renewal a failure: adopting it would hand out a token
    /// the server itself calls expired, and renew again on every call. The old tokens stay.
    fn install(&self, reply: &Reply, refresh: Refresh, new_chain: Option<Instant>) -> Result<()> {
        let tokens = Tokens::from_reply(reply, refresh, self.inner.service.refresh_margin)?;
        if tokens.access_expires_at <= Instant::now() {
            return Err(Error::with_message(
                ErrorKind::MalformedResponse,
                "the server's new access token has already expired",
            ));
        }
        let mut st = self.write_state();
        if st.logged_out {
            return Err(Error::new(ErrorKind::LoggedOut));
        }
        st.tokens = tokens;
        if let Some(started) = new_chain {
            st.chain_started = started;
            st.chain_started_ms = epoch_of(started);
        }
        st.generation += 1;
        st.attempts += 1;
        st.failure = None;
        drop(st);
        self.queue(Event::Rotated);
        Ok(())
    }

    fn gate(&self) -> GateGuard<'_> {
        self.inner.renew_gate.enter()
    }

    fn read_state(&self) -> RwLockReadGuard<'_, State> {
        self.inner.state.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write_state(&self) -> RwLockWriteGuard<'_, State> {
        self.inner.state.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The state for reading, or [`ErrorKind::LoggedOut`].
    fn state(&self) -> Result<RwLockReadGuard<'_, State>> {
        let st = self.read_state();
        if st.logged_out {
            return Err(Error::new(ErrorKind::LoggedOut));
        }
        Ok(st)
    }
}

impl State {
    fn seen(&self) -> Seen {
        Seen { generation: self.generation, attempts: self.attempts }
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("user_id", &self.inner.user_id)
            .field("holds_credential", &self.inner.credential.is_some())
            .field("logged_out", &self.is_logged_out())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    fn tokens(body: String, date: Option<SystemTime>) -> Tokens {
        Tokens::from_reply(&Reply { body: Zeroizing::new(body.into_bytes()), date }, Refresh::Required, Duration::from_secs(60)).unwrap()
    }

    fn set(access: i64, refresh: i64) -> String {
        format!(r#"{{"accessToken":"a","refreshToken":"r","accessTokenExpires":{access},"refreshTokenExpires":{refresh}}}"#)
    }

    #[test]
    fn absurd_expiries_are_capped_at_the_session_lifetime_not_overflowed() {
        let max = i64::MAX;
        let t = tokens(format!(r#"{{"accessToken":"a","refreshToken":"r","accessTokenExpires":{max},"refreshTokenExpires":{max},"sessionExpires":{max}}}"#), None);
        let now = Instant::now();
        assert!(t.access_expires_at <= now + SESSION_LIFETIME);
        assert!(t.refresh_expires_at <= now + SESSION_LIFETIME);
        assert!(t.access_expires_at > now + SESSION_LIFETIME - Duration::from_secs(60));
    }

    #[test]
    fn a_date_of_1970_does_not_revive_an_expired_token() {
        let now = epoch_ms(SystemTime::now());
        let t = tokens(set(now - 2000, now + 600_000), Some(SystemTime::UNIX_EPOCH));
        assert!(t.access_expires_at <= Instant::now(), "expired 2 s ago by the local clock: expired");
        let far = SystemTime::UNIX_EPOCH + Duration::from_secs(4_000_000_000);
        let t = tokens(set(now + 60_000, now + 600_000), Some(far));
        let life = t.access_expires_at.saturating_duration_since(Instant::now());
        assert!(life > Duration::from_secs(50) && life <= Duration::from_secs(60), "a Date in 2096 is not believed: {life:?}");
    }

    #[test]
    fn relative_expiries_are_lifetimes_in_seconds() {
        let t = tokens(set(1500, 1800), None);
        let life = t.access_expires_at.saturating_duration_since(Instant::now());
        assert!(life > Duration::from_secs(1490) && life <= Duration::from_secs(1500), "{life:?}");
        assert!(t.access_renew_at > Instant::now(), "fresh, not due: no sign-in on every call");
        let now = epoch_ms(SystemTime::now());
        assert!((t.access_expires_ms - (now + 1_500_000)).abs() < 5000, "reported as an epoch time");
    }

    #[test]
    fn server_time_is_the_local_clock_clamped_to_the_date_window() {
        let at = |ms: u64| SystemTime::UNIX_EPOCH + Duration::from_millis(ms);
        assert_eq!(server_now(Some(at(10_000)), at(10_400)), 10_400, "a correct clock keeps its precision");
        assert_eq!(server_now(Some(at(10_000)), at(70_000)), 10_999, "a fast clock is pulled back");
        assert_eq!(server_now(Some(at(10_000)), at(5_000)), 10_000, "a slow clock is pushed forward");
        assert_eq!(server_now(None, at(5_000)), 5_000);
    }

    #[test]
    fn session_and_client_are_send_sync() {
        assert_send_sync::<Session>();
        assert_send_sync::<crate::Client>();
        assert_send_sync::<PrivateKey>();
    }
}
