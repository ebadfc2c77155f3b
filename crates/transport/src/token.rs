//! OAuth 2.0 client-credentials tokens: cached until shortly before they expire, refreshed by one caller
//! while any number of others wait for that same refresh (single flight).
//!
//! Written here rather than with `oauth2`: that crate pulls a second reqwest major version for one form POST.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};

/// Tokens whose lifetime the server did not state are kept this long.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(300);
/// At most this long before expiry a token is replaced (less for short-lived tokens: a fifth of the lifetime).
const MAX_EARLY_REFRESH: Duration = Duration::from_secs(60);

/// An access token and when to stop using it.
pub(crate) struct Token {
    pub(crate) secret: SecretString,
    refresh_at: Instant,
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("secret", &crate::redact::REDACTED)
            .field("refresh_at", &self.refresh_at)
            .finish()
    }
}

impl Token {
    pub(crate) fn new(secret: SecretString, lifetime: Option<Duration>, now: Instant) -> Self {
        let lifetime = lifetime.unwrap_or(DEFAULT_LIFETIME);
        let early = (lifetime / 5).min(MAX_EARLY_REFRESH);
        Self {
            secret,
            refresh_at: now + (lifetime - early),
        }
    }

    fn fresh_at(&self, now: Instant) -> bool {
        now < self.refresh_at
    }
}

/// What the token endpoint's JSON answer gave, or why it is unusable (without echoing any of it).
pub(crate) fn parse_token_response(
    body: &[u8],
) -> Result<(SecretString, Option<Duration>), &'static str> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|_| "body is not JSON")?;
    let access_token = value
        .get("access_token")
        .and_then(serde_json::Value::as_str)
        .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or("no usable access_token")?;
    if let Some(kind) = value.get("token_type")
        && !kind
            .as_str()
            .is_some_and(|k| k.eq_ignore_ascii_case("bearer"))
    {
        return Err("token_type is not Bearer");
    }
    let lifetime = value.get("expires_in").and_then(|e| {
        e.as_u64()
            .or_else(|| e.as_str().and_then(|s| s.parse().ok()))
    });
    Ok((
        SecretString::from(access_token.to_owned()),
        lifetime.map(Duration::from_secs),
    ))
}

/// How long a failed fetch answers for the endpoint: callers that come shortly after a refusal (a
/// batch with a wrong secret, say) get it too instead of asking again at once.
const FAILURE_HOLD: Duration = Duration::from_secs(1);

/// Tokens per token URL, with one fetch in flight at a time. A failed fetch is handed to every caller
/// that waited for it and to those that come within [`FAILURE_HOLD`] after it (`E` is cloned), so a
/// refused secret costs one request to the token endpoint, not one per caller.
pub(crate) struct TokenCache<E> {
    tokens: Mutex<HashMap<String, Arc<Token>>>,
    refresh: tokio::sync::Mutex<()>,
    flights: Mutex<Flights<E>>,
    failure_hold: Duration,
}

/// Fetches completed so far, and the last one that failed.
struct Flights<E> {
    completed: u64,
    last_failure: Option<Failed<E>>,
}

struct Failed<E> {
    url: String,
    /// Which fetch it was (`Flights::completed` after it).
    number: u64,
    at: Instant,
    failure: E,
}

impl<E> Default for TokenCache<E> {
    fn default() -> Self {
        Self::with_failure_hold(FAILURE_HOLD)
    }
}

impl<E> TokenCache<E> {
    fn with_failure_hold(failure_hold: Duration) -> Self {
        Self {
            tokens: Mutex::default(),
            refresh: tokio::sync::Mutex::default(),
            flights: Mutex::new(Flights {
                completed: 0,
                last_failure: None,
            }),
            failure_hold,
        }
    }
}

impl<E: Clone> TokenCache<E> {
    fn cached(&self, url: &str, now: Instant) -> Option<Arc<Token>> {
        let tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        tokens.get(url).filter(|t| t.fresh_at(now)).cloned()
    }

