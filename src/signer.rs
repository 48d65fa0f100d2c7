//! `sxt_signer`: a key the app holds (Keychain, Keystore, HSM, wallet), signing through a C callback.

use std::ffi::{c_char, c_void};

use sxt_auth_core::{Sign, Signer};
use zeroize::Zeroizing;

use crate::boundary::{guard, Out};
use crate::error::{run, sxt_error};
use crate::handles::{Handle, Kind, Table};
use crate::status::{CError, Status};
use crate::strings::{arg, opt_arg};

/// The capacity of the buffer a signer writes its signature (or, on failure, its message) into.
pub const SXT_SIGNATURE_CAPACITY: usize = 1024;

/// Signs `message` (`message_len` bytes: an `authCode`, printable ASCII, not NUL-terminated) with the key the
/// signer stands for. On success it writes the signature as the scheme writes it in the protocol's `signature`
/// field (for `ed25519`, 128 lowercase hex characters) to `signature_out` (capacity `signature_capacity`,
/// `SXT_SIGNATURE_CAPACITY`; no NUL needed), sets `*signature_len_out` to its length and returns
/// `SXT_STATUS_OK` (0). On failure it returns any other value and may write a message saying why (UTF-8, no
/// secret) the same way. Nothing it is given may be kept after it returns; it must not unwind (C++ exceptions,
/// Go panics) into the library.
#[allow(non_camel_case_types)]
pub type sxt_sign_fn = Option<
    unsafe extern "C" fn(
        context: *mut c_void,
        message: *const u8,
        message_len: usize,
        signature_out: *mut c_char,
        signature_capacity: usize,
        signature_len_out: *mut usize,
    ) -> i32,
>;

/// Releases a callback's `context`; called exactly once, when nothing uses the context any more.
#[allow(non_camel_case_types)]
pub type sxt_destroy_fn = Option<unsafe extern "C" fn(context: *mut c_void)>;

/// A signer: a public key, its scheme and a signing callback (see `sxt_signer_new`). Sessions signed in with
/// it hold it too, and sign in through it again when their refresh chain ends. Safe to use from any number of
/// threads at once.
#[allow(non_camel_case_types)]
pub struct sxt_signer {
    _private: [u8; 0],
}

impl Handle for sxt_signer {
    type Object = Signer;
    const KIND: Kind = Kind::Signer;
    fn table() -> &'static Table<Self> {
        static SIGNERS: Table<sxt_signer> = Table::new();
        &SIGNERS
    }
}

/// The app's context pointer. The header makes the callback callable from any thread with it.
struct Context(*mut c_void);
// SAFETY: `sxt_signer_new`'s contract: the callback and destroy may be called from any thread with `context`.
unsafe impl Send for Context {}
// SAFETY: as above; the library never dereferences it.
unsafe impl Sync for Context {}

/// The callback, as the core's [`Sign`]; its destroy runs when it is dropped (once: it is never cloned).
struct CSign {
    sign: sxt_sign_fn,
    context: Context,
    destroy: sxt_destroy_fn,
}

impl Sign for CSign {
    fn sign(&self, message: &[u8]) -> Result<String, String> {
        let Some(sign) = self.sign else { return Err("no signing function".into()) };
        let mut out = Zeroizing::new(vec![0u8; SXT_SIGNATURE_CAPACITY]);
        let mut len: usize = 0;
        // SAFETY: the callback's contract (header): it reads `message_len` bytes of `message` and writes at most
        // `signature_capacity` bytes to `signature_out`, and its length to `signature_len_out`.
        let status = unsafe {
            sign(self.context.0, message.as_ptr(), message.len(), out.as_mut_ptr().cast(), out.len(), &mut len)
        };
        if len > SXT_SIGNATURE_CAPACITY {
            return Err(format!("the signer reported {len} bytes written to a buffer of {SXT_SIGNATURE_CAPACITY}"));
        }
        let text = String::from_utf8_lossy(&out[..len]).into_owned();
        if status == Status::Ok as i32 {
            if std::str::from_utf8(&out[..len]).is_err() {
                return Err("the signer's signature is not UTF-8".into());
            }
            Ok(text)
        } else if text.is_empty() {
            Err(format!("status {status}"))
        } else {
            Err(format!("{text} (status {status})"))
        }
    }
}

