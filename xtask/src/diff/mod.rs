//! `cargo xtask diff BASE REVISION`: which changes between two OpenAPI documents break clients.
//!
//! The library side is usable on its own: [`diff_documents`] compares two whole documents or fragments,
//! [`diff_schemas`] compares two schemas (each resolving `$ref` in its own document, so a schemars-derived
//! schema can be held against a fragment's), and [`body_schema`] finds the schema of an operation's request
//! or response in a document.
//!
//! Rule ids reuse oasdiff's names where it has the rule; [`catalogue`] lists them all. Schema rules are
//! `<where>-<what>`: `<where>` is `request-body`/`response-body` at a body's root, `request-property`/
//! `response-property` below it, `request-parameter` or `response-header`.
//!
//! Every finding carries two levels. `oasdiff_level` follows oasdiff's semantics, where direction decides
//! (request / response):
//!
//! | change | request | response |
//! |---|---|---|
//! | enum value removed / added | breaking / info | info / warning |
//! | enum dropped / added | info / breaking | warning / info |
//! | became nullable / not nullable | info / breaking | breaking / info |
//! | became required / optional | breaking / info | info / breaking |
//! | pattern added / removed / changed | warning / info / warning | info / warning / warning |
//! | limit narrowed / widened (`max-length`, `min`, `max-items`, ...) | breaking / info | info / warning |
//! | type changed (widened in a request, narrowed in a response: info) | breaking | breaking |
//! | `oneOf`/`anyOf` branch added / removed | info / breaking | warning / info |
//! | discriminator added / removed / renamed | warning / info / warning | info / warning / warning |
//!
//! `bindings_level` says what the change does to the clients this workspace generates (see the
//! `bindings` module): it follows the generated field (`Option<T>` decodes null, a bare `T` or a
//! defaulted `Vec` does not), the enums codegen opens, the patterns it drops, the limits typify checks
//! and the positional method signatures. `severity` is one of the two, chosen by [`SeverityModel`]
//! (`--severity-model`, bindings by default).
//!
//! Read-only properties are left out of requests and write-only ones out of responses.

pub mod accept;
mod bindings;
mod content;
mod finding;
pub mod load;
mod names;
mod operations;
mod refs;
pub mod report;
mod schema;
mod shared;

#[cfg(test)]
mod tests;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::Value;

pub use accept::{Accepted, Applied, apply_accepted, load_accepted, parse_accepted};
pub use bindings::FieldKind;
pub use finding::{
    Direction, FIXED_RULES, Finding, SCHEMA_PREFIXES, SCHEMA_RULES, Severity, SeverityModel,
    apply_model, catalogue,
};
pub use load::{DiffError, Input, parse_document};
pub use report::{OutputFormat, Summary, markdown, render, sort_for_report};

use bindings::Generated;
use finding::Sink;
use names::MethodNames;
use operations::{Context, normalise_path};
use schema::SchemaDiff;

/// Today's date (UTC) as `YYYY-MM-DD`, which decides whether a sunset or an accepted change has passed.
pub fn today() -> String {
    chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string()
}

/// Compares two OpenAPI documents (whole or fragments) as of today.
pub fn diff_documents(base: &Value, revision: &Value) -> Vec<Finding> {
    diff_documents_on(base, revision, &today())
}

/// Compares two OpenAPI documents with `today` (`YYYY-MM-DD`) deciding which sunsets have passed. Findings
/// come in a stable order: by operation (document-wide last), location and rule; their `severity` is the
/// bindings level (see [`apply_model`] for the other model).
pub fn diff_documents_on(base: &Value, revision: &Value, today: &str) -> Vec<Finding> {
    // What codegen makes of each side: which enums it opens, the generated method names.
    let (generated, base_methods, revision_methods) = std::thread::scope(|scope| {
        let generated = scope.spawn(|| Generated::of(base));
        let base_methods = MethodNames::of(base);
        let revision_methods = MethodNames::of(revision);
        let generated = generated.join().unwrap_or_default();
        (generated, base_methods, revision_methods)
    });
    let mut findings = operations::diff(&Context {
        base,
        revision,
        today,
        generated: &generated,
        base_methods: &base_methods,
        revision_methods: &revision_methods,
    });
    findings.sort_by(|a, b| {
        (a.operation.is_none(), &a.operation, &a.location, &a.rule).cmp(&(
            b.operation.is_none(),
            &b.operation,
            &b.location,
            &b.rule,
        ))
    });
    findings
}

/// A schema and the document its `$ref`s resolve in.
#[derive(Debug, Clone, Copy)]
pub struct SchemaIn<'a> {
    /// Where `#/...` references point into.
    pub document: &'a Value,
    /// The schema to compare.
    pub schema: &'a Value,
}

impl<'a> SchemaIn<'a> {
    /// A standalone JSON Schema (such as `schemars::schema_for!` output, with its `$defs`).
    pub fn root(document: &'a Value) -> Self {
        SchemaIn {
            document,
            schema: document,
        }
    }

    /// A schema inside an OpenAPI document (see [`body_schema`]).
    pub fn within(document: &'a Value, schema: &'a Value) -> Self {
        SchemaIn { document, schema }
    }
}

/// Compares two schemas in `direction`. Findings have no operation and locations rooted at `schema`
/// (`schema.roles[]`); rule ids are those of a request or response body (`request-property-removed`,
/// `response-property-became-nullable`, ...).
pub fn diff_schemas(
    base: SchemaIn<'_>,
    revision: SchemaIn<'_>,
    direction: Direction,
) -> Vec<Finding> {
    let mut sink = Sink::new(None);
    let root = direction.pick_str("request-body", "response-body");
    SchemaDiff::new(base.document, revision.document, direction, root, &mut sink).run(
        base.schema,
        revision.schema,
        "schema",
    );
    sink.findings
}

