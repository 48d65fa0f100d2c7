//! `sxt_error`: the detail behind a failed call; [`run`], how every status-returning function reports a
//! failure; and the C calls that name statuses.
//!
//! An `sxt_error` is created only by a failing call whose caller passed a non-NULL `error_out`; it is immutable,
//! safe to read from any thread, and released with `sxt_error_free`. The strings its accessors return belong
//! to it and stay valid until it is freed. No error ever holds a key or a token.

use std::ffi::{c_char, CString};

use crate::boundary::{catch, guard};
use crate::handles::{Handle, Kind, Table};
use crate::status::{CError, CResult, Status};

/// Detail of a failed call: status code, message, HTTP status, and the server's `title`/`detail`.
/// Immutable; safe to share between threads; release with `sxt_error_free`.
#[allow(non_camel_case_types)]
pub struct sxt_error {
    _private: [u8; 0],
}

pub(crate) struct ErrorObject {
    status: Status,
    message: CString,
    http_status: u16,
    title: Option<CString>,
    detail: Option<CString>,
    argument: Option<CString>,
}

impl Handle for sxt_error {
    type Object = ErrorObject;
    const KIND: Kind = Kind::Error;
    fn table() -> &'static Table<Self> {
        static ERRORS: Table<sxt_error> = Table::new();
        &ERRORS
    }
}

fn c_text(s: &str) -> CString {
    CString::new(s.replace('\0', " ")).unwrap_or_default()
}

/// Runs the body of a status-returning C function inside the panic boundary. Returns `SXT_STATUS_OK`, or the
/// failure's status, writing a new `sxt_error` to `error_out` when the caller passed a non-NULL one.
pub(crate) fn run(error_out: *mut *mut sxt_error, body: impl FnOnce() -> CResult<()>) -> Status {
    match catch(body) {
        Ok(()) => Status::Ok,
        Err(e) => {
            let status = e.status;
            if !error_out.is_null() {
                // SAFETY: the caller passes NULL or a writable `sxt_error *` location (header contract).
                unsafe { *error_out = publish(e) };
            }
            status
        }
    }
}

/// Registers `e` and returns its handle (NULL only if the table is full).
fn publish(e: CError) -> *mut sxt_error {
    let object = ErrorObject {
        status: e.status,
        message: c_text(&e.message),
        http_status: e.http_status,
        title: e.title.as_deref().map(c_text),
        detail: e.detail.as_deref().map(c_text),
        argument: e.argument.map(c_text),
    };
    sxt_error::publish(object).unwrap_or(std::ptr::null_mut())
}

/// The status code of `error`; `SXT_STATUS_INVALID_HANDLE` when `error` is NULL or not a live error.
#[no_mangle]
pub extern "C" fn sxt_error_code(error: *const sxt_error) -> Status {
    guard(Status::Panic, || sxt_error::get(error, "error").map_or(Status::InvalidHandle, |e| e.status))
}

/// A human-readable message (never NULL; never contains a key or token, nor any control character: what a
/// server sent is escaped, `\n` for a newline, `\u{1b}` for an escape, so it is safe to log). Owned by
/// `error`: valid until `sxt_error_free(error)`. For an invalid `error` handle, a static message saying so.
#[no_mangle]
pub extern "C" fn sxt_error_message(error: *const sxt_error) -> *const c_char {
    const INVALID: &std::ffi::CStr = c"invalid sxt_error handle";
    guard(INVALID.as_ptr(), || sxt_error::get(error, "error").map_or(INVALID.as_ptr(), |e| e.message.as_ptr()))
}

/// The HTTP status the server answered with, or 0 when the failure was not an HTTP error reply (or `error` is
/// not a live error).
#[no_mangle]
pub extern "C" fn sxt_error_http_status(error: *const sxt_error) -> u16 {
    guard(0, || sxt_error::get(error, "error").map_or(0, |e| e.http_status))
}

/// The server's RFC 7807 `title` (control characters escaped, as in `sxt_error_message`; at most about 512
/// bytes), or NULL when it sent none. Owned by `error`: valid until `sxt_error_free`.
#[no_mangle]
pub extern "C" fn sxt_error_title(error: *const sxt_error) -> *const c_char {
    optional_text(error, |e| e.title.as_ref())
}