    /// A fresh token for `url`: the cached one, or the result of the one fetch all concurrent callers share.
    /// `fetch` yields the token, or the endpoint's final failure (`E`) which is handed back unchanged.
    pub(crate) async fn get<F, Fut>(&self, url: &str, fetch: F) -> Result<Arc<Token>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Token, E>>,
    {
        if let Some(token) = self.cached(url, Instant::now()) {
            return Ok(token);
        }
        let before = self.flights().completed;
        let _flight = self.refresh.lock().await;
        // Whoever held the lock before us may have fetched already: its token, or its failure.
        if let Some(token) = self.cached(url, Instant::now()) {
            return Ok(token);
        }
        if let Some(failed) =
            self.flights().last_failure.as_ref().filter(|f| {
                f.url == url && (f.number > before || f.at.elapsed() < self.failure_hold)
            })
        {
            return Err(failed.failure.clone());
        }
        let result = fetch().await;
        let mut flights = self.flights();
        flights.completed += 1;
        match result {
            Ok(token) => {
                let token = Arc::new(token);
                let mut tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
                tokens.insert(url.to_owned(), Arc::clone(&token));
                Ok(token)
            }
            Err(failure) => {
                flights.last_failure = Some(Failed {
                    url: url.to_owned(),
                    number: flights.completed,
                    at: Instant::now(),
                    failure: failure.clone(),
                });
                Err(failure)
            }
        }
    }

    fn flights(&self) -> std::sync::MutexGuard<'_, Flights<E>> {
        self.flights.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Forgets `token` after the API refused it, unless a newer one already replaced it.
    pub(crate) fn invalidate(&self, url: &str, token: &Arc<Token>) {
        let mut tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        if tokens.get(url).is_some_and(|t| Arc::ptr_eq(t, token)) {
            tokens.remove(url);
        }
    }
}

