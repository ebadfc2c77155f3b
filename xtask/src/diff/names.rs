//! The names of the generated Rust items a finding touches.
//!
//! Types and fields follow typify: a named schema `orgUser` is the type `OrgUser`, a property
//! `invitationExpiresAt` the field `invitation_expires_at`, an inline object under property `roles` the
//! type `<Parent>Roles`, array items `<Parent>Item`. Methods are the stable names of the table of operations
//! (`spec/operations.toml`), which codegen gives them, through [`method_name`] alone.

use std::collections::HashMap;

use heck::{ToPascalCase, ToSnakeCase};
use serde_json::Value;

use super::operations::normalise_path;

/// The generated method of each operation of one document, keyed by upper-case method and path with
/// parameter names erased.
#[derive(Debug, Clone, Default)]
pub(crate) struct MethodNames(HashMap<(String, String), String>);

impl MethodNames {
    /// The stable name of each of `doc`'s operations that the table of operations lists (matched by
    /// method and path after a flavour's prefix): the method codegen generates for it, whatever upstream's
    /// operationId.
    pub(crate) fn of(doc: &Value) -> MethodNames {
        let Some(table) = table() else {
            return MethodNames::default();
        };
        let mut names = HashMap::new();
        let paths = doc.get("paths").and_then(Value::as_object);
        for (path, item) in paths.into_iter().flatten() {
            let Some(item) = item.as_object() else {
                continue;
            };
            for method in item
                .keys()
                .filter(|m| crate::sources::METHODS.contains(&m.as_str()))
            {
                let method = method.to_ascii_uppercase();
                let stable = table.flavours.iter().find_map(|flavour| {
                    let rel = normalise_path(path.strip_prefix(flavour.prefix.as_str())?);
                    table.operations_of(&flavour.name).find_map(|op| {
                        let (m, p) = op.method_and_path();
                        (m == method && normalise_path(p) == rel).then(|| op.name.clone())
                    })
                });
                if let Some(stable) = stable {
                    names.insert((method, normalise_path(path)), stable);
                }
            }
        }
        MethodNames(names)
    }
}

/// The committed table of operations, read once (`None` outside a checkout: then no method is named).
fn table() -> Option<&'static codegen::Table> {
    static TABLE: std::sync::OnceLock<Option<codegen::Table>> = std::sync::OnceLock::new();
    TABLE
        .get_or_init(|| {
            codegen::read_table(
                &crate::project_root()
                    .join("spec")
                    .join(codegen::table::FILE_NAME),
            )
            .ok()
        })
        .as_ref()
}

/// The generated method for `method` (any case) `path`, as `Client::name`: the one place that decides
/// method names.
pub(crate) fn method_name(names: &MethodNames, method: &str, path: &str) -> Option<String> {
    names
        .0
        .get(&(method.to_ascii_uppercase(), normalise_path(path)))
        .filter(|name| !name.is_empty())
        .map(|name| format!("Client::{name}"))
}

/// Rust keywords, which typify suffixes with `_`.
const KEYWORDS: [&str; 38] = [
    "as", "async", "await", "box", "break", "const", "continue", "crate", "dyn", "else", "enum",
    "extern", "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move",
    "mut", "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while",
];

