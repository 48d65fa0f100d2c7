//! Library-wide calls: the version, releasing strings, and leak diagnostics.

use std::ffi::{c_char, CStr};

use crate::{boundary, call, client, error, session, strings};

/// The library version, `"MAJOR.MINOR.PATCH"` (the same as the `SXT_VERSION_*` macros of the header the
/// program was compiled with, unless it runs against another build). Static storage: never free it.
#[no_mangle]
pub extern "C" fn sxt_version() -> *const c_char {
    const VERSION: &CStr = match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(v) => v,
        Err(_) => panic!("version contains a NUL"),
    };
    VERSION.as_ptr()
}

/// Wipes and releases a string this library handed out: every byte it was allocated with, even if the caller
/// wrote a NUL into it. NULL and a pointer this library did not hand out are ignored (never `free()` a library
/// string yourself, and never pass one of yours here: it is ignored, not freed).
///
/// **A second free is undefined behaviour once 256 other library strings have been freed since the first.**
/// Within that window it is ignored (the memory of freed strings is held back, wiped, so their addresses
/// cannot be reused); after it the stale pointer may be the address of a newer string, which a second free
/// would release while its owner still uses it. Set your pointer to NULL after freeing it. Handles have no
/// such limit. Must not race with another thread still reading the string.
#[no_mangle]
pub extern "C" fn sxt_string_free(string: *mut c_char) {
    // SAFETY: `strings::free` only touches pointers it handed out itself.
    boundary::guard((), || unsafe { strings::free(string) })
}

/// Diagnostics for leak checks in tests: how many handles (options, clients, sessions, calls, errors) and strings
/// handed out by this library are not yet freed, process-wide. Not for program logic.
#[no_mangle]
pub extern "C" fn sxt_live_objects() -> usize {
    boundary::guard(usize::MAX, || {
        client::live_handles() + session::live_sessions() + call::live_calls() + error::live_errors() + strings::live_count()
    })
}
