//! `envelope=true` answers turned back into plain ones, in one place before anything decodes them.
//!
//! With `envelope=true` MongoDB answers `200` with `{"status": <real status>, "<field>": <entity>}` (the field
//! is `content` on Atlas, `envelope` on Ops Manager) for clients that cannot read status codes. The generated
//! clients can, so the real status and the entity are restored here, keeping every response header
//! (Deprecation, Sunset, Retry-After, RateLimit-*). Lists gain only `status` beside their own fields; they keep
//! their body and get the status back.

use reqwest::Response;
use serde_json::Value;

/// Whether the request asked for an envelope (`envelope=true` in its query).
pub fn requested(request: &reqwest::Request) -> bool {
    request
        .url()
        .query_pairs()
        .any(|(k, v)| k == "envelope" && v == "true")
}

/// The answer inside the envelope of `response`, with the envelope's status and the response's headers. An
/// answer that is not an envelope (no integer `status`, not JSON) is returned unchanged.
pub async fn unwrap(response: Response, field: &str) -> reqwest::Result<Response> {
    let status = response.status();
    let version = response.version();
    let headers = response.headers().clone();
    // What the transport noted on the answer (a refused authentication's reason) stays with it.
    let extensions = response.extensions().clone();
    let bytes = response.bytes().await?;
    let rebuilt = |status: http::StatusCode, body: Vec<u8>| {
        let mut builder = http::Response::builder().status(status).version(version);
        for (name, value) in &headers {
            if name != http::header::CONTENT_LENGTH {
                builder = builder.header(name, value);
            }
        }
        let mut response = builder
            .body(body)
            .expect("a status and headers taken from a valid response build a valid response");
        *response.extensions_mut() = extensions.clone();
        Response::from(response)
    };
    let Some((inner_status, body)) = unwrapped(&bytes, field) else {
        return Ok(rebuilt(status, bytes.to_vec()));
    };
    Ok(rebuilt(inner_status, body))
}

/// The status and body inside an envelope, or `None` when `bytes` is not one.
fn unwrapped(bytes: &[u8], field: &str) -> Option<(http::StatusCode, Vec<u8>)> {
    let Value::Object(mut object) = serde_json::from_slice::<Value>(bytes).ok()? else {
        return None;
    };
    let status = u16::try_from(object.get("status")?.as_u64()?).ok()?;
    let status = http::StatusCode::from_u16(status).ok()?;
    let body = match object.remove(field) {
        Some(Value::Null) | None if object.len() == 1 => Vec::new(),
        Some(inner) => serde_json::to_vec(&inner).ok()?,
        // A list envelope: its own fields beside `status`.
        None => {
            object.remove("status");
            serde_json::to_vec(&Value::Object(object)).ok()?
        }
    };
    Some((status, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entity_envelope_gives_back_status_and_entity() {
        let (status, body) = unwrapped(
            br#"{"status":404,"content":{"error":404,"errorCode":"X"}}"#,
            "content",
        )
        .expect("envelope");
        assert_eq!(status, 404);
        assert_eq!(body, br#"{"error":404,"errorCode":"X"}"#);
        let (status, body) =
            unwrapped(br#"{"status":200,"envelope":{"id":"a"}}"#, "envelope").expect("envelope");
        assert_eq!(
            (status.as_u16(), body.as_slice()),
            (200, &br#"{"id":"a"}"#[..])
        );
    }

    #[test]
    fn a_bodiless_and_a_list_envelope() {
        let (status, body) = unwrapped(br#"{"status":204}"#, "content").expect("envelope");
        assert_eq!((status.as_u16(), body.len()), (204, 0));
        let (status, body) =
            unwrapped(br#"{"status":200,"results":[],"totalCount":0}"#, "content").expect("list");
        assert_eq!(status, 200);
        assert_eq!(body, br#"{"results":[],"totalCount":0}"#);
    }

    #[test]
    fn what_is_not_an_envelope_is_left_alone() {
        for body in [
            &b"[1,2]"[..],
            b"<html>",
            br#"{"status":"x"}"#,
            br#"{"id":"a"}"#,
        ] {
            assert!(unwrapped(body, "content").is_none(), "{body:?}");
        }
    }
}
