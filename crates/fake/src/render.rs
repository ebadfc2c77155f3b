//! Turning operation results and failures into HTTP answers: media types, `envelope`, `pretty`,
//! deprecation headers.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use crate::api_error::ApiFailure;
use crate::flavour::Flavour;

/// How one request wants its answer shaped.
#[derive(Clone, Debug)]
pub(crate) struct Shape {
    pub(crate) flavour: Flavour,
    pub(crate) envelope: bool,
    pub(crate) pretty: bool,
    /// The answer is a page of a list: `envelope=true` adds `status` to it instead of wrapping it.
    pub(crate) page: bool,
}

impl Shape {
    /// Reads `envelope` and `pretty` from a query string; anything but `true` means false.
    pub(crate) fn from_query(flavour: Flavour, query: Option<&str>) -> Self {
        let flag = |name: &str| {
            query.is_some_and(|q| {
                q.split('&').any(|pair| {
                    pair.split_once('=')
                        .is_some_and(|(k, v)| k == name && v.eq_ignore_ascii_case("true"))
                })
            })
        };
        Shape {
            flavour,
            envelope: flag("envelope"),
            pretty: flag("pretty"),
            page: false,
        }
    }

    /// Serializes `body` for `status`, wrapped when `envelope=true` (which also turns the status into 200).
    fn encode(&self, status: StatusCode, body: Value) -> (StatusCode, Vec<u8>) {
        let (status, body) = if self.envelope && self.page && body.get("results").is_some() {
            let mut page = body;
            page["status"] = json!(status.as_u16());
            (StatusCode::OK, page)
        } else if self.envelope {
            let mut wrapped = json!({ "status": status.as_u16() });
            wrapped[self.flavour.envelope_field()] = body;
            (StatusCode::OK, wrapped)
        } else {
            (status, body)
        };
        let bytes = if self.pretty {
            serde_json::to_vec_pretty(&body)
        } else {
            serde_json::to_vec(&body)
        };
        // Serializing a `Value` cannot fail: it has no non-string map keys and no custom serializers.
        (status, bytes.unwrap_or_default())
    }
}

/// A successful answer; `body: None` is an empty 204.
pub(crate) fn success(
    shape: &Shape,
    status: StatusCode,
    media: &str,
    sunset: Option<&str>,
    body: Option<Value>,
) -> Response {
    let mut response = match body {
        Some(body) => {
            let (status, bytes) = shape.encode(status, body);
            let mut response = Response::new(Body::from(bytes));
            *response.status_mut() = status;
            if let Ok(value) = HeaderValue::from_str(media) {
                response.headers_mut().insert(header::CONTENT_TYPE, value);
            }
            response
        }
        None => {
            let mut response = Response::new(Body::empty());
            *response.status_mut() = status;
            response
        }
    };
    if let Some(sunset) = sunset.and_then(http_date) {
        let headers = response.headers_mut();
        headers.insert("deprecation", HeaderValue::from_static("true"));
        if let Ok(value) = HeaderValue::from_str(&sunset) {
            headers.insert("sunset", value);
        }
    }
    response
}

/// An `ApiError` answer, always `application/json`.
pub(crate) fn failure(shape: Option<&Shape>, failure: ApiFailure) -> Response {
    let plain = Shape {
        flavour: Flavour::AtlasV2,
        envelope: false,
        pretty: false,
        page: false,
    };
    let (status, bytes) = shape
        .unwrap_or(&plain)
        .encode(failure.status, failure.body());
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    for (name, value) in failure.headers {
        headers.append(name, value);
    }
    response
}

/// `2027-07-01` → `Thu, 01 Jul 2027 00:00:00 GMT`.
fn http_date(day: &str) -> Option<String> {
    let date = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
    Some(date.format("%a, %d %b %Y 00:00:00 GMT").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_read_from_the_query() {
        let shape = Shape::from_query(Flavour::AtlasV1, Some("pretty=true&envelope=false"));
        assert!(shape.pretty && !shape.envelope);
        let shape = Shape::from_query(Flavour::AtlasV1, Some("envelope=TRUE"));
        assert!(shape.envelope && !shape.pretty);
        assert!(!Shape::from_query(Flavour::AtlasV1, None).envelope);
    }

    #[test]
    fn envelope_names_its_field_per_flavour() {
        let om = Shape::from_query(Flavour::OpsManagerV1, Some("envelope=true"));
        let (status, bytes) = om.encode(StatusCode::NOT_FOUND, json!({"a": 1}));
        assert_eq!(status, StatusCode::OK);
        let body: Value = serde_json::from_slice(&bytes).expect("json");
        assert_eq!(body, json!({"status": 404, "envelope": {"a": 1}}));
        assert_eq!(
            http_date("2027-07-01").as_deref(),
            Some("Thu, 01 Jul 2027 00:00:00 GMT")
        );
    }
}
