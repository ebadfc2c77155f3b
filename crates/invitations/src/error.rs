//! The one error type of the facade, and the validation errors it raises before sending anything.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::Flavour;

/// Input the client refused before sending anything.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// An id is not 24 lowercase hexadecimal characters.
    #[error("invalid {what} {value:?}: expected 24 lowercase hexadecimal characters")]
    InvalidId {
        /// Which id.
        what: &'static str,
        /// What was given.
        value: String,
    },
    /// The username is not an email address.
    #[error("invalid username {value:?}: {problem}")]
    InvalidUsername {
        /// What was given.
        value: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// A role name this flavour does not accept for this scope.
    #[error("unknown {scope} role {role:?} for {flavour}; valid: {valid}")]
    UnknownRole {
        /// `organization` or `project`.
        scope: &'static str,
        /// The flavour checked against.
        flavour: Flavour,
        /// What was given.
        role: String,
        /// The accepted names, comma-separated.
        valid: String,
    },
    /// A field or operation the flavour does not have.
    #[error("{what} is not available in {flavour}: {why}")]
    Unsupported {
        /// The flavour.
        flavour: Flavour,
        /// The field or operation.
        what: &'static str,
        /// Why, briefly.
        why: &'static str,
    },
    /// A required value is missing or empty.
    #[error("{0}")]
    Missing(&'static str),
    /// The base URL is not usable. Shown as given, or `(redacted)` when it holds user information.
    #[error("base URL {shown} {problem}")]
    BaseUrl {
        /// The URL as given, quoted, or `(redacted)`.
        shown: String,
        /// What is wrong with it.
        problem: BaseUrlProblem,
    },
    /// The flavour is self-hosted and no base URL was given.
    #[error(
        "{flavour} has no default base URL: set one, or {}",
        crate::env::OPS_MANAGER_URL
    )]
    NoBaseUrl {
        /// The flavour.
        flavour: Flavour,
    },
    /// The generated client refused to build the request (progenitor reports only a message).
    #[error("the request could not be built: {0}")]
    Request(String),
    /// A batch line is not the JSON an update line is (`invitations apply`).
    #[error("not an update line: {0}")]
    Line(String),
    /// Not a membership status this release knows.
    #[error(
        "invalid membership status {value:?}: expected pending, active, invitation-expired or invitation-rejected"
    )]
    InvalidStatus {
        /// What was given.
        value: String,
    },
    /// A page size outside 1–500 or a page number of 0.
    #[error("invalid {what} {value}: {allowed}")]
    Paging {
        /// `itemsPerPage` or `pageNum`.
        what: &'static str,
        /// What was given.
        value: u32,
        /// The range the API takes.
        allowed: &'static str,
    },
}

/// What is wrong with a base URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BaseUrlProblem {
    /// It does not parse.
    #[error("is not a URL ({0})")]
    NotAUrl(url::ParseError),
    /// Neither `https` nor `http`.
    #[error("must start with https:// (or http://)")]
    Scheme,
    /// No host.
    #[error("has no host")]
    NoHost,
    /// A query or fragment.
    #[error("must not carry a query or fragment")]
    QueryOrFragment,
    /// User information.
    #[error("must not carry credentials; use the builder's credentials")]
    Credentials,
}

/// A field the server rejected, from `badRequestDetail.fields`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldViolation {
    /// The field's path.
    pub field: String,
    /// The server's explanation.
    pub description: String,
}

/// MongoDB's error body (`ApiError`), with the HTTP status it came with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiError {
    /// The HTTP status (the body's `error` field where the status line was not available).
    #[serde(rename = "error")]
    pub status: u16,
    /// MongoDB's error code, such as `INVITATION_NOT_FOUND`.
    pub error_code: String,
    /// A human-readable explanation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The HTTP reason phrase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Values the message refers to (servers send strings, the spec says objects; both are kept).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<serde_json::Value>,
    /// Fields the server rejected.
    #[serde(
        default,
        rename = "badRequestDetail",
        with = "bad_request_detail",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub field_violations: Vec<FieldViolation>,
}

