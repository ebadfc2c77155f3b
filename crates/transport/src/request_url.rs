//! Request URLs built on a parsed base: the generated clients format `base + path` and would have reqwest
//! parse the whole string on every request; most of that work (scheme, host, port: the host through IDNA)
//! is the same each time. Here the base is parsed once per thread and only the path is parsed per request.
//! The `url` crate has no cheaper constructor than this, so it is done by hand.

use std::cell::RefCell;

use reqwest::{Client, Method, RequestBuilder, Url};

thread_local! {
    /// The last base seen on this thread and its parse, `None` when that parse does not serialize back
    /// to the base (such a base is not parsed again on every request only to be refused again).
    static BASE: RefCell<Option<(String, Option<Url>)>> = const { RefCell::new(None) };
}

/// `client.request(method, url)` where `url` is `base` followed by a path (no query, no fragment), as the
/// generated clients format it. The result is the URL reqwest would have parsed from the whole string;
/// anything else (a query in the path, a base that does not read back as itself) goes to reqwest as a
/// string, which parses it and reports a bad one when the request is built.
pub fn request(client: &Client, method: Method, base: &str, url: String) -> RequestBuilder {
    match joined(base, &url) {
        Some(parsed) => client.request(method, parsed),
        None => client.request(method, url),
    }
}

/// `base` parsed, when it is already in its serialized form: then a URL made of it and a path is that
/// serialization followed by the path, and its path is the base's path followed by that path.
fn parsed_base(base: &str) -> Option<Url> {
    Url::parse(base).ok().filter(|parsed| {
        parsed.as_str().trim_end_matches('/') == base
            && !parsed.cannot_be_a_base()
            && parsed.query().is_none()
            && parsed.fragment().is_none()
    })
}

/// `url` parsed through the cached parse of `base`, when that gives the same URL as parsing `url`.
fn joined(base: &str, url: &str) -> Option<Url> {
    let rest = url.strip_prefix(base)?;
    if !rest.starts_with('/') || rest.contains(['?', '#']) {
        return None;
    }
    BASE.with(|cell| {
        let mut cached = cell.borrow_mut();
        if cached.as_ref().is_none_or(|(b, _)| b != base) {
            *cached = Some((base.to_string(), parsed_base(base)));
        }
        let parsed = cached.as_ref()?.1.as_ref()?;
        let mut out = parsed.clone();
        let prefix = parsed.path().trim_end_matches('/');
        if prefix.is_empty() {
            out.set_path(rest);
        } else {
            out.set_path(&format!("{prefix}{rest}"));
        }
        Some(out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whatever the fast path gives is what parsing the whole string gives.
    #[test]
    fn joined_urls_equal_parsed_urls() {
        let bases = [
            "http://127.0.0.1:8080",
            "https://cloud.mongodb.com",
            "http://opsmanager.example.com:8080/mms",
            "http://[::1]:9000",
            "https://xn--bcher-kva.example",
            "http://HOST.example",
            "http://h.example/a/..",
            "http://h.example:80",
        ];
        let paths = [
            "/api/atlas/v2/orgs/5f1a2b3c4d5e6f7a8b9c0d1e/invites/6a1b2c3d4e5f6a7b8c9d0e1f",
            "/api/public/v1.0/orgs/x/invites/byUsername/a%40b.example",
            "/a/./b/../c",
            "/with space/and\u{e9}",
            "/back\\slash",
            "/%2e%2e/x",
            "//double",
            "/",
        ];
        let mut fast = 0;
        for base in bases {
            for path in paths {
                let url = format!("{base}{path}");
                let expected = Url::parse(&url).expect("a URL");
                if let Some(got) = joined(base, &url) {
                    assert_eq!(got.as_str(), expected.as_str(), "{url}");
                    fast += 1;
                }
            }
            for other in ["?a=b", "/x?y", "/x#f"] {
                assert_eq!(
                    joined(base, &format!("{base}{other}")),
                    None,
                    "{base}{other}"
                );
            }
        }
        // Bases in serialized form take the fast path.
        assert!(fast >= 5 * paths.len(), "{fast}");
        assert_eq!(joined("http://a.example", "http://b.example/x"), None);
        // A base refused once stays refused, from the cache.
        assert_eq!(joined("http://HOST.example", "http://HOST.example/x"), None);
        assert_eq!(joined("http://HOST.example", "http://HOST.example/y"), None);
    }

    #[test]
    fn a_bad_url_is_still_reported_when_the_request_is_built() {
        let client = crate::Transport::builder()
            .build()
            .expect("a transport")
            .http_client()
            .clone();
        let err = request(&client, Method::GET, "http://a b", "http://a b/x".into())
            .build()
            .expect_err("not a URL");
        assert!(err.is_builder(), "{err:?}");
    }
}
