//! `sxt_client_options` and `sxt_client`: settings, the shared connection pool, and the calls that start a
//! session.

use std::ffi::c_char;
use std::sync::Mutex;
use std::time::Duration;

use sxt_auth_core::{ApiKey, Client, ClientConfig, PrivateKey, Resume, Session};

use crate::boundary::{guard, Out};
use crate::call::{sxt_call, with_call};
use crate::error::{run, sxt_error};
use crate::handles::{Handle, Kind, Table};
use crate::session::sxt_session;
use crate::signer::{signer_of, sxt_signer};
use crate::status::{CResult, Status};
use crate::strings::{arg, into_c, opt_arg};

/// Settings for `sxt_client_new`: timeouts, extra trusted CAs, plain-http permission, user agent, refresh
/// margin. Created by `sxt_client_options_new`, changed by the `sxt_client_options_set_*` functions, read (not
/// kept) by `sxt_client_new`, released by `sxt_client_options_free`. Safe to use from any thread; setters
/// on one options object from several threads at once are serialised.
#[allow(non_camel_case_types)]
pub struct sxt_client_options {
    _private: [u8; 0],
}

/// A connection to one SxT auth service: base URL, settings and a connection pool shared by every session
/// started from it. Immutable once created; safe to use from any number of threads at once. Sessions keep
/// what they need of it, so it may be freed while its sessions live on.
#[allow(non_camel_case_types)]
pub struct sxt_client {
    _private: [u8; 0],
}

impl Handle for sxt_client_options {
    type Object = Mutex<ClientConfig>;
    const KIND: Kind = Kind::Options;
    fn table() -> &'static Table<Self> {
        static OPTIONS: Table<sxt_client_options> = Table::new();
        &OPTIONS
    }
}

impl Handle for sxt_client {
    type Object = Client;
    const KIND: Kind = Kind::Client;
    fn table() -> &'static Table<Self> {
        static CLIENTS: Table<sxt_client> = Table::new();
        &CLIENTS
    }
}

/// Creates options holding the defaults: connect timeout 10 s, read timeout 15 s, whole-call timeout 30 s,
/// https only, Mozilla's trusted roots, user agent `sxt-auth/<version>`, refresh margin 60 s, sessions keep
/// the key, API-key sign-in at `https://proxy.api.makeinfinite.dev`.
/// `*options_out` is released with `sxt_client_options_free`.
///
/// Errors: `SXT_STATUS_NULL_ARGUMENT`.
#[no_mangle]
pub extern "C" fn sxt_client_options_new(options_out: *mut *mut sxt_client_options, error_out: *mut *mut sxt_error) -> Status {
    run(error_out, || {
        let out = Out::new(options_out, "options_out")?;
        out.write(sxt_client_options::publish(Mutex::new(ClientConfig::default()))?);
        Ok(())
    })
}

/// Applies `f` to the options' settings. The core's setters check every value; an error about one of their
/// arguments is renamed to this header's parameter `c_name`.
fn set(
    options: *mut sxt_client_options,
    c_name: &'static str,
    error_out: *mut *mut sxt_error,
    f: impl FnOnce(&mut ClientConfig) -> sxt_auth_core::Result<()>,
) -> Status {
    run(error_out, || {
        let cell = sxt_client_options::get(options, "options")?;
        let mut config = cell.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut config).map_err(|e| e.renamed_argument(c_name).into())
    })
}

/// As [`set`], for a setting given as text: the options handle is checked first, then the text.
fn set_text(
    options: *mut sxt_client_options,
    text: CResult<&str>,
    error_out: *mut *mut sxt_error,
    f: impl FnOnce(&mut ClientConfig, &str) -> sxt_auth_core::Result<()>,
) -> Status {
    run(error_out, || {
        let cell = sxt_client_options::get(options, "options")?;
        let text = text?;
        let mut config = cell.lock().unwrap_or_else(|p| p.into_inner());
        Ok(f(&mut config, text)?)
    })
}

fn millis(ms: u32) -> Duration {
    Duration::from_millis(ms.into())
}

