//! Turning a whole upstream document into a fragment: the selected operations, every component they reach
//! through `$ref`, and none of the prose.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::error::PullError;
use crate::sources::parse_operation;

/// Keys that carry prose only; dropped wherever they are schema or operation keywords.
const PROSE: [&str; 7] = [
    "description",
    "summary",
    "example",
    "examples",
    "x-codeSamples",
    "externalDocs",
    // Upstream's linter exemptions: free text about their style guide, not part of the contract.
    "x-xgen-IPA-exception",
];

/// Keys whose object values are maps from names (property names, status codes, media types, ...) to
/// objects. Their own keys are names and must never be taken for prose keywords: a property may well be
/// called `description`.
const NAME_MAPS: [&str; 9] = [
    "properties",
    "paths",
    "content",
    "headers",
    "encoding",
    "links",
    "callbacks",
    "variables",
    "patternProperties",
];

/// Builds the fragment of `doc` holding `operations` (`METHOD /path`) and their reachable components.
pub fn extract(doc: &Value, flavour: &str, operations: &[String]) -> Result<Value, PullError> {
    let mut out = Map::new();
    for key in ["openapi", "servers", "security"] {
        if let Some(v) = doc.get(key) {
            out.insert(key.to_string(), v.clone());
        }
    }
    if let Some(Value::Object(info)) = doc.get("info") {
        // Keep what identifies the document; contact, terms and descriptions are prose.
        let kept: Map<String, Value> = info
            .iter()
            .filter(|(k, _)| {
                matches!(k.as_str(), "title" | "version" | "license") || k.starts_with("x-")
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        out.insert("info".into(), Value::Object(kept));
    }

    let mut paths = Map::new();
    for op in operations {
        let (method, path) = parse_operation(op).map_err(PullError::Sources)?;
        let item = doc
            .get("paths")
            .and_then(|p| p.get(&path))
            .filter(|item| item.get(&method).is_some())
            .ok_or_else(|| PullError::MissingOperation {
                flavour: flavour.to_string(),
                operation: op.clone(),
            })?;
        let entry = paths
            .entry(path.clone())
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .expect("path items are objects");
        entry.insert(method.clone(), item[&method].clone());
        if let Some(shared) = item.get("parameters") {
            entry.insert("parameters".into(), shared.clone());
        }
    }
    out.insert("paths".into(), Value::Object(paths));

    let components = reachable_components(doc, &out, flavour)?;
    if !components.is_empty() {
        out.insert("components".into(), Value::Object(components));
    }
    let mut fragment = Value::Object(out);
    strip_prose(&mut fragment, Context::Normal);
    Ok(fragment)
}

/// Collects every component reachable from `root` (the operations, plus the security schemes named by
/// `security` requirements), checking for dangling references and cycles on the way.
fn reachable_components(
    doc: &Value,
    root: &Map<String, Value>,
    flavour: &str,
) -> Result<Map<String, Value>, PullError> {
    // component pointer ("/components/schemas/X") → the pointers it references directly.
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut queue: Vec<(String, String)> = Vec::new(); // (pointer, used_by)

    let mut direct = Vec::new();
    collect_refs(&Value::Object(root.clone()), &mut direct);
    for r in direct {
        queue.push((r, "the selected operations".into()));
    }
    let mut schemes = BTreeSet::new();
    collect_security_names(root, &mut schemes);
    for name in schemes {
        queue.push((
            format!("#/components/securitySchemes/{}", escape_pointer(&name)),
            "a security requirement".into(),
        ));
    }

    while let Some((reference, used_by)) = queue.pop() {
        let pointer = local_pointer(&reference, &used_by, flavour)?;
        if edges.contains_key(&pointer) {
            continue;
        }
        let target = doc
            .pointer(&pointer)
            .ok_or_else(|| PullError::DanglingRef {
                flavour: flavour.to_string(),
                reference: reference.clone(),
                used_by: used_by.clone(),
            })?;
        let mut refs = Vec::new();
        collect_refs(target, &mut refs);
        let mut structural = Vec::new();
        collect_structural_refs(target, &mut structural);
        let mut targets = BTreeSet::new();
        for r in structural {
            targets.insert(local_pointer(&r, &pointer, flavour)?);
        }
        for r in refs {
            queue.push((r, pointer.clone()));
        }
        edges.insert(pointer, targets);
    }

    if let Some(cycle) = find_cycle(&edges) {
        return Err(PullError::RefCycle {
            flavour: flavour.to_string(),
            cycle,
        });
    }

    let mut components = Map::new();
    for pointer in edges.keys() {
        let mut segments = pointer
            .trim_start_matches('/')
            .split('/')
            .map(unescape_pointer);
        let (Some(_components), Some(kind), Some(name), None) = (
            segments.next(),
            segments.next(),
            segments.next(),
            segments.next(),
        ) else {
            unreachable!("local_pointer only admits /components/<kind>/<name>");
        };
        let kind_map = components
            .entry(kind)
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .expect("component kinds are objects");
        kind_map.insert(name, doc.pointer(pointer).cloned().unwrap_or(Value::Null));
    }
    Ok(components)
}

/// Accepts `#/components/<kind>/<name>` and returns its JSON pointer; anything else is an error.
fn local_pointer(reference: &str, used_by: &str, flavour: &str) -> Result<String, PullError> {
    let Some(pointer) = reference.strip_prefix('#') else {
        return Err(PullError::ExternalRef {
            flavour: flavour.to_string(),
            reference: reference.to_string(),
            used_by: used_by.to_string(),
        });
    };
    let segments: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
    if !pointer.starts_with("/components/") || segments.len() != 3 || segments[2].is_empty() {
        return Err(PullError::DanglingRef {
            flavour: flavour.to_string(),
            reference: reference.to_string(),
            used_by: used_by.to_string(),
        });
    }
    Ok(pointer.to_string())
}

/// Depth-first search for a loop; returns its members in order with the first repeated at the end.
fn find_cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Active,
        Done,
    }
    let mut marks: BTreeMap<&str, Mark> = BTreeMap::new();
    for start in edges.keys() {
        if marks.contains_key(start.as_str()) {
            continue;
        }
        // Iterative DFS: (node, iterator over its targets) frames, so a deep chain cannot overflow the stack.
        let mut stack: Vec<(&str, std::collections::btree_set::Iter<'_, String>)> = Vec::new();
        marks.insert(start, Mark::Active);
        stack.push((start, edges[start].iter()));
        while let Some((node, iter)) = stack.last_mut() {
            let node = *node;
            match iter.next() {
                Some(next) => match marks.get(next.as_str()) {
                    Some(Mark::Active) => {
                        let from = stack.iter().position(|(n, _)| *n == next).unwrap_or(0);
                        let mut cycle: Vec<String> =
                            stack[from..].iter().map(|(n, _)| short_name(n)).collect();
                        cycle.push(short_name(next));
                        return Some(cycle);
                    }
                    Some(Mark::Done) => {}
                    None => {
                        marks.insert(next, Mark::Active);
                        let targets = edges
                            .get(next.as_str())
                            .map(|t| t.iter())
                            .unwrap_or_default();
                        stack.push((next, targets));
                    }
                },
                None => {
                    marks.insert(node, Mark::Done);
                    stack.pop();
                }
            }
        }
    }
    None
}

fn short_name(pointer: &str) -> String {
    format!("#{pointer}")
}

/// Every `$ref` string inside `value`.
fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "$ref" {
                    if let Value::String(s) = v {
                        out.push(s.clone());
                    }
                } else {
                    collect_refs(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// The references that make a value of this schema contain a value of another: all of them except a
/// discriminated parent's list of its subtypes (`oneOf`/`anyOf`/`discriminator.mapping` beside a
/// `discriminator`). Subtypes point back at such a parent through `allOf`; that loop describes a type
/// hierarchy (upstream's `OrgUserResponse` and its pending and active forms), not a value that holds itself,
/// so it is not reported as a cycle.
fn collect_structural_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            let discriminated = map.contains_key("discriminator");
            for (k, v) in map {
                match k.as_str() {
                    "$ref" => {
                        if let Value::String(s) = v {
                            out.push(s.clone());
                        }
                    }
                    "oneOf" | "anyOf" | "discriminator" if discriminated => {}
                    _ => collect_structural_refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_structural_refs(v, out)),
        _ => {}
    }
}

/// Names used in `security` requirement lists, at the top level and on the operations.
fn collect_security_names(root: &Map<String, Value>, out: &mut BTreeSet<String>) {
    let mut add = |security: Option<&Value>| {
        for requirement in security.and_then(Value::as_array).into_iter().flatten() {
            if let Some(obj) = requirement.as_object() {
                out.extend(obj.keys().cloned());
            }
        }
    };
    add(root.get("security"));
    for item in root
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|p| p.values())
    {
        for op in item.as_object().into_iter().flat_map(|o| o.values()) {
            add(op.get("security"));
        }
    }
}

fn escape_pointer(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

fn unescape_pointer(s: &str) -> String {
    s.replace("~1", "/").replace("~0", "~")
}

#[derive(Clone, Copy, PartialEq)]
enum Context {
    /// An OpenAPI object whose keys are keywords.
    Normal,
    /// A map whose keys are names chosen by the API's authors.
    Names,
    /// `components`: its values are name maps.
    Components,
    /// A map of status codes to response objects.
    Responses,
}

/// Drops prose keywords everywhere except where a key is a name. Response objects keep an empty
/// `description` because OpenAPI requires the field.
fn strip_prose(value: &mut Value, context: Context) {
    match value {
        Value::Object(map) => {
            if context == Context::Normal {
                map.retain(|k, _| !PROSE.contains(&k.as_str()));
            }
            for (k, v) in map.iter_mut() {
                if context == Context::Normal && k.starts_with("x-") {
                    continue; // extension values are opaque
                }
                let child = match context {
                    Context::Components if k == "responses" => Context::Responses,
                    Context::Components => Context::Names,
                    Context::Names | Context::Responses => Context::Normal,
                    Context::Normal if k == "components" => Context::Components,
                    Context::Normal if k == "responses" && v.is_object() => Context::Responses,
                    Context::Normal if NAME_MAPS.contains(&k.as_str()) && v.is_object() => {
                        Context::Names
                    }
                    Context::Normal => Context::Normal,
                };
                strip_prose(v, child);
                if context == Context::Responses
                    && let Value::Object(response) = v
                    && !response.contains_key("$ref")
                {
                    response.insert("description".into(), Value::String(String::new()));
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| strip_prose(v, context)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "openapi": "3.0.1",
            "info": {"title": "T", "version": "1", "description": "prose", "contact": {"name": "x"}},
            "paths": {
                "/a": {"get": {"operationId": "a", "summary": "prose", "responses": {
                    "200": {"description": "OK", "content": {"application/json": {
                        "example": {"x": 1},
                        "schema": {"$ref": "#/components/schemas/A"}}}}}},
                    "post": {"operationId": "p", "responses": {}}},
                "/b": {"get": {"operationId": "b", "responses": {}}}
            },
            "components": {"schemas": {
                "A": {"type": "object", "description": "prose", "properties": {
                    "description": {"type": "string", "description": "prose"},
                    "b": {"$ref": "#/components/schemas/B"}}},
                "B": {"type": "string", "example": "x"},
                "Unused": {"type": "string"}
            }}
        })
    }

    #[test]
    fn keeps_selected_operations_and_their_closure_only() {
        let f = extract(&doc(), "t", &["GET /a".into()]).unwrap();
        assert_eq!(
            f["paths"].as_object().unwrap().keys().collect::<Vec<_>>(),
            ["/a"]
        );
        assert!(f["paths"]["/a"].get("post").is_none());
        let schemas = f["components"]["schemas"].as_object().unwrap();
        assert_eq!(schemas.keys().collect::<Vec<_>>(), ["A", "B"]);
    }

    #[test]
    fn strips_prose_but_not_property_names() {
        let f = extract(&doc(), "t", &["GET /a".into()]).unwrap();
        assert_eq!(f["info"], json!({"title": "T", "version": "1"}));
        assert!(f["paths"]["/a"]["get"].get("summary").is_none());
        let response = &f["paths"]["/a"]["get"]["responses"]["200"];
        assert_eq!(response["description"], "");
        assert!(
            response["content"]["application/json"]
                .get("example")
                .is_none()
        );
        let a = &f["components"]["schemas"]["A"];
        assert!(a.get("description").is_none());
        assert_eq!(a["properties"]["description"], json!({"type": "string"}));
        assert_eq!(f["components"]["schemas"]["B"], json!({"type": "string"}));
    }

    #[test]
    fn reports_missing_dangling_and_cyclic() {
        let err = extract(&doc(), "t", &["PATCH /a".into()]).unwrap_err();
        assert!(
            matches!(err, PullError::MissingOperation { ref operation, .. } if operation == "PATCH /a")
        );

        let mut d = doc();
        d["components"]["schemas"]["B"] = json!({"$ref": "#/components/schemas/Gone"});
        let err = extract(&d, "t", &["GET /a".into()]).unwrap_err();
        assert!(
            matches!(err, PullError::DanglingRef { ref reference, .. } if reference == "#/components/schemas/Gone")
        );

        let mut d = doc();
        d["components"]["schemas"]["B"] =
            json!({"items": {"$ref": "#/components/schemas/A"}, "type": "array"});
        let err = extract(&d, "t", &["GET /a".into()]).unwrap_err();
        let PullError::RefCycle { cycle, .. } = err else {
            panic!("{err}")
        };
        assert_eq!(cycle.first(), cycle.last());
        assert_eq!(cycle.len(), 3);
    }

    #[test]
    fn a_discriminated_hierarchy_is_not_a_cycle() {
        let mut d = doc();
        d["components"]["schemas"]["B"] = json!({
            "discriminator": {"propertyName": "k", "mapping": {"c": "#/components/schemas/C"}},
            "oneOf": [{"$ref": "#/components/schemas/C"}],
            "properties": {"k": {"type": "string"}}
        });
        d["components"]["schemas"]["C"] =
            json!({"allOf": [{"$ref": "#/components/schemas/B"}, {"type": "object"}]});
        let f = extract(&d, "t", &["GET /a".into()]).unwrap();
        assert!(f["components"]["schemas"].get("C").is_some());
    }
}
