//! The [`Transport`]: one `reqwest::Client` plus the shared auth state, and the retry loop around
//! each request.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use reqwest::header::RETRY_AFTER;
use reqwest::{Request, Response, Url};

use crate::auth_failure::{AuthFailure, AuthReason, note};
use crate::builder::TransportBuilder;
use crate::credentials::{Credentials, Kind};
use crate::error::{Error, classify};
use crate::nonce_cache::NonceCache;
use crate::redact::{loggable_url, without_query};
use crate::response_parsing::{error_code, parse_retry_after};
use crate::retry::{Decision, Outcome, RetryPolicy, StopReason};
use crate::stats::{Counters, Stats};
use crate::token::TokenCache;

/// An authenticated, retrying HTTP transport. Cheap to clone: clones share the client, the nonce and
/// token caches and the counters.
#[derive(Clone)]
pub struct Transport {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) client: reqwest::Client,
    pub(crate) credentials: Credentials,
    pub(crate) retry: RetryPolicy,
    pub(crate) token_url: Option<Url>,
    pub(crate) nonces: NonceCache,
    pub(crate) tokens: TokenCache<crate::bearer_flow::TokenFailure>,
    pub(crate) counters: Counters,
    user_agent: String,
    /// Places on the wire, when the builder limited them.
    in_flight: Option<tokio::sync::Semaphore>,
}

impl Inner {
    pub(crate) fn new(
        client: reqwest::Client,
        credentials: Credentials,
        retry: RetryPolicy,
        token_url: Option<Url>,
        user_agent: String,
        max_in_flight: Option<usize>,
    ) -> Self {
        Self {
            client,
            credentials,
            retry,
            token_url,
            nonces: NonceCache::default(),
            tokens: TokenCache::default(),
            counters: Counters::default(),
            user_agent,
            in_flight: max_in_flight.map(tokio::sync::Semaphore::new),
        }
    }

    /// Puts one request on the wire.
    pub(crate) async fn send_once(&self, request: Request) -> reqwest::Result<Response> {
        Counters::bump(&self.counters.requests_sent);
        tracing::trace!(method = %request.method(), url = %loggable_url(request.url()), "sending");
        let response = self.client.execute(request).await.map_err(without_query);
        match &response {
            Ok(r) => tracing::trace!(status = r.status().as_u16(), "answered"),
            Err(e) => tracing::debug!(error = %e, "no response"),
        }
        response
    }

    /// Why a final 401 happened: what the attempt found, else what the credentials make likely.
    fn auth_failure(&self, response: &Response) -> AuthFailure {
        let reason = match (
            &self.credentials.0,
            response.extensions().get::<AuthReason>(),
        ) {
            (Kind::None, _) => AuthReason::NoCredentials,
            (_, Some(reason)) => *reason,
            (_, None) => AuthReason::NoUsableChallenge,
        };
        AuthFailure {
            reason,
            principal: self.credentials.principal_named(),
        }
    }

    /// One attempt: the request with whatever authentication the credentials call for. `copy` is an
    /// unsent copy of it, for a re-sign after a refused nonce (none for a streamed body).
    async fn authenticated(
        &self,
        request: Request,
        copy: Option<Arc<Request>>,
    ) -> reqwest::Result<Response> {
        match &self.credentials.0 {
            Kind::None => self.send_once(request).await,
            Kind::Digest {
                public_key,
                private_key,
            } => {
                self.digest_attempt(request, copy.as_deref(), public_key, private_key)
                    .await
            }
            Kind::ServiceAccount {
                client_id,
                client_secret,
            } => self.bearer_attempt(request, client_id, client_secret).await,
        }
    }

    /// Runs `attempt` until the retry policy stops, each time on a copy of `request`; the attempt also
    /// gets a shared unsent copy (the one the next attempt starts from), so an attempt that must send
    /// again (a Digest re-sign) copies only then. A request whose body cannot be copied (a stream) is sent
    /// once.
    pub(crate) async fn with_retries<F, Fut>(
        &self,
        request: Request,
        mut attempt: F,
    ) -> reqwest::Result<Response>
    where
        F: FnMut(Request, Option<Arc<Request>>) -> Fut,
        Fut: Future<Output = reqwest::Result<Response>>,
    {
        let started = Instant::now();
        let mut pending = request;
        let mut number: u32 = 1;
        loop {
            // A place on the wire, given back before any wait for a retry (the semaphore is never closed).
            let place = match &self.in_flight {
                Some(places) => places.acquire().await.ok(),
                None => None,
            };
            let Some(spare) = pending.try_clone().map(Arc::new) else {
                tracing::debug!(url = %loggable_url(pending.url()), "streaming body cannot be replayed: sending once without retries");
                return attempt(pending, None).await;
            };
            let (result, outcome) = observe(attempt(pending, Some(spare.clone())).await).await;
            drop(place);
            let decision = self
                .retry
                .decide(number, started.elapsed(), &outcome, rand::random());
            // The URL is formatted only when a line is actually written.
            let url = || loggable_url(spare.url());
            match decision {
                Decision::Retry { delay, reason } => {
                    tracing::info!(method = %spare.method(), url = %url(), attempt = number, ?outcome, ?reason, delay_ms = delay.as_millis() as u64, "retrying");
                    // The attempt is over and has dropped its handle on the copy: no second copy.
                    let next = match Arc::try_unwrap(spare) {
                        Ok(request) => Some(request),
                        Err(shared) => shared.try_clone(),
                    };
                    let Some(next) = next else {
                        return result;
                    };
                    if let Ok(response) = result {
                        // Reading the small error body lets the connection go back to the pool.
                        let _ = crate::buffered::read_body(response).await;
                    }
                    tokio::time::sleep(delay).await;
                    Counters::bump(&self.counters.retries);
                    pending = next;
                    number += 1;
                }
                Decision::Stop(StopReason::NotRetryable) => {
                    tracing::trace!(method = %spare.method(), url = %url(), attempt = number, ?outcome, "final answer");
                    return result;
                }
                Decision::Stop(reason) => {
                    tracing::warn!(method = %spare.method(), url = %url(), attempt = number, ?outcome, ?reason, "giving up retrying");
                    return result;
                }
            }
        }
    }
}

