//! What a diff reports: one finding per contract change, with a stable rule id and a severity.

use serde::Serialize;
use serde_json::Value;

use super::bindings::Facts;

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

/// Which semantics decide [`Finding::severity`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, clap::ValueEnum)]
pub enum SeverityModel {
    /// What a change does to the generated clients: a response the old client decoded that may now fail,
    /// a request it sent that may now be refused, a generated method whose signature changes.
    #[default]
    Bindings,
    /// oasdiff's level for the rule, for callers who gate on oasdiff's semantics.
    Oasdiff,
}

/// One contract change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Stable rule id (oasdiff's name where oasdiff has the rule).
    pub rule: String,
    /// How much it matters under the chosen [`SeverityModel`].
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
    /// oasdiff's id for this check; `None` for checks oasdiff does not have (media-type versions,
    /// accepted changes).
    pub oasdiff_rule: Option<String>,
    /// The level oasdiff's semantics give the change.
    pub oasdiff_level: Severity,
    /// The level the generated bindings give the change.
    pub bindings_level: Severity,
    /// Why the bindings level is what it is, in terms of the generated code.
    pub bindings_reason: String,
    /// The generated Rust item the change touches (`OrgPendingUserResponse.invitation_expires_at`,
    /// `Client::update_org_user`), when there is one.
    pub rust_item: Option<String>,
    /// The change itself, independent of the operation it is seen through: the component path
    /// (`ApiError.detail`) inside a named schema, otherwise the location. Reports group findings on it.
    pub subject: String,
}

impl Finding {
    /// The level under `model`.
    pub fn level(&self, model: SeverityModel) -> Severity {
        match model {
            SeverityModel::Bindings => self.bindings_level,
            SeverityModel::Oasdiff => self.oasdiff_level,
        }
    }
}

/// Sets every finding's `severity` to its level under `model`.
pub fn apply_model(findings: &mut [Finding], model: SeverityModel) {
    for f in findings {
        f.severity = f.level(model);
    }
}

/// Where findings are collected while walking one operation (or one standalone schema).
#[derive(Debug)]
pub(crate) struct Sink {
    pub(crate) operation: Option<String>,
    /// The generated method of the operation (`Client::list_org_invites`).
    pub(crate) method: Option<String>,
    /// The innermost named schema being walked: the location it starts at and its component name.
    pub(crate) anchor: Option<(String, String)>,
    /// Whether codegen drops response patterns for the document.
    pub(crate) response_patterns_dropped: bool,
    pub(crate) findings: Vec<Finding>,
}

impl Sink {
    pub(crate) fn new(operation: Option<String>) -> Self {
        Sink {
            operation,
            method: None,
            anchor: None,
            response_patterns_dropped: true,
            findings: Vec::new(),
        }
    }

    /// Records a finding at `location` with `severity` as oasdiff's level; the bindings level is decided
    /// from the rule alone.
    pub(crate) fn push(
        &mut self,
        rule: impl Into<String>,
        severity: Severity,
        location: &str,
        before: Value,
        after: Value,
        message: String,
    ) {
        self.push_with(
            rule,
            severity,
            location,
            before,
            after,
            message,
            Facts::default(),
        );
    }

    /// Records a finding whose bindings level depends on `facts`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn push_with(
        &mut self,
        rule: impl Into<String>,
        severity: Severity,
        location: &str,
        before: Value,
        after: Value,
        message: String,
        mut facts: Facts,
    ) {
        let rule = rule.into();
        facts.response_patterns_dropped = self.response_patterns_dropped;
        let component_path = self.anchor.as_ref().and_then(|(at, name)| {
            location
                .strip_prefix(at.as_str())
                .map(|rest| format!("{name}{rest}"))
        });
        let (bindings_level, bindings_reason) =
            super::bindings::classify(&rule, severity, &before, &after, facts);
        let rust_item =
            super::names::rust_item(self.method.as_deref(), location, component_path.as_deref());
        self.findings.push(Finding {
            oasdiff_rule: super::bindings::oasdiff_rule(&rule),
            rule,
            severity: bindings_level,
            operation: self.operation.clone(),
            location: location.to_string(),
            before,
            after,
            message,
            oasdiff_level: severity,
            bindings_level,
            bindings_reason,
            rust_item,
            subject: component_path.unwrap_or_else(|| location.to_string()),
        });
    }
}

/// A string value, or `null` for `None`.
pub(crate) fn opt_str(value: Option<&str>) -> Value {
    value.map_or(Value::Null, |s| Value::String(s.to_string()))
}

/// Rule ids with a fixed name.
pub const FIXED_RULES: [&str; 60] = [
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
    "request-body-media-type-version-removed-before-sunset",
    "response-success-status-removed",
    "response-non-success-status-removed",
    "response-success-status-added",
    "response-non-success-status-added",
    "response-media-type-added",
    "response-media-type-removed",
    "response-media-type-version-changed",
    "response-media-type-version-added",
    "response-media-type-version-removed",
    "response-media-type-version-removed-before-sunset",
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
pub const SCHEMA_RULES: [&str; 30] = [
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
    "discriminator-added",
    "discriminator-removed",
    "discriminator-property-name-changed",
];

/// Every rule id a diff can report.
pub fn catalogue() -> Vec<String> {
    let mut all: Vec<String> = FIXED_RULES.iter().map(|r| r.to_string()).collect();
    for prefix in SCHEMA_PREFIXES {
        all.extend(SCHEMA_RULES.iter().map(|r| format!("{prefix}-{r}")));
    }
    all
}
