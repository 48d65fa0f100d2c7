//! `sxt_session`: a signed-in user's tokens, kept valid, and the calls made with them.

use std::ffi::c_char;

use std::ffi::c_void;
use std::sync::Arc;

use sxt_auth_core::{Event, PrivateKey, Role, Session};
use zeroize::Zeroizing;

use crate::boundary::{guard, Out};
use crate::call::{sxt_call, with_call};
use crate::error::{run, sxt_error};
use crate::handles::{Handle, Kind, Table};
use crate::status::{CResult, Status};
use crate::signer::{signer_of, sxt_destroy_fn, sxt_signer};
use crate::strings::{arg, into_c};

/// A signed-in session: the user's tokens, refreshed ahead of expiry (one refresh at a time, however many
/// threads ask), and renewed by a new sign-in when the refresh chain or the 24-hour session runs out (the
/// session keeps the key it signed in with, unless `sxt_client_options_set_keep_key` turned that off). Safe
/// to use from any number of threads at once, and to free while other threads are inside calls on it (they
/// finish; later calls get `SXT_STATUS_INVALID_HANDLE`).
/// After `sxt_logout`, calls get `SXT_STATUS_LOGGED_OUT`. Freeing wipes its tokens and key from memory.
#[allow(non_camel_case_types)]
pub struct sxt_session {
    _private: [u8; 0],
}

impl Handle for sxt_session {
    type Object = Session;
    const KIND: Kind = Kind::Session;
    fn table() -> &'static Table<Self> {
        static SESSIONS: Table<sxt_session> = Table::new();
        &SESSIONS
    }
}

fn with_session(session: *const sxt_session, error_out: *mut *mut sxt_error, f: impl FnOnce(&Session) -> CResult<()>) -> Status {
    run(error_out, || f(&*sxt_session::get(session, "session")?))
}

fn string_result(
    session: *const sxt_session,
    out: *mut *mut c_char,
    out_name: &'static str,
    error_out: *mut *mut sxt_error,
    f: impl FnOnce(&Session) -> sxt_auth_core::Result<Zeroizing<String>>,
) -> Status {
    called_string_result(session, std::ptr::null(), out, out_name, error_out, f)
}

/// As [`string_result`], within `call`'s options.
fn called_string_result(
    session: *const sxt_session,
    call: *const sxt_call,
    out: *mut *mut c_char,
    out_name: &'static str,
    error_out: *mut *mut sxt_error,
    f: impl FnOnce(&Session) -> sxt_auth_core::Result<Zeroizing<String>>,
) -> Status {
    with_session(session, error_out, |s| {
        let out = Out::new(out, out_name)?;
        out.write(into_c(&with_call(call, || f(s))?)?);
        Ok(())
    })
}

/// Writes a valid access token to `*access_token_out` (a new string; `sxt_string_free` wipes it), refreshing
/// first when it is within the refresh margin of expiry, or signing in again when the refresh chain has run
/// out. If a due refresh fails but the current token has not yet expired, that token is returned.
/// One renewal runs at a time, for failures too: while the current token is valid, a caller that finds another
/// thread renewing gets the current token at once; once it has expired, callers wait for that one renewal and
/// all get its result. After a failed renewal, automatic renewal backs off (1 s, doubling to 30 s; while the
/// token is valid, never past its expiry): in that time an expired token's call fails at once with the last
/// failure's status, sending nothing. `sxt_refresh` does not wait out the back-off.
///
/// Errors: `SXT_STATUS_INVALID_HANDLE`, `SXT_STATUS_NULL_ARGUMENT`, `SXT_STATUS_LOGGED_OUT`,
/// `SXT_STATUS_SESSION_EXPIRED`, and the transport and server codes of the refresh or sign-in.
#[no_mangle]
pub extern "C" fn sxt_session_access_token(session: *mut sxt_session, access_token_out: *mut *mut c_char, error_out: *mut *mut sxt_error) -> Status {
    sxt_session_access_token_call(session, std::ptr::null(), access_token_out, error_out)
}

