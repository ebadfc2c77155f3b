//! Why a request's authentication failed, and how that reason reaches a caller that only sees the
//! response.
//!
//! progenitor's `exec` hook must return `reqwest::Result<Response>`, so a refused authentication leaves
//! the transport as the server's own 401, whatever its body (Atlas JSON, an HTML page from Apache or a
//! proxy, nothing at all). The reason travels beside it twice: in the response's extensions (for callers
//! of [`Transport::execute`](crate::Transport::execute), and for this workspace's generated clients, whose
//! decoder hands such a response back whole), and in a task-local record that [`record_auth_failure`]
//! opens around a call, for callers that only get an error which has dropped the response.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::task::futures::TaskLocalFuture;

/// Why the server refused to authenticate a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthReason {
    /// The credentials are wrong (or the key may not call this API): a nonce fresh from the server was
    /// refused without `stale`, or the token endpoint refused the client credentials.
    WrongCredentials,
    /// The server still called the nonce stale after a re-sign with the nonce it had just issued.
    StaleNonce,
    /// The server refused the nonce count on a nonce these credentials had already used successfully,
    /// and the request could not be re-signed (a streamed body).
    RefusedCount,
    /// A freshly issued service-account token was refused.
    TokenRefused,
    /// A 401 without a Digest challenge this transport can answer (a proxy's page, Basic only, ...).
    NoUsableChallenge,
    /// The server asked for credentials and none are configured.
    NoCredentials,
}

impl AuthReason {
    /// A short stable name, for machine-readable output: `wrong-credentials`, `stale-nonce`, ...
    pub fn code(self) -> &'static str {
        match self {
            Self::WrongCredentials => "wrong-credentials",
            Self::StaleNonce => "stale-nonce",
            Self::RefusedCount => "refused-nonce-count",
            Self::TokenRefused => "token-refused",
            Self::NoUsableChallenge => "no-usable-challenge",
            Self::NoCredentials => "no-credentials",
        }
    }
}

impl fmt::Display for AuthReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::WrongCredentials => "the server refused the credentials",
            Self::StaleNonce => "the server kept calling the Digest nonce stale",
            Self::RefusedCount => "the server refused the Digest nonce count",
            Self::TokenRefused => "the server refused a freshly issued access token",
            Self::NoUsableChallenge => "HTTP 401 without a Digest challenge this client can answer",
            Self::NoCredentials => "the server requires credentials and none are configured",
        })
    }
}

/// Who a request authenticated as: the public half of the credentials, never a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Principal {
    /// A programmatic API key, by its public key (the Digest username).
    PublicKey(String),
    /// A service account, by its client id.
    ClientId(String),
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PublicKey(key) => write!(f, "public key {key}"),
            Self::ClientId(id) => write!(f, "client id {id}"),
        }
    }
}

/// A refused authentication: why, and as whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthFailure {
    /// Why.
    pub reason: AuthReason,
    /// As whom; `None` without credentials.
    pub principal: Option<Principal>,
}

impl fmt::Display for AuthFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.principal {
            Some(who) => write!(f, "{} for {who}", self.reason),
            None => write!(f, "{}", self.reason),
        }
    }
}

tokio::task_local! {
    static RECORD: RefCell<Option<AuthFailure>>;
}

/// Runs `call` and reports how the authentication of its last request through a
/// [`Transport`](crate::Transport) ended: `Some` when that request's final answer was a refused
/// authentication. Scopes nest and are per future (not per task), so concurrent calls polled by one
/// task (`buffered`, `join_all`) each see their own.
pub fn record_auth_failure<F: Future>(call: F) -> Recorded<F> {
    // Boxed once here: a generated client's call is a large future, and moving it through further
    // wrappers cost a measurable share of `apply` in memcpy.
    Recorded {
        scoped: Box::pin(RECORD.scope(RefCell::new(None), call)),
    }
}

/// The future [`record_auth_failure`] returns.
pub struct Recorded<F: Future> {
    scoped: Pin<Box<TaskLocalFuture<RefCell<Option<AuthFailure>>, F>>>,
}

impl<F: Future> Future for Recorded<F> {
    type Output = (F::Output, Option<AuthFailure>);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let output = std::task::ready!(self.scoped.as_mut().poll(cx));
        let failure = self
            .scoped
            .as_mut()
            .take_value()
            .and_then(RefCell::into_inner);
        Poll::Ready((output, failure))
    }
}

impl<F: Future> fmt::Debug for Recorded<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Recorded")
    }
}

/// Notes the outcome of a request for the innermost [`record_auth_failure`] around it, if any.
pub(crate) fn note(outcome: Option<&AuthFailure>) {
    let _ = RECORD.try_with(|slot| *slot.borrow_mut() = outcome.cloned());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(reason: AuthReason) -> AuthFailure {
        AuthFailure {
            reason,
            principal: Some(Principal::PublicKey("PUB".into())),
        }
    }

    #[tokio::test]
    async fn each_scope_sees_its_own_last_outcome() {
        let ((), outside) = record_auth_failure(async {}).await;
        assert_eq!(outside, None);
        let (_, seen) = record_auth_failure(async {
            note(Some(&failure(AuthReason::StaleNonce)));
            note(Some(&failure(AuthReason::WrongCredentials)));
        })
        .await;
        assert_eq!(seen, Some(failure(AuthReason::WrongCredentials)));
        // A later success clears an earlier failure in the same scope.
        let (_, seen) = record_auth_failure(async {
            note(Some(&failure(AuthReason::WrongCredentials)));
            note(None);
        })
        .await;
        assert_eq!(seen, None);
        // Two calls interleaved in one task keep separate records.
        let a = record_auth_failure(async {
            tokio::task::yield_now().await;
            note(Some(&failure(AuthReason::RefusedCount)));
            tokio::task::yield_now().await;
        });
        let b = record_auth_failure(async {
            note(None);
            tokio::task::yield_now().await;
        });
        let ((_, a), (_, b)) = tokio::join!(a, b);
        assert_eq!((a, b), (Some(failure(AuthReason::RefusedCount)), None));
        // Outside any scope, noting is a no-op rather than a panic.
        note(Some(&failure(AuthReason::NoCredentials)));
        assert_eq!(
            failure(AuthReason::WrongCredentials).to_string(),
            "the server refused the credentials for public key PUB"
        );
    }
}
