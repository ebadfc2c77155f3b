//! The operation table of one flavour: the rows of `spec/operations.toml` matched with the fragment's
//! operations, emitted as Rust into `OUT_DIR/operations.rs`.

use serde_json::Value;

use crate::CodegenError;
use crate::fixups::METHODS;
use crate::table::{FILE_NAME, FlavourRow, Table};

/// One operation as the generated client needs to know it at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationRow {
    /// The stable Rust name from the table: the generated method's name in every flavour.
    pub name: String,
    /// Upstream's operationId in this flavour's fragment (data: it changes when MongoDB renames).
    pub operation_id: String,
    /// Upper-case HTTP method.
    pub method: String,
    /// Path template, with the API prefix.
    pub path: String,
    /// What to send as `Accept` (and `Content-Type` with a body): the table's version on v2.
    pub media_type: String,
    /// The resource version sent, where the flavour's media type is versioned.
    pub version: Option<String>,
    /// Whether upstream marks the operation deprecated.
    pub deprecated: bool,
    /// The sunset upstream announces for the media type sent (`x-sunset`), if any.
    pub sunset: Option<String>,
    /// The stable name of the operation to use instead.
    pub successor: Option<String>,
}

/// A flavour's operations: those the fragment has, and the table's operations it lacks.
#[derive(Debug, Clone, Default)]
pub struct Rows {
    /// Present in the fragment, sorted by stable name.
    pub present: Vec<OperationRow>,
    /// Stable names the table lists for the flavour but this revision of the fragment does not have (at
    /// the resource version the table sends).
    pub absent: Vec<String>,
    /// Operations the fragment has only at other resource versions than the table sends (method in lower
    /// case, path): they are left out of generation, like absent ones.
    pub other_versions: Vec<(String, String)>,
}

/// Matches the fragment (as committed, before any fixup) with the table. Every fragment operation must have a
/// row (by method and path); a row without an operation is `absent`, not an error, so an older or newer
/// revision still generates.
pub fn rows(doc: &Value, table: &Table, flavour: &FlavourRow) -> Result<Rows, CodegenError> {
    let mut present = Vec::new();
    let mut other_versions = Vec::new();
    let paths = doc.get("paths").and_then(Value::as_object);
    for (path, item) in paths.into_iter().flatten() {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let method = method.to_ascii_uppercase();
            let operation_id = op
                .get("operationId")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let relative = path.strip_prefix(flavour.prefix.as_str()).unwrap_or(path);
            let route = format!("{method} {relative}");
            let Some(spec) = table
                .operations_of(&flavour.name)
                .find(|o| o.route == route)
            else {
                return Err(CodegenError(format!(
                    "{}: operation {operation_id:?} ({method} {path}) has no row in spec/{FILE_NAME}; \
                     add one with a stable name",
                    flavour.name
                )));
            };
            let media_type = flavour.media_type_for(spec)?;
            let offered = offered_media_types(op);
            let versioned = flavour.media_type.contains("{version}");
            if versioned && !offered.is_empty() && !offered.iter().any(|(m, _)| *m == media_type) {
                // An older revision with the route at an earlier version only: not the operation the
                // table binds (its schemas are another version's), so it is absent here.
                other_versions.push((method.to_ascii_lowercase(), path.clone()));
                continue;
            }
            let sunset = offered
                .iter()
                .find(|(m, _)| *m == media_type)
                .and_then(|(_, s)| s.clone())
                .or_else(|| op.get("x-sunset").and_then(Value::as_str).map(String::from));
            present.push(OperationRow {
                name: spec.name.clone(),
                operation_id,
                method,
                path: path.clone(),
                media_type,
                version: versioned.then(|| spec.version.clone()).flatten(),
                deprecated: op
                    .get("deprecated")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                sunset,
                successor: spec.successor.clone(),
            });
        }
    }
    present.sort_by(|a, b| a.name.cmp(&b.name));
    let absent = table
        .operations_of(&flavour.name)
        .filter(|o| !present.iter().any(|r| r.name == o.name))
        .map(|o| o.name.clone())
        .collect();
    Ok(Rows {
        present,
        absent,
        other_versions,
    })
}

/// The media types an operation offers in its request body and success responses, with each one's
/// `x-sunset` (responses first: a version's sunset is announced on its answers).
fn offered_media_types(op: &Value) -> Vec<(String, Option<String>)> {
    let successes = op
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(status, _)| status.starts_with('2'))
        .filter_map(|(_, r)| r.get("content"));
    let request = op.pointer("/requestBody/content");
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    for content in successes.chain(request) {
        for (key, media) in content.as_object().into_iter().flatten() {
            let sunset = media
                .get("x-sunset")
                .and_then(Value::as_str)
                .map(String::from);
            match out.iter_mut().find(|(m, _)| m == key) {
                Some((_, s)) if s.is_none() => *s = sunset,
                Some(_) => {}
                None => out.push((key.clone(), sunset)),
            }
        }
    }
    out
}

