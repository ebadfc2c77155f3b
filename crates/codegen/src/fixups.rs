//! Codegen-only rewrites of a fragment, applied in memory before progenitor sees it.
//!
//! The committed fragments keep upstream's contract as it is; these functions adapt it to what progenitor
//! can generate well. Each returns how many places it changed. A fixup that changes nothing does not fail the
//! build (a spec bump must never need hand edits): codegen reports it as unused, and `cargo xtask pull
//! --check` in CI fails on it, so the maintainer deletes it from the flavour's list.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::OperationRow;

/// The pattern every MongoDB resource id in a path follows (the shared `ObjectId` type checks it).
pub use invitation_types::OBJECT_ID_PATTERN;

/// Name of the one shared, validated path-id type the generated clients use.
pub const OBJECT_ID_SCHEMA: &str = "ObjectId";

/// The fixups, each named for what it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fixup {
    /// Keeps, in each operation, only the media type the table says to send: upstream lists several
    /// resource versions in one content map (list and remove users answer 2023-01-01 and 2025-02-19),
    /// which progenitor cannot generate.
    SelectVersion,
    /// `application/vnd.atlas.<date>+json` → `application/json`, remembering each operation's vendor type:
    /// progenitor cannot generate vendor request bodies and leaves vendor responses untyped.
    VendorMediaTypes,
    /// Drops response content that carries no schema (v2's `204 No Content` lists one), and any content of
    /// a 204 (older v2 revisions give it a `NoBody` schema), which progenitor would otherwise read as a body.
    DropSchemalessContent,
    /// Inlines a discriminated parent's own properties into its subtypes (which refer back to it through
    /// `allOf`) and leaves the parent a plain `oneOf` of them: typify recurses forever on the loop.
    FlattenHierarchies,
    /// Rewrites closed string enums as `oneOf: [known enum, string]` so a value this build does not know
    /// (a role added upstream next month) still decodes.
    OpenEnums,
    /// Removes `default` from request bodies and parameters: progenitor makes a defaulted field
    /// non-optional and always sends it, so a PATCH would send values the caller never set.
    StripRequestDefaults,
    /// Every 24-hex path id (`orgId`, `groupId`, `invitationId`, `userId`) becomes one shared validated
    /// type instead of one newtype per operation (or, where upstream forgot the pattern, a bare string).
    UnifyPathIds,
    /// Drops `pattern` from every schema a response can carry. Upstream writes some with `\p{L}`/`\p{N}`
    /// classes that the generated validator (regress, without Unicode mode) reads as literals, so a valid
    /// `orgName` such as `Acme` failed to decode; and a client has no business refusing what the server
    /// sends. Path ids keep their pattern (they are checked before a request goes out).
    ResponsePatterns,
    /// Replaces operation summaries and descriptions with one line of our own: method, path, operationId,
    /// and deprecation with its sunset date.
    OperationDocs,
}

impl Fixup {
    /// The name used in messages.
    pub fn name(self) -> &'static str {
        match self {
            Fixup::SelectVersion => "select_version",
            Fixup::VendorMediaTypes => "vendor_media_types",
            Fixup::DropSchemalessContent => "drop_schemaless_content",
            Fixup::FlattenHierarchies => "flatten_hierarchies",
            Fixup::OpenEnums => "open_enums",
            Fixup::StripRequestDefaults => "strip_request_defaults",
            Fixup::UnifyPathIds => "unify_path_ids",
            Fixup::ResponsePatterns => "response_patterns",
            Fixup::OperationDocs => "operation_docs",
        }
    }

    /// Applies the fixup and returns how many places it changed (0: it no longer applies). `rows` is the
    /// operation table read from the fragment before any fixup ran.
    pub fn apply(self, doc: &mut Value, rows: &[OperationRow]) -> usize {
        match self {
            Fixup::SelectVersion => select_version(doc, rows),
            Fixup::VendorMediaTypes => vendor_media_types(doc),
            Fixup::DropSchemalessContent => drop_schemaless_content(doc),
            Fixup::FlattenHierarchies => flatten_hierarchies(doc),
            Fixup::OpenEnums => open_enums(doc),
            Fixup::StripRequestDefaults => strip_request_defaults(doc),
            Fixup::UnifyPathIds => unify_path_ids(doc),
            Fixup::ResponsePatterns => response_patterns(doc),
            Fixup::OperationDocs => operation_docs(doc, rows),
        }
    }
}

