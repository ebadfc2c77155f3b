//! What a bump changes beyond the contract diff: upstream operationId renames (operations matched by method
//! and path) and the Rust surface of the generated client (its contract snapshot).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::diff::Finding;

/// An operation whose operationId changed while its method and path stayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rename {
    /// `METHOD /path` as in the new fragment.
    pub operation: String,
    /// The operationId before the bump.
    pub before: String,
    /// The operationId after it.
    pub after: String,
    /// The stable Rust method of the operation (`spec/operations.toml`), when the table has it.
    pub method: Option<String>,
}

/// Names each rename's stable Rust method from the table of operations (by method and path after the
/// flavour's prefix).
pub fn name_renames(renames: &mut [Rename], table: &codegen::Table, flavour: &str) {
    let prefix = table.flavour(flavour).map_or("", |f| f.prefix.as_str());
    for rename in renames {
        let route = rename.operation.replacen(&format!(" {prefix}"), " ", 1);
        rename.method = table
            .operations_of(flavour)
            .find(|op| op.route == route)
            .map(|op| op.name.clone());
    }
}

/// Takes the operationId renames out of `findings` (the contract diff of the old fragment against the new
/// one, which matches operations by method and path whatever their parameter names) and returns them.
pub fn take_renames(findings: &mut Vec<Finding>) -> Vec<Rename> {
    let mut renames = Vec::new();
    findings.retain(|f| {
        let rename = match (&f.before, &f.after, &f.operation) {
            (Value::String(before), Value::String(after), Some(operation))
                if f.rule == "api-operation-id-removed" && f.location == "operationId" =>
            {
                Rename {
                    operation: operation.clone(),
                    before: before.clone(),
                    after: after.clone(),
                    method: None,
                }
            }
            _ => return true,
        };
        renames.push(rename);
        false
    });
    renames
}

/// How the generated Rust surface changed between two contract snapshots.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SurfaceChange {
    /// Client methods that are gone.
    pub methods_removed: Vec<String>,
    /// Client methods whose signature changed.
    pub methods_changed: Vec<String>,
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
    let [methods_removed, methods_changed, methods_added] =
        compare(&methods(before), &methods(after));
    let [types_removed, types_changed, types_added] = compare(&types(before), &types(after));
    SurfaceChange {
        methods_removed,
        methods_changed,
        methods_added,
        types_removed,
        types_changed,
        types_added,
    }
}

/// The keys only in `old`, the keys whose values differ, and the keys only in `new`.
fn compare<V: PartialEq>(old: &BTreeMap<String, V>, new: &BTreeMap<String, V>) -> [Vec<String>; 3] {
    let removed = old
        .keys()
        .filter(|k| !new.contains_key(*k))
        .cloned()
        .collect();
    let changed = old
        .iter()
        .filter(|(k, v)| new.get(*k).is_some_and(|n| n != *v))
        .map(|(k, _)| k.clone())
        .collect();
    let added = new
        .keys()
        .filter(|k| !old.contains_key(*k))
        .cloned()
        .collect();
    [removed, changed, added]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renames_match_method_and_path_whatever_the_parameter_names() {
        let before = json!({"paths": {
            "/orgs/{orgId}/invites/{invitationId}": {"patch": {"operationId": "updateOrgInviteById", "responses": {}},
                                                      "get": {"operationId": "getOrgInvite", "responses": {}}},
            "/gone": {"get": {"operationId": "gone", "responses": {}}}
        }});
        let after = json!({"paths": {
            "/orgs/{id}/invites/{invitationId}": {"patch": {"operationId": "updateOrganizationInvitationById", "responses": {}},
                                                  "get": {"operationId": "getOrgInvite", "responses": {}}},
            "/new": {"get": {"operationId": "gone", "responses": {}}}
        }});
        let mut findings = crate::diff::diff_documents_on(&before, &after, "2026-01-01");
        let count = findings.len();
        assert_eq!(
            take_renames(&mut findings),
            [Rename {
                operation: "PATCH /orgs/{id}/invites/{invitationId}".into(),
                before: "updateOrgInviteById".into(),
                after: "updateOrganizationInvitationById".into(),
                method: None,
            }]
        );
        assert_eq!(findings.len(), count - 1, "the rename leaves the findings");
        assert!(
            findings.iter().any(|f| f.rule == "endpoint-removed"),
            "{findings:?}"
        );
    }

    #[test]
    fn surface_changes_are_read_from_the_snapshot_sections() {
        let before = "# c\n\n## operations\nx GET /x [a]\n\n## methods\nasync fn get_x<'a>(&'a self) -> R\nasync fn gone(&self) -> R\n\n## types\nstruct A\n    a: i32\nenum B\n    X\n";
        let after = "# c\n\n## operations\ny GET /x [a]\n\n## methods\nasync fn get_x<'a>(&'a self, p: bool) -> R\nasync fn fresh(&self) -> R\n\n## types\nstruct A\n    a: i64\nstruct C\n";
        let change = surface(before, after);
        assert_eq!(change.methods_removed, ["gone"]);
        assert_eq!(change.methods_changed, ["get_x"]);
        assert_eq!(change.methods_added, ["fresh"]);
        assert_eq!(change.types_removed, ["enum B"]);
        assert_eq!(change.types_changed, ["struct A"]);
        assert_eq!(change.types_added, ["struct C"]);
        assert!(change.breaks());
        assert!(!surface(before, before).breaks());
    }
}