/// The Rust source of the flavour's `operations` module (a generated file of its own).
pub fn render(table: &Table, flavour: &FlavourRow, rows: &Rows) -> String {
    let opt = |s: &Option<String>| match s {
        Some(s) => format!("Some({s:?})"),
        None => "None".into(),
    };
    let mut out = String::from(
        "// Generated by mongodb-invitations-codegen from spec/operations.toml and the committed fragment. Do not edit.\n\n\
         /// One operation of this API as the client sends it.\n\
         #[derive(Debug, Clone, Copy, PartialEq, Eq)]\n\
         pub struct Operation {\n\
         \x20   /// The stable name from `spec/operations.toml`: the generated method in every flavour.\n    pub name: &'static str,\n\
         \x20   /// Upstream's operationId in this revision of the fragment.\n    pub operation_id: &'static str,\n\
         \x20   /// Upper-case HTTP method.\n    pub method: &'static str,\n\
         \x20   /// Path template including the API prefix.\n    pub path: &'static str,\n\
         \x20   /// Media type sent as `Accept`, and as `Content-Type` when there is a body.\n    pub media_type: &'static str,\n\
         \x20   /// The resource version sent, where the media type is versioned.\n    pub version: Option<&'static str>,\n\
         \x20   /// Whether MongoDB marks the operation deprecated.\n    pub deprecated: bool,\n\
         \x20   /// The sunset date (`YYYY-MM-DD`) announced for the version sent, if any.\n    pub sunset: Option<&'static str>,\n\
         \x20   /// The stable name of the operation MongoDB recommends instead.\n    pub successor: Option<&'static str>,\n\
         }\n\n",
    );
    out.push_str(&format!(
        "/// This flavour's name in `spec/operations.toml`.\npub const FLAVOUR: &str = {:?};\n\n\
         /// What the flavour is called in prose.\npub const TITLE: &str = {:?};\n\n\
         /// The path prefix of every operation.\npub const PREFIX: &str = {:?};\n\n\
         /// Where the API lives by default (`None`: self-hosted).\npub const DEFAULT_BASE_URL: Option<&str> = {};\n\n\
         /// The field an `envelope=true` answer wraps the entity in.\npub const ENVELOPE_FIELD: &str = {:?};\n\n",
        flavour.name,
        flavour.title,
        flavour.prefix,
        opt(&flavour.default_base_url),
        flavour.envelope_field,
    ));
    out.push_str("/// Every operation of this client, sorted by stable name.\npub static OPERATIONS: &[Operation] = &[\n");
    for r in &rows.present {
        out.push_str(&format!(
            "    Operation {{ name: {:?}, operation_id: {:?}, method: {:?}, path: {:?}, media_type: {:?}, version: {}, deprecated: {}, sunset: {}, successor: {} }},\n",
            r.name,
            r.operation_id,
            r.method,
            r.path,
            r.media_type,
            opt(&r.version),
            r.deprecated,
            opt(&r.sunset),
            opt(&r.successor),
        ));
    }
    out.push_str("];\n\n");
    out.push_str(&format!(
        "/// Operations the table lists for this flavour that this revision of the fragment lacks.\npub static ABSENT: &[&str] = &{:?};\n\n",
        rows.absent
    ));
    out.push_str(
        "/// The row for a stable name (what progenitor's hooks receive as the operation id), if this client has it.\n\
         pub fn find(name: &str) -> Option<&'static Operation> {\n\
         \x20   OPERATIONS.binary_search_by(|op| op.name.cmp(name)).ok().map(|i| &OPERATIONS[i])\n\
         }\n\n\
         /// The row for upstream's operationId, if this client has that operation.\n\
         pub fn find_by_operation_id(operation_id: &str) -> Option<&'static Operation> {\n\
         \x20   OPERATIONS.iter().find(|op| op.operation_id == operation_id)\n\
         }\n\n",
    );
    let role_list = |roles: &[(String, Vec<String>)]| -> Vec<String> {
        roles
            .iter()
            .filter(|(_, f)| f.contains(&flavour.name))
            .map(|(r, _)| r.clone())
            .collect()
    };
    out.push_str(&format!(
        "/// The roles this flavour's servers accept, from `spec/operations.toml`.\npub mod roles {{\n\
         \x20   /// Organization roles.\n    pub const ORG: &[&str] = &{:?};\n\
         \x20   /// Project roles.\n    pub const PROJECT: &[&str] = &{:?};\n}}\n\n",
        role_list(&table.org_roles),
        role_list(&table.project_roles),
    ));
    // A macro lets code written once against the stable names compile whatever revision a flavour was
    // generated from: the branch for an operation this client lacks is never type-checked.
    out.push_str(
        "/// `if_operation!(name, { .. }, { .. })` expands to the first block when this client has the operation\n\
         /// `name` (a stable name of `spec/operations.toml`) and to the second otherwise.\n\
         #[macro_export]\nmacro_rules! if_operation {\n",
    );
    for r in &rows.present {
        out.push_str(&format!(
            "    ({}, {{ $($yes:tt)* }}, {{ $($no:tt)* }}) => {{ $($yes)* }};\n",
            r.name
        ));
    }
    for name in table
        .operations
        .iter()
        .map(|o| &o.name)
        .filter(|n| !rows.present.iter().any(|r| &r.name == *n))
    {
        out.push_str(&format!(
            "    ({name}, {{ $($yes:tt)* }}, {{ $($no:tt)* }}) => {{ $($no)* }};\n"
        ));
    }
    out.push_str("}\n");
    out
}