/// Sets how long establishing a connection (DNS, TCP, TLS) may take, in milliseconds (1 to 86,400,000: 24 hours).
///
/// Errors: `SXT_STATUS_INVALID_HANDLE`, `SXT_STATUS_INVALID_ARGUMENT` (0, or over 24 hours).
#[no_mangle]
pub extern "C" fn sxt_client_options_set_connect_timeout_ms(options: *mut sxt_client_options, connect_timeout_ms: u32, error_out: *mut *mut sxt_error) -> Status {
    set(options, "connect_timeout_ms", error_out, |c| c.transport_mut().set_connect_timeout(millis(connect_timeout_ms)).map(drop))
}

/// Sets how long any single read from the server may stall, in milliseconds (1 to 86,400,000: 24 hours).
///
/// Errors: `SXT_STATUS_INVALID_HANDLE`, `SXT_STATUS_INVALID_ARGUMENT` (0, or over 24 hours).
#[no_mangle]
pub extern "C" fn sxt_client_options_set_read_timeout_ms(options: *mut sxt_client_options, read_timeout_ms: u32, error_out: *mut *mut sxt_error) -> Status {
    set(options, "read_timeout_ms", error_out, |c| c.transport_mut().set_read_timeout(millis(read_timeout_ms)).map(drop))
}

/// Sets the deadline for one whole HTTP call (connect, send, receive), in milliseconds (1 to 86,400,000: 24
/// hours). A sign-in makes several calls.
///
/// Errors: `SXT_STATUS_INVALID_HANDLE`, `SXT_STATUS_INVALID_ARGUMENT` (0, or over 24 hours).
#[no_mangle]
pub extern "C" fn sxt_client_options_set_timeout_ms(options: *mut sxt_client_options, timeout_ms: u32, error_out: *mut *mut sxt_error) -> Status {
    set(options, "timeout_ms", error_out, |c| c.transport_mut().set_call_timeout(millis(timeout_ms)).map(drop))
}

/// Sets how long before an access token expires a session refreshes it, in milliseconds (0 to 86,400,000; 0:
/// refresh only once expired). Clamped per token to half its lifetime.
///
/// Errors: `SXT_STATUS_INVALID_HANDLE`, `SXT_STATUS_INVALID_ARGUMENT` (over 24 hours).
#[no_mangle]
pub extern "C" fn sxt_client_options_set_refresh_margin_ms(options: *mut sxt_client_options, refresh_margin_ms: u32, error_out: *mut *mut sxt_error) -> Status {
    set(options, "refresh_margin_ms", error_out, |c| c.set_refresh_margin(millis(refresh_margin_ms)).map(drop))
}

/// Adds the certificates of a PEM bundle (NUL-terminated text, one or more `CERTIFICATE` blocks) to the
/// trusted roots, in addition to Mozilla's. For a private deployment, or the local server's `--ca-out` file.
///
/// Errors: `SXT_STATUS_INVALID_HANDLE`, `SXT_STATUS_NULL_ARGUMENT`, `SXT_STATUS_INVALID_UTF8`,
/// `SXT_STATUS_INVALID_CERTIFICATE` (malformed PEM, or no certificate in it).
#[no_mangle]
pub extern "C" fn sxt_client_options_add_ca_pem(options: *mut sxt_client_options, ca_pem: *const c_char, error_out: *mut *mut sxt_error) -> Status {
    // SAFETY: header contract: NULL or a NUL-terminated string.
    set_text(options, unsafe { arg(ca_pem, "ca_pem") }, error_out, |c, pem| c.transport_mut().add_ca_pem(pem.as_bytes()).map(drop))
}

/// Allows plain `http://` base URLs, to any host (off by default). Meant for a local test server (loopback
/// or a test container): tokens and signatures then cross the network unencrypted.
///
/// Errors: `SXT_STATUS_INVALID_HANDLE`.
#[no_mangle]
pub extern "C" fn sxt_client_options_set_allow_http(options: *mut sxt_client_options, allow: bool, error_out: *mut *mut sxt_error) -> Status {
    set(options, "allow", error_out, |c| {
        c.transport_mut().set_allow_http(allow);
        Ok(())
    })
}