/// As `sxt_session_access_token`, with the deadline and cancellation of `call` (NULL: none; see `sxt_call_new`). A renewal
/// cut short keeps the session's tokens as they were.
///
/// Errors: as `sxt_session_access_token`; `SXT_STATUS_INVALID_HANDLE` for a `call` that is not live, `SXT_STATUS_CANCELLED`
/// once `call` is cancelled, `SXT_STATUS_TIMEOUT` once its deadline has passed.
#[no_mangle]
pub extern "C" fn sxt_session_access_token_call(
    session: *mut sxt_session,
    call: *const sxt_call,
    access_token_out: *mut *mut c_char,
    error_out: *mut *mut sxt_error,
) -> Status {
    called_string_result(session, call, access_token_out, "access_token_out", error_out, |s| s.access_token())
}

/// Refreshes now (`POST /v1/auth/refresh`): both tokens rotate and the old refresh token stops working. When
/// the refresh chain has run out (or the server refuses it), signs in again with the session's key. If
/// another thread renews at the same moment, one network exchange serves both calls. On failure the old
/// tokens are kept.
///
/// Errors: `SXT_STATUS_INVALID_HANDLE`, `SXT_STATUS_LOGGED_OUT`, `SXT_STATUS_SESSION_EXPIRED`, transport and
/// server codes.
#[no_mangle]
pub extern "C" fn sxt_refresh(session: *mut sxt_session, error_out: *mut *mut sxt_error) -> Status {
    sxt_refresh_call(session, std::ptr::null(), error_out)
}

/// As `sxt_refresh`, with the deadline and cancellation of `call` (NULL: none; see `sxt_call_new`). A renewal
/// cut short keeps the session's tokens as they were.
///
/// Errors: as `sxt_refresh`; `SXT_STATUS_INVALID_HANDLE` for a `call` that is not live, `SXT_STATUS_CANCELLED`
/// once `call` is cancelled, `SXT_STATUS_TIMEOUT` once its deadline has passed.
#[no_mangle]
pub extern "C" fn sxt_refresh_call(session: *mut sxt_session, call: *const sxt_call, error_out: *mut *mut sxt_error) -> Status {
    with_session(session, error_out, |s| with_call(call, || s.refresh()))
}

/// Logs out (`POST /v1/auth/logout`), which ends every session of this user on the server. Afterwards the
/// session's tokens are wiped and every call on it but `sxt_session_free` gets `SXT_STATUS_LOGGED_OUT`. The
/// handle must still be freed. A server answer of 401 (tokens already dead) counts as success; on any other
/// failure (a transport failure, or a refusal such as 403, after which the server session may live on)
/// nothing changes and the call may be retried.
///
/// Errors: `SXT_STATUS_INVALID_HANDLE`, `SXT_STATUS_LOGGED_OUT` (already), transport and server codes.
#[no_mangle]
pub extern "C" fn sxt_logout(session: *mut sxt_session, error_out: *mut *mut sxt_error) -> Status {
    sxt_logout_call(session, std::ptr::null(), error_out)
}

/// As `sxt_logout`, with the deadline and cancellation of `call` (NULL: none; see `sxt_call_new`). A logout
/// cut short changes nothing here (the server may or may not have ended the sessions) and may be retried.
///
/// Errors: as `sxt_logout`; `SXT_STATUS_INVALID_HANDLE` for a `call` that is not live, `SXT_STATUS_CANCELLED`
/// once `call` is cancelled, `SXT_STATUS_TIMEOUT` once its deadline has passed.
#[no_mangle]
pub extern "C" fn sxt_logout_call(session: *mut sxt_session, call: *const sxt_call, error_out: *mut *mut sxt_error) -> Status {
    with_session(session, error_out, |s| with_call(call, || s.logout()))
}

