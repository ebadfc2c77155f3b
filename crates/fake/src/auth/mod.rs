//! Who may call: Digest API keys and service-account bearer tokens.

pub(crate) mod digest;
pub(crate) mod token;

use std::fmt;

/// The body a 401 carries. Whatever the body, the answer has status 401 and a `WWW-Authenticate: Digest`
/// challenge.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UnauthorizedBody {
    /// MongoDB's `ApiError` JSON (`errorCode` `UNAUTHORIZED`), as Atlas and Ops Manager answer.
    #[default]
    Json,
    /// An HTML page (`text/html`), as Apache or a proxy in front of Ops Manager answers.
    Html,
    /// No body at all.
    Empty,
}

/// A secret held by the server; its `Debug` says only that it is there.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(pub(crate) String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Compares two strings in time that depends only on their lengths.
pub(crate) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}
