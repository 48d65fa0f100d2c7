//! One call's own deadline and cancellation.
//!
//! A caller runs any operation of the library inside [`within`], with [`CallOptions`]: a deadline, a
//! [`Cancel`] that any thread can trigger, or both. Everything the operation does on that thread — every
//! HTTP exchange of a sign-in, a refresh, a re-sign-in — then:
//! * starts only while the call is neither cancelled nor past its deadline;
//! * gets at most the time left before the deadline (the transport's own timeouts still apply), so a blocked
//!   connect, read or write ends by the deadline through the socket's own timeout;
//! * is woken at once by [`Cancel::cancel`]: the call's sockets (and a host name lookup it waits for) are shut
//!   down, so a blocked read or write returns, and the broken connection is never pooled again. A connect
//!   under way is woken likewise on Linux and Android (`dial`); elsewhere it ends within the connect timeout
//!   and the deadline, and the call fails then.
//!
//! A call that was cancelled fails with [`ErrorKind::Cancelled`]; one that ran out of its own time fails with
//! [`ErrorKind::Timeout`] ("the call's deadline passed"), whatever error the interruption caused below. Neither
//! counts as a failure of the server: a session's renewal that was cut short keeps its tokens, sets no
//! back-off, and another thread waiting for it renews by itself.
//!
//! Scopes are per thread (a thread-local stack), which is sound because the library's I/O is synchronous on
//! the calling thread; nothing of it is visible through the C API, whose calls take their options explicitly.
//! A call waiting for another thread's renewal of the same session waits for that renewal to end (it cannot
//! be woken early); the renewal itself is bounded by its own caller's options and the transport's timeouts.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use ureq::unversioned::transport::ShutdownHandle;

use crate::error::{Error, ErrorKind, Result};

/// A cancellation that any thread can trigger, for any number of calls at once. Once cancelled it stays so:
/// calls started with it afterwards fail at once. Cheap to clone (clones share the state).
#[derive(Clone, Default)]
pub struct Cancel {
    inner: Arc<CancelInner>,
}

#[derive(Default)]
struct CancelInner {
    cancelled: AtomicBool,
    /// The scopes (calls) running with this cancellation now.
    scopes: Mutex<Vec<Weak<Scope>>>,
}

impl Cancel {
    /// A new, untriggered cancellation.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Cancels every call running with this cancellation, and every later one. Idempotent; any thread.
    pub fn cancel(&self) {
        self.inner.cancelled.store(true, Ordering::SeqCst);
        let scopes: Vec<Arc<Scope>> = lock(&self.inner.scopes).iter().filter_map(Weak::upgrade).collect();
        for scope in scopes {
            scope.shut_down();
        }
    }

    /// Whether [`Cancel::cancel`] has run.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancelled.load(Ordering::SeqCst)
    }

    fn join(&self, scope: &Arc<Scope>) {
        let mut scopes = lock(&self.inner.scopes);
        scopes.retain(|s| s.strong_count() > 0);
        scopes.push(Arc::downgrade(scope));
    }
}

/// Options for one call: a deadline, a cancellation, or both (the default: neither).
#[derive(Clone, Default)]
pub struct CallOptions {
    deadline: Option<Instant>,
    cancel: Option<Cancel>,
}

impl CallOptions {
    /// Options with neither a deadline nor a cancellation.
    pub fn new() -> CallOptions {
        CallOptions::default()
    }

    /// The call must end by `deadline`.
    pub fn with_deadline(mut self, deadline: Instant) -> CallOptions {
        self.deadline = Some(deadline);
        self
    }

    /// The call ends early when `cancel` is triggered.
    pub fn with_cancel(mut self, cancel: Cancel) -> CallOptions {
        self.cancel = Some(cancel);
        self
    }

    /// The deadline, if any.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }
}

/// A running call: its options and the interruptible things (sockets, a lookup) it uses now.
struct Scope {
    options: CallOptions,
    /// Interruptible things in use; None once the call has ended (nothing may be shut down after that: a
    /// connection back in the pool may be serving another call).
    handles: Mutex<Option<Vec<Weak<dyn ShutdownHandle>>>>,
}

impl Scope {
    fn cancelled(&self) -> bool {
        self.options.cancel.as_ref().is_some_and(Cancel::is_cancelled)
    }

    fn shut_down(&self) {
        let handles: Vec<Arc<dyn ShutdownHandle>> =
            lock(&self.handles).iter().flatten().filter_map(Weak::upgrade).collect();
        for h in handles {
            h.shutdown();
        }
    }
}