/// Writes `"Bearer <access token>"` to `*authorization_out` (a new string; `sxt_string_free` wipes it): the
/// `Authorization` header value for the SxT APIs, with a valid access token, renewed first as
/// `sxt_session_access_token` does. When an API answers 401 to a request carrying it before the token's
/// expiry, report the token with `sxt_session_token_rejected` and retry the request once with a new value.
///
/// Errors: as `sxt_session_access_token`.
#[no_mangle]
pub extern "C" fn sxt_session_authorization(session: *mut sxt_session, authorization_out: *mut *mut c_char, error_out: *mut *mut sxt_error) -> Status {
    sxt_session_authorization_call(session, std::ptr::null(), authorization_out, error_out)
}

/// As `sxt_session_authorization`, with the deadline and cancellation of `call` (NULL: none; see
/// `sxt_call_new`).
///
/// Errors: as `sxt_session_authorization`; `SXT_STATUS_INVALID_HANDLE` for a `call` that is not live,
/// `SXT_STATUS_CANCELLED`, `SXT_STATUS_TIMEOUT` once its deadline has passed.
#[no_mangle]
pub extern "C" fn sxt_session_authorization_call(
    session: *mut sxt_session,
    call: *const sxt_call,
    authorization_out: *mut *mut c_char,
    error_out: *mut *mut sxt_error,
) -> Status {
    called_string_result(session, call, authorization_out, "authorization_out", error_out, |s| s.authorization())
}

/// Tells the session that a server answered 401 to a request carrying `access_token` (a token this session
/// handed out, without the `Bearer ` prefix) before its expiry: the token was revoked (a logout elsewhere,
/// for instance). Renews the tokens (a refresh, or a new sign-in when the server refuses it) unless the
/// session has moved on from that token already, so however many threads report the same token, one renewal
/// serves them all, and a token the session no longer holds renews nothing. Then
/// `sxt_session_authorization` gives the value for one retry; retry only a request that can be sent again.
///
/// Errors: `SXT_STATUS_INVALID_HANDLE`, `SXT_STATUS_NULL_ARGUMENT`, `SXT_STATUS_INVALID_UTF8`,
/// `SXT_STATUS_LOGGED_OUT`, `SXT_STATUS_SESSION_EXPIRED`, and the transport and server codes of the renewal.
#[no_mangle]
pub extern "C" fn sxt_session_token_rejected(session: *mut sxt_session, access_token: *const c_char, error_out: *mut *mut sxt_error) -> Status {
    sxt_session_token_rejected_call(session, std::ptr::null(), access_token, error_out)
}

/// As `sxt_session_token_rejected`, with the deadline and cancellation of `call` (NULL: none; see
/// `sxt_call_new`). A renewal cut short keeps the session's tokens as they were.
///
/// Errors: as `sxt_session_token_rejected`; `SXT_STATUS_INVALID_HANDLE` for a `call` that is not live,
/// `SXT_STATUS_CANCELLED`, `SXT_STATUS_TIMEOUT` once its deadline has passed.
#[no_mangle]
pub extern "C" fn sxt_session_token_rejected_call(
    session: *mut sxt_session,
    call: *const sxt_call,
    access_token: *const c_char,
    error_out: *mut *mut sxt_error,
) -> Status {
    with_session(session, error_out, |s| {
        // SAFETY: header contract: NULL or a NUL-terminated string.
        let token = unsafe { arg(access_token, "access_token") }?;
        with_call(call, || s.token_rejected(token))
    })
}

/// Writes the current refresh token to `*refresh_token_out` (a new string; `sxt_string_free` wipes it). Does
/// not refresh.
///
/// Errors: `SXT_STATUS_INVALID_HANDLE`, `SXT_STATUS_NULL_ARGUMENT`, `SXT_STATUS_LOGGED_OUT`,
/// `SXT_STATUS_NOT_FOUND` for a session started by `sxt_login_api_key`, which has no refresh token.
#[no_mangle]
pub extern "C" fn sxt_session_refresh_token(session: *const sxt_session, refresh_token_out: *mut *mut c_char, error_out: *mut *mut sxt_error) -> Status {
    string_result(session, refresh_token_out, "refresh_token_out", error_out, |s| s.refresh_token())
}