/// Sets whether sessions keep a copy of the private key so they can sign in again by themselves when the
/// refresh chain or the 24-hour session runs out (default true). When off, such a session fails with
/// `SXT_STATUS_SESSION_EXPIRED` and the caller signs in again; the key then stays only in the caller's memory.
///
/// Errors: `SXT_STATUS_INVALID_HANDLE`.
#[no_mangle]
pub extern "C" fn sxt_client_options_set_keep_key(options: *mut sxt_client_options, keep: bool, error_out: *mut *mut sxt_error) -> Status {
    set(options, "keep", error_out, |c| {
        c.set_keep_key(keep);
        Ok(())
    })
}

/// Sets the `User-Agent` header (1 to 256 bytes, no control characters).
///
/// Errors: `SXT_STATUS_INVALID_HANDLE`, `SXT_STATUS_NULL_ARGUMENT`, `SXT_STATUS_INVALID_UTF8`,
/// `SXT_STATUS_INVALID_ARGUMENT`.
#[no_mangle]
pub extern "C" fn sxt_client_options_set_user_agent(options: *mut sxt_client_options, user_agent: *const c_char, error_out: *mut *mut sxt_error) -> Status {
    // SAFETY: header contract: NULL or a NUL-terminated string.
    set_text(options, unsafe { arg(user_agent, "user_agent") }, error_out, |c, ua| c.transport_mut().set_user_agent(ua).map(drop))
}

/// Sets the base URL of the SxT proxy that `sxt_login_api_key` signs in at (`POST {proxy}/auth/apikey`).
/// Default `https://proxy.api.makeinfinite.dev`, the proxy of the current public Python SDK (older SDKs name
/// `https://proxy.api.spaceandtime.dev`). Normalised like the base URL (trailing `/` and `/v1` removed), and
/// held to https unless `sxt_client_options_set_allow_http` allows plain http: that is checked by
/// `sxt_client_new` (`SXT_STATUS_INSECURE_URL` naming `proxy_url`).
///
/// Errors: `SXT_STATUS_INVALID_HANDLE`, `SXT_STATUS_NULL_ARGUMENT`, `SXT_STATUS_INVALID_UTF8`,
/// `SXT_STATUS_INVALID_URL` (argument `proxy_url`).
#[no_mangle]
pub extern "C" fn sxt_client_options_set_proxy_url(options: *mut sxt_client_options, proxy_url: *const c_char, error_out: *mut *mut sxt_error) -> Status {
    // SAFETY: header contract: NULL or a NUL-terminated string.
    set_text(options, unsafe { arg(proxy_url, "proxy_url") }, error_out, |c, url| c.set_proxy_url(url).map(drop))
}

/// Releases `options`. NULL and an already-freed handle are ignored. Clients made from it are unaffected.
#[no_mangle]
pub extern "C" fn sxt_client_options_free(options: *mut sxt_client_options) {
    guard((), || drop(sxt_client_options::release(options)))
}

/// Creates a client for the service at `base_url`, which may end with or without `/` and `/v1`
/// (`https://api.spaceandtime.dev`, `https://api.spaceandtime.dev/v1/`, ...). `options` may be NULL for the
/// defaults; it is read, not kept. `*client_out` is released with `sxt_client_free`.
///
/// Errors: `SXT_STATUS_NULL_ARGUMENT`, `SXT_STATUS_INVALID_UTF8`, `SXT_STATUS_INVALID_HANDLE` (options),
/// `SXT_STATUS_INVALID_URL`, `SXT_STATUS_INSECURE_URL` (`http://` without `sxt_client_options_set_allow_http`).
#[no_mangle]
pub extern "C" fn sxt_client_new(
    base_url: *const c_char,
    options: *const sxt_client_options,
    client_out: *mut *mut sxt_client,
    error_out: *mut *mut sxt_error,
) -> Status {
    run(error_out, || {
        // SAFETY: header contract: NULL or a NUL-terminated string.
        let base_url = unsafe { arg(base_url, "base_url") }?;
        let out = Out::new(client_out, "client_out")?;
        let config = if options.is_null() {
            ClientConfig::default()
        } else {
            sxt_client_options::get(options, "options")?.lock().unwrap_or_else(|p| p.into_inner()).clone()
        };
        let client = Client::with_config(base_url, &config)?;
        out.write(sxt_client::publish(client)?);
        Ok(())
    })
}

