//! What a bump changes beyond the contract diff: upstream operationId renames (operations matched by method
//! and path) and the Rust surface of the generated client (its contract snapshot).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::sources::METHODS;

/// An operation whose operationId changed while its method and path stayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rename {
    /// `METHOD /path` as in the new fragment.
    pub operation: String,
    /// The operationId before the bump.
    pub before: String,
    /// The operationId after it.
    pub after: String,
}

/// `/orgs/{orgId}` and `/orgs/{id}` are the same path: parameter names do not reach the wire.
fn path_shape(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if !in_param => out.push(c),
            _ => {}
        }
    }
    out
}

/// (METHOD, path shape) → (`METHOD /path`, operationId) for every operation of `doc`.
fn operation_ids(doc: &Value) -> BTreeMap<(String, String), (String, String)> {
    let mut out = BTreeMap::new();
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for method in METHODS {
            if let Some(id) = item
                .get(method)
                .and_then(|op| op.get("operationId"))
                .and_then(Value::as_str)
            {
                let upper = method.to_ascii_uppercase();
                out.insert(
                    (upper.clone(), path_shape(path)),
                    (format!("{upper} {path}"), id.to_string()),
                );
            }
        }
    }
    out
}

/// The operations present in both documents whose operationId differs, in path order.
pub fn renames(before: &Value, after: &Value) -> Vec<Rename> {
    let old = operation_ids(before);
    operation_ids(after)
        .into_iter()
        .filter_map(|(key, (operation, id))| {
            let (_, old_id) = old.get(&key)?;
            (*old_id != id).then(|| Rename {
                operation,
                before: old_id.clone(),
                after: id,
            })
        })
        .collect()
}

/// How the generated Rust surface changed between two contract snapshots.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SurfaceChange {
    /// Client methods that are gone.
    pub methods_removed: Vec<String>,
    /// Client methods whose signature changed: (name, before, after).
    pub methods_changed: Vec<(String, String, String)>,
    /// New client methods.
    pub methods_added: Vec<String>,
    /// Generated types that are gone.
    pub types_removed: Vec<String>,
    /// Generated types whose fields or variants changed.
    pub types_changed: Vec<String>,
    /// New generated types.
    pub types_added: Vec<String>,
}

impl SurfaceChange {
    /// Whether code written against the old client may no longer compile.
    pub fn breaks(&self) -> bool {
        !(self.methods_removed.is_empty()
            && self.methods_changed.is_empty()
            && self.types_removed.is_empty()
            && self.types_changed.is_empty())
    }
}

/// The lines of one `## name` section of a snapshot.
fn section<'a>(snapshot: &'a str, name: &str) -> Vec<&'a str> {
    let header = format!("## {name}");
    snapshot
        .lines()
        .skip_while(|l| *l != header)
        .skip(1)
        .take_while(|l| !l.starts_with("## "))
        .filter(|l| !l.trim().is_empty())
        .collect()
}

/// Method name → signature line.
fn methods(snapshot: &str) -> BTreeMap<String, String> {
    section(snapshot, "methods")
        .into_iter()
        .filter_map(|line| {
            let name = line.split("fn ").nth(1)?.split(['<', '(']).next()?;
            Some((name.trim().to_string(), line.to_string()))
        })
        .collect()
}

/// Type header (`struct X`, `enum Y`) → its member lines.
fn types(snapshot: &str) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut current = None;
    for line in section(snapshot, "types") {
        if line.starts_with(char::is_whitespace) {
            if let Some(name) = &current {
                out.entry(String::clone(name))
                    .or_default()
                    .push(line.trim().to_string());
            }
        } else {
            let name = line.trim().to_string();
            out.entry(name.clone()).or_default();
            current = Some(name);
        }
    }
    out
}

/// Compares two contract snapshots (`crates/<flavour>/contract.txt`).
pub fn surface(before: &str, after: &str) -> SurfaceChange {
    let mut change = SurfaceChange::default();
    let (old_methods, new_methods) = (methods(before), methods(after));
    for (name, sig) in &old_methods {
        match new_methods.get(name) {
            None => change.methods_removed.push(name.clone()),
            Some(new) if new != sig => {
                change
                    .methods_changed
                    .push((name.clone(), sig.clone(), new.clone()))
            }
            Some(_) => {}
        }
    }
    change.methods_added = new_methods
        .keys()
        .filter(|n| !old_methods.contains_key(*n))
        .cloned()
        .collect();
    let (old_types, new_types) = (types(before), types(after));
    for (name, members) in &old_types {
        match new_types.get(name) {
            None => change.types_removed.push(name.clone()),
            Some(new) if new != members => change.types_changed.push(name.clone()),
            Some(_) => {}
        }
    }
    change.types_added = new_types
        .keys()
        .filter(|n| !old_types.contains_key(*n))
        .cloned()
        .collect();
    change
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renames_match_method_and_path_whatever_the_parameter_names() {
        let before = json!({"paths": {
            "/orgs/{orgId}/invites/{invitationId}": {"patch": {"operationId": "updateOrgInviteById"},
                                                      "get": {"operationId": "getOrgInvite"}},
            "/gone": {"get": {"operationId": "gone"}}
        }});
        let after = json!({"paths": {
            "/orgs/{id}/invites/{invitationId}": {"patch": {"operationId": "updateOrganizationInvitationById"},
                                                  "get": {"operationId": "getOrgInvite"}},
            "/new": {"get": {"operationId": "gone"}}
        }});
        assert_eq!(
            renames(&before, &after),
            [Rename {
                operation: "PATCH /orgs/{id}/invites/{invitationId}".into(),
                before: "updateOrgInviteById".into(),
                after: "updateOrganizationInvitationById".into(),
            }]
        );
    }

    #[test]
    fn surface_changes_are_read_from_the_snapshot_sections() {
        let before = "# c\n\n## operations\nx GET /x [a]\n\n## methods\nasync fn get_x<'a>(&'a self) -> R\nasync fn gone(&self) -> R\n\n## types\nstruct A\n    a: i32\nenum B\n    X\n";
        let after = "# c\n\n## operations\ny GET /x [a]\n\n## methods\nasync fn get_x<'a>(&'a self, p: bool) -> R\nasync fn fresh(&self) -> R\n\n## types\nstruct A\n    a: i64\nstruct C\n";
        let change = surface(before, after);
        assert_eq!(change.methods_removed, ["gone"]);
        assert_eq!(change.methods_changed.len(), 1);
        assert_eq!(change.methods_changed[0].0, "get_x");
        assert_eq!(change.methods_added, ["fresh"]);
        assert_eq!(change.types_removed, ["enum B"]);
        assert_eq!(change.types_changed, ["struct A"]);
        assert_eq!(change.types_added, ["struct C"]);
        assert!(change.breaks());
        assert!(!surface(before, before).breaks());
    }
}
