//! Readers for the parts of a response that steer retries: `Retry-After` and the `errorCode` of an error
//! body. Total over arbitrary bytes: anything unreadable is `None`.

use std::time::{Duration, SystemTime};

/// Parses `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP date, relative to `now`.
/// A date in the past means "now"; a number too large for `u64` saturates.
pub fn parse_retry_after(value: &[u8], now: SystemTime) -> Option<Duration> {
    let text = std::str::from_utf8(value).ok()?.trim_matches([' ', '\t']);
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::from_secs(text.parse().unwrap_or(u64::MAX)));
    }
    let when = httpdate::parse_http_date(text).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The `errorCode` string of an Atlas / Ops Manager JSON error body.
pub fn error_code(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    value.get("errorCode")?.as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2026 07:28:00 GMT").expect("date");
        assert_eq!(
            parse_retry_after(b"120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(b" 0\t", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after(b"Wed, 21 Oct 2026 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after(b"Wed, 21 Oct 2026 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after(b"99999999999999999999999", now),
            Some(Duration::from_secs(u64::MAX))
        );
        for bad in [&b""[..], b"-1", b"1.5", b"soon", b"\xff\xfe", b"12 s"] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad:?}");
        }
    }

    #[test]
    fn error_codes_from_bodies() {
        let body = br#"{"detail":"Too many invitations","error":400,"errorCode":"INVITATIONS_RATE_LIMITED_IP","parameters":[],"reason":"Bad Request"}"#;
        assert_eq!(
            error_code(body).as_deref(),
            Some("INVITATIONS_RATE_LIMITED_IP")
        );
        assert_eq!(error_code(b"<html>proxy error</html>"), None);
        assert_eq!(error_code(br#"{"errorCode":7}"#), None);
        assert_eq!(error_code(b""), None);
    }
}