/// The server's RFC 7807 `detail` (control characters escaped, as in `sxt_error_message`; at most about 512
/// bytes), or NULL when it sent none. Owned by `error`: valid until `sxt_error_free`.
#[no_mangle]
pub extern "C" fn sxt_error_detail(error: *const sxt_error) -> *const c_char {
    optional_text(error, |e| e.detail.as_ref())
}

/// For input errors, the name of the parameter that was wrong (for example `"private_key"`), else NULL.
/// Owned by `error`: valid until `sxt_error_free`.
#[no_mangle]
pub extern "C" fn sxt_error_argument(error: *const sxt_error) -> *const c_char {
    optional_text(error, |e| e.argument.as_ref())
}

fn optional_text(error: *const sxt_error, pick: impl FnOnce(&ErrorObject) -> Option<&CString>) -> *const c_char {
    guard(std::ptr::null(), || {
        sxt_error::get(error, "error").ok().and_then(|e| pick(&e).map(|s| s.as_ptr())).unwrap_or(std::ptr::null())
    })
}

/// Releases `error`. NULL, and an error already freed, are ignored (a second free is a no-op).
/// Strings borrowed from `error` become invalid.
#[no_mangle]
pub extern "C" fn sxt_error_free(error: *mut sxt_error) {
    guard((), || drop(sxt_error::release(error)))
}

/// The stable name of a status, e.g. `"SXT_STATUS_INVALID_KEY"`; `"SXT_STATUS_UNKNOWN"` for a number that is
/// not a status. Static storage: never free it.
#[no_mangle]
pub extern "C" fn sxt_status_name(status: i32) -> *const c_char {
    guard(c"SXT_STATUS_UNKNOWN".as_ptr(), || Status::from_i32(status).map_or(c"SXT_STATUS_UNKNOWN", Status::name).as_ptr())
}

/// A one-line description of a status, e.g. `"the key is not in an accepted encoding"`. Static storage.
#[no_mangle]
pub extern "C" fn sxt_status_description(status: i32) -> *const c_char {
    guard(c"unknown status".as_ptr(), || match Status::from_i32(status) {
        Some(s) => STATUS_DESCRIPTIONS[Status::ALL.iter().position(|x| *x == s).unwrap_or(0)].as_ptr(),
        None => c"unknown status".as_ptr(),
    })
}

/// NUL-terminated copies of the descriptions, in `Status::ALL` order, built once.
static STATUS_DESCRIPTIONS: once_cell::sync::Lazy<Vec<CString>> =
    once_cell::sync::Lazy::new(|| Status::ALL.iter().map(|s| c_text(s.description())).collect());

/// How many errors are live (for leak tests).
pub(crate) fn live_errors() -> usize {
    sxt_error::table().live()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_becomes_its_status_and_an_error_object() {
        let mut err: *mut sxt_error = std::ptr::null_mut();
        let status = run(&mut err, || panic!("boom"));
        assert_eq!(status, Status::Panic);
        assert!(!err.is_null());
        assert_eq!(sxt_error_code(err), Status::Panic);
        sxt_error_free(err);
        let mut err: *mut sxt_error = std::ptr::null_mut();
        let core = sxt_auth_core::Error::argument(sxt_auth_core::ErrorKind::InvalidKey, "private_key", "bad");
        assert_eq!(run(&mut err, || Err(core.into())), Status::InvalidKey);
        let argument = unsafe { std::ffi::CStr::from_ptr(sxt_error_argument(err)) };
        assert_eq!(argument.to_str(), Ok("private_key"));
        sxt_error_free(err);
    }

    #[test]
    fn success_leaves_error_out_untouched_and_null_error_out_is_fine() {
        let sentinel = 0x10 as *mut sxt_error;
        let mut err = sentinel;
        assert_eq!(run(&mut err, || Ok(())), Status::Ok);
        assert_eq!(err, sentinel);
        assert_eq!(run(std::ptr::null_mut(), || Err(CError::new(Status::InvalidKey, "x"))), Status::InvalidKey);
    }
}