/// HTTP methods an OpenAPI path item can hold.
pub(crate) const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Calls `f(path, method, operation)` for every operation.
pub(crate) fn for_each_operation(
    doc: &mut Value,
    mut f: impl FnMut(&str, &str, &mut Map<String, Value>),
) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            if let (true, Some(op)) = (METHODS.contains(&method.as_str()), op.as_object_mut()) {
                f(path, method, op);
            }
        }
    }
}

/// The content maps of an operation: its request body's and each response's.
fn content_maps(op: &mut Map<String, Value>) -> Vec<&mut Map<String, Value>> {
    let mut out = Vec::new();
    let (request, responses) = {
        let mut request = None;
        let mut responses = None;
        for (k, v) in op.iter_mut() {
            match k.as_str() {
                "requestBody" => request = Some(v),
                "responses" => responses = Some(v),
                _ => {}
            }
        }
        (request, responses)
    };
    if let Some(content) = request
        .and_then(|r| r.get_mut("content"))
        .and_then(Value::as_object_mut)
    {
        out.push(content);
    }
    for response in responses
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|r| r.values_mut())
    {
        if let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) {
            out.push(content);
        }
    }
    out
}

/// True for `application/vnd.atlas.<version>+json`.
pub fn is_vendor_json(media_type: &str) -> bool {
    media_type.starts_with("application/vnd.atlas.") && media_type.ends_with("+json")
}

fn select_version(doc: &mut Value, rows: &[OperationRow]) -> usize {
    let mut changed = 0;
    for_each_operation(doc, |path, method, op| {
        let Some(row) = rows
            .iter()
            .find(|r| r.path == path && r.method.eq_ignore_ascii_case(method))
        else {
            return;
        };
        for content in content_maps(op) {
            if !content.contains_key(&row.media_type) {
                continue;
            }
            let before = content.len();
            content.retain(|k, _| !is_vendor_json(k) || *k == row.media_type);
            changed += before - content.len();
        }
    });
    changed
}

fn vendor_media_types(doc: &mut Value) -> usize {
    let mut changed = 0;
    for_each_operation(doc, |_, _, op| {
        for content in content_maps(op) {
            let vendor: Vec<String> = content
                .keys()
                .filter(|k| is_vendor_json(k))
                .cloned()
                .collect();
            for key in vendor {
                // The operation table, read before this ran, keeps the vendor type for the hooks.
                if let Some(media) = content.remove(&key) {
                    content.insert("application/json".into(), media);
                    changed += 1;
                }
            }
        }
    });
    changed
}

fn drop_schemaless_content(doc: &mut Value) -> usize {
    let mut changed = 0;
    for_each_operation(doc, |_, _, op| {
        if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
            for (status, response) in responses.iter_mut() {
                let Some(obj) = response.as_object_mut() else {
                    continue;
                };
                // A 204 has no body whatever its content says (older revisions give it a `NoBody`
                // object schema, which the generated client would try to decode from nothing).
                let empty = obj
                    .get("content")
                    .and_then(Value::as_object)
                    .is_some_and(|c| {
                        status == "204" || c.values().all(|m| m.get("schema").is_none())
                    });
                if empty {
                    obj.remove("content");
                    changed += 1;
                }
            }
        }
    });
    changed
}

fn flatten_hierarchies(doc: &mut Value) -> usize {
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return 0;
    };
    let parents: Vec<String> = schemas
        .iter()
        .filter(|(_, s)| s.get("discriminator").is_some() && s.get("oneOf").is_some())
        .map(|(name, _)| name.clone())
        .collect();
    let mut changed = 0;
    for parent in parents {
        let parent_ref = format!("#/components/schemas/{}", escape(&parent));
        let Some(Value::Object(schema)) = schemas.get(&parent).cloned() else {
            continue;
        };
        let mut base = schema.clone();
        base.remove("oneOf");
        base.remove("discriminator");
        let children: Vec<String> = schema
            .get("oneOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| v.get("$ref").and_then(Value::as_str))
            .filter_map(|r| r.strip_prefix("#/components/schemas/"))
            .map(unescape)
            .collect();
        for child in children {
            let Some(all_of) = schemas
                .get_mut(&child)
                .and_then(|c| c.get_mut("allOf"))
                .and_then(Value::as_array_mut)
            else {
                continue;
            };
            for part in all_of.iter_mut() {
                if part.get("$ref").and_then(Value::as_str) == Some(parent_ref.as_str()) {
                    *part = Value::Object(base.clone());
                    changed += 1;
                }
            }
        }
        let one_of = schema.get("oneOf").cloned().unwrap_or(Value::Null);
        schemas.insert(parent, json!({ "oneOf": one_of }));
    }
    changed
}

