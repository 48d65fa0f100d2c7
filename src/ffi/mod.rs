//! The C surface. Only this module knows about C: it maps each exported function onto the Rust core.
//!
//! * [`boundary`]: the one panic-and-error boundary every exported function runs inside.
//! * [`handles`]: misuse-safe handle tables (ids, never addresses).
//! * [`strings`]: the one way strings cross the boundary, in and out.
//! * [`error`]: `sxt_error` and the status table's names.
//! * [`keys`], [`client`], [`session`]: one file per C type.
//! * [`library`]: library-wide calls (version, string release, leak diagnostics).
//!
//! The conventions these functions follow are stated once, at the top of the generated header
//! (`cbindgen.toml`'s `header`), and in the README.

// Declared in the order the header presents them: keys, client, session, errors, then the library-wide calls.
mod keys;
mod client;
mod session;
mod error;
mod library;

mod boundary;
mod handles;
mod strings;
