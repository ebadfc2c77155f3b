//! `POST /api/oauth/token` and `POST /api/oauth/revoke`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use serde_json::json;

use crate::api_error::ApiFailure;
use crate::auth::token::TokenRefusal;
use crate::flavour::Flavour;
use crate::render::{self, Shape};
use crate::server::App;

/// Issues a bearer token for client credentials.
pub(crate) async fn token(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    match app.tokens.issue(authorization, &form(&body)) {
        Ok(issued) => {
            app.counters.token_issued();
            let shape = Shape::from_query(Flavour::AtlasV2, None);
            render::success(
                &shape,
                StatusCode::OK,
                "application/json",
                None,
                Some(json!({
                    "access_token": issued.access_token,
                    "expires_in": issued.expires_in,
                    "token_type": "Bearer",
                })),
            )
        }
        Err(TokenRefusal::BadClient) => render::failure(
            None,
            ApiFailure::new(
                StatusCode::UNAUTHORIZED,
                "UNAUTHORIZED",
                "Unknown client id or wrong client secret.",
            ),
        ),
        Err(TokenRefusal::UnsupportedGrant) => render::failure(
            None,
            ApiFailure::new(
                StatusCode::BAD_REQUEST,
                "VALIDATION_ERROR",
                "grant_type must be client_credentials.",
            ),
        ),
    }
}

/// Revokes the token named by the form field `token`.
pub(crate) async fn revoke(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let fields = form(&body);
    match fields.get("token") {
        Some(token) => {
            app.tokens.revoke(token);
            let mut response = Response::new(axum::body::Body::empty());
            *response.status_mut() = StatusCode::OK;
            response
        }
        None => render::failure(
            None,
            ApiFailure::new(
                StatusCode::BAD_REQUEST,
                "VALIDATION_ERROR",
                "The form field token is required.",
            ),
        ),
    }
}

fn form(body: &[u8]) -> HashMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}
