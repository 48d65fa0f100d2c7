//! The one way strings cross the C boundary.
//!
//! In: `const char *` arguments are NUL-terminated UTF-8; NULL is [`Code::NullArgument`] (or `None` for the
//! arguments documented as optional) and invalid UTF-8 is [`Code::InvalidUtf8`], both naming the argument.
//!
//! Out: strings handed to C are allocated here and released only by `sxt_string_free`, which wipes their bytes
//! (they may hold keys or tokens) before freeing. Every string handed out is recorded, so `sxt_string_free` on
//! a pointer that is not live (freed already, or never ours) is a harmless no-op instead of heap corruption.

use std::collections::HashSet;
use std::ffi::{c_char, CStr, CString};

use once_cell::sync::Lazy;
use std::sync::Mutex;

use crate::error::{Code, Error, Result};

/// Addresses of the live strings handed to C.
static LIVE: Lazy<Mutex<HashSet<usize>>> = Lazy::new(|| Mutex::new(HashSet::new()));

fn live() -> std::sync::MutexGuard<'static, HashSet<usize>> {
    LIVE.lock().unwrap_or_else(|p| p.into_inner())
}

/// A required string argument.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that stays valid for `'a`.
pub(crate) unsafe fn arg<'a>(p: *const c_char, name: &'static str) -> Result<&'a str> {
    if p.is_null() {
        return Err(Error::argument(Code::NullArgument, name, "is NULL"));
    }
    CStr::from_ptr(p).to_str().map_err(|_| Error::argument(Code::InvalidUtf8, name, "is not valid UTF-8"))
}

/// An optional string argument: NULL is `None`.
///
/// # Safety
/// As [`arg`].
pub(crate) unsafe fn opt_arg<'a>(p: *const c_char, name: &'static str) -> Result<Option<&'a str>> {
    if p.is_null() {
        Ok(None)
    } else {
        arg(p, name).map(Some)
    }
}

/// Hands `s` to C as a new string; it must be released with `sxt_string_free`.
///
/// Errors: [`Code::Internal`] if `s` contains a NUL byte (no string this library produces does).
pub(crate) fn into_c(s: &str) -> Result<*mut c_char> {
    let c = CString::new(s).map_err(|_| Error::with_message(Code::Internal, "string with an embedded NUL"))?;
    let p = c.into_raw();
    live().insert(p as usize);
    Ok(p)
}

/// Wipes and frees a string from [`into_c`]; anything else is ignored.
///
/// # Safety
/// No other thread may be reading the string.
pub(crate) unsafe fn free(p: *mut c_char) {
    if p.is_null() {
        return;
    }
    if !live().remove(&(p as usize)) {
        return;
    }
    // Take ownership back at its full length first, then wipe the buffer before it is deallocated.
    let mut bytes = CString::from_raw(p).into_bytes_with_nul();
    zeroize::Zeroize::zeroize(&mut bytes);
}

/// How many strings handed out are not yet freed (for leak tests).
pub(crate) fn live_count() -> usize {
    live().len()
}