/// typify's identifier sanitising: apostrophes dropped, other non-identifier characters as word breaks,
/// the case applied, a leading digit prefixed, a keyword suffixed.
fn sanitize(name: &str, pascal: bool) -> String {
    let cleaned: String = name
        .replace('\'', "")
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let mut out = if pascal {
        cleaned.to_pascal_case()
    } else {
        cleaned.to_snake_case()
    };
    if !out.starts_with(|c: char| c.is_alphabetic() || c == '_') {
        out.insert(0, if pascal { 'X' } else { 'x' });
    }
    if KEYWORDS.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

/// One step below a named schema in a component path.
#[derive(Debug, PartialEq)]
enum Step<'a> {
    Property(&'a str),
    Items,
    Values,
    Branch(&'a str),
}

/// Splits `Name.a[].b{}.oneOf[Child]` into the name and its steps.
fn steps(path: &str) -> (&str, Vec<Step<'_>>) {
    let end = path.find(['.', '[', '{']).unwrap_or(path.len());
    let (name, mut rest) = path.split_at(end);
    let mut out = Vec::new();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("[]") {
            out.push(Step::Items);
            rest = r;
        } else if let Some(r) = rest.strip_prefix("{}") {
            out.push(Step::Values);
            rest = r;
        } else if let Some(r) = rest.strip_prefix('.') {
            let branch = ["oneOf[", "anyOf["]
                .iter()
                .find_map(|k| r.strip_prefix(k))
                .and_then(|b| b.split_once(']'));
            if let Some((key, r)) = branch {
                out.push(Step::Branch(key));
                rest = r;
            } else {
                let end = r.find(['.', '[', '{']).unwrap_or(r.len());
                out.push(Step::Property(&r[..end]));
                rest = &r[end..];
            }
        } else {
            // Not a path this module writes: name only the schema.
            break;
        }
    }
    (name, out)
}

/// `Type.field` (or `Type`) for a component path such as `OrgPendingUserResponse.invitationExpiresAt`.
pub(crate) fn item_for_component_path(path: &str) -> String {
    let (name, steps) = steps(path);
    let mut ty = sanitize(name, true);
    let last_property = steps.iter().rposition(|s| matches!(s, Step::Property(_)));
    let Some(last) = last_property else {
        return ty;
    };
    for step in &steps[..last] {
        match step {
            Step::Property(p) => ty.push_str(&sanitize(p, true)),
            Step::Items => ty.push_str("Item"),
            Step::Values => ty.push_str("Value"),
            // A branch named after a component is that component's type; a numbered one stays inline.
            Step::Branch(key) if !key.starts_with(|c: char| c.is_ascii_digit()) => {
                ty = sanitize(key, true);
            }
            Step::Branch(_) => {}
        }
    }
    let Step::Property(field) = steps[last] else {
        unreachable!("rposition found a property")
    };
    format!("{ty}.{}", sanitize(field, false))
}

/// The Rust item a finding touches: an argument of the method for a parameter, the type and field for a
/// change inside a named schema, else the method.
pub(crate) fn rust_item(
    method: Option<&str>,
    location: &str,
    component_path: Option<&str>,
) -> Option<String> {
    if let Some(rest) = location.strip_prefix("parameters.") {
        let name = rest.split_once('.').map_or(rest, |(_, name)| name);
        let name = name.split(['[', '.']).next().unwrap_or(name);
        return method.map(|m| format!("{m}({})", sanitize(name, false)));
    }
    if let Some(path) = component_path {
        return Some(item_for_component_path(path));
    }
    method.map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn component_paths_name_types_and_fields_as_typify_does() {
        for (path, item) in [
            (
                "OrgPendingUserResponse.invitationExpiresAt",
                "OrgPendingUserResponse.invitation_expires_at",
            ),
            ("ApiError", "ApiError"),
            ("ApiError.parameters[]", "ApiError.parameters"),
            ("orgUser.roles.orgRoles[]", "OrgUserRoles.org_roles"),
            ("Outer.list[].type", "OuterListItem.type_"),
            ("Parent.oneOf[Child].name", "Child.name"),
            ("Parent.oneOf[0].name", "Parent.name"),
        ] {
            assert_eq!(item_for_component_path(path), item, "{path}");
        }
    }

    #[test]
    fn parameters_name_the_argument() {
        assert_eq!(
            rust_item(
                Some("Client::list_org_invites"),
                "parameters.query.itemsPerPage",
                None
            ),
            Some("Client::list_org_invites(items_per_page)".into())
        );
        assert_eq!(rust_item(None, "components.securitySchemes.x", None), None);
    }
}
