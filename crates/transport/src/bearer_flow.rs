//! One service-account attempt: a cached bearer token (fetched once for all concurrent callers), and one
//! refresh and re-send when the API answers 401.

use std::sync::Arc;
use std::time::Instant;

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, Request, Response, StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};

use crate::auth_failure::AuthReason;
use crate::redact::sensitive_header;
use crate::stats::Counters;
use crate::token::{Token, basic_authorization, parse_token_response};
use crate::transport::Inner;

/// The path of the token endpoint on the API's own origin.
const TOKEN_PATH: &str = "/api/oauth/token";

impl Inner {
    pub(crate) async fn bearer_attempt(
        &self,
        request: Request,
        client_id: &str,
        client_secret: &SecretString,
    ) -> reqwest::Result<Response> {
        let token_url = self.token_url_for(request.url());
        let key = token_url.as_str().to_owned();
        let fetch = || Box::pin(self.fetch_token(token_url.clone(), client_id, client_secret));
        let token = match self.tokens.get(&key, fetch).await {
            Ok(token) => token,
            Err(failure) => return failure.into_result(),
        };
        let spare = request.try_clone();
        let response = self.send_with_bearer(request, &token).await?;
        let (StatusCode::UNAUTHORIZED, Some(again)) = (response.status(), spare) else {
            return Ok(refused_token(response));
        };
        tracing::debug!("bearer token refused: refreshing once");
        let _ = crate::buffered::read_body(response).await;
        self.tokens.invalidate(&key, &token);
        let fetch = || Box::pin(self.fetch_token(token_url.clone(), client_id, client_secret));
        match self.tokens.get(&key, fetch).await {
            Ok(token) => Ok(refused_token(self.send_with_bearer(again, &token).await?)),
            Err(failure) => failure.into_result(),
        }
    }

    fn token_url_for(&self, api_url: &Url) -> Url {
        match &self.token_url {
            Some(url) => url.clone(),
            None => {
                let mut url = api_url.clone();
                url.set_path(TOKEN_PATH);
                url.set_query(None);
                url.set_fragment(None);
                url
            }
        }
    }

    async fn send_with_bearer(
        &self,
        mut request: Request,
        token: &Arc<Token>,
    ) -> reqwest::Result<Response> {
        let value = SecretString::from(format!("Bearer {}", token.secret.expose_secret()));
        if let Some(header) = sensitive_header(value.expose_secret()) {
            request.headers_mut().insert(AUTHORIZATION, header);
        }
        self.send_once(request).await
    }

    /// `POST`s the client credentials, with the retry policy (the endpoint has its own rate limit). Runs
    /// inside the token cache's single flight, so concurrent callers wait instead of adding to a 429.
    async fn fetch_token(
        &self,
        url: Url,
        client_id: &str,
        client_secret: &SecretString,
    ) -> Result<Token, TokenFailure> {
        let mut request = Request::new(Method::POST, url);
        let basic = SecretString::from(basic_authorization(client_id, client_secret));
        let headers = request.headers_mut();
        if let Some(header) = sensitive_header(basic.expose_secret()) {
            headers.insert(AUTHORIZATION, header);
        }
        headers.insert(
            CONTENT_TYPE,
            http::HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        headers.insert(ACCEPT, http::HeaderValue::from_static("application/json"));
        *request.body_mut() = Some(reqwest::Body::from("grant_type=client_credentials"));
        let response = self.with_retries(request, |r, _| self.send_once(r)).await?;
        if !response.status().is_success() {
            tracing::warn!(
                status = response.status().as_u16(),
                "token endpoint refused the client credentials"
            );
            let (mut response, body) = crate::buffered::read_body(response).await?;
            if response.status() == StatusCode::UNAUTHORIZED {
                response
                    .extensions_mut()
                    .insert(AuthReason::WrongCredentials);
            }
            return Err(TokenFailure::Answer(Answer::keep(&response, body)));
        }
        let (response, body) = crate::buffered::read_body(response).await?;
        match parse_token_response(&body) {
            Ok((secret, lifetime)) => {
                Counters::bump(&self.counters.tokens_fetched);
                tracing::debug!(
                    lifetime_s = lifetime.map(|l| l.as_secs()),
                    "access token obtained"
                );
                Ok(Token::new(secret, lifetime, Instant::now()))
            }
            Err(problem) => {
                // Described, never echoed: the body may hold a token in an unexpected shape.
                tracing::warn!(
                    problem,
                    status = response.status().as_u16(),
                    "unusable token response"
                );
                let made = unusable_token_response(response.status(), problem);
                let (made, body) = crate::buffered::read_body(made).await?;
                Err(TokenFailure::Answer(Answer::keep(&made, body)))
            }
        }
    }
}

/// Why no token came: no answer at all, or an answer that is final (the endpoint's refusal, e.g. its 401
/// for a bad secret, handed to the caller as the response to its request). Cloned for every caller that
/// waited for the same fetch.
#[derive(Clone)]
pub(crate) enum TokenFailure {
    /// The endpoint could not be reached. reqwest errors cannot be cloned or made outside reqwest: one
    /// caller gets the error itself, the others a 502 naming it (see [`unreachable_token_endpoint`]).
    Transport {
        error: Arc<std::sync::Mutex<Option<reqwest::Error>>>,
        message: String,
    },
    Answer(Answer),
}

/// A response kept as parts, so that each waiter gets its own copy.
#[derive(Clone)]
pub(crate) struct Answer {
    status: StatusCode,
    headers: http::HeaderMap,
    extensions: http::Extensions,
    url: Url,
    body: bytes::Bytes,
}

impl Answer {
    fn keep(response: &Response, body: bytes::Bytes) -> Self {
        Self {
            status: response.status(),
            headers: response.headers().clone(),
            extensions: response.extensions().clone(),
            url: response.url().clone(),
            body,
        }
    }

