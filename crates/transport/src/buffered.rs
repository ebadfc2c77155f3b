//! Reading a small response body without losing the response: the body is buffered and the response
//! re-assembled around it, so retry decisions and error classification can look at `errorCode`.

use bytes::{Bytes, BytesMut};
use reqwest::{Response, ResponseBuilderExt as _};

/// Error bodies are small; past this the rest is dropped rather than held in memory.
const MAX_BODY: usize = 1 << 20;

/// Reads the body (up to [`MAX_BODY`]) and returns an equivalent response that still carries it.
pub(crate) async fn read_body(mut response: Response) -> reqwest::Result<(Response, Bytes)> {
    let mut body = BytesMut::new();
    let mut truncated = false;
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(crate::redact::without_query)?
    {
        if body.len() + chunk.len() > MAX_BODY {
            truncated = true;
            break;
        }
        body.extend_from_slice(&chunk);
    }
    let body = body.freeze();
    let mut rebuilt = http::Response::builder()
        .status(response.status())
        .version(response.version())
        .url(response.url().clone())
        .body(body.clone())
        // Cannot fail: status and version are already-typed values taken from a valid response.
        .unwrap_or_default();
    *rebuilt.headers_mut() = response.headers().clone();
    // What the transport attached (an `AuthFailure`, say) stays with the answer.
    rebuilt
        .extensions_mut()
        .extend(response.extensions().clone());
    if truncated {
        tracing::warn!(
            limit = MAX_BODY,
            "error response body over the limit; kept its start only"
        );
        rebuilt.headers_mut().remove(http::header::CONTENT_LENGTH);
    }
    Ok((Response::from(rebuilt), body))
}
