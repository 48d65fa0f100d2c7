//! # sxt-auth
//!
//! A client for Space and Time (SxT) authentication: Ed25519 keys, the challenge/response sign-in, and
//! sessions that keep their tokens valid. The same library is a C ABI (`ffi`, header `include/sxt_auth.h`)
//! for C, C++, Go and Swift.
//!
//! ```no_run
//! use sxt_auth::{Client, PrivateKey};
//! let client = Client::new("https://api.spaceandtime.dev")?;
//! let key = PrivateKey::parse("Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2Yc=")?;
//! let session = client.login("alice", &key)?;
//! let token = session.access_token()?; // valid now; refreshed as needed
//! # let _ = token;
//! session.logout()?;
//! # Ok::<(), sxt_auth::Error>(())
//! ```
//!
//! Modules: [`keys`] (parse, generate, sign), [`base_url`] (URL normalising), [`wire`] (JSON bodies),
//! [`http`] (transport and its limits), [`client`] (calls without a session), [`session`] (tokens kept
//! valid), [`error`] (one error type, stable codes), `ffi` (the C surface only).

pub mod base_url;
pub mod client;
pub mod error;
pub mod http;
pub mod keys;
pub mod session;
pub mod wire;

mod ffi;

pub use client::{Client, ClientConfig};
pub use error::{Code, Error, Result};
pub use http::TransportConfig;
pub use keys::{PrivateKey, PublicKey};
pub use session::Session;

/// The library version, from Cargo.toml.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