    fn response(self) -> Response {
        use reqwest::ResponseBuilderExt as _;
        let mut response = http::Response::builder()
            .status(self.status)
            .url(self.url)
            .body(self.body)
            // Cannot fail: the status is an already-typed value.
            .unwrap_or_default();
        *response.headers_mut() = self.headers;
        response.extensions_mut().extend(self.extensions);
        Response::from(response)
    }
}

impl From<reqwest::Error> for TokenFailure {
    fn from(error: reqwest::Error) -> Self {
        Self::Transport {
            message: error.to_string(),
            error: Arc::new(std::sync::Mutex::new(Some(error))),
        }
    }
}

impl TokenFailure {
    fn into_result(self) -> reqwest::Result<Response> {
        match self {
            Self::Transport { error, message } => {
                let mut slot = error
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                match slot.take() {
                    Some(error) => Err(error),
                    None => Ok(unreachable_token_endpoint(&message)),
                }
            }
            Self::Answer(answer) => Ok(answer.response()),
        }
    }
}

/// A second 401 after a fresh token: the token itself is refused.
fn refused_token(mut response: Response) -> Response {
    if response.status() == StatusCode::UNAUTHORIZED {
        response.extensions_mut().insert(AuthReason::TokenRefused);
    }
    response
}

/// What a caller that waited for a token fetch that could not reach the endpoint gets: a 502 like
/// [`unusable_token_response`], naming the error (whose URL carries no query).
fn unreachable_token_endpoint(message: &str) -> Response {
    generated_bad_gateway(
        "TOKEN_ENDPOINT_UNREACHABLE",
        &format!("the token endpoint could not be reached: {message}"),
        "token-endpoint-unreachable",
    )
}

/// A 502 standing in for a token endpoint that answered 2xx without a usable token.
fn unusable_token_response(status: StatusCode, problem: &str) -> Response {
    generated_bad_gateway(
        "UNUSABLE_TOKEN_RESPONSE",
        &format!(
            "the token endpoint answered {} with {problem}",
            status.as_u16()
        ),
        "unusable-token-response",
    )
}

/// `execute` must return a response or a `reqwest::Error`, and reqwest errors cannot be made outside
/// reqwest: a token failure that has no answer of its own becomes a 502 whose body is an `ApiError`-shaped
/// JSON naming the problem, with a marker header saying the transport made it.
fn generated_bad_gateway(code: &str, detail: &str, marker: &'static str) -> Response {
    let body = serde_json::json!({
        "error": 502,
        "errorCode": code,
        "reason": "Bad Gateway",
        "detail": detail,
    });
    let mut response = http::Response::new(body.to_string());
    *response.status_mut() = StatusCode::BAD_GATEWAY;
    response.headers_mut().insert(
        CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response.headers_mut().insert(
        "x-transport-generated",
        http::HeaderValue::from_static(marker),
    );
    Response::from(response)
}
