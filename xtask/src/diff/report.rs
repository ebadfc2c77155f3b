//! Writing findings as text (for terminals and CI logs), Markdown (for pull requests and `cargo xtask
//! bump`) or JSON (for tools).
//!
//! Text and Markdown print one line per distinct change ([`group`]: the same rule, subject and values seen
//! through several operations) with the operations it touches. JSON keeps every row; its shape is stable:
//! `{"findings": [{"rule", "severity", "operation", "location", "before", "after", "message",
//!   "oasdiff_rule", "oasdiff_level", "bindings_level", "bindings_reason", "rust_item", "subject"}],
//!   "summary": {"breaking", "warning", "info", "total", "accepted"}}`,
//! findings ordered by severity (breaking first), then operation, location and rule.

use std::collections::HashMap;
use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};
use serde::Serialize;

use super::accept::Applied;
use super::finding::{Finding, Severity};

/// How to print the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// One line per distinct change; coloured when stdout is a terminal.
    Text,
    /// A table with one row per distinct change, ready to paste into a pull request.
    Markdown,
    /// Machine-readable, see the module documentation.
    Json,
}

/// Counts per severity, after accepted changes were taken out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Summary {
    /// Breaking findings still reported.
    pub breaking: usize,
    /// Warnings still reported.
    pub warning: usize,
    /// Informational findings.
    pub info: usize,
    /// All findings still reported.
    pub total: usize,
    /// Findings silenced by `accepted-changes.toml`.
    pub accepted: usize,
}

impl Summary {
    /// Counts `applied`.
    pub fn of(applied: &Applied) -> Summary {
        let count = |s: Severity| applied.findings.iter().filter(|f| f.severity == s).count();
        Summary {
            breaking: count(Severity::Breaking),
            warning: count(Severity::Warning),
            info: count(Severity::Info),
            total: applied.findings.len(),
            accepted: applied.accepted.len(),
        }
    }

    fn sentence(&self) -> String {
        format!(
            "{} breaking, {} warning, {} info ({} accepted)",
            self.breaking, self.warning, self.info, self.accepted
        )
    }
}

/// Report order: most severe first, then by operation (document-wide last), location and rule.
pub fn sort_for_report(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.operation.is_none().cmp(&b.operation.is_none()))
            .then_with(|| a.operation.cmp(&b.operation))
            .then_with(|| a.location.cmp(&b.location))
            .then_with(|| a.rule.cmp(&b.rule))
    });
}

/// Renders `applied` (already sorted) in `format`; `color` adds ANSI styles to text output.
pub fn render(applied: &Applied, format: OutputFormat, color: bool) -> String {
    let summary = Summary::of(applied);
    match format {
        OutputFormat::Json => {
            #[derive(Serialize)]
            struct Report<'a> {
                findings: &'a [Finding],
                summary: Summary,
            }
            let mut text = serde_json::to_string_pretty(&Report {
                findings: &applied.findings,
                summary,
            })
            .expect("findings always serialize");
            text.push('\n');
            text
        }
        OutputFormat::Text => text(&applied.findings, summary, color),
        OutputFormat::Markdown => markdown(applied),
    }
}

fn style(severity: Severity) -> Style {
    let color = match severity {
        Severity::Breaking => AnsiColor::Red,
        Severity::Warning => AnsiColor::Yellow,
        Severity::Info => AnsiColor::Cyan,
    };
    Style::new().fg_color(Some(color.into())).bold()
}

/// Findings that are one change seen through several operations: same severity, rule, subject (the
/// component path or location) and values.
#[derive(Debug)]
pub struct Group<'a> {
    /// The first finding of the group; the others differ only in their operation and location.
    pub finding: &'a Finding,
    /// The operations it touches, in report order (`(document)` for document-wide findings).
    pub operations: Vec<&'a str>,
    /// How many findings the group holds.
    pub rows: usize,
}