/// Writes the normalised base URL (no trailing `/` or `/v1`) to `*base_url_out` (`sxt_string_free`).
///
/// Errors: `SXT_STATUS_INVALID_HANDLE`, `SXT_STATUS_NULL_ARGUMENT`.
#[no_mangle]
pub extern "C" fn sxt_client_base_url(client: *const sxt_client, base_url_out: *mut *mut c_char, error_out: *mut *mut sxt_error) -> Status {
    run(error_out, || {
        let client = sxt_client::get(client, "client")?;
        let out = Out::new(base_url_out, "base_url_out")?;
        out.write(into_c(client.base_url())?);
        Ok(())
    })
}

/// Releases `client`. NULL and an already-freed handle are ignored. Calls running on it on other threads
/// finish normally; sessions started from it keep working.
#[no_mangle]
pub extern "C" fn sxt_client_free(client: *mut sxt_client) {
    guard((), || drop(sxt_client::release(client)))
}

/// Asks whether `user_id` is taken (`GET /v1/auth/idexists/{userId}`); writes the answer to `*exists_out`.
///
/// Errors: `SXT_STATUS_INVALID_HANDLE`, `SXT_STATUS_NULL_ARGUMENT`, `SXT_STATUS_INVALID_UTF8`,
/// `SXT_STATUS_INVALID_ARGUMENT` (empty, over 256 bytes, control characters, or `.` / `..`, which a URL
/// path would read as dot segments), the transport codes
/// (`SXT_STATUS_NETWORK` ... `SXT_STATUS_MALFORMED_RESPONSE`) and the server codes (`SXT_STATUS_BAD_REQUEST` ...
/// `SXT_STATUS_SERVER_ERROR`).
#[no_mangle]
pub extern "C" fn sxt_user_exists(client: *const sxt_client, user_id: *const c_char, exists_out: *mut bool, error_out: *mut *mut sxt_error) -> Status {
    sxt_user_exists_call(client, std::ptr::null(), user_id, exists_out, error_out)
}

/// As `sxt_user_exists`, with the deadline and cancellation of `call` (NULL: none; see `sxt_call_new`).
///
/// Errors: as `sxt_user_exists`; `SXT_STATUS_INVALID_HANDLE` for a `call` that is not live, `SXT_STATUS_CANCELLED`
/// once `call` is cancelled, `SXT_STATUS_TIMEOUT` once its deadline has passed.
#[no_mangle]
pub extern "C" fn sxt_user_exists_call(
    client: *const sxt_client,
    call: *const sxt_call,
    user_id: *const c_char,
    exists_out: *mut bool,
    error_out: *mut *mut sxt_error,
) -> Status {
    run(error_out, || {
        let client = sxt_client::get(client, "client")?;
        // SAFETY: header contract: NULL or a NUL-terminated string.
        let user_id = unsafe { arg(user_id, "user_id") }?;
        let out = Out::new(exists_out, "exists_out")?;
        out.write(with_call(call, || client.user_exists(user_id))?);
        Ok(())
    })
}

/// The shared shape of the calls that start a session: `extra` reads the call's own arguments (after the
/// common ones are checked), `sign_in` runs within `call`'s options.
#[allow(clippy::too_many_arguments)]
fn start<X>(
    client: *const sxt_client,
    call: *const sxt_call,
    user_id: *const c_char,
    private_key: *const c_char,
    session_out: *mut *mut sxt_session,
    error_out: *mut *mut sxt_error,
    extra: impl FnOnce() -> CResult<X>,
    sign_in: impl FnOnce(&Client, &str, &PrivateKey, X) -> sxt_auth_core::Result<Session>,
) -> Status {
    run(error_out, || {
        let client = sxt_client::get(client, "client")?;
        // SAFETY: header contract: NULL or NUL-terminated strings.
        let (user_id, key_text) = unsafe { (arg(user_id, "user_id")?, arg(private_key, "private_key")?) };
        let extra = extra()?;
        let out = Out::new(session_out, "session_out")?;
        let key = PrivateKey::parse(key_text)?;
        let session = with_call(call, || sign_in(&client, user_id, &key, extra))?;
        out.write(sxt_session::publish(session)?);
        Ok(())
    })
}