fn open_enums(doc: &mut Value) -> usize {
    // Find every closed string enum inside the component schemas, hoist it into a named component of its
    // own (`<Name>Known`), and point the original location at an open wrapper `<Name>`.
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return 0;
    };
    let mut found: Vec<(String, String, Vec<Value>)> = Vec::new(); // (pointer inside schemas, context name, values)
    for (name, schema) in schemas.iter() {
        find_enums(schema, &format!("/{}", escape(name)), name, &mut found);
    }
    let mut names_by_values: BTreeMap<String, String> = BTreeMap::new();
    let mut new_components = Vec::new();
    let mut changed = 0;
    for (pointer, context, values) in found {
        // The same set of values in another order is the same type.
        let mut sorted: Vec<String> = values.iter().map(Value::to_string).collect();
        sorted.sort();
        let key = sorted.join(",");
        let name = match names_by_values.get(&key) {
            Some(name) => name.clone(),
            None => {
                let taken = |n: &str| {
                    schemas.contains_key(n)
                        || schemas.contains_key(&format!("{n}Known"))
                        || names_by_values.values().any(|v| v == n)
                };
                let mut name = enum_name(&values).filter(|n| !taken(n)).unwrap_or(context);
                // Suffixes with a digit survive typify's name sanitising (underscores would not).
                let base = name.clone();
                let mut i = 2;
                while taken(&name) {
                    name = format!("{base}{i}");
                    i += 1;
                }
                names_by_values.insert(key, name.clone());
                new_components.push((name.clone(), values.clone()));
                name
            }
        };
        if let Some(slot) = schemas_pointer_mut(schemas, &pointer) {
            let reference = json!({ "$ref": format!("#/components/schemas/{name}") });
            let mut rest = slot.as_object().cloned().unwrap_or_default();
            // Keywords about the value set move to the new component; readOnly/writeOnly mean nothing to
            // the generator; anything else (nullable, say) stays beside an `allOf` of the reference.
            rest.retain(|k, _| {
                !matches!(k.as_str(), "enum" | "type" | "readOnly" | "writeOnly")
                    && !k.starts_with("x-")
            });
            *slot = if rest.is_empty() {
                reference
            } else {
                rest.insert("allOf".into(), json!([reference]));
                Value::Object(rest)
            };
            changed += 1;
        }
    }
    for (name, values) in new_components {
        let known = format!("{name}Known");
        schemas.insert(known.clone(), json!({ "type": "string", "enum": values }));
        schemas.insert(
            name,
            json!({ "oneOf": [{ "$ref": format!("#/components/schemas/{known}") }, { "type": "string" }] }),
        );
    }
    changed
}

/// A readable name for well-known value sets; `None` for the rest.
fn enum_name(values: &[Value]) -> Option<String> {
    let strings: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
    if strings.iter().all(|s| s.starts_with("ORG_")) {
        Some("OrgRoleName".into())
    } else if strings.iter().all(|s| s.starts_with("GROUP_")) {
        Some("GroupRoleName".into())
    } else {
        None
    }
}

fn find_enums(
    schema: &Value,
    pointer: &str,
    context: &str,
    out: &mut Vec<(String, String, Vec<Value>)>,
) {
    let Some(obj) = schema.as_object() else {
        return;
    };
    if let Some(Value::Array(values)) = obj.get("enum")
        && obj.get("type").and_then(Value::as_str) == Some("string")
    {
        out.push((pointer.to_string(), context.to_string(), values.clone()));
        return;
    }
    for (k, v) in obj {
        match k.as_str() {
            "properties" => {
                for (prop, sub) in v.as_object().into_iter().flatten() {
                    let ctx = format!("{context}{}", pascal(prop));
                    find_enums(
                        sub,
                        &format!("{pointer}/properties/{}", escape(prop)),
                        &ctx,
                        out,
                    );
                }
            }
            "items" => find_enums(
                v,
                &format!("{pointer}/items"),
                &format!("{context}Item"),
                out,
            ),
            "additionalProperties" => find_enums(
                v,
                &format!("{pointer}/additionalProperties"),
                &format!("{context}Value"),
                out,
            ),
            "allOf" | "oneOf" | "anyOf" => {
                for (i, sub) in v.as_array().into_iter().flatten().enumerate() {
                    find_enums(sub, &format!("{pointer}/{k}/{i}"), context, out);
                }
            }
            _ => {}
        }
    }
}