/// Writes the expiry times the server gave for the current access and refresh tokens, as Unix epoch
/// milliseconds (the refresh expiry is 0 for a session started by `sxt_login_api_key`). Does not refresh.
///
/// Errors: `SXT_STATUS_INVALID_HANDLE`, `SXT_STATUS_NULL_ARGUMENT`, `SXT_STATUS_LOGGED_OUT`.
#[no_mangle]
pub extern "C" fn sxt_session_expiries(
    session: *const sxt_session,
    access_expires_ms_out: *mut i64,
    refresh_expires_ms_out: *mut i64,
    error_out: *mut *mut sxt_error,
) -> Status {
    with_session(session, error_out, |s| {
        let access_out = Out::new(access_expires_ms_out, "access_expires_ms_out")?;
        let refresh_out = Out::new(refresh_expires_ms_out, "refresh_expires_ms_out")?;
        let (access, refresh) = s.expiries_ms()?;
        access_out.write(access);
        refresh_out.write(refresh);
        Ok(())
    })
}

/// Writes the user id the session signed in as to `*user_id_out` (`sxt_string_free`). Works after logout.
///
/// Errors: `SXT_STATUS_INVALID_HANDLE`, `SXT_STATUS_NULL_ARGUMENT`.
#[no_mangle]
pub extern "C" fn sxt_session_user_id(session: *const sxt_session, user_id_out: *mut *mut c_char, error_out: *mut *mut sxt_error) -> Status {
    string_result(session, user_id_out, "user_id_out", error_out, |s| Ok(Zeroizing::new(s.user_id().to_string())))
}

/// Asks the server about the access token (`GET /v1/auth/validtoken`) and writes its JSON reply to
/// `*json_out` (`sxt_string_free`): an object with `userId`, `subscriptionId`, `sessionId`, `restricted`,
/// `quotaExceeded`, `trial` and possibly more. Refreshes first when due; on a 401 renews once and retries.
///
/// Errors: `SXT_STATUS_INVALID_HANDLE`, `SXT_STATUS_NULL_ARGUMENT`, `SXT_STATUS_LOGGED_OUT`,
/// `SXT_STATUS_SESSION_EXPIRED`, transport and server codes; `SXT_STATUS_MALFORMED_RESPONSE` when the reply
/// is not a JSON object or its `userId` is not this session's user (a token of another user never passes
/// unnoticed).
#[no_mangle]
pub extern "C" fn sxt_session_token_info(session: *mut sxt_session, json_out: *mut *mut c_char, error_out: *mut *mut sxt_error) -> Status {
    sxt_session_token_info_call(session, std::ptr::null(), json_out, error_out)
}

/// As `sxt_session_token_info`, with the deadline and cancellation of `call` (NULL: none; see `sxt_call_new`). A renewal
/// cut short keeps the session's tokens as they were.
///
/// Errors: as `sxt_session_token_info`; `SXT_STATUS_INVALID_HANDLE` for a `call` that is not live, `SXT_STATUS_CANCELLED`
/// once `call` is cancelled, `SXT_STATUS_TIMEOUT` once its deadline has passed.
#[no_mangle]
pub extern "C" fn sxt_session_token_info_call(
    session: *mut sxt_session,
    call: *const sxt_call,
    json_out: *mut *mut c_char,
    error_out: *mut *mut sxt_error,
) -> Status {
    called_string_result(session, call, json_out, "json_out", error_out, |s| Ok(Zeroizing::new(s.token_info()?.to_string())))
}