/// Signs in `user_id` with `private_key` (any accepted encoding): a challenge from `POST /v1/auth/code`,
/// signed, traded at `POST /v1/auth/token`. On success `*session_out` is a new session (`sxt_session_free`)
/// that keeps a copy of the key (see `sxt_client_options_set_keep_key`), so it can sign in again by itself
/// when its refresh chain runs out. On SxT a token call for an unknown user id registers it, so `sxt_login`
/// first asks `GET /v1/auth/idexists` and fails with `SXT_STATUS_NOT_FOUND` for an unknown user: a mistyped
/// id never creates an account (`sxt_register` does that). That error names the argument `user_id` and has
/// HTTP status 0, since the server answered the question successfully. A client remembers (up to 1024) user
/// ids it has seen exist (through `sxt_user_exists`, a sign-in or a registration) and does not ask again for
/// them.
///
/// Errors: `SXT_STATUS_INVALID_HANDLE`, `SXT_STATUS_NULL_ARGUMENT`, `SXT_STATUS_INVALID_UTF8`,
/// `SXT_STATUS_INVALID_ARGUMENT`, `SXT_STATUS_INVALID_KEY`, transport codes, and the server's refusals:
/// `SXT_STATUS_NOT_FOUND` (unknown user), `SXT_STATUS_BAD_REQUEST` (signature refused,
/// key not on the keyring), `SXT_STATUS_UNAUTHORIZED`.
#[no_mangle]
pub extern "C" fn sxt_login(
    client: *const sxt_client,
    user_id: *const c_char,
    private_key: *const c_char,
    session_out: *mut *mut sxt_session,
    error_out: *mut *mut sxt_error,
) -> Status {
    sxt_login_call(client, std::ptr::null(), user_id, private_key, session_out, error_out)
}

/// As `sxt_login`, with the deadline and cancellation of `call` (NULL: none; see `sxt_call_new`).
///
/// Errors: as `sxt_login`; `SXT_STATUS_INVALID_HANDLE` for a `call` that is not live, `SXT_STATUS_CANCELLED`
/// once `call` is cancelled, `SXT_STATUS_TIMEOUT` once its deadline has passed.
#[no_mangle]
pub extern "C" fn sxt_login_call(
    client: *const sxt_client,
    call: *const sxt_call,
    user_id: *const c_char,
    private_key: *const c_char,
    session_out: *mut *mut sxt_session,
    error_out: *mut *mut sxt_error,
) -> Status {
    start(client, call, user_id, private_key, session_out, error_out, || Ok(()), |c, u, k, ()| c.login(u, k))
}

/// As `sxt_login`, signing with `signer` (`sxt_signer_new`): the private key never enters the library. The
/// session holds `signer` (whatever `sxt_client_options_set_keep_key` says: it holds no secret) and signs in
/// through it again when its refresh chain runs out.
///
/// Errors: as `sxt_login` (`SXT_STATUS_INVALID_HANDLE` naming `signer` for a signer that is not live);
/// `SXT_STATUS_SIGNER_FAILED` when the signer fails, is too slow, or returns an invalid signature (nothing
/// more is sent).
#[no_mangle]
pub extern "C" fn sxt_login_signer(
    client: *const sxt_client,
    user_id: *const c_char,
    signer: *const sxt_signer,
    session_out: *mut *mut sxt_session,
    error_out: *mut *mut sxt_error,
) -> Status {
    sxt_login_signer_call(client, std::ptr::null(), user_id, signer, session_out, error_out)
}

/// As `sxt_login_signer`, with the deadline and cancellation of `call` (NULL: none; see `sxt_call_new`). A
/// signer already running is not interrupted: the call ends when it returns.
///
/// Errors: as `sxt_login_signer`; `SXT_STATUS_INVALID_HANDLE` for a `call` that is not live,
/// `SXT_STATUS_CANCELLED` once `call` is cancelled, `SXT_STATUS_TIMEOUT` once its deadline has passed.
#[no_mangle]
pub extern "C" fn sxt_login_signer_call(
    client: *const sxt_client,
    call: *const sxt_call,
    user_id: *const c_char,
    signer: *const sxt_signer,
    session_out: *mut *mut sxt_session,
    error_out: *mut *mut sxt_error,
) -> Status {
    run(error_out, || {
        let client = sxt_client::get(client, "client")?;
        // SAFETY: header contract: NULL or a NUL-terminated string.
        let user_id = unsafe { arg(user_id, "user_id") }?;
        let signer = signer_of(signer)?;
        let out = Out::new(session_out, "session_out")?;
        let session = with_call(call, || client.login_signer(user_id, &signer))?;
        out.write(sxt_session::publish(session)?);
        Ok(())
    })
}

