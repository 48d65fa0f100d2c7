//! `sxt_error`: the detail behind a failed call, and the status table's names.
//!
//! An `sxt_error` is created only by a failing call whose caller passed a non-NULL `error_out`; it is immutable,
//! safe to read from any thread, and released with `sxt_error_free`. The strings its accessors return belong
//! to it and stay valid until it is freed. No error ever holds a key or a token.

use std::ffi::{c_char, CString};

use super::boundary::guard;
use super::handles::{Kind, Table};
use crate::error::{Code, Error};

/// Detail of a failed call: status code, message, HTTP status, and the server's `title`/`detail`.
/// Immutable; safe to share between threads; release with `sxt_error_free`.
#[allow(non_camel_case_types)]
pub struct sxt_error {
    _private: [u8; 0],
}

struct ErrorObject {
    code: Code,
    message: CString,
    http_status: u16,
    title: Option<CString>,
    detail: Option<CString>,
    argument: Option<CString>,
}

static ERRORS: Table<ErrorObject> = Table::new(Kind::Error);

fn c_text(s: &str) -> CString {
    CString::new(s.replace('\0', " ")).unwrap_or_default()
}

/// Registers `e` and returns its handle (NULL only if the table is full).
pub(crate) fn publish(e: Error) -> *mut sxt_error {
    let object = ErrorObject {
        code: e.code(),
        message: c_text(e.message()),
        http_status: e.http_status(),
        title: e.title().map(c_text),
        detail: e.detail().map(c_text),
        argument: e.argument_name().map(c_text),
    };
    ERRORS.insert(object).unwrap_or(std::ptr::null_mut())
}

/// The status code of `error`; `SXT_STATUS_INVALID_HANDLE` when `error` is NULL or not a live error.
#[no_mangle]
pub extern "C" fn sxt_error_code(error: *const sxt_error) -> Code {
    guard(Code::Panic, || ERRORS.get(error, "error").map_or(Code::InvalidHandle, |e| e.code))
}

/// A human-readable message (never NULL; never contains a key or token). Owned by `error`: valid until
/// `sxt_error_free(error)`. For an invalid `error` handle, a static message saying so.
#[no_mangle]
pub extern "C" fn sxt_error_message(error: *const sxt_error) -> *const c_char {
    const INVALID: &std::ffi::CStr = c"invalid sxt_error handle";
    guard(INVALID.as_ptr(), || ERRORS.get(error, "error").map_or(INVALID.as_ptr(), |e| e.message.as_ptr()))
}

/// The HTTP status the server answered with, or 0 when the failure was not an HTTP error reply (or `error` is
/// not a live error).
#[no_mangle]
pub extern "C" fn sxt_error_http_status(error: *const sxt_error) -> u16 {
    guard(0, || ERRORS.get(error, "error").map_or(0, |e| e.http_status))
}

/// The server's RFC 7807 `title`, or NULL when it sent none. Owned by `error`: valid until `sxt_error_free`.
#[no_mangle]
pub extern "C" fn sxt_error_title(error: *const sxt_error) -> *const c_char {
    optional_text(error, |e| e.title.as_ref())
}

/// The server's RFC 7807 `detail`, or NULL when it sent none. Owned by `error`: valid until `sxt_error_free`.
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
        ERRORS.get(error, "error").ok().and_then(|e| pick(&e).map(|s| s.as_ptr())).unwrap_or(std::ptr::null())
    })
}

/// Releases `error`. NULL, and an error already freed, are ignored (a second free is a no-op).
/// Strings borrowed from `error` become invalid.
#[no_mangle]
pub extern "C" fn sxt_error_free(error: *mut sxt_error) {
    guard((), || drop(ERRORS.remove(error)))
}

/// The stable name of a status, e.g. `"SXT_STATUS_INVALID_KEY"`; `"SXT_STATUS_UNKNOWN"` for a number that is
/// not a status. Static storage: never free it.
#[no_mangle]
pub extern "C" fn sxt_status_name(status: i32) -> *const c_char {
    guard(c"SXT_STATUS_UNKNOWN".as_ptr(), || match lookup_code(status) {
        Some(code) => STATUS_NAMES[code_index(code)].as_ptr(),
        None => c"SXT_STATUS_UNKNOWN".as_ptr(),
    })
}

/// A one-line description of a status, e.g. `"the key is not in an accepted encoding"`. Static storage.
#[no_mangle]
pub extern "C" fn sxt_status_description(status: i32) -> *const c_char {
    guard(c"unknown status".as_ptr(), || match lookup_code(status) {
        Some(code) => STATUS_DESCRIPTIONS[code_index(code)].as_ptr(),
        None => c"unknown status".as_ptr(),
    })
}

fn lookup_code(status: i32) -> Option<Code> {
    Code::ALL.iter().copied().find(|c| c.as_i32() == status)
}

fn code_index(code: Code) -> usize {
    Code::ALL.iter().position(|c| *c == code).unwrap_or(0)
}

/// NUL-terminated copies of the names and descriptions in `Code::ALL` order, built once.
static STATUS_NAMES: once_cell::sync::Lazy<Vec<CString>> = once_cell::sync::Lazy::new(|| {
    Code::ALL.iter().map(|c| c_text(&format!("SXT_STATUS_{}", c.name()))).collect()
});
static STATUS_DESCRIPTIONS: once_cell::sync::Lazy<Vec<CString>> =
    once_cell::sync::Lazy::new(|| Code::ALL.iter().map(|c| c_text(c.description())).collect());

/// How many errors are live (for leak tests).
pub(crate) fn live_errors() -> usize {
    ERRORS.live()
}