/// Lists the keys on the user's keyring (`GET /v1/auth/keys`) and writes the server's JSON array to
/// `*json_out` (`sxt_string_free`), unchanged: one object per key, as the deployment describes it (the local
/// server sends `{"key": <base64 public key>, "scheme": "ed25519", "created": <epoch ms>}`). Refreshes first
/// when due.
///
/// Errors: as `sxt_session_token_info`; a reply that is not a JSON array is `SXT_STATUS_MALFORMED_RESPONSE`.
#[no_mangle]
pub extern "C" fn sxt_session_keys(session: *mut sxt_session, json_out: *mut *mut c_char, error_out: *mut *mut sxt_error) -> Status {
    sxt_session_keys_call(session, std::ptr::null(), json_out, error_out)
}

/// As `sxt_session_keys`, with the deadline and cancellation of `call` (NULL: none; see `sxt_call_new`). A renewal
/// cut short keeps the session's tokens as they were.
///
/// Errors: as `sxt_session_keys`; `SXT_STATUS_INVALID_HANDLE` for a `call` that is not live, `SXT_STATUS_CANCELLED`
/// once `call` is cancelled, `SXT_STATUS_TIMEOUT` once its deadline has passed.
#[no_mangle]
pub extern "C" fn sxt_session_keys_call(
    session: *mut sxt_session,
    call: *const sxt_call,
    json_out: *mut *mut c_char,
    error_out: *mut *mut sxt_error,
) -> Status {
    called_string_result(session, call, json_out, "json_out", error_out, |s| Ok(Zeroizing::new(s.keys()?.to_string())))
}

/// Adds the key `new_private_key` (any accepted encoding) to the user's keyring: a challenge from
/// `POST /v1/auth/keys/code`, signed with the new key, sent to `POST /v1/auth/keys`. Only the public half
/// leaves the process.
///
/// Errors: `SXT_STATUS_INVALID_HANDLE`, `SXT_STATUS_NULL_ARGUMENT`, `SXT_STATUS_INVALID_UTF8`,
/// `SXT_STATUS_INVALID_KEY`, `SXT_STATUS_LOGGED_OUT`, transport and server codes (a key already on the
/// keyring is refused by the server, typically `SXT_STATUS_BAD_REQUEST`).
#[no_mangle]
pub extern "C" fn sxt_session_add_key(session: *mut sxt_session, new_private_key: *const c_char, error_out: *mut *mut sxt_error) -> Status {
    sxt_session_add_key_call(session, std::ptr::null(), new_private_key, error_out)
}

/// As `sxt_session_add_key`, with the deadline and cancellation of `call` (NULL: none; see `sxt_call_new`). A renewal
/// cut short keeps the session's tokens as they were.
///
/// Errors: as `sxt_session_add_key`; `SXT_STATUS_INVALID_HANDLE` for a `call` that is not live, `SXT_STATUS_CANCELLED`
/// once `call` is cancelled, `SXT_STATUS_TIMEOUT` once its deadline has passed.
#[no_mangle]
pub extern "C" fn sxt_session_add_key_call(
    session: *mut sxt_session,
    call: *const sxt_call,
    new_private_key: *const c_char,
    error_out: *mut *mut sxt_error,
) -> Status {
    with_session(session, error_out, |s| {
        // SAFETY: header contract: NULL or a NUL-terminated string.
        let text = unsafe { arg(new_private_key, "new_private_key") }?;
        let key = PrivateKey::parse_argument(text, "new_private_key")?;
        with_call(call, || s.add_key(&key))
    })
}

/// As `sxt_session_add_key`, for a key `signer` holds (`sxt_signer_new`): its public key and scheme go on the
/// keyring, and it signs the challenge.
///
/// Errors: as `sxt_session_add_key` (`SXT_STATUS_INVALID_HANDLE` naming `signer` for one that is not live);
/// `SXT_STATUS_SIGNER_FAILED`.
#[no_mangle]
pub extern "C" fn sxt_session_add_key_signer(session: *mut sxt_session, signer: *const sxt_signer, error_out: *mut *mut sxt_error) -> Status {
    sxt_session_add_key_signer_call(session, std::ptr::null(), signer, error_out)
}

