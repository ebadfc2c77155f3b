//! HTTP transport for MongoDB's invitation APIs (Atlas Admin API v2 and v1.0, Ops Manager public API).
//!
//! - **Digest** (RFC 7616: MD5, SHA-256, SHA-512-256 and their `-sess` forms, qop `auth`): the nonce is
//!   cached per origin and realm and reused with an atomically increasing `nc`, so after the first
//!   challenge a request costs one round trip, also under concurrency. First contact with an origin is a
//!   single body-less probe shared by all concurrent callers, so a request body crosses the wire once.
//!   `stale=true` is answered by re-signing once; wrong keys come back as the server's 401 after exactly
//!   one re-sign.
//! - **Service accounts** (OAuth 2.0 client credentials): tokens from `POST /api/oauth/token`, cached until
//!   shortly before expiry, fetched once for any number of concurrent callers, refreshed once on a 401.
//! - **Retries** per [`RetryPolicy`], a plain value: 429 and 400 `INVITATIONS_RATE_LIMITED_IP` (waiting at
//!   least `Retry-After`), 502/503/504 and connections lost before a response, with exponential backoff and
//!   jitter, bounded by attempts and total time.
//! - **Secrets** live in `secrecy` types; `Debug` redacts them; `Authorization` headers are marked
//!   sensitive; nothing secret is logged.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let transport = transport::Transport::builder()
//!     .credentials(transport::Credentials::digest("PUBLIC", "private"))
//!     .user_agent_product("mongodb-invitations/0.1.0")
//!     .build()?;
//! let request = transport.http_client().get("https://cloud.mongodb.com/api/atlas/v2/orgs").build()?;
//! let response = transport.send(request).await?; // typed 401 / rate-limit errors
//! println!("{} after {} requests", response.status(), transport.stats().requests_sent);
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod bearer_flow;
mod buffered;
mod builder;
pub mod challenge;
mod credentials;
pub mod digest;
mod digest_flow;
pub mod envelope;
mod error;
mod nonce_cache;
mod redact;
pub mod response_parsing;
mod retry;
mod stats;
mod token;
mod transport;

/// The reqwest this crate is built on, so callers name the same `Request` and `Response` types.
pub use reqwest;

pub use builder::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT, TransportBuilder};
pub use credentials::Credentials;
pub use error::{BuildError, Error, body_excerpt, classify};
pub use retry::{
    Decision, INVITATIONS_RATE_LIMITED_IP, Outcome, RetryPolicy, RetryReason, StopReason,
};
pub use stats::Stats;
pub use transport::Transport;
