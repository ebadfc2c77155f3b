//! What every request passes through before its operation: counting, authentication, faults.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use tokio::sync::Notify;

use crate::api_error::ApiFailure;
use crate::auth::UnauthorizedBody;
use crate::auth::digest::Refusal;
use crate::faults::Fault;
use crate::flavour::Flavour;
use crate::render;
use crate::server::App;

/// Largest request body read; bigger ones are refused with 413.
const BODY_LIMIT: usize = 1 << 20;

/// Put into each request by the connection it arrived on: notifying it closes that connection.
#[derive(Clone)]
pub(crate) struct ConnectionKill(pub(crate) Arc<Notify>);

/// Counts the request and its answer; authenticates and injects faults on the API prefixes.
pub(crate) async fn gate(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let has_credentials = request.headers().contains_key(header::AUTHORIZATION);
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        app.counters.request(true, has_credentials);
        return counted(
            &app,
            render::failure(
                None,
                ApiFailure::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "PAYLOAD_TOO_LARGE",
                    "The request body is too large.",
                ),
            ),
        );
    };
    app.counters.request(!bytes.is_empty(), has_credentials);

    let path = parts.uri.path().to_owned();
    if let Some(flavour) = Flavour::ALL
        .into_iter()
        .find(|f| path.starts_with(f.prefix()))
    {
        if let Err(refused) = authenticate(&app, flavour, &parts, !bytes.is_empty()) {
            return counted(&app, unauthorized(&app, refused));
        }
        if !bytes.is_empty() {
            app.counters.authenticated_body(fingerprint(&parts, &bytes));
        }
        if let Some(fault) = app.faults.next() {
            app.counters.fault(fault);
            match fault {
                Fault::Slow => tokio::time::sleep(app.faults.plan().slow_delay).await,
                Fault::Drop => {
                    if let Some(kill) = parts.extensions.get::<ConnectionKill>() {
                        kill.0.notify_one();
                    }
                    // The connection is being torn down; this answer is never written.
                    return std::future::pending().await;
                }
                other => return counted(&app, fault_response(&app, other, &parts)),
            }
        }
    }
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    counted(&app, response)
}

fn counted(app: &App, response: Response) -> Response {
    app.counters.status(response.status().as_u16());
    response
}

/// Hash of method, target and body: equal for a re-sent request.
fn fingerprint(parts: &axum::http::request::Parts, body: &[u8]) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    parts.method.as_str().hash(&mut hasher);
    parts.uri.to_string().hash(&mut hasher);
    body.hash(&mut hasher);
    hasher.finish()
}

/// Digest everywhere, Bearer on the Atlas prefixes; anything else gets a challenge.
fn authenticate(
    app: &App,
    flavour: Flavour,
    parts: &axum::http::request::Parts,
    has_body: bool,
) -> Result<(), ApiFailure> {
    let authorization = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let (scheme, rest) = authorization.split_once(' ').unwrap_or((authorization, ""));
    let mut stale = false;
    if authorization.is_empty() && app.anonymous {
        return Ok(());
    }
    if scheme.eq_ignore_ascii_case("digest") {
        let target = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        match app.digest.verify(rest, parts.method.as_str(), target) {
            Ok(()) => return Ok(()),
            Err(refusal) => {
                if has_body && refusal.is_nonce_reason() {
                    app.counters.body_refused_for_nonce();
                }
                match refusal {
                    Refusal::Stale => stale = true,
                    Refusal::Replay => app.counters.replay(),
                    Refusal::OutOfOrder => app.counters.out_of_order(),
                    Refusal::Malformed | Refusal::WrongCredentials => {}
                }
            }
        }
    } else if scheme.eq_ignore_ascii_case("bearer")
        && flavour.accepts_bearer()
        && app.tokens.accepts(rest.trim())
    {
        return Ok(());
    }
    app.counters.challenge(stale);
    let challenge = app.digest.challenge(stale);
    let failure = ApiFailure::new(
        StatusCode::UNAUTHORIZED,
        "UNAUTHORIZED",
        "You are not authorized for this resource.",
    );
    Err(match HeaderValue::from_str(&challenge) {
        Ok(value) => failure.with_header(header::WWW_AUTHENTICATE, value),
        Err(_) => failure,
    })
}

/// A refusal of authentication in the body shape the server was configured with.
fn unauthorized(app: &App, refused: ApiFailure) -> Response {
    let html = match app.unauthorized_body {
        UnauthorizedBody::Json => return render::failure(None, refused),
        UnauthorizedBody::Html => {
            "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>401 Unauthorized</title>\n</head><body>\n<h1>Unauthorized</h1>\n<p>This server could not verify that you\nare authorized to access the document\nrequested.</p>\n</body></html>\n"
        }
        UnauthorizedBody::Empty => "",
    };
    let mut response = plain(refused.status, "text/html; charset=iso-8859-1", html);
    if html.is_empty() {
        response.headers_mut().remove(header::CONTENT_TYPE);
    }
    for (name, value) in refused.headers {
        response.headers_mut().append(name, value);
    }
    response
}

fn fault_response(app: &App, fault: Fault, parts: &axum::http::request::Parts) -> Response {
    let failure =
        |status, code, detail: &str| render::failure(None, ApiFailure::new(status, code, detail));
    match fault {
        Fault::RateLimited => {
            let wait = app.faults.plan().retry_after;
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            let mut response = failure(
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMITED",
                "Too many requests; retry later.",
            );
            let headers = response.headers_mut();
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            headers.insert("ratelimit-remaining", HeaderValue::from(0u64));
            response
        }
        Fault::Unavailable => failure(
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVICE_UNAVAILABLE",
            "The service is temporarily unavailable.",
        ),
        Fault::VersionGone => failure(
            StatusCode::GONE,
            "VERSION_GONE",
            "This resource version is past its sunset date.",
        ),
        Fault::InvitationsRateLimitedIp => failure(
            StatusCode::BAD_REQUEST,
            "INVITATIONS_RATE_LIMITED_IP",
            "Too many invitations were sent from this IP address.",
        ),
        Fault::ServerErrorHtml => plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            "text/html; charset=utf-8",
            "<html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1></body></html>",
        ),
        Fault::NotJson | Fault::Drop | Fault::Slow => {
            // Dressed as the operation's JSON answer: the media type the client asked for.
            let media = parts
                .headers
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .filter(|a| a.starts_with("application/vnd.atlas."))
                .unwrap_or("application/json")
                .to_owned();
            plain(StatusCode::OK, &media, "<<not json>> {\"id\": ")
        }
    }
}

fn plain(status: StatusCode, media: &str, body: &'static str) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    if let Ok(value) = HeaderValue::from_str(media) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}