/// As `sxt_session_add_key_signer`, with the deadline and cancellation of `call` (NULL: none; see
/// `sxt_call_new`).
///
/// Errors: as `sxt_session_add_key_signer`; `SXT_STATUS_INVALID_HANDLE` for a `call` that is not live,
/// `SXT_STATUS_CANCELLED` once `call` is cancelled, `SXT_STATUS_TIMEOUT` once its deadline has passed.
#[no_mangle]
pub extern "C" fn sxt_session_add_key_signer_call(
    session: *mut sxt_session,
    call: *const sxt_call,
    signer: *const sxt_signer,
    error_out: *mut *mut sxt_error,
) -> Status {
    with_session(session, error_out, |s| {
        let signer = signer_of(signer)?;
        with_call(call, || s.add_key_signer(&signer))
    })
}

/// Writes the session as text to `*blob_out` (a new string; `sxt_string_free` wipes it), for the app to keep
/// where its platform keeps secrets (Keychain, Keystore) and restore after a restart with
/// `sxt_session_import`. It holds the tokens (bearer credentials: a secret), their expiries (epoch
/// milliseconds, as the server stated them), the session cap, the user id, the base URL and how the session
/// signs in (scheme and public key, or API key); never a private key or an API key. The format is versioned
/// (`sxts1.`) and checked against truncation and alteration. Export again after every
/// `SXT_EVENT_ROTATED` (`sxt_session_set_observer`): after a refresh the old blob's refresh token no longer
/// works. No network call.
///
/// Errors: `SXT_STATUS_INVALID_HANDLE`, `SXT_STATUS_NULL_ARGUMENT`, `SXT_STATUS_LOGGED_OUT`.
#[no_mangle]
pub extern "C" fn sxt_session_export(session: *const sxt_session, blob_out: *mut *mut c_char, error_out: *mut *mut sxt_error) -> Status {
    string_result(session, blob_out, "blob_out", error_out, |s| s.export())
}

/// `sxt_session_set_observer`'s event: the session has new tokens (a refresh, a sign-in again, a
/// subscription join). Export it again now.
pub const SXT_EVENT_ROTATED: i32 = 1;
/// `sxt_session_set_observer`'s event: the session logged out. A stored copy is worth nothing now.
pub const SXT_EVENT_LOGGED_OUT: i32 = 2;

/// Called with an `SXT_EVENT_*` value and the observer's context (see `sxt_session_set_observer`).
#[allow(non_camel_case_types)]
pub type sxt_observer_fn = Option<unsafe extern "C" fn(context: *mut c_void, event: i32)>;

/// The app's observer and its context; destroy runs when it is dropped (replaced, removed, or the session
/// freed).
struct CObserver {
    notify: unsafe extern "C" fn(*mut c_void, i32),
    context: *mut c_void,
    destroy: sxt_destroy_fn,
}
// SAFETY: `sxt_session_set_observer`'s contract: the callback and destroy may be called from any thread.
unsafe impl Send for CObserver {}
// SAFETY: as above; the library never dereferences the context.
unsafe impl Sync for CObserver {}

impl CObserver {
    fn tell(&self, event: i32) {
        // SAFETY: the header's contract for `notify`: callable from any thread with its context.
        unsafe { (self.notify)(self.context, event) }
    }
}

impl Drop for CObserver {
    fn drop(&mut self) {
        if let Some(destroy) = self.destroy {
            // SAFETY: the header's contract: destroy releases the context, called once.
            unsafe { destroy(self.context) }
        }
    }
}

