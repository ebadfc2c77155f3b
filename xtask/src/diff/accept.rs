//! `spec/accepted-changes.toml`: findings the maintainers have looked at and accepted, until a date.
//!
//! ```toml
//! [[accept]]
//! rule = "api-operation-id-removed"
//! operation = "PATCH /api/atlas/v2/orgs/{orgId}/invites/{invitationId}"  # omit for document-wide findings
//! location = "operationId"                                               # optional: narrows the match
//! reason = "MongoDB renamed the operation; the bindings keep the old method name as an alias"
//! expires = 2027-01-31                                                   # last day the entry applies
//! ```

use std::path::Path;

use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{Value, json};

use super::finding::{Finding, Severity};
use super::load::DiffError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    accept: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    rule: String,
    operation: Option<String>,
    location: Option<String>,
    reason: String,
    expires: toml::Value,
}

/// One accepted change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The rule id it silences.
    pub rule: String,
    /// `METHOD /path`; `None` silences only document-wide findings.
    pub operation: Option<String>,
    /// When set, only findings at exactly this location.
    pub location: Option<String>,
    /// Why it is fine.
    pub reason: String,
    /// Last day (`YYYY-MM-DD`) on which it applies.
    pub expires: String,
}

impl Accepted {
    fn matches(&self, finding: &Finding) -> bool {
        self.rule == finding.rule
            && self.operation == finding.operation
            && self
                .location
                .as_ref()
                .is_none_or(|loc| *loc == finding.location)
    }

    fn to_json(&self) -> Value {
        json!({
            "rule": self.rule,
            "operation": self.operation,
            "location": self.location,
            "expires": self.expires,
        })
    }
}

/// Parses the file's text; `path` is only used in messages.
pub fn parse_accepted(text: &str, path: &Path) -> Result<Vec<Accepted>, DiffError> {
    let fail = |message: String| DiffError::Accepted {
        path: path.to_path_buf(),
        message,
    };
    let file: File = toml::from_str(text).map_err(|e| fail(e.to_string()))?;
    file.accept
        .into_iter()
        .enumerate()
        .map(|(i, raw)| {
            // A TOML date (`2027-01-31`) or a string holding one.
            let expires = match &raw.expires {
                toml::Value::String(s) => s.clone(),
                toml::Value::Datetime(d) => d.to_string(),
                other => other.to_string(),
            };
            NaiveDate::parse_from_str(&expires, "%Y-%m-%d").map_err(|_| {
                fail(format!(
                    "entry {} ({}): expires = {expires} is not a YYYY-MM-DD date",
                    i + 1,
                    raw.rule
                ))
            })?;
            if raw.reason.trim().is_empty() {
                return Err(fail(format!(
                    "entry {} ({}): empty reason",
                    i + 1,
                    raw.rule
                )));
            }
            Ok(Accepted {
                rule: raw.rule,
                operation: raw.operation,
                location: raw.location,
                reason: raw.reason,
                expires,
            })
        })
        .collect()
}

/// Reads the file.
pub fn load_accepted(path: &Path) -> Result<Vec<Accepted>, DiffError> {
    let text = std::fs::read_to_string(path).map_err(|e| DiffError::Accepted {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    parse_accepted(&text, path)
}

/// Findings after applying the accepted changes.
#[derive(Debug, Clone, Default)]
pub struct Applied {
    /// What is still reported, plus a finding for each expired or unused entry.
    pub findings: Vec<Finding>,
    /// What an entry silenced.
    pub accepted: Vec<Finding>,
}

/// Silences the findings matched by an entry that has not expired (`today` is `YYYY-MM-DD`), and reports
/// expired entries (`accepted-change-expired`, warning) and entries that matched nothing
/// (`accepted-change-unused`, info).
pub fn apply_accepted(findings: Vec<Finding>, entries: &[Accepted], today: &str) -> Applied {
    let mut used = vec![false; entries.len()];
    let mut applied = Applied::default();
    for finding in findings {
        let hit = entries
            .iter()
            .enumerate()
            .find(|(_, e)| e.expires.as_str() >= today && e.matches(&finding));
        match hit {
            Some((i, _)) => {
                used[i] = true;
                applied.accepted.push(finding);
            }
            None => applied.findings.push(finding),
        }
    }
    for (entry, used) in entries.iter().zip(used) {
        let (rule, severity, message) = if entry.expires.as_str() < today {
            (
                "accepted-change-expired",
                Severity::Warning,
                format!(
                    "accepted change for {} expired on {}; renew or remove it",
                    entry.rule, entry.expires
                ),
            )
        } else if !used {
            (
                "accepted-change-unused",
                Severity::Info,
                format!(
                    "accepted change for {} matched no finding; remove it",
                    entry.rule
                ),
            )
        } else {
            continue;
        };
        let location = entry
            .location
            .clone()
            .unwrap_or_else(|| "accepted-changes".into());
        applied.findings.push(Finding {
            rule: rule.into(),
            severity,
            operation: entry.operation.clone(),
            subject: location.clone(),
            location,
            before: entry.to_json(),
            after: Value::Null,
            message,
            // oasdiff has no accepted-changes file; both models treat the entry the same way.
            oasdiff_rule: None,
            oasdiff_level: severity,
            bindings_level: severity,
            bindings_reason: "about spec/accepted-changes.toml, not the contract".into(),
            rust_item: None,
        });
    }
    applied
}