thread_local! {
    static SCOPES: RefCell<Vec<Arc<Scope>>> = const { RefCell::new(Vec::new()) };
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Runs `f` as one call with `options` (see the module documentation). Scopes nest: an inner one applies
/// within an outer one, and both deadlines and cancellations count.
///
/// Errors: those of `f`, except that any failure after a cancellation is [`ErrorKind::Cancelled`] and any
/// failure once the deadline has passed is [`ErrorKind::Timeout`].
pub fn within<T>(options: &CallOptions, f: impl FnOnce() -> Result<T>) -> Result<T> {
    let scope = Arc::new(Scope { options: options.clone(), handles: Mutex::new(Some(Vec::new())) });
    if let Some(cancel) = &options.cancel {
        cancel.join(&scope);
    }
    SCOPES.with(|s| s.borrow_mut().push(Arc::clone(&scope)));
    struct Exit(Arc<Scope>);
    impl Drop for Exit {
        fn drop(&mut self) {
            *lock(&self.0.handles) = None;
            SCOPES.with(|s| {
                s.borrow_mut().retain(|x| !Arc::ptr_eq(x, &self.0));
            });
        }
    }
    let exit = Exit(scope);
    let result = check().and_then(|()| f());
    drop(exit);
    result.map_err(|e| explain_stopped(e, options))
}

/// The error for a call stopped by `options`, or `e` itself.
fn explain_stopped(e: Error, options: &CallOptions) -> Error {
    if e.kind() == ErrorKind::Cancelled || options.cancel.as_ref().is_some_and(Cancel::is_cancelled) {
        Error::with_message(ErrorKind::Cancelled, "the call was cancelled")
    } else if options.deadline.is_some_and(|d| Instant::now() >= d) {
        Error::with_message(ErrorKind::Timeout, "the call's deadline passed")
    } else {
        e
    }
}

/// Fails when the current call (any scope on this thread) was cancelled or is past its deadline.
pub(crate) fn check() -> Result<()> {
    SCOPES.with(|s| {
        let now = Instant::now();
        for scope in s.borrow().iter() {
            if scope.cancelled() {
                return Err(Error::with_message(ErrorKind::Cancelled, "the call was cancelled"));
            }
            if scope.options.deadline.is_some_and(|d| now >= d) {
                return Err(Error::with_message(ErrorKind::Timeout, "the call's deadline passed"));
            }
        }
        Ok(())
    })
}

/// Whether the current call was stopped (cancelled, or past its deadline): its failures are its own, not
/// the server's.
pub(crate) fn stopped() -> bool {
    check().is_err()
}

/// The time the current call has left, if it has a deadline (the earliest of nested ones).
pub(crate) fn remaining() -> Option<Duration> {
    SCOPES.with(|s| {
        let now = Instant::now();
        s.borrow().iter().filter_map(|scope| scope.options.deadline).min().map(|d| d.saturating_duration_since(now))
    })
}

/// Registers something the current call's cancellation must shut down (a socket, a lookup), for as long as
/// the call runs. Shut down at once if the call is already cancelled.
pub(crate) fn register(handle: &Weak<dyn ShutdownHandle>) {
    SCOPES.with(|s| {
        for scope in s.borrow().iter().filter(|scope| scope.options.cancel.is_some()) {
            if let Some(list) = lock(&scope.handles).as_mut() {
                if !list.iter().any(|h| Weak::ptr_eq(h, handle)) {
                    list.push(handle.clone());
                }
            }
            if scope.cancelled() {
                if let Some(h) = handle.upgrade() {
                    h.shutdown();
                }
            }
        }
    })
}

/// Before a connection's read or write: lets the current call's cancellation reach `socket` (when the call
/// can be cancelled), then fails as [`check`] does. One look at the thread's scopes when there are none.
pub(crate) fn enlist(socket: Option<&Weak<dyn ShutdownHandle>>) -> Result<()> {
    if SCOPES.with(|s| s.borrow().is_empty()) {
        return Ok(());
    }
    if let Some(socket) = socket {
        register(socket);
    }
    check()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    struct Counting(AtomicUsize);
    impl ShutdownHandle for Counting {
        fn shutdown(&self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_cancelled_call_fails_and_its_handles_are_shut_down_only_while_it_runs() {
        let cancel = Cancel::new();
        let options = CallOptions::new().with_cancel(cancel.clone());
        let counting = Arc::new(Counting(AtomicUsize::new(0)));
        let h: Arc<dyn ShutdownHandle> = counting.clone();
        let weak = Arc::downgrade(&h);
        let counted = || counting.0.load(Ordering::SeqCst);
        let r: Result<()> = within(&options, || {
            register(&weak);
            register(&weak);
            cancel.cancel();
            check()
        });
        assert_eq!(r.unwrap_err().kind(), ErrorKind::Cancelled);
        assert_eq!(counted(), 1, "shut down once, however often registered");
        // After the call, the cancellation reaches nothing of it.
        cancel.cancel();
        assert_eq!(counted(), 1);
        // A call started with a triggered cancellation fails before it does anything.
        let mut ran = false;
        let r = within(&options, || {
            ran = true;
            Ok(())
        });
        assert_eq!(r.unwrap_err().kind(), ErrorKind::Cancelled);
        assert!(!ran);
    }

    #[test]
    fn deadlines_nest_and_any_failure_after_one_is_a_timeout() {
        let outer = CallOptions::new().with_deadline(Instant::now() + Duration::from_secs(60));
        let inner = CallOptions::new().with_deadline(Instant::now() + Duration::from_millis(20));
        within(&outer, || {
            within(&inner, || {
                assert!(remaining().unwrap() <= Duration::from_millis(20));
                std::thread::sleep(Duration::from_millis(30));
                Err::<(), _>(Error::new(ErrorKind::Network))
            })
            .inspect_err(|e| {
                assert_eq!(e.kind(), ErrorKind::Timeout);
                assert_eq!(e.message(), "the call's deadline passed");
            })
            .ok();
            assert!(remaining().unwrap() > Duration::from_secs(50), "the inner deadline is gone with its scope");
            Ok(())
        })
        .unwrap();
        assert!(remaining().is_none());
        assert!(SCOPES.with(|s| s.borrow().is_empty()));
    }

    #[test]
    fn a_failure_without_a_stop_is_kept() {
        let options = CallOptions::new().with_cancel(Cancel::new()).with_deadline(Instant::now() + Duration::from_secs(60));
        let e = within(&options, || Err::<(), _>(Error::new(ErrorKind::Tls))).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Tls);
    }
}