/// `Basic` credentials for the token endpoint.
pub(crate) fn basic_authorization(client_id: &str, client_secret: &SecretString) -> String {
    use base64::Engine as _;
    let pair = format!("{client_id}:{}", client_secret.expose_secret());
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn token(secret: &str, lifetime: u64) -> Token {
        Token::new(
            SecretString::from(secret.to_owned()),
            Some(Duration::from_secs(lifetime)),
            Instant::now(),
        )
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_fetch_serves_any_number_of_concurrent_callers() {
        let cache = Arc::new(TokenCache::<()>::default());
        let fetches = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..64)
            .map(|_| {
                let (cache, fetches) = (Arc::clone(&cache), Arc::clone(&fetches));
                tokio::spawn(async move {
                    let got = cache
                        .get("u", || async {
                            fetches.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(20)).await;
                            Ok::<_, ()>(token("tok-1", 3600))
                        })
                        .await
                        .expect("fetch succeeds");
                    got.secret.expose_secret().to_owned()
                })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.expect("no panic"), "tok-1");
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_failed_fetch_is_shared_by_every_caller_that_waited_for_it() {
        let cache = Arc::new(TokenCache::<&'static str>::with_failure_hold(
            Duration::ZERO,
        ));
        let fetches = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..32)
            .map(|_| {
                let (cache, fetches) = (Arc::clone(&cache), Arc::clone(&fetches));
                tokio::spawn(async move {
                    cache
                        .get("u", || async {
                            fetches.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            Err::<Token, _>("refused")
                        })
                        .await
                        .map(|_| ())
                })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.expect("no panic"), Err("refused"));
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        // A caller arriving after the failure (and its hold) tries again, and may succeed.
        let got = cache
            .get("u", || async { Ok(token("later", 3600)) })
            .await
            .expect("a new fetch");
        assert_eq!(got.secret.expose_secret(), "later");
    }

    #[tokio::test]
    async fn a_failure_answers_for_the_endpoint_during_its_hold() {
        let cache = TokenCache::<&'static str>::default();
        let failed = cache
            .get("u", || async { Err::<Token, _>("refused") })
            .await;
        assert_eq!(failed.map(|_| ()), Err("refused"));
        let soon = cache
            .get("u", || async { Ok(token("not asked", 3600)) })
            .await;
        assert_eq!(soon.map(|_| ()), Err("refused"));
        // Another endpoint is not concerned.
        assert!(
            cache
                .get("v", || async { Ok(token("v", 3600)) })
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn refreshes_before_expiry_and_after_invalidation_only_once() {
        let cache = TokenCache::<&'static str>::default();
        let first = cache
            .get("u", || async { Ok::<_, &str>(token("a", 3600)) })
            .await
            .expect("ok");
        let again = cache
            .get("u", || async { Ok::<_, &str>(token("never", 3600)) })
            .await
            .expect("ok");
        assert!(Arc::ptr_eq(&first, &again));
        cache.invalidate("u", &first);
        let second = cache
            .get("u", || async { Ok::<_, &str>(token("b", 3600)) })
            .await
            .expect("ok");
        assert_eq!(second.secret.expose_secret(), "b");
        // A late 401 for the old token must not throw away the new one.
        cache.invalidate("u", &first);
        let still = cache
            .get("u", || async { Ok::<_, &str>(token("c", 3600)) })
            .await
            .expect("ok");
        assert!(Arc::ptr_eq(&second, &still));
        // A token inside its early-refresh window (here: 0 s lifetime) is replaced on the next call.
        let other = cache
            .get("v", || async { Ok::<_, &str>(token("short", 0)) })
            .await
            .expect("ok");
        assert_eq!(other.secret.expose_secret(), "short");
        let replaced = cache
            .get("v", || async { Ok::<_, &str>(token("next", 3600)) })
            .await
            .expect("ok");
        assert_eq!(replaced.secret.expose_secret(), "next");
        let failed = cache
            .get("w", || async { Err::<Token, _>("endpoint said no") })
            .await;
        assert_eq!(failed.unwrap_err(), "endpoint said no");
    }

    #[test]
    fn early_refresh_window() {
        let now = Instant::now();
        let hour = Token::new(
            SecretString::from("x".to_owned()),
            Some(Duration::from_secs(3600)),
            now,
        );
        assert_eq!(hour.refresh_at - now, Duration::from_secs(3540));
        let short = Token::new(
            SecretString::from("x".to_owned()),
            Some(Duration::from_secs(100)),
            now,
        );
        assert_eq!(short.refresh_at - now, Duration::from_secs(80));
        assert!(
            format!("{hour:?}").contains("[redacted]") && !format!("{hour:?}").contains("\"x\"")
        );
    }

    #[test]
    fn token_responses() {
        let (token, life) = parse_token_response(
            br#"{"access_token":"eyJ.a.b","expires_in":3600,"token_type":"Bearer"}"#,
        )
        .expect("ok");
        assert_eq!(
            (token.expose_secret(), life),
            ("eyJ.a.b", Some(Duration::from_secs(3600)))
        );
        let (_, life) =
            parse_token_response(br#"{"access_token":"t","expires_in":"60"}"#).expect("ok");
        assert_eq!(life, Some(Duration::from_secs(60)));
        assert_eq!(
            parse_token_response(b"<html>").unwrap_err(),
            "body is not JSON"
        );
        assert_eq!(
            parse_token_response(br#"{"access_token":7}"#).unwrap_err(),
            "no usable access_token"
        );
        assert_eq!(
            parse_token_response(br#"{"access_token":"a b"}"#).unwrap_err(),
            "no usable access_token"
        );
        assert_eq!(
            parse_token_response(br#"{"access_token":"t","token_type":"mac"}"#).unwrap_err(),
            "token_type is not Bearer"
        );
    }

    #[test]
    fn basic_credentials_are_base64_of_id_colon_secret() {
        let header =
            basic_authorization("mdb_sa_id_1", &SecretString::from("mdb_sa_sk_2".to_owned()));
        assert_eq!(header, "Basic bWRiX3NhX2lkXzE6bWRiX3NhX3NrXzI=");
    }
}