impl Drop for CSign {
    fn drop(&mut self) {
        if let Some(destroy) = self.destroy {
            // SAFETY: the header's contract: destroy releases the context, called once, from any thread.
            unsafe { destroy(self.context.0) }
        }
    }
}

/// Creates a signer for `public_key` (as SxT wants it in the `key` field: for `ed25519`, standard base64 of
/// the 32 bytes) in `scheme` (NULL: `"ed25519"`; wallet sign-in puts the chain id there, such as `"1"`, with
/// a wallet address as the key), signing with `sign` (see `sxt_sign_fn`) and `context`. `*signer_out` is
/// released with `sxt_signer_free`.
///
/// `context` belongs to the library from this call on, success or not: `destroy` (may be NULL) is called
/// exactly once, from whichever thread releases the last user of the signer (`sxt_signer_free` and every
/// session signed in with it have been freed), or before this call returns when it fails.
///
/// `sign` may be called from any thread, once per sign-in (a session's sign-in again included), and from
/// several threads at once when several sign-ins run. The library holds no lock while it runs, so it may take
/// its time (a person confirming on a device) up to the 30 seconds a challenge lives; a slower answer fails
/// the sign-in with `SXT_STATUS_SIGNER_FAILED` saying so, as does a failure status (with the callback's
/// message) or, for `ed25519`, an answer that is not 128 lowercase hex characters or does not verify against
/// `public_key`: nothing is sent with such an answer. It must not call functions of the session it signs for.
///
/// Errors: `SXT_STATUS_NULL_ARGUMENT` (`public_key`, `sign`, `signer_out`), `SXT_STATUS_INVALID_UTF8`,
/// `SXT_STATUS_INVALID_KEY` (an `ed25519` key that does not parse), `SXT_STATUS_INVALID_ARGUMENT` (`scheme`
/// empty, over 64 bytes or not printable ASCII; another scheme's key empty, over 1024 bytes or not printable
/// ASCII).
#[no_mangle]
pub extern "C" fn sxt_signer_new(
    public_key: *const c_char,
    scheme: *const c_char,
    sign: sxt_sign_fn,
    context: *mut c_void,
    destroy: sxt_destroy_fn,
    signer_out: *mut *mut sxt_signer,
    error_out: *mut *mut sxt_error,
) -> Status {
    // Owned from here: dropping it (any failure below) calls destroy.
    let callback = CSign { sign, context: Context(context), destroy };
    run(error_out, move || {
        // SAFETY: header contract: NULL or NUL-terminated strings.
        let (key, scheme) = unsafe { (arg(public_key, "public_key")?, opt_arg(scheme, "scheme")?) };
        if callback.sign.is_none() {
            return Err(CError::argument(Status::NullArgument, "sign", "is NULL"));
        }
        let out = Out::new(signer_out, "signer_out")?;
        let signer = Signer::new(key, scheme, callback)?;
        out.write(sxt_signer::publish(signer)?);
        Ok(())
    })
}

/// Releases the caller's reference to `signer`. Sessions signed in with it keep theirs; its `destroy` runs
/// when the last goes. NULL and an already-freed handle are ignored.
#[no_mangle]
pub extern "C" fn sxt_signer_free(signer: *mut sxt_signer) {
    guard((), || drop(sxt_signer::release(signer)))
}

/// The signer behind a handle, for the calls that sign with one.
pub(crate) fn signer_of(signer: *const sxt_signer) -> crate::status::CResult<Signer> {
    Ok((*sxt_signer::get(signer, "signer")?).clone())
}
