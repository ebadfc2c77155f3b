//! Redaction helpers shared by every `Debug` implementation and log line.

use std::fmt;

/// What a `Debug` implementation prints in place of a secret.
pub(crate) const REDACTED: Redacted = Redacted;

/// Prints as `[redacted]` whatever it stands for.
#[derive(Clone, Copy)]
pub(crate) struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A URL for logs: scheme, host, port and path only. Queries are left out because callers may put
/// personal data (e-mail addresses) there, and logs are kept longer than requests.
pub(crate) fn loggable_url(url: &reqwest::Url) -> String {
    let mut out = url.origin().ascii_serialization();
    out.push_str(url.path());
    out
}

/// The same error with its URL reduced to what [`loggable_url`] keeps: reqwest's errors print their URL,
/// query included, in `Display`.
pub(crate) fn without_query(mut error: reqwest::Error) -> reqwest::Error {
    if let Some(url) = error.url_mut() {
        url.set_query(None);
        url.set_fragment(None);
        let _ = url.set_username("");
        let _ = url.set_password(None);
    }
    error
}

/// Builds a header value that HTTP/2 never indexes and `Debug` prints as `Sensitive`.
pub(crate) fn sensitive_header(value: &str) -> Option<http::HeaderValue> {
    let mut header = http::HeaderValue::from_bytes(value.as_bytes()).ok()?;
    header.set_sensitive(true);
    Some(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_headers_do_not_print() {
        let header = sensitive_header("Bearer tok-123").expect("valid header");
        assert!(header.is_sensitive());
        assert!(!format!("{header:?}").contains("tok-123"));
    }

    #[test]
    fn loggable_url_drops_query_and_credentials() {
        let url = reqwest::Url::parse("https://u:p@host:8443/api/x?username=a@b.c").expect("url");
        assert_eq!(loggable_url(&url), "https://host:8443/api/x");
    }
}