/// Sets the session's observer: `notify(context, event)` is called after every rotation
/// (`SXT_EVENT_ROTATED`: a refresh, a sign-in again, a subscription join) and at logout
/// (`SXT_EVENT_LOGGED_OUT`), once per event, so that the app can store the session again
/// (`sxt_session_export`). It runs on the thread whose call made the change, after that call has released
/// every lock of the session and before it returns: it may call this session's functions (export it, read its
/// token), and calls from different threads may overlap. It must not unwind into the library.
///
/// `notify` NULL removes the observer. `context` belongs to the library from this call on, success or not:
/// `destroy` (may be NULL) is called exactly once, when the observer is replaced or removed, when the session
/// is freed (once no call is using it), or before this call returns when it fails.
///
/// Errors: `SXT_STATUS_INVALID_HANDLE`.
#[no_mangle]
pub extern "C" fn sxt_session_set_observer(
    session: *mut sxt_session,
    notify: sxt_observer_fn,
    context: *mut c_void,
    destroy: sxt_destroy_fn,
    error_out: *mut *mut sxt_error,
) -> Status {
    let observer = notify.map(|notify| CObserver { notify, context, destroy });
    if observer.is_none() {
        if let Some(destroy) = destroy {
            // SAFETY: as in CObserver's drop: the context is the library's now, and nothing will use it.
            unsafe { destroy(context) }
        }
    }
    with_session(session, error_out, move |s| {
        s.set_observer(observer.map(|o| {
            Arc::new(move |event: Event| {
                let code = match event {
                    Event::Rotated => SXT_EVENT_ROTATED,
                    Event::LoggedOut => SXT_EVENT_LOGGED_OUT,
                };
                o.tell(code)
            }) as sxt_auth_core::session::Observer
        }));
        Ok(())
    })
}

/// `sxt_session_create_join_code`'s role: a member of the subscription.
pub const SXT_ROLE_MEMBER: i32 = 0;
/// `sxt_session_create_join_code`'s role: an admin (may invite members and admins).
pub const SXT_ROLE_ADMIN: i32 = 1;
/// `sxt_session_create_join_code`'s role: an owner.
pub const SXT_ROLE_OWNER: i32 = 2;

/// Joins the subscription that `join_code` names (`POST /v1/subscription/invite/{joinCode}` with the access
/// token): the user leaves the subscription it was in and takes the role the code gives. The server answers
/// with a new token set, which the session adopts at once for every thread (no caller gets tokens from both
/// sets), as a rotation; the old tokens stop working. An access token about to expire is renewed first; a
/// 401 renews once and retries. Codes from `sxt_session_create_join_code` are single use and valid 24 hours
/// on the public service and the local server; an organisation's code from the local server's `--join-code`
/// may be used by many.
///
/// Errors: `SXT_STATUS_INVALID_HANDLE`, `SXT_STATUS_NULL_ARGUMENT`, `SXT_STATUS_INVALID_UTF8`,
/// `SXT_STATUS_INVALID_ARGUMENT` (argument `join_code`: empty, over 256 bytes, control characters),
/// `SXT_STATUS_LOGGED_OUT`, `SXT_STATUS_SESSION_EXPIRED`, transport codes, `SXT_STATUS_BAD_REQUEST` for an
/// unknown, expired or already used code (with the server's detail), `SXT_STATUS_MALFORMED_RESPONSE`.
#[no_mangle]
pub extern "C" fn sxt_session_join_subscription(session: *mut sxt_session, join_code: *const c_char, error_out: *mut *mut sxt_error) -> Status {
    sxt_session_join_subscription_call(session, std::ptr::null(), join_code, error_out)
}