fn schemas_pointer_mut<'a>(
    schemas: &'a mut Map<String, Value>,
    pointer: &str,
) -> Option<&'a mut Value> {
    let trimmed = pointer.trim_start_matches('/');
    let (first, rest) = trimmed.split_once('/').unwrap_or((trimmed, ""));
    let root = schemas.get_mut(&unescape(first))?;
    if rest.is_empty() {
        Some(root)
    } else {
        root.pointer_mut(&format!("/{rest}"))
    }
}

fn pascal(s: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            if upper {
                out.extend(c.to_uppercase());
            } else {
                out.push(c);
            }
            upper = false;
        } else {
            upper = true;
        }
    }
    out
}

fn escape(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

fn unescape(s: &str) -> String {
    s.replace("~1", "/").replace("~0", "~")
}

fn strip_request_defaults(doc: &mut Value) -> usize {
    // Schemas reachable from request bodies, by component name.
    let mut request_schemas = Vec::new();
    let mut changed = 0;
    for_each_operation(doc, |_, _, op| {
        if let Some(content) = op.get_mut("requestBody").and_then(|b| b.get_mut("content")) {
            collect_schema_refs(content, &mut request_schemas);
            changed += remove_defaults(content);
        }
        if let Some(params) = op.get_mut("parameters") {
            changed += remove_defaults(params);
        }
    });
    if let Some(params) = doc.pointer_mut("/components/parameters") {
        changed += remove_defaults(params);
    }
    // Follow references transitively through the component schemas.
    let mut seen = std::collections::BTreeSet::new();
    while let Some(name) = request_schemas.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(schema) = doc.pointer_mut(&format!("/components/schemas/{}", escape(&name))) {
            collect_schema_refs(schema, &mut request_schemas);
            changed += remove_defaults(schema);
        }
    }
    changed
}

fn collect_schema_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "$ref" {
                    if let Some(name) = v
                        .as_str()
                        .and_then(|r| r.strip_prefix("#/components/schemas/"))
                    {
                        out.push(unescape(name));
                    }
                } else {
                    collect_schema_refs(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_schema_refs(v, out)),
        _ => {}
    }
}

fn remove_defaults(value: &mut Value) -> usize {
    remove_keyword(value, "default")
}

/// Removes a schema keyword everywhere below `value`; returns how many were removed.
fn remove_keyword(value: &mut Value, keyword: &str) -> usize {
    match value {
        Value::Object(map) => {
            let mut n = usize::from(map.remove(keyword).is_some());
            for (k, v) in map.iter_mut() {
                // `properties` maps names to schemas; a property named like the keyword is not one.
                if k == "properties" {
                    for sub in v.as_object_mut().into_iter().flat_map(|m| m.values_mut()) {
                        n += remove_keyword(sub, keyword);
                    }
                } else {
                    n += remove_keyword(v, keyword);
                }
            }
            n
        }
        Value::Array(items) => items.iter_mut().map(|v| remove_keyword(v, keyword)).sum(),
        _ => 0,
    }
}

fn response_patterns(doc: &mut Value) -> usize {
    let mut pending = Vec::new();
    let mut changed = 0;
    for_each_operation(doc, |_, _, op| {
        if let Some(responses) = op.get_mut("responses") {
            collect_schema_refs(responses, &mut pending);
            changed += remove_keyword(responses, "pattern");
        }
    });
    if let Some(responses) = doc.pointer_mut("/components/responses") {
        collect_schema_refs(responses, &mut pending);
    }
    let mut seen = std::collections::BTreeSet::new();
    while let Some(name) = pending.pop() {
        if name == OBJECT_ID_SCHEMA || !seen.insert(name.clone()) {
            continue;
        }
        if let Some(schema) = doc.pointer_mut(&format!("/components/schemas/{}", escape(&name))) {
            collect_schema_refs(schema, &mut pending);
            changed += remove_keyword(schema, "pattern");
        }
    }
    changed
}

