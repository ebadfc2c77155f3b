//! Typed errors: building a transport, and classifying the final answer to a request.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Response, StatusCode};

use crate::auth_failure::AuthFailure;
use crate::response_parsing::{error_code, parse_retry_after};
use crate::retry::INVITATIONS_RATE_LIMITED_IP;

/// Why [`TransportBuilder::build`](crate::TransportBuilder::build) refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A credential is empty or malformed. Names the field, never its value.
    #[error("invalid credentials: {what} {problem}")]
    InvalidCredentials {
        /// Which credential.
        what: &'static str,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The `User-Agent` product cannot be sent as a header value.
    #[error("invalid User-Agent product {0:?}: not a valid header value")]
    InvalidUserAgent(String),
    /// The explicit OAuth token URL is not an absolute http(s) URL.
    #[error("invalid OAuth token URL {0:?}: expected an absolute http or https URL")]
    InvalidTokenUrl(String),
    /// A PEM root certificate could not be read.
    #[error("invalid root certificate: {0}")]
    InvalidCertificate(String),
    /// reqwest refused the client configuration (for example, no usable TLS roots).
    #[error("could not build the HTTP client")]
    Client(#[source] reqwest::Error),
}

/// The final answer to a request, when it is a failure a caller must handle.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server refused to authenticate the request (after the one re-sign the transport allows
    /// itself), whatever the body of its 401.
    #[error("authentication refused: {} (HTTP {status}){}", failure_text(failure.as_ref()), excerpt_suffix(body_excerpt))]
    Unauthorized {
        /// The status, 401.
        status: StatusCode,
        /// Why, and as whom, when the 401 came through [`Transport::execute`](crate::Transport::execute).
        failure: Option<AuthFailure>,
        /// The start of the server's body, for the user to read (may be empty).
        body_excerpt: String,
    },
    /// Still rate limited when the retry policy ran out.
    #[error("rate limited (HTTP {status}{}){}", code_suffix(error_code.as_deref()), wait_suffix(*retry_after))]
    RateLimited {
        /// 429, or 400 for `INVITATIONS_RATE_LIMITED_IP`.
        status: StatusCode,
        /// How long the server asked to wait, if it said.
        retry_after: Option<Duration>,
        /// The body's `errorCode`, if any.
        error_code: Option<String>,
    },
    /// No usable response: connection, TLS, timeout or body errors.
    #[error("request failed: {0}")]
    Transport(#[from] reqwest::Error),
}

fn failure_text(failure: Option<&AuthFailure>) -> String {
    failure.map_or_else(
        || "the server refused the credentials".to_owned(),
        ToString::to_string,
    )
}

fn excerpt_suffix(excerpt: &str) -> String {
    if excerpt.is_empty() {
        String::new()
    } else {
        format!(": {excerpt}")
    }
}

fn code_suffix(code: Option<&str>) -> String {
    code.map(|c| format!(", {c}")).unwrap_or_default()
}

fn wait_suffix(wait: Option<Duration>) -> String {
    wait.map(|w| format!("; retry after {} s", w.as_secs()))
        .unwrap_or_default()
}

/// How much of a 401 body an error keeps.
const EXCERPT_CHARS: usize = 200;

impl Error {
    /// Classifies a response already read: `Some` for 401 and rate limiting, `None` otherwise.
    /// For callers (such as progenitor's error types) that hold the status, headers and body separately.
    pub fn from_parts(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Option<Self> {
        if status == StatusCode::UNAUTHORIZED {
            return Some(Self::Unauthorized {
                status,
                failure: None,
                body_excerpt: body_excerpt(body),
            });
        }
        Self::rate_limited(status, headers, error_code(body).as_deref())
    }

    /// `Some(RateLimited)` when a status, its headers and the body's `errorCode` (already decoded by the
    /// caller) mean rate limiting: 429, or 400 `INVITATIONS_RATE_LIMITED_IP`; with the wait the server asked
    /// for (`Retry-After`). The one place that decides it, for the retry policy and for callers alike.
    pub fn rate_limited(
        status: StatusCode,
        headers: &HeaderMap,
        code: Option<&str>,
    ) -> Option<Self> {
        let limited = status == StatusCode::TOO_MANY_REQUESTS
            || (status == StatusCode::BAD_REQUEST && code == Some(INVITATIONS_RATE_LIMITED_IP));
        limited.then(|| Self::RateLimited {
            status,
            retry_after: headers
                .get(RETRY_AFTER)
                .and_then(|v| parse_retry_after(v.as_bytes(), SystemTime::now())),
            error_code: code.map(String::from),
        })
    }
}

/// Turns the final response of [`Transport::execute`](crate::Transport::execute) into a typed error when it
/// is an authentication failure or rate limiting; any other response is handed back (re-assembled if its
/// body had to be read).
pub async fn classify(response: Response) -> Result<Response, Error> {
    if !matches!(response.status().as_u16(), 400 | 401 | 429) {
        return Ok(response);
    }
    let failure = response.extensions().get::<AuthFailure>().cloned();
    let (response, body) = crate::buffered::read_body(response).await?;
    match Error::from_parts(response.status(), response.headers(), &body) {
        Some(Error::Unauthorized {
            status,
            body_excerpt,
            ..
        }) => Err(Error::Unauthorized {
            status,
            failure,
            body_excerpt,
        }),
        Some(error) => Err(error),
        None => Ok(response),
    }
}

/// The printable start of a response body (200 characters, control characters replaced), as kept in
/// [`Error::Unauthorized`]; for callers that build their own errors from a body.
pub fn body_excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = text
        .chars()
        .take(EXCERPT_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().count() > EXCERPT_CHARS {
        out.push('…');
    }
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unauthorized_keeps_a_short_clean_excerpt() {
        let body = br#"{"error":401,"reason":"Unauthorized","detail":"You are not authorized for this resource."}"#;
        let err = Error::from_parts(StatusCode::UNAUTHORIZED, &HeaderMap::new(), body)
            .expect("401 is an error");
        assert!(
            matches!(&err, Error::Unauthorized { status, .. } if *status == StatusCode::UNAUTHORIZED)
        );
        assert_eq!(
            err.to_string(),
            r#"authentication refused: the server refused the credentials (HTTP 401 Unauthorized): {"error":401,"reason":"Unauthorized","detail":"You are not authorized for this resource."}"#
        );
        let long = "é\n".repeat(300);
        let Some(Error::Unauthorized { body_excerpt, .. }) =
            Error::from_parts(StatusCode::UNAUTHORIZED, &HeaderMap::new(), long.as_bytes())
        else {
            panic!("expected Unauthorized");
        };
        assert!(body_excerpt.ends_with('…') && !body_excerpt.contains('\n'));
        assert_eq!(body_excerpt.chars().count(), EXCERPT_CHARS + 1);
    }

    #[test]
    fn rate_limits_are_typed_with_their_wait() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "7".parse().expect("header"));
        let err = Error::from_parts(
            StatusCode::TOO_MANY_REQUESTS,
            &headers,
            br#"{"errorCode":"RATE_LIMITED"}"#,
        )
        .expect("429 is an error");
        assert_eq!(
            err.to_string(),
            "rate limited (HTTP 429 Too Many Requests, RATE_LIMITED); retry after 7 s"
        );
        let ip = br#"{"error":400,"errorCode":"INVITATIONS_RATE_LIMITED_IP"}"#;
        assert!(matches!(
            Error::from_parts(StatusCode::BAD_REQUEST, &HeaderMap::new(), ip),
            Some(Error::RateLimited {
                retry_after: None,
                ..
            })
        ));
        let validation = br#"{"error":400,"errorCode":"VALIDATION_ERROR"}"#;
        assert!(
            Error::from_parts(StatusCode::BAD_REQUEST, &HeaderMap::new(), validation).is_none()
        );
        assert!(Error::from_parts(StatusCode::NOT_FOUND, &HeaderMap::new(), b"").is_none());
    }
}
