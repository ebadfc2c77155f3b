//! HTTP transport for MongoDB's invitation APIs (Atlas Admin API v2 and v1.0, Ops Manager public API).
//!
//! - **Digest** (RFC 7616: MD5, SHA-256, SHA-512-256 and their `-sess` forms, qop `auth`): each request
//!   in flight leases a nonce exclusively from a per-origin pool and returns it with the answer, so each
//!   nonce's `nc` values reach the server in increasing order whatever the concurrency (strict servers
//!   refuse any other order). The pool grows on demand, one body-less probe per nonce, so a request body
//!   crosses the wire once and N requests at concurrency c cost at most N + c round trips while no
//!   nonce goes stale. `stale=true` is answered by re-signing once. HA1 is computed once per realm.
//! - **Refused authentication** comes back as the server's 401 (whatever its body) carrying an
//!   [`AuthFailure`]: wrong credentials, a nonce still stale, a refused count, or no usable challenge;
//!   [`classify`] and [`record_auth_failure`] hand it to callers that need a typed error.
//! - **Service accounts** (OAuth 2.0 client credentials): tokens from `POST /api/oauth/token`, cached until
//!   shortly before expiry, fetched once for any number of concurrent callers, refreshed once on a 401.
//! - **Retries** per [`RetryPolicy`], a plain value: 429 and 400 `INVITATIONS_RATE_LIMITED_IP` (waiting at
//!   least `Retry-After`), 502/503/504 and connections lost before a response, with exponential backoff and
//!   jitter, bounded by attempts and total time.
//! - **Secrets** live in `secrecy` types; `Debug` redacts them; `Authorization` headers are marked
//!   sensitive; nothing secret is logged, and neither is a URL's query (it can hold e-mail addresses).
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

mod auth_failure;
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
pub mod request_url;
pub mod response_parsing;
mod retry;
mod stats;
mod token;
mod transport;

/// The reqwest this crate is built on, so callers name the same `Request` and `Response` types.
pub use reqwest;

pub use auth_failure::{AuthFailure, AuthReason, Principal, Recorded, record_auth_failure};
pub use builder::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT, TransportBuilder};
pub use credentials::Credentials;
pub use error::{BuildError, Error, body_excerpt, classify};
pub use retry::{
    Decision, INVITATIONS_RATE_LIMITED_IP, Outcome, RetryPolicy, RetryReason, StopReason,
};
pub use stats::Stats;
pub use transport::Transport;