fn unify_path_ids(doc: &mut Value) -> usize {
    let mut changed = 0;
    let mut unify = |param: &mut Value| {
        let is_id = param.get("in").and_then(Value::as_str) == Some("path")
            && param
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| matches!(n, "orgId" | "groupId" | "invitationId" | "userId"));
        if is_id && let Some(obj) = param.as_object_mut() {
            obj.insert(
                "schema".into(),
                json!({ "$ref": format!("#/components/schemas/{OBJECT_ID_SCHEMA}") }),
            );
            changed += 1;
        }
    };
    if let Some(params) = doc
        .pointer_mut("/components/parameters")
        .and_then(Value::as_object_mut)
    {
        params.values_mut().for_each(&mut unify);
    }
    for_each_operation(doc, |_, _, op| {
        if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
            params.iter_mut().for_each(&mut unify);
        }
    });
    if changed > 0
        && let Some(schemas) = doc
            .pointer_mut("/components/schemas")
            .and_then(Value::as_object_mut)
    {
        schemas.insert(
            OBJECT_ID_SCHEMA.into(),
            json!({ "type": "string", "pattern": OBJECT_ID_PATTERN }),
        );
    }
    changed
}

fn operation_docs(doc: &mut Value, rows: &[OperationRow]) -> usize {
    let mut changed = 0;
    for_each_operation(doc, |path, method, op| {
        let method = method.to_ascii_uppercase();
        let row = rows.iter().find(|r| r.path == path && r.method == method);
        let mut line = format!("`{method} {path}`");
        if let Some(row) = row {
            line.push_str(&format!(
                " (upstream operationId `{}`, `{}`)",
                row.operation_id, row.media_type
            ));
            if row.deprecated {
                line.push_str(". Deprecated by MongoDB");
                if let Some(sunset) = &row.sunset {
                    line.push_str(&format!("; sunset {sunset}"));
                }
                if let Some(successor) = &row.successor {
                    line.push_str(&format!("; use `{successor}` instead"));
                }
            }
        }
        line.push('.');
        op.remove("summary");
        op.insert("description".into(), Value::String(line));
        changed += 1;
    });
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        json!({
            "openapi": "3.0.1",
            "info": {"title": "t", "version": "1"},
            "paths": {"/api/x/orgs/{orgId}/invites": {"patch": {
                "operationId": "updateThing",
                "deprecated": true,
                "parameters": [
                    {"in": "path", "name": "orgId", "required": true, "schema": {"type": "string"}},
                    {"in": "query", "name": "pretty", "schema": {"type": "boolean", "default": false}}
                ],
                "requestBody": {"content": {"application/vnd.atlas.2023-01-01+json": {"schema": {"$ref": "#/components/schemas/Req"}}}},
                "responses": {
                    "200": {"description": "", "content": {"application/vnd.atlas.2023-01-01+json": {
                        "schema": {"$ref": "#/components/schemas/Res"}, "x-sunset": "2027-07-01"}}},
                    "204": {"description": "", "content": {"application/vnd.atlas.2023-01-01+json": {}}}
                }
            }}},
            "components": {"schemas": {
                "Req": {"type": "object", "properties": {
                    "roles": {"type": "array", "items": {"type": "string", "enum": ["ORG_OWNER", "ORG_MEMBER"]}},
                    "default": {"type": "string", "default": "x"}
                }},
                "Res": {"type": "object", "properties": {
                    "name": {"type": "string", "pattern": "^[\\p{L}]+$"},
                    "roles": {"type": "array", "items": {"type": "string", "enum": ["ORG_MEMBER", "ORG_OWNER"]}}
                }},
                "ApiError": {"type": "object", "properties": {"parameters": {"type": "array", "items": {"type": "object"}}}}
            }}
        })
    }

    const TABLE: &str = r#"
[flavours.x]
title = "X"
prefix = "/api/x"
media-type = "application/vnd.atlas.{version}+json"
envelope-field = "content"

[[operations]]
name = "update_thing"
route = "PATCH /orgs/{orgId}/invites"
flavours = ["x"]
version = "2023-01-01"
successor = "update_thing"

