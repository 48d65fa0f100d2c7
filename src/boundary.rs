//! The one panic boundary. Every exported function runs its body through [`catch`] (through
//! `error::run`, for the functions that return a status) or [`guard`] (for the few that return a value:
//! accessors, free functions), so a panic never unwinds into C: it becomes [`Status::Panic`] or the function's
//! documented fallback. Also [`Out`], the checked output location.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::status::{CError, CResult, Status};

/// Runs `body`; a panic becomes an error of status [`Status::Panic`].
pub(crate) fn catch<T>(body: impl FnOnce() -> CResult<T>) -> CResult<T> {
    catch_unwind(AssertUnwindSafe(body))
        .unwrap_or_else(|_| Err(CError::new(Status::Panic, "internal error: a panic was caught at the C boundary")))
}

/// Runs `body`, returning `fallback` if it panics.
pub(crate) fn guard<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// A checked output location: NULL is refused before any work is done; the value is written only on success.
pub(crate) struct Out<T>(*mut T);

impl<T> Out<T> {
    /// Errors: [`Status::NullArgument`] naming `name`.
    pub(crate) fn new(p: *mut T, name: &'static str) -> CResult<Out<T>> {
        if p.is_null() {
            return Err(CError::argument(Status::NullArgument, name, "is NULL"));
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
    fn a_panic_becomes_a_panic_status_or_the_fallback() {
        let e = catch::<()>(|| panic!("boom")).err().unwrap();
        assert_eq!(e.status, Status::Panic);
        assert_eq!(catch(|| Ok(5)).ok(), Some(5));
        assert_eq!(guard(7, || panic!("boom")), 7);
    }

    #[test]
    fn a_null_output_is_refused_by_name() {
        let e = Out::<u8>::new(std::ptr::null_mut(), "x_out").err().unwrap();
        assert_eq!((e.status, e.argument), (Status::NullArgument, Some("x_out")));
    }
}