/// As `sxt_register` (or, with an `email`, `sxt_register_with_email`), signing with `signer`: its public key
/// and scheme become the new user's first key. `email` and `join_code` may be NULL.
///
/// Errors: as `sxt_register`; `SXT_STATUS_SIGNER_FAILED`.
#[no_mangle]
pub extern "C" fn sxt_register_signer(
    client: *const sxt_client,
    user_id: *const c_char,
    signer: *const sxt_signer,
    email: *const c_char,
    join_code: *const c_char,
    session_out: *mut *mut sxt_session,
    error_out: *mut *mut sxt_error,
) -> Status {
    sxt_register_signer_call(client, std::ptr::null(), user_id, signer, email, join_code, session_out, error_out)
}

/// As `sxt_register_signer`, with the deadline and cancellation of `call` (NULL: none; see `sxt_call_new`).
///
/// Errors: as `sxt_register_signer`; `SXT_STATUS_INVALID_HANDLE` for a `call` that is not live,
/// `SXT_STATUS_CANCELLED` once `call` is cancelled, `SXT_STATUS_TIMEOUT` once its deadline has passed.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn sxt_register_signer_call(
    client: *const sxt_client,
    call: *const sxt_call,
    user_id: *const c_char,
    signer: *const sxt_signer,
    email: *const c_char,
    join_code: *const c_char,
    session_out: *mut *mut sxt_session,
    error_out: *mut *mut sxt_error,
) -> Status {
    run(error_out, || {
        let client = sxt_client::get(client, "client")?;
        // SAFETY: header contract: NULL or NUL-terminated strings.
        let (user_id, email, join_code) =
            unsafe { (arg(user_id, "user_id")?, opt_arg(email, "email")?, opt_arg(join_code, "join_code")?) };
        let signer = signer_of(signer)?;
        let out = Out::new(session_out, "session_out")?;
        let session = with_call(call, || client.register_signer(user_id, &signer, email, join_code))?;
        out.write(sxt_session::publish(session)?);
        Ok(())
    })
}

/// Restores a session from `blob` (`sxt_session_export`, in this process or an earlier one) for `client`,
/// which must be a client of the same service (base URL). `secret` (may be NULL) is what the session signed
/// in with: the private key (any accepted encoding) or, for an API-key session, the API key; with it the
/// session also signs in again when its tokens run out, without it it then fails with
/// `SXT_STATUS_SESSION_EXPIRED`. The restored session refreshes as usual. No network call. `*session_out` is
/// released with `sxt_session_free`.
///
/// Errors: `SXT_STATUS_INVALID_HANDLE`, `SXT_STATUS_NULL_ARGUMENT`, `SXT_STATUS_INVALID_UTF8`,
/// `SXT_STATUS_INVALID_ARGUMENT` naming `blob` (not an exported session, another version, truncated or
/// altered, over 64 KiB, or exported from a client of another service; the message says which),
/// `SXT_STATUS_INVALID_KEY` or `SXT_STATUS_INVALID_ARGUMENT` naming `secret` (it does not parse, or is not
/// what the session signed in with), `SXT_STATUS_SESSION_EXPIRED` (neither token is still valid, or the
/// 24-hour session is over).
#[no_mangle]
pub extern "C" fn sxt_session_import(
    client: *const sxt_client,
    blob: *const c_char,
    secret: *const c_char,
    session_out: *mut *mut sxt_session,
    error_out: *mut *mut sxt_error,
) -> Status {
    run(error_out, || {
        let client = sxt_client::get(client, "client")?;
        // SAFETY: header contract: NULL or NUL-terminated strings.
        let (blob, secret) = unsafe { (arg(blob, "blob")?, opt_arg(secret, "secret")?) };
        let out = Out::new(session_out, "session_out")?;
        let resume = secret.map_or(Resume::Nothing, Resume::Text);
        let session = client.import_session(blob, resume).map_err(|e| match e.argument_name() {
            Some("private_key" | "api_key") => e.renamed_argument("secret"),
            _ => e,
        })?;
        out.write(sxt_session::publish(session)?);
        Ok(())
    })
}

