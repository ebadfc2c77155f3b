//! The bump's Markdown report: a pull-request body.

use std::fmt::Write as _;

use std::collections::{BTreeMap, BTreeSet};

use super::{FlavourChange, Outcome};
use crate::diff::{Applied, OutputFormat, Severity, Summary, render};

fn severity_word(severity: Option<Severity>) -> &'static str {
    match severity {
        None => "none",
        Some(s) => s.name(),
    }
}

/// Renders `outcome`.
pub(super) fn markdown(outcome: &Outcome) -> String {
    let mut out = String::new();
    let flavour = &outcome.flavour;
    let _ = writeln!(out, "## Bump `{flavour}`\n");
    let _ = writeln!(out, "- before: {}", outcome.before);
    let _ = writeln!(out, "- after: {}", outcome.after.describe());
    let _ = writeln!(
        out,
        "- worst severity: **{}** (exit status {})",
        severity_word(outcome.worst()),
        outcome.exit_code()
    );
    for note in &outcome.notes {
        let _ = writeln!(out, "- note: {note}");
    }

    let _ = writeln!(
        out,
        "\n### Files {}\n",
        if outcome.written {
            "written"
        } else {
            "a bump would write (`--check`: nothing written)"
        }
    );
    for file in &outcome.files {
        let _ = writeln!(
            out,
            "- `{}`: {}",
            file.path,
            if file.changed { "changed" } else { "unchanged" }
        );
    }

    let _ = writeln!(out, "\n### What breaks these clients\n");
    let mut breaks = Vec::new();
    for op in &outcome.absent {
        breaks.push(format!(
            "`{op}` ({flavour}): selected in `spec/sources.toml` but absent from this revision; recorded \
             under `absent`, and the generated client no longer has it"
        ));
    }
    for f in &outcome.flavours {
        let s = &f.surface;
        for (what, list) in [
            ("Rust methods gone", &s.methods_removed),
            ("Rust methods with a changed signature", &s.methods_changed),
            ("generated types gone", &s.types_removed),
        ] {
            if !list.is_empty() {
                breaks.push(format!(
                    "{}: {what} ({}): {}",
                    f.flavour,
                    list.len(),
                    code_list(list)
                ));
            }
        }
        breaks.extend(grouped(f, Severity::Breaking));
    }
    bullets(&mut out, &breaks);

    let _ = writeln!(out, "\n### Needs a look (warnings)\n");
    let mut warnings = Vec::new();
    for f in &outcome.flavours {
        if !f.surface.types_changed.is_empty() {
            warnings.push(format!(
                "{}: generated types whose fields or variants changed ({}): {}",
                f.flavour,
                f.surface.types_changed.len(),
                code_list(&f.surface.types_changed)
            ));
        }
        warnings.extend(grouped(f, Severity::Warning));
    }
    bullets(&mut out, &warnings);

    let _ = writeln!(out, "\n### Upstream operationId renames\n");
    let mut any = false;
    for f in &outcome.flavours {
        if f.renames.is_empty() {
            continue;
        }
        any = true;
        // Absorbed: the operation keeps its stable Rust method, which the new client still has.
        let absorbed = |r: &super::Rename| {
            r.method
                .as_ref()
                .is_some_and(|m| !f.surface.methods_removed.contains(m))
        };
        let kept = f.renames.iter().filter(|r| absorbed(r)).count();
        let _ = writeln!(
            out,
            "{} renames in `{}` (operations matched by method and path); {kept} absorbed: their Rust methods keep \
             their stable names from `spec/operations.toml`{}:\n",
            f.renames.len(),
            f.flavour,
            if kept == f.renames.len() {
                String::new()
            } else {
                format!(
                    "; **{} not absorbed** (their operation is gone from the client, see above)",
                    f.renames.len() - kept
                )
            }
        );
        out.push_str(
            "| Operation | operationId before | operationId after | Rust method |\n|---|---|---|---|\n",
        );
        for r in &f.renames {
            let _ = writeln!(
                out,
                "| `{}` | `{}` | `{}` | {} |",
                r.operation,
                r.before,
                r.after,
                match (&r.method, absorbed(r)) {
                    (Some(m), true) => format!("`{m}` (unchanged)"),
                    (Some(m), false) => format!("`{m}` (gone)"),
                    (None, _) => "(not in the table)".to_string(),
                }
            );
        }
        out.push('\n');
    }
    if !any {
        out.push_str("None.\n");
    }

    let _ = writeln!(out, "\n### Fixups now unused\n");
    let unused: Vec<_> = outcome
        .flavours
        .iter()
        .flat_map(|f| &f.unused_fixups)
        .collect();
    if unused.is_empty() {
        out.push_str("None.\n");
    }
    for u in unused {
        let _ = writeln!(out, "- {u}");
    }

    let _ = writeln!(out, "\n### Generated Rust surface\n");
    for f in &outcome.flavours {
        let s = &f.surface;
        let _ = writeln!(
            out,
            "- `{}`: methods {} gone, {} changed, {} new; types {} gone, {} changed, {} new",
            f.flavour,
            s.methods_removed.len(),
            s.methods_changed.len(),
            s.methods_added.len(),
            s.types_removed.len(),
            s.types_changed.len(),
            s.types_added.len()
        );
        if !s.methods_added.is_empty() {
            let _ = writeln!(out, "  - new methods: {}", code_list(&s.methods_added));
        }
        if !s.types_added.is_empty() {
            let _ = writeln!(out, "  - new types: {}", code_list(&s.types_added));
        }
    }

    for f in &outcome.flavours {
        let shown = Applied {
            findings: f
                .applied
                .findings
                .iter()
                .take(DETAIL_ROWS)
                .cloned()
                .collect(),
            accepted: f.applied.accepted.clone(),
        };
        let table = render(&shown, OutputFormat::Markdown, false);
        let (_, rows) = table.split_once('\n').unwrap_or_default();
        let _ = writeln!(
            out,
            "\n<details><summary><code>{}</code>: every contract finding of the fragment diff ({})</summary>\n{rows}",
            f.flavour,
            count_sentence(&f.applied)
        );
        if f.applied.findings.len() > DETAIL_ROWS {
            let _ = writeln!(
                out,
                "\n… and {} more: `cargo xtask diff git:HEAD~1:spec/{}.json spec/{}.json` lists them all.",
                f.applied.findings.len() - DETAIL_ROWS,
                f.flavour,
                f.flavour
            );
        }
        out.push_str("\n</details>\n");
    }
    out
}