impl ApiError {
    /// Whether the server answered with this `errorCode`.
    pub fn is(&self, code: &str) -> bool {
        self.error_code == code
    }
}

/// `badRequestDetail: {fields: [...]}` on the wire, a plain list here.
mod bad_request_detail {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::FieldViolation;

    #[derive(Serialize, Deserialize, Default)]
    struct Detail {
        #[serde(default)]
        fields: Vec<FieldViolation>,
    }

    pub(super) fn serialize<S: Serializer>(
        fields: &[FieldViolation],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        Detail {
            fields: fields.to_vec(),
        }
        .serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<FieldViolation>, D::Error> {
        Ok(Option::<Detail>::deserialize(d)?.unwrap_or_default().fields)
    }
}

/// Everything an operation can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input was refused before anything was sent.
    #[error("invalid input (nothing was sent): {0}")]
    Validation(#[from] ValidationError),
    /// The credentials or transport settings are unusable (the transport's reason names the field, never a
    /// secret); nothing was sent.
    #[error("invalid configuration (nothing was sent): {0}")]
    Configuration(#[from] transport::BuildError),
    /// The server answered with an error.
    #[error("HTTP {}: {}{}", .0.status, .0.error_code, .0.detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Api(Box<ApiError>),
    /// Still rate limited after the retry policy ran out (429, or 400 `INVITATIONS_RATE_LIMITED_IP`).
    #[error("rate limited ({}){}", api.error_code, retry_after.map(|w| format!("; the server asks to wait {} s", w.as_secs())).unwrap_or_default())]
    RateLimited {
        /// How long the server asked to wait, if it said.
        retry_after: Option<Duration>,
        /// The server's body.
        api: Box<ApiError>,
    },
    /// The resource version is past its sunset (410 `VERSION_GONE`).
    #[error("API version gone (HTTP 410 {}): upgrade to a newer resource version", api.error_code)]
    VersionGone {
        /// The server's body.
        api: Box<ApiError>,
    },
    /// The server refused to authenticate the request, whatever the body of its 401 (Atlas JSON, an HTML
    /// page from Apache or a proxy, nothing): wrong keys, a nonce it kept calling stale, a refused nonce
    /// count, ... The message names the public key or client id, never a secret.
    #[error("authentication failed{}: {reason}", principal.as_ref().map(|p| format!(" for {p}")).unwrap_or_default())]
    Authentication {
        /// Why, as far as the server's challenge tells.
        reason: transport::AuthReason,
        /// Who the request authenticated as (`None` without credentials).
        principal: Option<transport::Principal>,
    },
    /// No usable answer: connection, TLS or timeout, after retries.
    #[error("transport failure: {message}")]
    Transport {
        /// What happened.
        message: String,
        /// The underlying error, when there is one.
        #[source]
        source: Option<reqwest::Error>,
    },
    /// The call is keyed by an invitation id and the invitations are served by the successor (the MongoDB
    /// Cloud Users API, which has no invitation ids): refused without sending it anywhere else.
    #[error(
        "{call} by invitation id has no successor after the invitation endpoints' sunset: {instead}"
    )]
    NoSuccessor {
        /// The facade call.
        call: &'static str,
        /// What to call instead.
        instead: &'static str,
    },
    /// No pending invitation (or, on the successor, pending user) with this username where the call looked.
    /// The deprecated endpoints answer 404 `INVITATION_NOT_FOUND` to a call by id in the same case;
    /// [`Error::is_not_found`] is true for both.
    #[error("no pending invitation for {username} in {target}")]
    NotInvited {
        /// The username looked for.
        username: String,
        /// `organization <id>` or `project <id>`.
        target: String,
    },
    /// A project role update made of several calls stopped part-way: `applied` went through, `failed`
    /// did not, and nothing after it was tried.
    #[error(
        "project role update stopped part-way: applied [{}], failed to {failed}: {source}",
        applied.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    )]
    PartialRoleChange {
        /// The changes that went through, in order.
        applied: Vec<crate::RoleChange>,
        /// The change that failed.
        failed: crate::RoleChange,
        /// Why.
        #[source]
        source: Box<Error>,
    },
    /// A list kept answering full pages past the client's page limit ([`ClientBuilder::max_pages`](crate::ClientBuilder::max_pages)).
    #[error("{operation} still had more after {pages} pages: stopped at the page limit")]
    PageLimit {
        /// The list operation's stable name.
        operation: &'static str,
        /// Pages read.
        pages: u32,
    },
    /// An answer that is not what the API documents (HTML from a proxy, truncated JSON, ...).
    #[error("undecodable response{}: {reason}; body starts: {excerpt:?}", status.map(|s| format!(" (HTTP {s})")).unwrap_or_default())]
    UndecodableResponse {
        /// The status, when known.
        status: Option<u16>,
        /// Why decoding failed.
        reason: String,
        /// The start of the body, at most 200 characters, control characters replaced.
        excerpt: String,
        /// The decoder's error, when JSON decoding is what failed.
        #[source]
        source: Option<serde_json::Error>,
    },
}

