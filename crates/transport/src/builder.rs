//! Configuration of a [`Transport`]: credentials, retries, timeouts, TLS roots, proxies, User-Agent.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;

use crate::credentials::Credentials;
use crate::error::BuildError;
use crate::retry::RetryPolicy;
use crate::transport::{Inner, Transport};

/// Default time to establish a TCP + TLS connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time for one HTTP exchange, response body included (each retry gets its own).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Builds a [`Transport`]; see [`Transport::builder`].
#[derive(Clone)]
pub struct TransportBuilder {
    credentials: Credentials,
    retry: RetryPolicy,
    connect_timeout: Duration,
    request_timeout: Duration,
    product: Option<String>,
    token_url: Option<String>,
    extra_roots_pem: Vec<Vec<u8>>,
    proxy_from_environment: bool,
    max_in_flight: Option<usize>,
}

impl Default for TransportBuilder {
    fn default() -> Self {
        Self {
            credentials: Credentials::none(),
            retry: RetryPolicy::default(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            product: None,
            token_url: None,
            extra_roots_pem: Vec::new(),
            proxy_from_environment: true,
            max_in_flight: None,
        }
    }
}

impl fmt::Debug for TransportBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportBuilder")
            .field("credentials", &self.credentials)
            .field("retry", &self.retry)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("product", &self.product)
            .field("token_url", &self.token_url)
            .field("extra_roots", &self.extra_roots_pem.len())
            .field("proxy_from_environment", &self.proxy_from_environment)
            .field("max_in_flight", &self.max_in_flight)
            .finish()
    }
}

impl TransportBuilder {
    /// How requests authenticate (default: [`Credentials::none`]).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self
    }

    /// When requests are repeated (default: [`RetryPolicy::default`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Time allowed to connect (default [`DEFAULT_CONNECT_TIMEOUT`]).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed for each HTTP exchange (default [`DEFAULT_REQUEST_TIMEOUT`]).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// The product that leads the `User-Agent`, e.g. `mongodb-invitations/0.1.0`; this crate appends its
    /// own name, version and the platform.
    pub fn user_agent_product(mut self, product: impl Into<String>) -> Self {
        self.product = Some(product.into());
        self
    }

    /// Where service-account tokens come from. Default: `/api/oauth/token` on the origin of each request.
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }

    /// Trusts this PEM certificate (or bundle) in addition to the platform's roots, e.g. the private CA of
    /// an Ops Manager host. Verification stays on.
    pub fn add_root_certificates_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.extra_roots_pem.push(pem.into());
        self
    }

    /// Whether `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` are honoured (default: yes).
    pub fn proxy_from_environment(mut self, honour: bool) -> Self {
        self.proxy_from_environment = honour;
        self
    }

    /// At most `requests` attempts on the wire at once across this transport and its clones (default: no
    /// limit); other callers wait their turn. An attempt holds its place from before its Digest nonce is
    /// leased until its answer's head arrives, re-sign included, and not while it waits to retry. So a
    /// caller can keep more calls going than the server sees, preparing and decoding theirs while others
    /// are on the wire. Zero is read as one.
    pub fn max_in_flight(mut self, requests: usize) -> Self {
        self.max_in_flight = Some(requests.max(1));
        self
    }

    /// Checks the configuration and builds the HTTP client. Nothing is sent.
    pub fn build(self) -> Result<Transport, BuildError> {
        // reqwest is built without a default crypto provider; a second install (another client) is a no-op.
        let _ = rustls::crypto::ring::default_provider().install_default();
        self.credentials.validate()?;
        let user_agent = user_agent(self.product.as_deref());
        let header = http::HeaderValue::from_str(&user_agent)
            .map_err(|_| BuildError::InvalidUserAgent(self.product.clone().unwrap_or_default()))?;
        let token_url = self.token_url.as_deref().map(parse_token_url).transpose()?;
        let mut roots = Vec::new();
        for pem in &self.extra_roots_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| BuildError::InvalidCertificate(e.to_string()))?;
            if certs.is_empty() {
                return Err(BuildError::InvalidCertificate(
                    "no certificate in the PEM input".into(),
                ));
            }
            roots.extend(certs);
        }
        let mut client = reqwest::Client::builder()
            .tls_backend_rustls()
            .connect_timeout(self.connect_timeout)
            .timeout(self.request_timeout)
            .user_agent(header)
            // Following redirects would re-send credentials to wherever a response points, and a Digest
            // signature covers the original URI anyway: a 3xx is handed to the caller instead.
            .redirect(reqwest::redirect::Policy::none());
        if !roots.is_empty() {
            client = client.tls_certs_merge(roots);
        }
        if !self.proxy_from_environment {
            client = client.no_proxy();
        }
        let client = client.build().map_err(BuildError::Client)?;
        Ok(Transport {
            inner: Arc::new(Inner::new(
                client,
                self.credentials,
                self.retry,
                token_url,
                user_agent,
                self.max_in_flight,
            )),
        })
    }
}

fn parse_token_url(raw: &str) -> Result<Url, BuildError> {
    Url::parse(raw)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
        .ok_or_else(|| BuildError::InvalidTokenUrl(raw.to_owned()))
}

/// `<product> mongodb-invitations-transport/<version> (<os>; <arch>)`.
pub(crate) fn user_agent(product: Option<&str>) -> String {
    let own = format!(
        "{}/{} ({}; {})",
        env!("CARGO_PKG_NAME"),
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH
    );
    match product.map(str::trim).filter(|p| !p.is_empty()) {
        Some(product) => format!("{product} {own}"),
        None => own,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agent_names_product_crate_version_and_platform() {
        let ua = user_agent(Some("mongodb-invitations/0.1.0"));
        let expected = format!(
            "mongodb-invitations/0.1.0 mongodb-invitations-transport/{} ({}; {})",
            env!("CARGO_PKG_VERSION"),
            std::env::consts::OS,
            std::env::consts::ARCH
        );
        assert_eq!(ua, expected);
        assert!(user_agent(None).starts_with("mongodb-invitations-transport/"));
    }

    #[test]
    fn bad_configuration_is_a_typed_error_before_any_request() {
        let err = Transport::builder()
            .user_agent_product("bad\nproduct")
            .build()
            .unwrap_err();
        assert!(matches!(err, BuildError::InvalidUserAgent(_)), "{err:?}");
        let err = Transport::builder()
            .token_url("/api/oauth/token")
            .build()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid OAuth token URL \"/api/oauth/token\": expected an absolute http or https URL"
        );
        let err = Transport::builder()
            .add_root_certificates_pem(b"not a pem".to_vec())
            .build()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid root certificate: no certificate in the PEM input"
        );
        let err = Transport::builder()
            .credentials(Credentials::service_account("id", ""))
            .build()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid credentials: client secret is empty"
        );
    }

    #[test]
    fn builder_debug_redacts() {
        let builder = Transport::builder().credentials(Credentials::digest("PUB", "very-private"));
        let shown = format!("{builder:?}");
        assert!(
            shown.contains("PUB") && !shown.contains("very-private"),
            "{shown}"
        );
        let transport = builder.build().expect("builds");
        let shown = format!("{transport:?}");
        assert!(
            shown.contains("PUB") && !shown.contains("very-private"),
            "{shown}"
        );
    }
}