/// Groups `findings` (in report order) by distinct change, keeping the order of each group's first row.
pub fn group(findings: &[Finding]) -> Vec<Group<'_>> {
    let mut groups: Vec<Group<'_>> = Vec::new();
    let mut index: HashMap<(Severity, &str, &str, String, String), usize> = HashMap::new();
    for f in findings {
        let key = (
            f.severity,
            f.rule.as_str(),
            f.subject.as_str(),
            f.before.to_string(),
            f.after.to_string(),
        );
        let operation = f.operation.as_deref().unwrap_or("(document)");
        match index.get(&key) {
            Some(&i) => {
                let g = &mut groups[i];
                g.rows += 1;
                if !g.operations.contains(&operation) {
                    g.operations.push(operation);
                }
            }
            None => {
                index.insert(key, groups.len());
                groups.push(Group {
                    finding: f,
                    operations: vec![operation],
                    rows: 1,
                });
            }
        }
    }
    groups
}

/// `A, B, C and 4 more`.
fn operation_list(operations: &[&str], limit: usize, code: bool) -> String {
    let quote = |o: &str| {
        if code && o != "(document)" {
            format!("`{o}`")
        } else {
            o.to_string()
        }
    };
    let shown: Vec<String> = operations.iter().take(limit).map(|o| quote(o)).collect();
    let mut out = shown.join(", ");
    if operations.len() > limit {
        out.push_str(&format!(" and {} more", operations.len() - limit));
    }
    out
}

/// What the change is: the message, where (the subject), and the bindings reason when it is not obvious.
fn change_text(f: &Finding) -> String {
    let mut out = format!("{}: {}", f.subject, f.message);
    if f.severity != f.oasdiff_level {
        out.push_str(&format!(
            " ({}; oasdiff: {})",
            f.bindings_reason,
            f.oasdiff_level.name()
        ));
    } else if f.severity == f.bindings_level && f.severity != Severity::Info {
        out.push_str(&format!(" ({})", f.bindings_reason));
    }
    out
}

fn text(findings: &[Finding], summary: Summary, color: bool) -> String {
    let mut out = String::new();
    let groups = group(findings);
    for g in &groups {
        let f = g.finding;
        let label = format!("{:<8}", f.severity.name());
        let label = if color {
            let s = style(f.severity);
            format!("{s}{label}{s:#}")
        } else {
            label
        };
        let item = f
            .rust_item
            .as_deref()
            .map_or_else(String::new, |i| format!(" [{i}]"));
        let _ = writeln!(
            out,
            "{label} {}{item} at {} in {}",
            f.rule,
            change_text(f),
            operation_list(&g.operations, 3, false)
        );
    }
    let _ = writeln!(
        out,
        "{}; {} distinct changes",
        summary.sentence(),
        groups.len()
    );
    out
}

/// Escapes what would break a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The Markdown report of `applied` (already sorted): a heading with the counts and one table row per
/// distinct change with the operations it touches. Self-contained, so `cargo xtask bump` and pull
/// requests can embed it as is.
pub fn markdown(applied: &Applied) -> String {
    let summary = Summary::of(applied);
    let findings = &applied.findings;
    let groups = group(findings);
    let mut out = format!(
        "### API contract changes: {}; {} distinct changes\n\n",
        summary.sentence(),
        groups.len()
    );
    if findings.is_empty() {
        out.push_str("No changes to the contract.\n");
        return out;
    }
    out.push_str("| Severity | Rule | Rust item | Change | Operations |\n");
    out.push_str("|---|---|---|---|---|\n");
    for g in &groups {
        let f = g.finding;
        let severity = match f.severity {
            Severity::Breaking => "**breaking**",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        let _ = writeln!(
            out,
            "| {severity} | `{}` | {} | {} | {} |",
            f.rule,
            f.rust_item
                .as_deref()
                .map_or_else(String::new, |i| format!("`{}`", cell(i))),
            cell(&change_text(f)),
            cell(&operation_list(&g.operations, 10, true))
        );
    }
    out
}