impl Error {
    /// The server's error body, for API errors, rate limiting and version gone.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) | Error::RateLimited { api, .. } | Error::VersionGone { api } => {
                Some(api)
            }
            _ => None,
        }
    }

    /// Whether the server answered with this `errorCode`.
    pub fn is_code(&self, code: &str) -> bool {
        self.api_error().is_some_and(|a| a.is(code))
    }

    /// Whether what the call named does not exist: a 404 from either API, or no pending user with the
    /// username on the successor. The same test before and after the invitation endpoints' sunset.
    pub fn is_not_found(&self) -> bool {
        match self {
            Error::Api(api) => api.status == 404,
            Error::NotInvited { .. } => true,
            _ => false,
        }
    }
}

impl From<transport::AuthFailure> for Error {
    fn from(failure: transport::AuthFailure) -> Self {
        Error::Authentication {
            reason: failure.reason,
            principal: failure.principal,
        }
    }
}

impl From<reqwest::Error> for Error {
    /// The message and the kept source name the URL without its query: queries carry usernames, which
    /// are e-mail addresses.
    fn from(mut e: reqwest::Error) -> Self {
        if let Some(url) = e.url_mut() {
            url.set_query(None);
            url.set_fragment(None);
        }
        Error::Transport {
            message: e.to_string(),
            source: Some(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_errors_keep_every_field_and_string_parameters() {
        let api: ApiError = serde_json::from_str(
            r#"{"error":400,"errorCode":"VALIDATION_ERROR","reason":"Bad Request","detail":"Bad roles",
                "parameters":["roles"],"badRequestDetail":{"fields":[{"field":"roles","description":"unknown role"}]}}"#,
        )
        .unwrap();
        assert_eq!(
            api.field_violations,
            [FieldViolation {
                field: "roles".into(),
                description: "unknown role".into()
            }]
        );
        assert_eq!(api.parameters, [serde_json::json!("roles")]);
        let err = Error::Api(Box::new(api));
        assert!(err.is_code("VALIDATION_ERROR"));
        assert_eq!(err.to_string(), "HTTP 400: VALIDATION_ERROR: Bad roles");
    }

    #[test]
    fn authentication_failures_name_the_public_key_and_the_reason() {
        let err = Error::from(transport::AuthFailure {
            reason: transport::AuthReason::WrongCredentials,
            principal: Some(transport::Principal::PublicKey("PUBKEY".into())),
        });
        assert_eq!(
            err.to_string(),
            "authentication failed for public key PUBKEY: the server refused the credentials"
        );
        assert!(err.api_error().is_none());
    }
}
