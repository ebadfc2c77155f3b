//! Building a [`Client`] for a flavour: base URL, credentials, transport settings.

use std::time::Duration;

use transport::{Credentials, RetryPolicy, Transport};

use crate::Flavour;
use crate::error::{BaseUrlProblem, Error, ValidationError};
use crate::via::{Routing, Via};

/// The environment variables MongoDB's own tools read; the same names work here.
pub mod env {
    /// Digest: the API key's public half.
    pub const PUBLIC_API_KEY: &str = "MONGODB_ATLAS_PUBLIC_API_KEY";
    /// Digest: the API key's private half.
    pub const PRIVATE_API_KEY: &str = "MONGODB_ATLAS_PRIVATE_API_KEY";
    /// Service account: client id.
    pub const CLIENT_ID: &str = "MONGODB_ATLAS_CLIENT_ID";
    /// Service account: client secret.
    pub const CLIENT_SECRET: &str = "MONGODB_ATLAS_CLIENT_SECRET";
    /// Ops Manager's base URL.
    pub const OPS_MANAGER_URL: &str = "MONGODB_ATLAS_OPS_MANAGER_URL";
}

pub(crate) enum Inner {
    AtlasV2(mongodb_atlas_v2_invitations::Client),
    AtlasV1(mongodb_atlas_v1_invitations::Client),
    OpsManager(mongodb_ops_manager_v1_invitations::Client),
}

/// One typed client over the invitation endpoints of the chosen [`Flavour`].
///
/// Cheap to clone; clones share the connection pool, the Digest nonce cache and the token cache.
#[derive(Clone)]
pub struct Client {
    pub(crate) flavour: Flavour,
    pub(crate) inner: std::sync::Arc<Inner>,
    pub(crate) transport: Transport,
    pub(crate) envelope: bool,
    pub(crate) pretty: bool,
    pub(crate) base_url: String,
    /// Deprecated operations already warned about.
    pub(crate) warned: std::sync::Arc<std::sync::Mutex<std::collections::BTreeSet<&'static str>>>,
    /// Which API serves the invitation calls, and whether the deprecated one is gone.
    pub(crate) routing: std::sync::Arc<Routing>,
    /// Pages a list stream reads before it gives up on a server that never ends.
    pub(crate) max_pages: u32,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("flavour", &self.flavour)
            .field("base_url", &self.base_url)
            .field("transport", &self.transport)
            .field("envelope", &self.envelope)
            .field("pretty", &self.pretty)
            .field("routing", &self.routing)
            .finish()
    }
}

impl Client {
    /// Starts building a client for `flavour`.
    pub fn builder(flavour: Flavour) -> ClientBuilder {
        ClientBuilder::new(flavour)
    }

    /// The flavour this client speaks.
    pub fn flavour(&self) -> Flavour {
        self.flavour
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// What the transport did so far: requests, retries, challenges, tokens.
    pub fn stats(&self) -> transport::Stats {
        self.transport.stats()
    }
}

/// Configures a [`Client`]; see [`Client::builder`].
#[derive(Debug)]
pub struct ClientBuilder {
    flavour: Flavour,
    base_url: Option<String>,
    credentials: Option<Credentials>,
    retry: RetryPolicy,
    connect_timeout: Option<Duration>,
    request_timeout: Option<Duration>,
    user_agent: Option<String>,
    envelope: bool,
    pretty: bool,
    via: Via,
    as_of: Option<chrono::NaiveDate>,
    max_pages: u32,
    max_in_flight: Option<usize>,
}

/// Pages a list stream reads by default: 1,000 pages of 500 is half a million users.
const DEFAULT_MAX_PAGES: u32 = 1000;

impl ClientBuilder {
    fn new(flavour: Flavour) -> Self {
        Self {
            flavour,
            base_url: None,
            credentials: None,
            retry: RetryPolicy::default(),
            connect_timeout: None,
            request_timeout: None,
            user_agent: None,
            envelope: false,
            pretty: false,
            via: Via::Auto,
            as_of: None,
            max_pages: DEFAULT_MAX_PAGES,
            max_in_flight: None,
        }
    }