/// As `sxt_session_import`, with `signer` (`sxt_signer_new`) for a session that signed in through a signer
/// of the same scheme and public key; the session holds it and signs in again through it.
///
/// Errors: as `sxt_session_import`; `SXT_STATUS_INVALID_HANDLE` naming `signer`; `SXT_STATUS_INVALID_KEY`
/// naming `signer` when it is not the key the session signed in with.
#[no_mangle]
pub extern "C" fn sxt_session_import_signer(
    client: *const sxt_client,
    blob: *const c_char,
    signer: *const sxt_signer,
    session_out: *mut *mut sxt_session,
    error_out: *mut *mut sxt_error,
) -> Status {
    run(error_out, || {
        let client = sxt_client::get(client, "client")?;
        // SAFETY: header contract: NULL or a NUL-terminated string.
        let blob = unsafe { arg(blob, "blob") }?;
        let signer = signer_of(signer)?;
        let out = Out::new(session_out, "session_out")?;
        let session = client.import_session(blob, Resume::Signer(&signer)).map_err(|e| match e.argument_name() {
            Some("private_key" | "api_key") => e.renamed_argument("signer"),
            _ => e,
        })?;
        out.write(sxt_session::publish(session)?);
        Ok(())
    })
}

/// Signs in with an SxT API key (made in Space and Time Studio): `POST {proxy}/auth/apikey` with the key in
/// the `apikey` header, at the proxy of `sxt_client_options_set_proxy_url`. The reply is an access token
/// without a refresh token: the session never refreshes, and signs in again with the API key when its access
/// token is due (single flight, as refreshes are), keeping a wiped-on-free copy of the key unless
/// `sxt_client_options_set_keep_key` turned that off (then `SXT_STATUS_SESSION_EXPIRED` once the token
/// expires). `sxt_session_user_id` is the reply's `userId`, or when it has none (the public proxy's replies
/// do not) what `GET /v1/auth/validtoken` on the API says: one more exchange. `sxt_session_refresh_token` gives
/// `SXT_STATUS_NOT_FOUND`; `sxt_logout` sends the access token (the local server then ends the session; the
/// public service documents nothing for API-key sessions). The key is a secret: it never appears in an error,
/// and surrounding white space is ignored. `*session_out` as for `sxt_login`.
///
/// Errors: `SXT_STATUS_INVALID_HANDLE`, `SXT_STATUS_NULL_ARGUMENT`, `SXT_STATUS_INVALID_UTF8`,
/// `SXT_STATUS_INVALID_ARGUMENT` (argument `api_key`: empty, over 1024 bytes, or a character other than
/// printable ASCII; nothing is sent), transport codes, `SXT_STATUS_UNAUTHORIZED` (the proxy's 401 or 403 for a
/// wrong or revoked key, with its title and detail), `SXT_STATUS_MALFORMED_RESPONSE`.
#[no_mangle]
pub extern "C" fn sxt_login_api_key(
    client: *const sxt_client,
    api_key: *const c_char,
    session_out: *mut *mut sxt_session,
    error_out: *mut *mut sxt_error,
) -> Status {
    sxt_login_api_key_call(client, std::ptr::null(), api_key, session_out, error_out)
}

/// As `sxt_login_api_key`, with the deadline and cancellation of `call` (NULL: none; see `sxt_call_new`).
///
/// Errors: as `sxt_login_api_key`; `SXT_STATUS_INVALID_HANDLE` for a `call` that is not live,
/// `SXT_STATUS_CANCELLED` once `call` is cancelled, `SXT_STATUS_TIMEOUT` once its deadline has passed.
#[no_mangle]
pub extern "C" fn sxt_login_api_key_call(
    client: *const sxt_client,
    call: *const sxt_call,
    api_key: *const c_char,
    session_out: *mut *mut sxt_session,
    error_out: *mut *mut sxt_error,
) -> Status {
    run(error_out, || {
        let client = sxt_client::get(client, "client")?;
        // SAFETY: header contract: NULL or a NUL-terminated string.
        let key_text = unsafe { arg(api_key, "api_key") }?;
        let out = Out::new(session_out, "session_out")?;
        let key = ApiKey::parse(key_text)?;
        let session = with_call(call, || client.login_api_key(&key))?;
        out.write(sxt_session::publish(session)?);
        Ok(())
    })
}

