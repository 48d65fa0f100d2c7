//! # sxt-auth-core
//!
//! A client for Space and Time (SxT) authentication: Ed25519 keys, the challenge/response sign-in, and
//! sessions that keep their tokens valid. This crate is the Rust core; the C library (`libsxt_auth`, header
//! `include/sxt_auth.h`, at the repository root) wraps it for C, C++, Go, Swift and Kotlin.
//!
//! ```no_run
//! use sxt_auth_core::{Client, PrivateKey};
//! let client = Client::new("https://api.spaceandtime.dev")?;
//! let key = PrivateKey::parse("Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2Yc=")?;
//! let session = client.login("alice", &key)?;
//! let token = session.access_token()?; // valid now; refreshed as needed
//! # let _ = token;
//! session.logout()?;
//! # Ok::<(), sxt_auth_core::Error>(())
//! ```
//!
//! Modules: [`keys`] (parse, generate, sign), [`api_key`] (API keys), [`base_url`] (URL normalising), [`input`] (the rules for text
//! the caller passes), [`config`] (settings, each checked by its setter), [`wire`] (JSON bodies), [`http`]
//! (transport and its limits), `connect` (no thread per request), `socket` (few system calls per request), `dial` (a connect that cancellation interrupts), [`tls`] (trusted roots, PEM CAs), `sign_in` (the challenge/response exchange, shared by client and session),
//! [`signer`] (keys held by the app), [`client`] (calls without a session), [`session`] (tokens kept valid), [`call`] (one call's deadline and
//! cancellation), [`error`] (one error type and its kinds).

pub mod api_key;
pub mod base_url;
mod blob;
pub mod call;
pub mod client;
pub mod config;
mod connect;
mod dial;
pub mod error;
pub mod http;
pub mod input;
pub mod keys;
pub mod session;
mod sign_in;
mod socket;
pub mod signer;
pub mod tls;
pub mod wire;

pub use api_key::ApiKey;
pub use client::Client;
pub use config::{ClientConfig, TransportConfig};
pub use error::{Error, ErrorKind, Result};
pub use keys::{PrivateKey, PublicKey};
pub use session::{Event, Resume, Role, Session};
pub use signer::{Sign, Signer};

/// The library version, from Cargo.toml.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