    /// Which API serves the invitation calls on Atlas v2 (default [`Via::Auto`]: the invitation endpoints
    /// until their sunset or their first 410, then the MongoDB Cloud Users API). See the crate docs for how
    /// each call maps. Other flavours take only `Deprecated` (and `Auto`, which means it there).
    pub fn invitations_via(mut self, via: Via) -> Self {
        self.via = via;
        self
    }

    /// The date [`Via::Auto`] compares with the invitation endpoints' sunset (default: today, UTC), to
    /// rehearse the switch.
    pub fn as_of(mut self, date: chrono::NaiveDate) -> Self {
        self.as_of = Some(date);
        self
    }

    /// How many pages a list stream reads before it stops with [`Error::PageLimit`] (default 1,000).
    pub fn max_pages(mut self, pages: u32) -> Self {
        self.max_pages = pages.max(1);
        self
    }

    /// Where the API lives: scheme, host and port (`https://cloud.mongodb.com` for Atlas by default; required
    /// for Ops Manager).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Authenticates with an API key over HTTP Digest.
    pub fn digest(mut self, public_key: impl Into<String>, private_key: impl Into<String>) -> Self {
        self.credentials = Some(Credentials::digest(public_key, private_key));
        self
    }

    /// Authenticates as a service account (OAuth 2.0 client credentials; Atlas only).
    pub fn service_account(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        self.credentials = Some(Credentials::service_account(client_id, client_secret));
        self
    }

