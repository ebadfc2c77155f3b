//! Writing findings as text (for terminals and CI logs), Markdown (for pull requests) or JSON (for tools).
//!
//! The JSON shape is stable:
//! `{"findings": [{"rule", "severity", "operation", "location", "before", "after", "message"}],
//!   "summary": {"breaking", "warning", "info", "total", "accepted"}}`,
//! findings ordered by severity (breaking first), then operation, location and rule.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};
use serde::Serialize;

use super::accept::Applied;
use super::finding::{Finding, Severity};

/// How to print the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// One finding per two lines; coloured when stdout is a terminal.
    Text,
    /// A table ready to paste into a pull request.
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
        OutputFormat::Markdown => markdown(&applied.findings, summary),
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

fn text(findings: &[Finding], summary: Summary, color: bool) -> String {
    let mut out = String::new();
    for f in findings {
        let label = format!("{:<8}", f.severity.name());
        let label = if color {
            let s = style(f.severity);
            format!("{s}{label}{s:#}")
        } else {
            label
        };
        let operation = f.operation.as_deref().unwrap_or("(document)");
        let _ = writeln!(out, "{label} {}  {operation}", f.rule);
        let _ = writeln!(out, "         at {}: {}", f.location, f.message);
    }
    let _ = writeln!(out, "{}", summary.sentence());
    out
}

/// Escapes what would break a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn markdown(findings: &[Finding], summary: Summary) -> String {
    let mut out = format!("### API contract changes: {}\n\n", summary.sentence());
    if findings.is_empty() {
        out.push_str("No changes to the contract.\n");
        return out;
    }
    out.push_str("| Severity | Rule | Operation | Location | Change |\n");
    out.push_str("|---|---|---|---|---|\n");
    for f in findings {
        let severity = match f.severity {
            Severity::Breaking => "**breaking**",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        let _ = writeln!(
            out,
            "| {severity} | `{}` | {} | `{}` | {} |",
            f.rule,
            f.operation
                .as_deref()
                .map_or_else(|| "(document)".to_string(), |o| format!("`{}`", cell(o))),
            cell(&f.location),
            cell(&f.message)
        );
    }
    out
}
