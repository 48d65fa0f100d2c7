//! `sxt-auth-server`: a local, offline stand-in for the Space and Time (SxT)
//! authentication service.
//!
//! It implements the SxT auth protocol (`/v1/auth/...`, as set out in the
//! project's `sxt-auth-protocol.md`) with real Ed25519 challenge signatures: user
//! registration on first login (optionally gated by join codes), single-use
//! challenges, access and refresh tokens with rotation, an absolute session
//! limit, logout of all sessions, token info and keyring management, API-key
//! sign-in (`POST /auth/apikey`, the SxT proxy's endpoint) and subscriptions
//! with roles, invitations and joining. Tokens are ES256-signed JWTs shaped like
//! the public network's ([`jwt`]). State is kept in memory and disappears when
//! the process exits.
//!
//! The project's own tests, examples and demo run against it, and app developers
//! can use it the same way: start it in CI, read the `listening on <URL>` line,
//! and point an SxT client or SDK at that URL to exercise login, refresh and
//! logout without network access or a real SxT account. `--tls` serves HTTPS
//! with a freshly generated CA whose certificate is written to `--ca-out`.
//!
//! It is deliberately an independent implementation (it does not use the
//! `sxt-auth` library), so that an encoding mistake on the client side cannot
//! be mirrored, and hidden, by the server.
//!
//! The library holds everything but the process: the `sxt-auth-server` binary (`src/main.rs`) parses
//! the command line and runs [`serve`]; an in-process driver (the fuzz target) builds [`routes::router`]
//! over an [`state::AuthState`] and sends it requests directly.
//!
//! Modules: [`cli`] parses options, [`state`] holds the protocol rules and data,
//! [`routes`] is the HTTP surface, [`crypto`] decodes keys and verifies
//! signatures, [`jwt`] signs and checks tokens, [`problem`] shapes error responses, [`tls`] makes certificates,
//! [`serve`] runs the accept loop.

pub mod cli;
pub mod crypto;
pub mod jwt;
pub mod problem;
pub mod routes;
pub mod serve;
pub mod state;
pub mod tls;