/// As `sxt_session_join_subscription`, with the deadline and cancellation of `call` (NULL: none; see
/// `sxt_call_new`). A join cut short leaves the session's tokens as they were (if the server had already
/// swapped them, the next call renews).
///
/// Errors: as `sxt_session_join_subscription`; `SXT_STATUS_INVALID_HANDLE` for a `call` that is not live,
/// `SXT_STATUS_CANCELLED` once `call` is cancelled, `SXT_STATUS_TIMEOUT` once its deadline has passed.
#[no_mangle]
pub extern "C" fn sxt_session_join_subscription_call(
    session: *mut sxt_session,
    call: *const sxt_call,
    join_code: *const c_char,
    error_out: *mut *mut sxt_error,
) -> Status {
    with_session(session, error_out, |s| {
        // SAFETY: header contract: NULL or a NUL-terminated string.
        let code = unsafe { arg(join_code, "join_code") }?;
        with_call(call, || s.join_subscription(code))
    })
}

/// Writes a new join code (`POST /v1/subscription/invite?role=...`) to `*join_code_out` (a new string;
/// `sxt_string_free` wipes it): whoever joins with it becomes a `role` (`SXT_ROLE_MEMBER`, `SXT_ROLE_ADMIN`
/// or `SXT_ROLE_OWNER`) of this user's subscription. The service refuses a member's request and a role above
/// the caller's (HTTP 403: `SXT_STATUS_UNAUTHORIZED`, not retried).
///
/// Errors: `SXT_STATUS_INVALID_HANDLE`, `SXT_STATUS_NULL_ARGUMENT`, `SXT_STATUS_INVALID_ARGUMENT` (argument
/// `role`: not one of the three), `SXT_STATUS_LOGGED_OUT`, `SXT_STATUS_SESSION_EXPIRED`, transport codes,
/// `SXT_STATUS_UNAUTHORIZED`, `SXT_STATUS_MALFORMED_RESPONSE` (the reply is not a join code).
#[no_mangle]
pub extern "C" fn sxt_session_create_join_code(session: *mut sxt_session, role: i32, join_code_out: *mut *mut c_char, error_out: *mut *mut sxt_error) -> Status {
    sxt_session_create_join_code_call(session, std::ptr::null(), role, join_code_out, error_out)
}

/// As `sxt_session_create_join_code`, with the deadline and cancellation of `call` (NULL: none; see
/// `sxt_call_new`).
///
/// Errors: as `sxt_session_create_join_code`; `SXT_STATUS_INVALID_HANDLE` for a `call` that is not live,
/// `SXT_STATUS_CANCELLED` once `call` is cancelled, `SXT_STATUS_TIMEOUT` once its deadline has passed.
#[no_mangle]
pub extern "C" fn sxt_session_create_join_code_call(
    session: *mut sxt_session,
    call: *const sxt_call,
    role: i32,
    join_code_out: *mut *mut c_char,
    error_out: *mut *mut sxt_error,
) -> Status {
    with_session(session, error_out, |s| {
        let role = match role {
            SXT_ROLE_MEMBER => Role::Member,
            SXT_ROLE_ADMIN => Role::Admin,
            SXT_ROLE_OWNER => Role::Owner,
            _ => {
                return Err(sxt_auth_core::Error::argument(
                    sxt_auth_core::ErrorKind::InvalidArgument,
                    "role",
                    "must be SXT_ROLE_MEMBER, SXT_ROLE_ADMIN or SXT_ROLE_OWNER",
                )
                .into())
            }
        };
        let out = Out::new(join_code_out, "join_code_out")?;
        let code = Zeroizing::new(with_call(call, || s.create_join_code(role))?);
        out.write(into_c(&code)?);
        Ok(())
    })
}

/// Releases `session` and wipes its tokens and key once no call is using them. This does not log out: the
/// server keeps the tokens valid until they expire (call `sxt_logout` first to end them). NULL and an
/// already-freed handle are ignored.
#[no_mangle]
pub extern "C" fn sxt_session_free(session: *mut sxt_session) {
    guard((), || drop(sxt_session::release(session)))
}

/// How many sessions are live (for leak tests).
pub(crate) fn live_sessions() -> usize {
    sxt_session::table().live()
}