    /// Reads what is not set yet from the environment variables in [`env`]: Digest keys first, else a
    /// service account; and Ops Manager's base URL.
    pub fn from_env(self) -> Self {
        self.from_lookup(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// Like [`Self::from_env`] with another source of variables (tests, a config file).
    pub fn from_lookup(mut self, lookup: impl Fn(&str) -> Option<String>) -> Self {
        if self.credentials.is_none() {
            if let (Some(public), Some(private)) =
                (lookup(env::PUBLIC_API_KEY), lookup(env::PRIVATE_API_KEY))
            {
                self.credentials = Some(Credentials::digest(public, private));
            } else if let (Some(id), Some(secret)) =
                (lookup(env::CLIENT_ID), lookup(env::CLIENT_SECRET))
            {
                self.credentials = Some(Credentials::service_account(id, secret));
            }
        }
        if self.base_url.is_none() && self.flavour == Flavour::OpsManager {
            self.base_url = lookup(env::OPS_MANAGER_URL);
        }
        self
    }

    /// The retry policy (default: [`RetryPolicy::default`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Connect timeout.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Timeout for each request.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = Some(timeout);
        self
    }

    /// A product token sent before this crate's in `User-Agent` (`my-sync-bot/2.1`).
    pub fn user_agent(mut self, product: impl Into<String>) -> Self {
        self.user_agent = Some(product.into());
        self
    }

    /// Asks the server to wrap answers in an envelope (`envelope=true`); the client unwraps them.
    pub fn envelope(mut self, on: bool) -> Self {
        self.envelope = on;
        self
    }

    /// Asks the server to pretty-print answers (`pretty=true`, where the operation has it).
    pub fn pretty(mut self, on: bool) -> Self {
        self.pretty = on;
        self
    }

    /// At most `requests` requests on the wire at once, across this client and its clones (default: no
    /// limit); calls beyond that wait. More calls than that can then run at once, each preparing its
    /// request or decoding its answer while others are on the wire. Zero is read as one.
    pub fn max_in_flight(mut self, requests: usize) -> Self {
        self.max_in_flight = Some(requests);
        self
    }

    /// Checks the configuration and builds the client. Nothing is sent.
    pub fn build(self) -> Result<Client, Error> {
        let flavour = self.flavour;
        let routing = Routing::new(flavour, self.via, self.as_of)?;
        let base_url = match (self.base_url, flavour.default_base_url()) {
            (Some(url), _) => url,
            (None, Some(default)) => default.to_string(),
            (None, None) => return Err(ValidationError::NoBaseUrl { flavour }.into()),
        };
        let base_url = check_base_url(&base_url)?;
        let product = match self.user_agent {
            Some(p) => format!("{p} mongodb-invitations/{}", env!("CARGO_PKG_VERSION")),
            None => format!("mongodb-invitations/{}", env!("CARGO_PKG_VERSION")),
        };
        let mut builder = Transport::builder()
            .credentials(self.credentials.unwrap_or_else(Credentials::none))
            .retry(self.retry)
            .user_agent_product(product);
        if let Some(t) = self.connect_timeout {
            builder = builder.connect_timeout(t);
        }
        if let Some(t) = self.request_timeout {
            builder = builder.request_timeout(t);
        }
        if let Some(n) = self.max_in_flight {
            builder = builder.max_in_flight(n);
        }
        let transport = builder.build()?;
        let inner = match flavour {
            Flavour::AtlasV2 => Inner::AtlasV2(
                mongodb_atlas_v2_invitations::Client::with_transport(&base_url, transport.clone()),
            ),
            Flavour::AtlasV1 => Inner::AtlasV1(
                mongodb_atlas_v1_invitations::Client::with_transport(&base_url, transport.clone()),
            ),
            Flavour::OpsManager => {
                Inner::OpsManager(mongodb_ops_manager_v1_invitations::Client::with_transport(
                    &base_url,
                    transport.clone(),
                ))
            }
        };
        Ok(Client {
            flavour,
            inner: std::sync::Arc::new(inner),
            transport,
            envelope: self.envelope,
            pretty: self.pretty,
            base_url,
            warned: Default::default(),
            routing,
            max_pages: self.max_pages,
        })
    }
}

/// An absolute http(s) URL with a host and nothing after the path; returned without a trailing slash.
fn check_base_url(url: &str) -> Result<String, ValidationError> {
    // A URL with user information may hold a password: never repeat it.
    let shown = if url.contains('@') {
        "(redacted)".to_string()
    } else {
        format!("{url:?}")
    };
    let bad = |problem| ValidationError::BaseUrl {
        shown: shown.clone(),
        problem,
    };
    let parsed = reqwest::Url::parse(url).map_err(|e| bad(BaseUrlProblem::NotAUrl(e)))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(bad(BaseUrlProblem::Scheme));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(bad(BaseUrlProblem::NoHost));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(bad(BaseUrlProblem::QueryOrFragment));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad(BaseUrlProblem::Credentials));
    }
    Ok(url.trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_manager_needs_a_base_url() {
        let err = Client::builder(Flavour::OpsManager).build().unwrap_err();
        assert!(
            err.to_string()
                .contains("ops-manager-v1 has no default base URL"),
            "{err}"
        );
        let client = Client::builder(Flavour::OpsManager)
            .from_lookup(|n| {
                (n == env::OPS_MANAGER_URL).then(|| "https://om.example.com:8443/".to_string())
            })
            .build()
            .unwrap();
        assert_eq!(client.base_url(), "https://om.example.com:8443");
    }

    #[test]
    fn bad_base_urls_are_refused_without_echoing_credentials() {
        for url in [
            "cloud.mongodb.com",
            "ftp://x.example",
            "https://x.example/?a=1",
            "https://user:hunter2@x.example",
        ] {
            let err = Client::builder(Flavour::AtlasV1)
                .base_url(url)
                .build()
                .unwrap_err();
            assert!(
                matches!(err, Error::Validation(ValidationError::BaseUrl { .. })),
                "{url}: {err}"
            );
            assert!(!err.to_string().contains("hunter2"), "{err}");
        }
    }

    #[test]
    fn debug_never_shows_the_private_key() {
        let client = Client::builder(Flavour::AtlasV2)
            .from_lookup(|n| match n {
                env::PUBLIC_API_KEY => Some("PUBLICKEY".into()),
                env::PRIVATE_API_KEY => Some("s3cr3t-private-key".into()),
                _ => None,
            })
            .build()
            .unwrap();
        let debug = format!("{client:?}");
        assert!(
            debug.contains("PUBLICKEY") && !debug.contains("s3cr3t-private-key"),
            "{debug}"
        );
    }
}