/// The detailed table stops here, keeping the report well inside a pull-request body's size limit.
const DETAIL_ROWS: usize = 150;

fn count_sentence(applied: &Applied) -> String {
    let s = Summary::of(applied);
    format!(
        "{} breaking, {} warning, {} info, {} accepted",
        s.breaking, s.warning, s.info, s.accepted
    )
}

fn code_list(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn bullets(out: &mut String, items: &[String]) {
    if items.is_empty() {
        out.push_str("Nothing.\n");
    }
    for item in items {
        let _ = writeln!(out, "- {item}");
    }
}

/// One line per rule at `severity`: how often, in how many operations, and one example message.
fn grouped(f: &FlavourChange, severity: Severity) -> Vec<String> {
    let mut by_rule: BTreeMap<&str, (usize, BTreeSet<&str>, &str)> = BTreeMap::new();
    for finding in f.applied.findings.iter().filter(|x| x.severity == severity) {
        let entry = by_rule.entry(finding.rule.as_str()).or_insert((
            0,
            BTreeSet::new(),
            finding.message.as_str(),
        ));
        entry.0 += 1;
        entry
            .1
            .insert(finding.operation.as_deref().unwrap_or("(document)"));
    }
    by_rule
        .into_iter()
        .map(|(rule, (count, operations, example))| {
            format!(
                "{}: `{rule}` ×{count} in {} operation(s), e.g. {example}",
                f.flavour,
                operations.len()
            )
        })
        .collect()
}
