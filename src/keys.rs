//! Key functions: generate, derive the public key, sign.

use std::ffi::c_char;

use sxt_auth_core::PrivateKey;

use crate::boundary::Out;
use crate::error::{run, sxt_error};
use crate::status::Status;
use crate::strings::{arg, free, into_c};

/// Generates a new Ed25519 key pair from the operating system's random number generator.
///
/// On success writes to `*private_key_out` the private key (standard base64 of the 32-byte seed, 44
/// characters: the form SxT tools print and `sxt_login` accepts) and to `*public_key_out` the public key
/// (standard base64, 44 characters). Both are new strings the caller releases with `sxt_string_free`, which
/// wipes them. Thread safety: any thread.
///
/// Errors: `SXT_STATUS_NULL_ARGUMENT` when an output pointer is NULL.
#[no_mangle]
pub extern "C" fn sxt_keygen(
    private_key_out: *mut *mut c_char,
    public_key_out: *mut *mut c_char,
    error_out: *mut *mut sxt_error,
) -> Status {
    run(error_out, || {
        let private_out = Out::new(private_key_out, "private_key_out")?;
        let public_out = Out::new(public_key_out, "public_key_out")?;
        let key = PrivateKey::generate();
        let private = into_c(&key.to_base64())?;
        let public = match into_c(&key.public_key().to_base64()) {
            Ok(p) => p,
            Err(e) => {
                // SAFETY: `private` came from `into_c` and was not handed out.
                unsafe { free(private) };
                return Err(e);
            }
        };
        private_out.write(private);
        public_out.write(public);
        Ok(())
    })
}

/// Derives the public key (standard base64) of `private_key`, which may be in any accepted encoding:
/// base64 of the 32-byte seed, 64 hex characters, or base64 of 64 bytes `seed || public key`.
/// Also a way to validate a private key. `*public_key_out` is a new string (`sxt_string_free`).
///
/// Errors: `SXT_STATUS_NULL_ARGUMENT`, `SXT_STATUS_INVALID_UTF8`, `SXT_STATUS_INVALID_KEY`.
#[no_mangle]
pub extern "C" fn sxt_key_public(
    private_key: *const c_char,
    public_key_out: *mut *mut c_char,
    error_out: *mut *mut sxt_error,
) -> Status {
    run(error_out, || {
        // SAFETY: header contract: NULL or a NUL-terminated string.
        let text = unsafe { arg(private_key, "private_key") }?;
        let out = Out::new(public_key_out, "public_key_out")?;
        let key = PrivateKey::parse(text)?;
        out.write(into_c(&key.public_key().to_base64())?);
        Ok(())
    })
}

/// Signs the exact UTF-8 bytes of `message` (for example an `authCode`) with `private_key` and writes the
/// 64-byte Ed25519 signature as lowercase hex (128 characters) to `*signature_out` (`sxt_string_free`).
/// For custom flows; `sxt_login` and friends sign for you.
///
/// Errors: `SXT_STATUS_NULL_ARGUMENT`, `SXT_STATUS_INVALID_UTF8`, `SXT_STATUS_INVALID_KEY`.
#[no_mangle]
pub extern "C" fn sxt_key_sign(
    private_key: *const c_char,
    message: *const c_char,
    signature_out: *mut *mut c_char,
    error_out: *mut *mut sxt_error,
) -> Status {
    run(error_out, || {
        // SAFETY: header contract: NULL or NUL-terminated strings.
        let (text, message) = unsafe { (arg(private_key, "private_key")?, arg(message, "message")?) };
        let out = Out::new(signature_out, "signature_out")?;
        let key = PrivateKey::parse(text)?;
        out.write(into_c(&key.sign_hex(message))?);
        Ok(())
    })
}
