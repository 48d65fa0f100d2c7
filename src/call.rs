//! `sxt_call`: one call's own deadline and cancellation, for the `*_call` variants of the network calls.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use sxt_auth_core::call::{self, CallOptions, Cancel};
use sxt_auth_core::ErrorKind;

use crate::boundary::{guard, Out};
use crate::error::{run, sxt_error};
use crate::handles::{Handle, Kind, Table};
use crate::status::{CError, CResult, Status};

/// Options for network calls, one call or several: a deadline and a cancellation that any thread can trigger
/// (`sxt_call_cancel`). Passed to the `*_call` variants of the network calls (`sxt_login_call`, ...); the
/// plain functions are those variants with no `sxt_call`. Safe to use from any thread, and by several calls at
/// once (a cancellation then stops them all).
#[allow(non_camel_case_types)]
pub struct sxt_call {
    _private: [u8; 0],
}

/// What an `sxt_call` holds: its cancellation, and its deadline (set at any time; a call reads it when it
/// starts).
pub(crate) struct CallState {
    cancel: Cancel,
    deadline: Mutex<Option<Instant>>,
}

impl Handle for sxt_call {
    type Object = CallState;
    const KIND: Kind = Kind::Call;
    fn table() -> &'static Table<Self> {
        static CALLS: Table<sxt_call> = Table::new();
        &CALLS
    }
}

/// Runs the core operation `f` with `call`'s options (none for NULL), checking the handle first.
///
/// Errors: [`Status::InvalidHandle`] for a `call` that is not NULL and not live; those of `f`, with a
/// cancelled call's failure as [`Status::Cancelled`] and one past its deadline as [`Status::Timeout`].
pub(crate) fn with_call<T>(call: *const sxt_call, f: impl FnOnce() -> sxt_auth_core::Result<T>) -> CResult<T> {
    if call.is_null() {
        return Ok(f()?);
    }
    let state = sxt_call::get(call, "call")?;
    let mut options = CallOptions::new().with_cancel(state.cancel.clone());
    if let Some(deadline) = *state.deadline.lock().unwrap_or_else(|p| p.into_inner()) {
        options = options.with_deadline(deadline);
    }
    Ok(call::within(&options, f)?)
}

/// Creates call options with no deadline, not cancelled. `*call_out` is released with `sxt_call_free`.
///
/// Errors: `SXT_STATUS_NULL_ARGUMENT`.
#[no_mangle]
pub extern "C" fn sxt_call_new(call_out: *mut *mut sxt_call, error_out: *mut *mut sxt_error) -> Status {
    run(error_out, || {
        let out = Out::new(call_out, "call_out")?;
        out.write(sxt_call::publish(CallState { cancel: Cancel::new(), deadline: Mutex::new(None) })?);
        Ok(())
    })
}

/// Gives calls made with `call` a deadline `timeout_ms` milliseconds from now (1 to 86,400,000: 24 hours),
/// replacing any earlier one. A call reads the deadline when it starts; one past it fails with
/// `SXT_STATUS_TIMEOUT` (message "the call's deadline passed"), and a call already running when it passes
/// is stopped by its socket timeouts, set to the time left (the client's own timeouts still apply).
///
/// Errors: `SXT_STATUS_INVALID_HANDLE`, `SXT_STATUS_INVALID_ARGUMENT` (0, or over 24 hours).
#[no_mangle]
pub extern "C" fn sxt_call_set_timeout_ms(call: *mut sxt_call, timeout_ms: u32, error_out: *mut *mut sxt_error) -> Status {
    run(error_out, || {
        let state = sxt_call::get(call, "call")?;
        if timeout_ms == 0 || timeout_ms > 86_400_000 {
            return Err(CError::from(sxt_auth_core::Error::argument(
                ErrorKind::InvalidArgument,
                "timeout_ms",
                "must be 1 to 86,400,000 milliseconds",
            )));
        }
        *state.deadline.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now() + Duration::from_millis(timeout_ms.into()));
        Ok(())
    })
}

/// Cancels every call running with `call` and makes every later one fail at once: each fails with
/// `SXT_STATUS_CANCELLED`. Any thread may call it, at any time, any number of times; it returns at once. A
/// blocked read, write, TLS handshake or host name lookup is woken (the call's sockets are shut down; a
/// connection cut short is never reused); a TCP connect under way is woken too on Linux and Android, and
/// elsewhere ends within the connect timeout. A session's renewal cut short keeps the session's tokens, sets no back-off, and
/// another thread waiting for it renews by itself. A call that waits for another thread's renewal of the same
/// session is not woken early: it ends when that renewal ends.
///
/// Errors: `SXT_STATUS_INVALID_HANDLE`.
#[no_mangle]
pub extern "C" fn sxt_call_cancel(call: *const sxt_call, error_out: *mut *mut sxt_error) -> Status {
    run(error_out, || {
        sxt_call::get(call, "call")?.cancel.cancel();
        Ok(())
    })
}

/// Releases `call`. NULL and an already-freed handle are ignored. Calls running with it are not cancelled
/// and keep its options until they end.
#[no_mangle]
pub extern "C" fn sxt_call_free(call: *mut sxt_call) {
    guard((), || drop(sxt_call::release(call)))
}

/// How many call handles are live (for leak tests).
pub(crate) fn live_calls() -> usize {
    sxt_call::table().live()
}
