//! `spec/sources.toml`: the pinned upstream documents; with `spec/operations.toml`, the operations kept from
//! each.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::PullError;

/// The document format, which decides the parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// YAML 1.2 (what MongoDB publishes for v2).
    Yaml,
    /// JSON (what MongoDB publishes for v1.0).
    Json,
}

impl Format {
    /// The lower-case name used in messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Yaml => "yaml",
            Format::Json => "json",
        }
    }
}

/// One pinned document: where it is and what its bytes hash to.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Upstream {
    /// HTTPS URL that names the pinned commit.
    pub url: String,
    /// The commit the URL is pinned to.
    pub commit: String,
    /// How to parse it.
    pub format: Format,
    /// sha256 of the bytes at `url`; absent until the document has been downloaded once with `--update-pin`.
    pub sha256: Option<String>,
}

/// Where the same document sits in a mirror folder such as `../shared/upstream` (what `--from` reads).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mirror {
    /// Path relative to the mirror root.
    pub file: String,
    /// How to parse it.
    pub format: Format,
    /// sha256 of the mirrored bytes.
    pub sha256: String,
}

/// One flavour's entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Source {
    /// The upstream document (absent for a derived flavour).
    pub upstream: Option<Upstream>,
    /// The mirror copy (absent for a derived flavour).
    pub mirror: Option<Mirror>,
    /// Operations to keep, as `METHOD /path` with the flavour's prefix: read from the table of operations
    /// (`spec/operations.toml`), never written in `sources.toml`.
    #[serde(skip)]
    pub operations: Vec<String>,
    /// Selected operations the pinned revision does not have (recorded by `cargo xtask bump`): pull leaves
    /// them out, and fails when the document has one after all.
    #[serde(default)]
    pub absent: Vec<String>,
    /// A derived flavour names the flavour whose fragment it starts from ...
    pub derive_from: Option<String>,
    /// ... and the overlay (relative to `spec/`) that turns that fragment into this one.
    pub overlay: Option<String>,
}

/// All flavours, in file order of their names (a `BTreeMap` keeps the pull order stable).
#[derive(Debug, Clone)]
pub struct Sources {
    /// Flavour name → entry.
    pub flavours: BTreeMap<String, Source>,
    /// The table of operations the entries were checked against (codegen reads the same one).
    pub table: codegen::Table,
}

impl Sources {
    /// Reads and checks `spec/sources.toml` and `spec/operations.toml` under `spec_dir`.
    pub fn load(spec_dir: &Path) -> Result<Self, PullError> {
        let read = |name: &str| {
            let path = spec_dir.join(name);
            std::fs::read_to_string(&path).map_err(|source| PullError::Io { path, source })
        };
        Self::parse(&read("sources.toml")?, &read(codegen::table::FILE_NAME)?)
    }

    /// Parses `sources.toml` with the table of operations and checks that every entry is either pinned or
    /// derived, and that each flavour is one the table knows.
    pub fn parse(text: &str, table: &str) -> Result<Self, PullError> {
        let table = codegen::Table::parse(table).map_err(|e| PullError::Sources(e.0))?;
        let mut flavours: BTreeMap<String, Source> =
            toml::from_str(text).map_err(|e| PullError::Sources(e.to_string()))?;
        for (name, source) in &mut flavours {
            let row = table.flavour(name).ok_or_else(|| {
                PullError::Sources(format!(
                    "{name}: not a flavour of {}",
                    codegen::table::FILE_NAME
                ))
            })?;
            source.operations = table
                .operations_of(name)
                .map(|op| {
                    let (method, path) = op.method_and_path();
                    format!("{method} {}{path}", row.prefix)
                })
                .collect();
        }
        for (name, source) in &flavours {
            match (&source.derive_from, &source.overlay) {
                (Some(base), Some(_)) => {
                    if !flavours.contains_key(base) {
                        return Err(PullError::Sources(format!(
                            "{name}: derive-from names unknown flavour `{base}`"
                        )));
                    }
                }
                (None, None) => {
                    if source.upstream.is_none() || source.mirror.is_none() {
                        return Err(PullError::Sources(format!(
                            "{name}: needs [{name}.upstream] and [{name}.mirror], or derive-from with overlay"
                        )));
                    }
                    if source.operations.is_empty() {
                        return Err(PullError::Sources(format!(
                            "{name}: no operations selected"
                        )));
                    }
                    for op in &source.operations {
                        parse_operation(op).map_err(PullError::Sources)?;
                    }
                    if let Some(op) = source
                        .absent
                        .iter()
                        .find(|op| !source.operations.contains(op))
                    {
                        return Err(PullError::Sources(format!(
                            "{name}: absent operation `{op}` is not one of its operations"
                        )));
                    }
                }
                _ => {
                    return Err(PullError::Sources(format!(
                        "{name}: derive-from and overlay go together"
                    )));
                }
            }
        }
        Ok(Sources { flavours, table })
    }

    /// The entry for `flavour`, or an error listing the known ones.
    pub fn get(&self, flavour: &str) -> Result<&Source, PullError> {
        self.flavours.get(flavour).ok_or_else(|| {
            PullError::UnknownFlavour(
                flavour.to_string(),
                self.flavours.keys().cloned().collect::<Vec<_>>().join(", "),
            )
        })
    }
}

/// HTTP methods an OpenAPI path item can hold, lower case as they appear in the document.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Splits `PATCH /api/...` into the document's lower-case method key and the path.
pub fn parse_operation(op: &str) -> Result<(String, String), String> {
    let (method, path) = op
        .split_once(' ')
        .ok_or_else(|| format!("operation `{op}` is not `METHOD /path`"))?;
    let method = method.to_ascii_lowercase();
    if !METHODS.contains(&method.as_str()) || !path.starts_with('/') {
        return Err(format!("operation `{op}` is not `METHOD /path`"));
    }
    Ok((method, path.to_string()))
}