/// Registers the new user `user_id` with `private_key` as its first key and signs it in. `join_code` (the
/// organisation's code, which joins its subscription) may be NULL: SxT made it optional, though a deployment
/// may require one. For an existing user whose keyring holds the key, this is a plain sign-in.
/// `*session_out` as for `sxt_login`.
///
/// Errors: as `sxt_login` (but never `SXT_STATUS_NOT_FOUND` for a new user); an unknown join code, or a user
/// id registered with another key, is `SXT_STATUS_BAD_REQUEST` (or `SXT_STATUS_CONFLICT` /
/// `SXT_STATUS_UNAUTHORIZED`, as the deployment answers); a missing join code that the deployment requires
/// is `SXT_STATUS_NOT_FOUND` or `SXT_STATUS_BAD_REQUEST` (the local server answers 404 at `auth/code`).
#[no_mangle]
pub extern "C" fn sxt_register(
    client: *const sxt_client,
    user_id: *const c_char,
    private_key: *const c_char,
    join_code: *const c_char,
    session_out: *mut *mut sxt_session,
    error_out: *mut *mut sxt_error,
) -> Status {
    sxt_register_call(client, std::ptr::null(), user_id, private_key, join_code, session_out, error_out)
}

/// As `sxt_register`, with the deadline and cancellation of `call` (NULL: none; see `sxt_call_new`).
///
/// Errors: as `sxt_register`; `SXT_STATUS_INVALID_HANDLE` for a `call` that is not live, `SXT_STATUS_CANCELLED`
/// once `call` is cancelled, `SXT_STATUS_TIMEOUT` once its deadline has passed.
#[no_mangle]
pub extern "C" fn sxt_register_call(
    client: *const sxt_client,
    call: *const sxt_call,
    user_id: *const c_char,
    private_key: *const c_char,
    join_code: *const c_char,
    session_out: *mut *mut sxt_session,
    error_out: *mut *mut sxt_error,
) -> Status {
    start(
        client,
        call,
        user_id,
        private_key,
        session_out,
        error_out,
        // SAFETY: header contract: NULL or a NUL-terminated string.
        || unsafe { opt_arg(join_code, "join_code") },
        |c, u, k, join_code| c.register(u, k, join_code),
    )
}

/// Registers the new user `user_id` through `POST /v1/auth/code-register`, which also takes an e-mail
/// address; `join_code` may be NULL. Otherwise as `sxt_register`.
///
/// Errors: as `sxt_register`; `email` NULL is `SXT_STATUS_NULL_ARGUMENT`.
#[no_mangle]
pub extern "C" fn sxt_register_with_email(
    client: *const sxt_client,
    user_id: *const c_char,
    private_key: *const c_char,
    email: *const c_char,
    join_code: *const c_char,
    session_out: *mut *mut sxt_session,
    error_out: *mut *mut sxt_error,
) -> Status {
    sxt_register_with_email_call(client, std::ptr::null(), user_id, private_key, email, join_code, session_out, error_out)
}

/// As `sxt_register_with_email`, with the deadline and cancellation of `call` (NULL: none; see `sxt_call_new`).
///
/// Errors: as `sxt_register_with_email`; `SXT_STATUS_INVALID_HANDLE` for a `call` that is not live, `SXT_STATUS_CANCELLED`
/// once `call` is cancelled, `SXT_STATUS_TIMEOUT` once its deadline has passed.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn sxt_register_with_email_call(
    client: *const sxt_client,
    call: *const sxt_call,
    user_id: *const c_char,
    private_key: *const c_char,
    email: *const c_char,
    join_code: *const c_char,
    session_out: *mut *mut sxt_session,
    error_out: *mut *mut sxt_error,
) -> Status {
    start(
        client,
        call,
        user_id,
        private_key,
        session_out,
        error_out,
        // SAFETY: header contract: NULL or NUL-terminated strings.
        || unsafe { Ok((arg(email, "email")?, opt_arg(join_code, "join_code")?)) },
        |c, u, k, (email, join_code)| c.register_with_email(u, k, email, join_code),
    )
}

/// How many options and client handles are live (for leak tests).
pub(crate) fn live_handles() -> usize {
    sxt_client_options::table().live() + sxt_client::table().live()
}
