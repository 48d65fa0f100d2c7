//! # libsxt_auth: the C ABI of sxt-auth
//!
//! This crate is the C library (`libsxt_auth.so` / `libsxt_auth.a`, header `include/sxt_auth.h`) and nothing
//! else: every exported function converts C types, calls the Rust core (`sxt-auth-core`, in `core/`) and
//! reports what it says. The conventions the functions follow are stated once, at the top of the generated
//! header (`cbindgen.toml`'s `header`), and in the README.
//!
//! Where each `sxt_*` function lives:
//! * `sxt_keygen`, `sxt_key_*`: [`keys`];
//! * `sxt_client_options_*`, `sxt_client_*`, `sxt_user_exists`, `sxt_login*`, `sxt_register*`, and
//!   `sxt_session_import*` (everything that starts a session): [`client`];
//! * `sxt_signer_*` (keys the app holds, signing through a callback): [`signer`];
//! * `sxt_session_*`, `sxt_refresh`, `sxt_logout`: [`session`];
//! * `sxt_call_*` (one call's deadline and cancellation, for the `*_call` variants): [`call`];
//! * `sxt_error_*`, `sxt_status_*`: [`error`] (the numbers and names themselves: [`status`]);
//! * `sxt_version`, `sxt_string_free`, `sxt_live_objects`: [`library`].
//!
//! The machinery under them: [`boundary`] (the one panic boundary), [`handles`] (typed, misuse-safe handle
//! tables), [`strings`] (the one way strings cross, in and out).

// Declared in the order the header presents them: keys, client, session, errors, then the library-wide calls.
pub mod keys;
pub mod client;
pub mod signer;
pub mod session;
pub mod call;
pub mod error;
pub mod library;
pub mod status;

mod boundary;
mod handles;
mod strings;
