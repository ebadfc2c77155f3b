//! The table of operations (`spec/operations.toml`): flavours, operations with their stable names, roles.
//!
//! Codegen, `cargo xtask` and (through the generated `operations` module of each flavour crate) the facade and
//! the fake read these facts from here and nowhere else.

use std::collections::BTreeSet;

use serde::Deserialize;

use crate::CodegenError;

/// The file name of the table inside `spec/`.
pub const FILE_NAME: &str = "operations.toml";

/// The whole table, checked for consistency.
#[derive(Debug, Clone)]
pub struct Table {
    /// The flavours, in table order.
    pub flavours: Vec<FlavourRow>,
    /// The operations, in table order.
    pub operations: Vec<OperationSpec>,
    /// Organization roles with the flavours that accept each, in table order.
    pub org_roles: Vec<(String, Vec<String>)>,
    /// Project roles likewise.
    pub project_roles: Vec<(String, Vec<String>)>,
}

/// One flavour.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct FlavourRow {
    /// `atlas-v2`, `atlas-v1`, `ops-manager-v1` (filled from the table key).
    #[serde(skip)]
    pub name: String,
    /// What the flavour is called in prose.
    pub title: String,
    /// The path prefix of every operation.
    pub prefix: String,
    /// The media type sent; `{version}` stands for the operation's resource version.
    pub media_type: String,
    /// Where the API lives by default; absent for self-hosted APIs.
    #[serde(default)]
    pub default_base_url: Option<String>,
    /// The field an `envelope=true` answer wraps the entity in.
    pub envelope_field: String,
}

/// One logical operation.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct OperationSpec {
    /// The stable Rust name (snake case).
    pub name: String,
    /// `METHOD /path` after the flavour's prefix.
    pub route: String,
    /// The flavours that have it.
    pub flavours: Vec<String>,
    /// The resource version to send where the media type is versioned.
    #[serde(default)]
    pub version: Option<String>,
    /// The stable name of the operation to use instead, when this one is deprecated.
    #[serde(default)]
    pub successor: Option<String>,
}

impl OperationSpec {
    /// Upper-case method and path template after the prefix.
    pub fn method_and_path(&self) -> (&str, &str) {
        self.route.split_once(' ').unwrap_or(("", ""))
    }
}

impl FlavourRow {
    /// The media type an operation sends in this flavour.
    pub fn media_type_for(&self, op: &OperationSpec) -> Result<String, CodegenError> {
        if !self.media_type.contains("{version}") {
            return Ok(self.media_type.clone());
        }
        let version = op.version.as_deref().ok_or_else(|| {
            CodegenError(format!(
                "{}: operation `{}` needs a `version` in {FILE_NAME} (the {} media type is versioned)",
                self.name, op.name, self.name
            ))
        })?;
        Ok(self.media_type.replace("{version}", version))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    flavours: toml::Table,
    operations: Vec<OperationSpec>,
    roles: RawRoles,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoles {
    org: toml::Table,
    project: toml::Table,
}

impl Table {
    /// Parses and checks the table: names are unique snake case, routes are `METHOD /path`, every flavour
    /// named exists, every successor is an operation of the table, every versioned flavour has a version.
    pub fn parse(text: &str) -> Result<Table, CodegenError> {
        let raw: RawTable = toml::from_str(text)
            .map_err(|e| CodegenError(format!("{FILE_NAME} is not a valid table: {e}")))?;
        let mut flavours = Vec::new();
        for (name, value) in raw.flavours {
            let mut row: FlavourRow = value
                .try_into()
                .map_err(|e| CodegenError(format!("{FILE_NAME}: flavour `{name}`: {e}")))?;
            row.name = name;
            flavours.push(row);
        }
        let table = Table {
            org_roles: roles(raw.roles.org, "org")?,
            project_roles: roles(raw.roles.project, "project")?,
            flavours,
            operations: raw.operations,
        };
        table.check()?;
        Ok(table)
    }

    fn check(&self) -> Result<(), CodegenError> {
        let bad = |m: String| Err(CodegenError(format!("{FILE_NAME}: {m}")));
        let flavour_names: BTreeSet<&str> = self.flavours.iter().map(|f| f.name.as_str()).collect();
        let mut names = BTreeSet::new();
        let mut routes = BTreeSet::new();
        for op in &self.operations {
            if op.name.is_empty()
                || !op
                    .name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                return bad(format!("operation name {:?} is not snake case", op.name));
            }
            if !names.insert(op.name.as_str()) {
                return bad(format!("operation `{}` appears twice", op.name));
            }
            let (method, path) = op.method_and_path();
            if !crate::fixups::METHODS.contains(&method.to_ascii_lowercase().as_str())
                || method != method.to_ascii_uppercase()
                || !path.starts_with('/')
            {
                return bad(format!(
                    "operation `{}`: route {:?} is not `METHOD /path`",
                    op.name, op.route
                ));
            }
            if !routes.insert(op.route.as_str()) {
                return bad(format!("route {:?} appears twice", op.route));
            }
            for f in &op.flavours {
                if !flavour_names.contains(f.as_str()) {
                    return bad(format!("operation `{}`: unknown flavour `{f}`", op.name));
                }
                let row = self.flavour(f).expect("checked above");
                row.media_type_for(op)?;
            }
        }
        for op in &self.operations {
            if let Some(s) = &op.successor
                && !names.contains(s.as_str())
            {
                return bad(format!(
                    "operation `{}`: successor `{s}` is not an operation of the table",
                    op.name
                ));
            }
        }
        for (role, fl) in self.org_roles.iter().chain(&self.project_roles) {
            for f in fl {
                if !flavour_names.contains(f.as_str()) {
                    return bad(format!("role {role}: unknown flavour `{f}`"));
                }
            }
        }
        Ok(())
    }

    /// The row of a flavour.
    pub fn flavour(&self, name: &str) -> Option<&FlavourRow> {
        self.flavours.iter().find(|f| f.name == name)
    }

    /// The operations a flavour has, in table order.
    pub fn operations_of<'a>(
        &'a self,
        flavour: &'a str,
    ) -> impl Iterator<Item = &'a OperationSpec> {
        self.operations
            .iter()
            .filter(move |op| op.flavours.iter().any(|f| f == flavour))
    }

    /// The operation with a stable name.
    pub fn operation(&self, name: &str) -> Option<&OperationSpec> {
        self.operations.iter().find(|op| op.name == name)
    }
}

