//! The one way strings cross the C boundary.
//!
//! In: `const char *` arguments are NUL-terminated UTF-8; NULL is [`Status::NullArgument`] (or `None` for the
//! arguments documented as optional) and invalid UTF-8 is [`Status::InvalidUtf8`], both naming the argument.
//!
//! Out: strings handed to C are allocated here and released only by `sxt_string_free`, which wipes their bytes
//! (they may hold keys or tokens) before freeing. Every string handed out is recorded with its allocation's
//! length, so `sxt_string_free` wipes and releases exactly what was allocated whatever C wrote into the string
//! (a NUL written into a returned key shortens nothing), and a pointer that is not live (freed already, or
//! never ours) is a harmless no-op instead of heap corruption.
//!
//! Strings are plain `char *`, so an address can only be told apart from a later string's while the allocator
//! cannot reuse it. Freed strings therefore wait, wiped, in a quarantine of [`QUARANTINE`] buffers before their
//! memory goes back to the allocator: a second free is a no-op as long as fewer than that many strings were
//! freed in between. After that a stale pointer may be the address of a newer string, and freeing it again
//! frees that string: undefined behaviour, stated in the header.

use std::collections::{HashMap, VecDeque};
use std::ffi::{c_char, CStr, CString};

use once_cell::sync::Lazy;
use std::sync::Mutex;

use crate::status::{CError, CResult, Status};

/// How many freed strings keep their memory (wiped) before it is released.
pub(crate) const QUARANTINE: usize = 256;

struct Registry {
    /// The live strings handed to C: address -> length of the allocation (the terminating NUL included).
    live: HashMap<usize, usize>,
    /// Wiped buffers of recently freed strings, oldest first; holding them keeps their addresses unused.
    quarantine: VecDeque<Box<[u8]>>,
}

static REGISTRY: Lazy<Mutex<Registry>> =
    Lazy::new(|| Mutex::new(Registry { live: HashMap::new(), quarantine: VecDeque::new() }));

fn registry() -> std::sync::MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(|p| p.into_inner())
}

/// A required string argument.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that stays valid for `'a`.
pub(crate) unsafe fn arg<'a>(p: *const c_char, name: &'static str) -> CResult<&'a str> {
    if p.is_null() {
        return Err(CError::argument(Status::NullArgument, name, "is NULL"));
    }
    CStr::from_ptr(p).to_str().map_err(|_| CError::argument(Status::InvalidUtf8, name, "is not valid UTF-8"))
}

/// An optional string argument: NULL is `None`.
///
/// # Safety
/// As [`arg`].
pub(crate) unsafe fn opt_arg<'a>(p: *const c_char, name: &'static str) -> CResult<Option<&'a str>> {
    if p.is_null() {
        Ok(None)
    } else {
        arg(p, name).map(Some)
    }
}

/// Hands `s` to C as a new string; it must be released with `sxt_string_free`.
///
/// Errors: [`Status::Internal`] if `s` contains a NUL byte (no string this library produces does).
pub(crate) fn into_c(s: &str) -> CResult<*mut c_char> {
    let c = CString::new(s).map_err(|_| CError::new(Status::Internal, "string with an embedded NUL"))?;
    let bytes: Box<[u8]> = c.into_bytes_with_nul().into_boxed_slice();
    let len = bytes.len();
    let p = Box::into_raw(bytes) as *mut u8 as *mut c_char;
    registry().live.insert(p as usize, len);
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
    let mut reg = registry();
    let Some(len) = reg.live.remove(&(p as usize)) else {
        return;
    };
    // Take ownership back at the length it was allocated with (not strlen: C may have written a NUL into it),
    // wipe all of it, and park the buffer (its allocation stays in place).
    let mut bytes: Box<[u8]> = Box::from_raw(std::ptr::slice_from_raw_parts_mut(p as *mut u8, len));
    zeroize::Zeroize::zeroize(&mut bytes[..]);
    reg.quarantine.push_back(bytes);
    let evicted = if reg.quarantine.len() > QUARANTINE { reg.quarantine.pop_front() } else { None };
    drop(reg);
    drop(evicted);
}

/// How many strings handed out are not yet freed (for leak tests).
pub(crate) fn live_count() -> usize {
    registry().live.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The registry is process-wide: these tests count on it, so they take turns.
    static SERIAL: Mutex<()> = Mutex::new(());

    #[test]
    fn freeing_wipes_the_bytes() {
        let _turn = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
        let secret = "Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2Yc=";
        let p = into_c(secret).unwrap();
        unsafe { free(p) };
        // The buffer is still allocated (quarantined), so reading it is sound here.
        let reg = registry();
        let parked = reg.quarantine.iter().find(|b| b.as_ptr() == p as *const u8).expect("quarantined");
        assert_eq!(parked.len(), secret.len() + 1);
        assert!(parked.iter().all(|b| *b == 0), "wiped before release");
    }

    #[test]
    fn a_nul_written_by_c_shortens_neither_the_wipe_nor_the_release() {
        let _turn = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
        let secret = "Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2Yc=";
        let p = into_c(secret).unwrap();
        // What a C caller may do: priv[8] = 0.
        unsafe { *p.add(8) = 0 };
        unsafe { free(p) };
        let reg = registry();
        let parked = reg.quarantine.iter().find(|b| b.as_ptr() == p as *const u8).expect("quarantined");
        assert_eq!(parked.len(), secret.len() + 1, "released at the length it was allocated with");
        assert!(parked.iter().all(|b| *b == 0), "every byte wiped, past the NUL too");
    }

    #[test]
    fn a_stale_free_never_frees_a_newer_string() {
        let _turn = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
        let a = into_c("first").unwrap();
        unsafe { free(a) };
        let newer: Vec<_> = (0..QUARANTINE / 2).map(|i| into_c(&format!("s{i}")).unwrap()).collect();
        assert!(newer.iter().all(|p| *p != a), "a quarantined address is not handed out again");
        let live = live_count();
        unsafe { free(a) };
        assert_eq!(live_count(), live, "the second free changed nothing");
        for p in newer {
            unsafe { free(p) };
        }
    }
}