/// The struct field typify generates for each property of `schema` (a schema inside `document`), as the
/// bindings severity model sees it: what decides whether absence or `null` still decodes.
pub fn generated_fields(
    document: &Value,
    schema: &Value,
    direction: Direction,
) -> std::collections::BTreeMap<String, FieldKind> {
    schema::field_kinds(document, schema, direction)
}

/// The field kind of each property of a Rust type, from the JSON Schema schemars derives for it: required,
/// `Option` (null allowed) or a defaulted `Vec`/map (absent allowed, null refused). How the bindings model
/// reads the shared types, and how a test checks its typify model against the generated structs.
pub fn derived_fields(schema: &Value) -> std::collections::BTreeMap<String, FieldKind> {
    shared::fields(schema)
}

/// Which body of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body<'a> {
    /// The request body.
    Request,
    /// The response body for this status code (`"200"`).
    Response(&'a str),
}

/// The JSON schema of an operation's request or response body in `doc`, for `operation` written
/// `METHOD /path` (path parameter names do not matter). With several JSON versions
/// (`application/vnd.atlas.<date>+json`), the newest is taken. `None` when the operation, status or a JSON
/// body is missing.
pub fn body_schema<'a>(doc: &'a Value, operation: &str, body: Body<'_>) -> Option<&'a Value> {
    let (method, path) = operation.split_once(' ')?;
    let (method, wanted) = (method.to_ascii_lowercase(), normalise_path(path.trim()));
    let paths = doc.get("paths")?.as_object()?;
    let item = paths
        .iter()
        .find(|(p, _)| normalise_path(p) == wanted)
        .map(|(_, item)| refs::deref(doc, item))?;
    let op = item.get(&method)?;
    let holder = match body {
        Body::Request => op.get("requestBody")?,
        Body::Response(status) => op.get("responses")?.get(status)?,
    };
    let content = refs::deref(doc, holder).get("content")?.as_object()?;
    content
        .iter()
        .filter(|(media_type, _)| {
            let essence = media_type.split(';').next().unwrap_or_default().trim();
            essence == "application/json"
                || (essence.starts_with("application/vnd.atlas.") && essence.ends_with("+json"))
        })
        // `application/json` sorts before every vendor type, and vendor dates sort by age.
        .max_by(|a, b| a.0.cmp(b.0))
        .and_then(|(_, media)| media.get("schema"))
}

/// `cargo xtask diff`: compare two OpenAPI documents and report the changes that matter to clients.
#[derive(Debug, Clone, clap::Args)]
#[command(
    after_help = "Exit status: 0 when no finding reaches --fail-on, 1 when one does, \
2 when an input or the accepted-changes file cannot be read."
)]
pub struct DiffArgs {
    /// The earlier document: a file (YAML or JSON) or git:REV:PATH (read with `git show` in the project root).
    pub base: String,
    /// The later document, given the same way.
    pub revision: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Exit 1 when a finding at this severity or above remains after accepted changes.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<Severity>,
    /// Which semantics decide severities: what the change does to the generated bindings, or oasdiff's
    /// level for the rule.
    #[arg(long, value_enum, value_name = "MODEL", default_value_t = SeverityModel::Bindings)]
    pub severity_model: SeverityModel,
    /// Accepted changes (default: spec/accepted-changes.toml, when it exists).
    #[arg(long, value_name = "PATH", conflicts_with = "no_accepted")]
    pub accepted: Option<PathBuf>,
    /// Ignore accepted changes.
    #[arg(long)]
    pub no_accepted: bool,
    /// The date deciding which sunsets and accepted changes have passed (default: today, UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<String>,
}

/// The result of a diff run, before printing.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Findings after accepted changes, sorted for the report.
    pub applied: Applied,
    /// Whether a remaining finding reaches `--fail-on`.
    pub failed: bool,
}

/// Loads both sides (in parallel: YAML parsing dominates), diffs them and applies accepted changes.
pub fn execute(args: &DiffArgs) -> Result<Outcome, DiffError> {
    let today = match &args.today {
        Some(day) => {
            chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| {
                DiffError::Usage(format!("--today {day}: expected a YYYY-MM-DD date"))
            })?;
            day.clone()
        }
        None => today(),
    };
    let root = crate::project_root();
    let base = Input::parse(&args.base)?;
    let revision = Input::parse(&args.revision)?;
    let entries = if args.no_accepted {
        Vec::new()
    } else {
        match &args.accepted {
            Some(path) => load_accepted(path)?,
            None => {
                let default = root.join("spec").join("accepted-changes.toml");
                if default.exists() {
                    load_accepted(&default)?
                } else {
                    Vec::new()
                }
            }
        }
    };
    let (base, revision) = std::thread::scope(|scope| {
        let other = scope.spawn(|| revision.load(&root));
        let base = base.load(&root);
        let revision = other
            .join()
            .unwrap_or_else(|_| Err(DiffError::Usage("the loader thread panicked".into())));
        (base, revision)
    });
    let (base, revision) = (base?, revision?);
    let mut findings = diff_documents_on(&base, &revision, &today);
    apply_model(&mut findings, args.severity_model);
    let mut applied = apply_accepted(findings, &entries, &today);
    sort_for_report(&mut applied.findings);
    let failed = args
        .fail_on
        .is_some_and(|level| applied.findings.iter().any(|f| f.severity >= level));
    Ok(Outcome { applied, failed })
}

/// Runs the command: prints the report on stdout and returns the exit status.
pub fn run(args: &DiffArgs) -> ExitCode {
    match execute(args) {
        Ok(outcome) => {
            let color = args.format == OutputFormat::Text
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            print!("{}", render(&outcome.applied, args.format, color));
            if outcome.failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