fn roles(table: toml::Table, scope: &str) -> Result<Vec<(String, Vec<String>)>, CodegenError> {
    table
        .into_iter()
        .map(|(role, value)| {
            let flavours: Vec<String> = value
                .try_into()
                .map_err(|e| CodegenError(format!("{FILE_NAME}: roles.{scope}.{role}: {e}")))?;
            Ok((role, flavours))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = include_str!("../../../spec/operations.toml");

    #[test]
    fn the_committed_table_is_consistent() {
        let t = Table::parse(TABLE).expect("table");
        assert_eq!(
            t.flavours
                .iter()
                .map(|f| f.name.as_str())
                .collect::<Vec<_>>(),
            ["atlas-v2", "atlas-v1", "ops-manager-v1"],
            "table order is kept"
        );
        assert_eq!(t.operations_of("atlas-v1").count(), 12);
        assert_eq!(t.operations_of("atlas-v2").count(), 25);
        let v2 = t.flavour("atlas-v2").unwrap();
        let op = t.operation("update_org_user").unwrap();
        assert_eq!(
            v2.media_type_for(op).unwrap(),
            "application/vnd.atlas.2025-02-19+json"
        );
        assert_eq!(t.org_roles[0].0, "ORG_OWNER");
    }

    #[test]
    fn mistakes_in_the_table_name_themselves() {
        let with = |from: &str, to: &str| {
            let text = TABLE.replacen(from, to, 1);
            assert_ne!(text, TABLE, "{from}");
            Table::parse(&text).unwrap_err().0
        };
        assert!(
            with("successor = \"list_org_users\"", "successor = \"nope\"")
                .contains("successor `nope`")
        );
        assert!(
            with(
                "flavours = [\"atlas-v2\", \"atlas-v1\", \"ops-manager-v1\"]",
                "flavours = [\"atlas-v3\"]"
            )
            .contains("unknown flavour `atlas-v3`")
        );
        assert!(
            with(
                "name = \"create_org_invitation\"",
                "name = \"list_org_invitations\""
            )
            .contains("appears twice")
        );
        assert!(
            with(
                "route = \"GET /orgs/{orgId}/invites\"",
                "route = \"FETCH /orgs\""
            )
            .contains("is not `METHOD /path`")
        );
        assert!(with("name = \"create_org_user\"\nroute = \"POST /orgs/{orgId}/users\"\nflavours = [\"atlas-v2\"]\nversion = \"2025-02-19\"", "name = \"create_org_user\"\nroute = \"POST /orgs/{orgId}/users\"\nflavours = [\"atlas-v2\"]").contains("needs a `version`"));
    }
}
