//! What a diff reports: one finding per contract change, with a stable rule id and a severity.

use serde::Serialize;
use serde_json::Value;

/// How much a change matters to code built on the bindings. Ordered: `Info < Warning < Breaking`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Compatible: worth knowing, nothing to do.
    Info,
    /// May break some callers or needs a look (a version bump, a constraint that tightened in a response).
    Warning,
    /// Breaks existing callers or code generated from the previous document.
    Breaking,
}

impl Severity {
    /// The lower-case name used in every output format.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Breaking => "breaking",
        }
    }
}

/// Which way data flows through a schema: the rules for requests and responses are mirror images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Sent by the client: narrowing what is accepted breaks callers.
    Request,
    /// Sent by the server: widening what may come back breaks callers.
    Response,
}

impl Direction {
    /// Picks the severity for this direction.
    pub(crate) fn pick(self, request: Severity, response: Severity) -> Severity {
        match self {
            Direction::Request => request,
            Direction::Response => response,
        }
    }
}

/// One contract change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Stable rule id (oasdiff's name where oasdiff has the rule).
    pub rule: String,
    /// How much it matters.
    pub severity: Severity,
    /// `METHOD /path` (the revision's path, or the base's for a removed endpoint); `None` for document-wide
    /// changes such as security schemes.
    pub operation: Option<String>,
    /// Where in the operation, e.g. `responses.200.content[application/json].schema.roles[]`.
    pub location: String,
    /// The value before the change (`null` when it did not exist).
    pub before: Value,
    /// The value after the change (`null` when it no longer exists).
    pub after: Value,
    /// One sentence for people.
    pub message: String,
}

/// Where findings are collected while walking one operation (or one standalone schema).
#[derive(Debug)]
pub(crate) struct Sink {
    pub(crate) operation: Option<String>,
    pub(crate) findings: Vec<Finding>,
}

impl Sink {
    pub(crate) fn new(operation: Option<String>) -> Self {
        Sink {
            operation,
            findings: Vec::new(),
        }
    }

    /// Records a finding at `location`.
    pub(crate) fn push(
        &mut self,
        rule: impl Into<String>,
        severity: Severity,
        location: &str,
        before: Value,
        after: Value,
        message: String,
    ) {
        self.findings.push(Finding {
            rule: rule.into(),
            severity,
            operation: self.operation.clone(),
            location: location.to_string(),
            before,
            after,
            message,
        });
    }
}

/// A string value, or `null` for `None`.
pub(crate) fn opt_str(value: Option<&str>) -> Value {
    value.map_or(Value::Null, |s| Value::String(s.to_string()))
}

/// Rule ids with a fixed name.
pub const FIXED_RULES: [&str; 58] = [
    "endpoint-added",
    "endpoint-removed",
    "api-removed-before-sunset",
    "api-operation-id-removed",
    "api-operation-id-added",
    "endpoint-deprecated",
    "endpoint-reactivated",
    "api-sunset-date-changed-too-small",
    "api-sunset-date-changed",
    "api-sunset-added",
    "api-sunset-deleted",
    "new-required-request-parameter",
    "new-optional-request-parameter",
    "request-parameter-removed",
    "request-parameter-became-required",
    "request-parameter-became-optional",
    "request-body-added-required",
    "request-body-added-optional",
    "request-body-removed",
    "request-body-became-required",
    "request-body-became-optional",
    "request-body-media-type-added",
    "request-body-media-type-removed",
    "request-body-media-type-version-changed",
    "request-body-media-type-version-added",
    "request-body-media-type-version-removed",
    "response-success-status-removed",
    "response-non-success-status-removed",
    "response-success-status-added",
    "response-non-success-status-added",
    "response-media-type-added",
    "response-media-type-removed",
    "response-media-type-version-changed",
    "response-media-type-version-added",
    "response-media-type-version-removed",
    "required-response-header-removed",
    "optional-response-header-removed",
    "response-header-added",
    "response-header-became-optional",
    "response-header-became-required",
    "api-security-added",
    "api-security-removed",
    "security-scheme-added",
    "security-scheme-removed",
    "security-scheme-changed",
    "request-property-removed",
    "new-required-request-property",
    "new-optional-request-property",
    "request-property-became-required",
    "request-property-became-optional",
    "response-required-property-removed",
    "response-optional-property-removed",
    "response-required-property-added",
    "response-optional-property-added",
    "response-property-became-required",
    "response-property-became-optional",
    "accepted-change-expired",
    "accepted-change-unused",
];

/// Where a schema sits decides the first part of its rule ids: `<prefix>-<schema rule>`.
pub const SCHEMA_PREFIXES: [&str; 6] = [
    "request-body",
    "response-body",
    "request-property",
    "response-property",
    "request-parameter",
    "response-header",
];

/// What changed in a schema: the second part of its rule ids.
pub const SCHEMA_RULES: [&str; 27] = [
    "type-changed",
    "format-changed",
    "became-nullable",
    "became-not-nullable",
    "enum-value-removed",
    "enum-value-added",
    "enum-removed",
    "enum-added",
    "pattern-added",
    "pattern-removed",
    "pattern-changed",
    "max-length-decreased",
    "max-length-increased",
    "min-length-increased",
    "min-length-decreased",
    "max-decreased",
    "max-increased",
    "min-increased",
    "min-decreased",
    "max-items-decreased",
    "max-items-increased",
    "min-items-increased",
    "min-items-decreased",
    "one-of-added",
    "one-of-removed",
    "any-of-added",
    "any-of-removed",
];

/// Every rule id a diff can report.
pub fn catalogue() -> Vec<String> {
    let mut all: Vec<String> = FIXED_RULES.iter().map(|r| r.to_string()).collect();
    for prefix in SCHEMA_PREFIXES {
        all.extend(SCHEMA_RULES.iter().map(|r| format!("{prefix}-{r}")));
    }
    all
}
