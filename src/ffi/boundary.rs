//! The one panic-and-error boundary every exported function runs inside.
//!
//! [`run`] executes a fallible body, catches any panic (it becomes [`Code::Panic`], never an abort or unwinding
//! into C), and turns an error into the returned status plus, when the caller passed a non-NULL
//! `error_out`, a new `sxt_error` written there. [`guard`] does the same for the few functions that return a
//! value instead of a status (accessors, free functions): a panic yields their documented fallback.

use std::panic::{catch_unwind, AssertUnwindSafe};

use super::error::{publish, sxt_error};
use crate::error::{Code, Error, Result};

/// Runs `body`; returns `SXT_STATUS_OK` or the error's code, writing the error to `error_out` when non-NULL.
pub(crate) fn run(error_out: *mut *mut sxt_error, body: impl FnOnce() -> Result<()>) -> Code {
    let result = catch_unwind(AssertUnwindSafe(body))
        .unwrap_or_else(|_| Err(Error::with_message(Code::Panic, "internal error: a panic was caught at the C boundary")));
    match result {
        Ok(()) => Code::Ok,
        Err(e) => {
            let code = e.code();
            if !error_out.is_null() {
                // SAFETY: the caller passes NULL or a writable `sxt_error *` location (header contract).
                unsafe { *error_out = publish(e) };
            }
            code
        }
    }
}

/// Runs `body`, returning `fallback` if it panics.
pub(crate) fn guard<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// A checked output location: NULL is refused before any work is done; the value is written only on success.
pub(crate) struct Out<T>(*mut T);

impl<T> Out<T> {
    /// Errors: [`Code::NullArgument`] naming `name`.
    pub(crate) fn new(p: *mut T, name: &'static str) -> Result<Out<T>> {
        if p.is_null() {
            return Err(Error::argument(Code::NullArgument, name, "is NULL"));
        }
        Ok(Out(p))
    }

    pub(crate) fn write(self, value: T) {
        // SAFETY: non-NULL checked in `new`; the caller passes a writable location (header contract).
        unsafe { self.0.write(value) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_status_and_an_error_object() {
        let mut err: *mut sxt_error = std::ptr::null_mut();
        let code = run(&mut err, || panic!("boom"));
        assert_eq!(code, Code::Panic);
        assert!(!err.is_null());
        assert_eq!(super::super::error::sxt_error_code(err), Code::Panic);
        super::super::error::sxt_error_free(err);
        assert_eq!(guard(7, || panic!("boom")), 7);
    }

    #[test]
    fn success_leaves_error_out_untouched_and_null_error_out_is_fine() {
        let sentinel = 0x10 as *mut sxt_error;
        let mut err = sentinel;
        assert_eq!(run(&mut err, || Ok(())), Code::Ok);
        assert_eq!(err, sentinel);
        assert_eq!(run(std::ptr::null_mut(), || Err(Error::new(Code::InvalidKey))), Code::InvalidKey);
    }
}