[roles]
org = {}
project = {}
"#;

    fn rows(doc: &Value) -> Vec<OperationRow> {
        let table = crate::table::Table::parse(TABLE).expect("table");
        crate::operations::rows(doc, &table, table.flavour("x").expect("x"))
            .expect("rows")
            .present
    }

    /// How many places the fixup changed; the rows are read from the fragment before any fixup, as
    /// codegen does.
    fn apply(fixup: Fixup, doc: &mut Value) -> usize {
        fixup.apply(doc, &rows(&self::doc()))
    }

    #[test]
    fn vendor_types_become_json_and_the_table_keeps_them() {
        let mut d = doc();
        let rows = rows(&d);
        assert_eq!(rows[0].media_type, "application/vnd.atlas.2023-01-01+json");
        assert_eq!(rows[0].sunset.as_deref(), Some("2027-07-01"));
        assert_eq!(
            (rows[0].name.as_str(), rows[0].operation_id.as_str()),
            ("update_thing", "updateThing")
        );
        assert_eq!(apply(Fixup::VendorMediaTypes, &mut d), 3);
        let op = &d["paths"]["/api/x/orgs/{orgId}/invites"]["patch"];
        assert!(
            op["requestBody"]["content"]
                .get("application/json")
                .is_some()
        );
        assert!(
            op["responses"]["200"]["content"]
                .get("application/json")
                .is_some()
        );
    }

    #[test]
    fn enums_with_the_same_values_share_one_open_type() {
        let mut d = doc();
        assert!(apply(Fixup::OpenEnums, &mut d) > 0);
        let s = &d["components"]["schemas"];
        assert_eq!(
            s["Req"]["properties"]["roles"]["items"],
            json!({"$ref": "#/components/schemas/OrgRoleName"})
        );
        assert_eq!(
            s["Res"]["properties"]["roles"]["items"],
            json!({"$ref": "#/components/schemas/OrgRoleName"})
        );
        assert_eq!(
            s["OrgRoleName"],
            json!({"oneOf": [{"$ref": "#/components/schemas/OrgRoleNameKnown"}, {"type": "string"}]})
        );
        assert_eq!(
            s["OrgRoleNameKnown"]["enum"],
            json!(["ORG_OWNER", "ORG_MEMBER"])
        );
    }

    #[test]
    fn request_defaults_go_but_a_property_named_default_stays() {
        let mut d = doc();
        assert!(apply(Fixup::StripRequestDefaults, &mut d) > 0);
        let op = &d["paths"]["/api/x/orgs/{orgId}/invites"]["patch"];
        assert_eq!(op["parameters"][1]["schema"], json!({"type": "boolean"}));
        assert_eq!(
            d["components"]["schemas"]["Req"]["properties"]["default"],
            json!({"type": "string"})
        );
    }

    #[test]
    fn response_patterns_go_and_path_ids_are_unified() {
        let mut d = doc();
        assert!(apply(Fixup::UnifyPathIds, &mut d) > 0);
        assert!(apply(Fixup::ResponsePatterns, &mut d) > 0);
        assert_eq!(
            d["components"]["schemas"]["Res"]["properties"]["name"],
            json!({"type": "string"})
        );
        let op = &d["paths"]["/api/x/orgs/{orgId}/invites"]["patch"];
        assert_eq!(
            op["parameters"][0]["schema"],
            json!({"$ref": "#/components/schemas/ObjectId"})
        );
        assert_eq!(
            d["components"]["schemas"]["ObjectId"]["pattern"],
            OBJECT_ID_PATTERN
        );
    }

    #[test]
    fn a_fixup_with_nothing_left_to_do_changes_nothing_and_says_so() {
        let mut d = doc();
        assert!(apply(Fixup::ResponsePatterns, &mut d) > 0);
        assert_eq!(apply(Fixup::ResponsePatterns, &mut d), 0);
        assert!(apply(Fixup::VendorMediaTypes, &mut d) > 0);
        assert_eq!(apply(Fixup::VendorMediaTypes, &mut d), 0);
        assert_eq!(apply(Fixup::DropSchemalessContent, &mut d), 1);
        assert_eq!(apply(Fixup::DropSchemalessContent, &mut d), 0);
    }

    #[test]
    fn only_the_version_the_table_sends_is_kept() {
        let mut d = doc();
        d["paths"]["/api/x/orgs/{orgId}/invites"]["patch"]["responses"]["200"]["content"]["application/vnd.atlas.2025-02-19+json"] =
            json!({"schema": {"type": "object"}});
        assert_eq!(apply(Fixup::SelectVersion, &mut d), 1);
        let content =
            &d["paths"]["/api/x/orgs/{orgId}/invites"]["patch"]["responses"]["200"]["content"];
        assert_eq!(
            content.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["application/vnd.atlas.2023-01-01+json"]
        );
        assert_eq!(apply(Fixup::SelectVersion, &mut d), 0);
    }

    #[test]
    fn operation_docs_are_our_own_line() {
        let mut d = doc();
        assert!(apply(Fixup::OperationDocs, &mut d) > 0);
        let op = &d["paths"]["/api/x/orgs/{orgId}/invites"]["patch"];
        assert_eq!(
            op["description"],
            "`PATCH /api/x/orgs/{orgId}/invites` (upstream operationId `updateThing`, \
             `application/vnd.atlas.2023-01-01+json`). Deprecated by MongoDB; sunset 2027-07-01; use `update_thing` instead."
        );
    }
}