/// Reduces a result to what the retry policy looks at; reads the body of a 400 to find its `errorCode`.
async fn observe(result: reqwest::Result<Response>) -> (reqwest::Result<Response>, Outcome) {
    match result {
        Ok(response) => {
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| parse_retry_after(v.as_bytes(), std::time::SystemTime::now()));
            let (response, error_code) = if status == 400 {
                match crate::buffered::read_body(response).await {
                    Ok((response, body)) => (Ok(response), error_code(&body)),
                    Err(e) => (Err(e), None),
                }
            } else {
                (Ok(response), None)
            };
            (
                response,
                Outcome::Response {
                    status,
                    retry_after,
                    error_code,
                },
            )
        }
        Err(error) => {
            let outcome = if error.is_connect() {
                Outcome::ConnectFailed
            } else if closed_before_response(&error) {
                Outcome::ClosedBeforeResponse
            } else {
                Outcome::OtherError
            };
            (Err(error), outcome)
        }
    }
}

/// Whether the connection went away after the request was written and before any response head: hyper's
/// "incomplete message" / "canceled", or a reset. Timeouts are excluded: the server may still be working.
fn closed_before_response(error: &reqwest::Error) -> bool {
    if error.is_timeout() || !error.is_request() {
        return false;
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(hyper_error) = cause.downcast_ref::<hyper::Error>()
            && (hyper_error.is_incomplete_message() || hyper_error.is_canceled())
        {
            return true;
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::UnexpectedEof
            )
        {
            return true;
        }
        source = cause.source();
    }
    false
}

impl Transport {
    /// Starts a configuration.
    pub fn builder() -> TransportBuilder {
        TransportBuilder::default()
    }

    /// The underlying client, for progenitor's `Client::new_with_client`. Requests sent through it
    /// directly bypass authentication and retries: route them through [`Transport::execute`].
    pub fn http_client(&self) -> &reqwest::Client {
        &self.inner.client
    }

    /// Sends `request` with authentication and retries. Auth failures and exhausted retries come back as
    /// the server's own last response (for example its 401 or 429); [`classify`] turns those into [`Error`].
    ///
    /// A final 401 carries an [`AuthFailure`] in its extensions, saying why (whatever the body: JSON,
    /// HTML or none), and the same is noted for an enclosing
    /// [`record_auth_failure`](crate::record_auth_failure). Errors name the URL without its query.
    pub async fn execute(&self, request: Request) -> reqwest::Result<Response> {
        let inner = &self.inner;
        // Boxed: the attempt's future is kilobytes, and unboxed it would be moved by value through every
        // layer above (generated client, facade, the caller's task) each time one of them starts.
        let result = Box::pin(
            inner.with_retries(request, |attempt, copy| inner.authenticated(attempt, copy)),
        )
        .await
        .map_err(without_query);
        match result {
            Ok(mut response) if response.status() == reqwest::StatusCode::UNAUTHORIZED => {
                let failure = inner.auth_failure(&response);
                tracing::debug!(reason = failure.reason.code(), "authentication refused");
                note(Some(&failure));
                response.extensions_mut().insert(failure);
                Ok(response)
            }
            other => {
                note(None);
                other
            }
        }
    }

    /// [`Transport::execute`] followed by [`classify`]: a 401 or a rate limit that outlasted the retries
    /// becomes a typed [`Error`].
    pub async fn send(&self, request: Request) -> Result<Response, Error> {
        classify(self.execute(request).await?).await
    }

    /// Counters since this transport was built (shared by its clones).
    pub fn stats(&self) -> Stats {
        self.inner.counters.snapshot()
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("credentials", &self.inner.credentials)
            .field("retry", &self.inner.retry)
            .field("token_url", &self.inner.token_url.as_ref().map(Url::as_str))
            .field("user_agent", &self.inner.user_agent)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

/// `scheme://host:port` of a URL, the key of the nonce cache and the default token endpoint's base.
/// Built by hand in one allocation: `Url::origin` makes three, on the path of every request.
pub(crate) fn origin(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    let mut out = String::with_capacity(url.scheme().len() + host.len() + 9);
    out.push_str(url.scheme());
    out.push_str("://");
    out.push_str(host);
    if let Some(port) = url.port_or_known_default() {
        use std::fmt::Write as _;
        // Into the same buffer: `port.to_string()` would be a second allocation.
        let _ = write!(out, ":{port}");
    }
    out
}
