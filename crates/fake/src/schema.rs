//! What the committed fragments say about each operation: media types, deprecation, and a compiled
//! validator for the request body.

use std::collections::HashMap;

use jsonschema::error::ValidationErrorKind;
use jsonschema::{Draft, Validator};
use serde_json::{Map, Value, json};

use crate::api_error::FieldViolation;
use crate::flavour::{Flavour, Op};

/// The contract of one operation in one flavour, read from its fragment.
pub(crate) struct OpContract {
    /// The media type the request body is declared with, if the operation takes one.
    pub(crate) request_media: Option<String>,
    /// The media type of a successful answer (`application/json` when the fragment names none).
    pub(crate) response_media: String,
    /// The resource version a v2 operation is pinned to (`2023-01-01`), from its vendor media type.
    pub(crate) version: Option<String>,
    /// `x-sunset` of a deprecated operation.
    pub(crate) sunset: Option<String>,
    /// Whether the operation is marked deprecated.
    pub(crate) deprecated: bool,
    validator: Option<Validator>,
}

impl OpContract {
    /// Checks `body` against the request schema; empty when it conforms.
    pub(crate) fn violations(&self, body: &Value) -> Vec<FieldViolation> {
        let Some(validator) = &self.validator else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for error in validator.iter_errors(body) {
            let at = error.instance_path().as_str();
            let description = error.to_string();
            match error.kind() {
                ValidationErrorKind::Required { property } => {
                    let name = property.as_str().unwrap_or_default();
                    out.push(FieldViolation::new(join_field(at, name), description));
                }
                ValidationErrorKind::AdditionalProperties { unexpected } => {
                    for name in unexpected {
                        out.push(FieldViolation::new(
                            join_field(at, name),
                            format!("unknown property `{name}`"),
                        ));
                    }
                }
                _ => out.push(FieldViolation::new(pointer_to_field(at), description)),
            }
        }
        // Field order, not the validator's traversal order, so answers are stable.
        out.sort_by(|a, b| a.field.cmp(&b.field));
        out
    }
}

/// Every operation of every flavour, loaded once per server.
pub(crate) struct Contracts {
    ops: HashMap<(Flavour, Op), OpContract>,
}

impl Contracts {
    /// Reads the three embedded fragments. Fails when one lacks an operation the fake routes.
    pub(crate) fn load() -> Result<Self, String> {
        let mut ops = HashMap::new();
        for flavour in Flavour::ALL {
            let doc: Value = serde_json::from_str(flavour.fragment())
                .map_err(|e| format!("{flavour:?} fragment is not JSON: {e}"))?;
            let mut schemas = doc
                .pointer("/components/schemas")
                .cloned()
                .unwrap_or_else(|| json!({}));
            to_json_schema(&mut schemas);
            for op in Op::ALL.into_iter().filter(|op| op.served_by(flavour)) {
                let contract = read_op(&doc, &schemas, flavour, op)?;
                ops.insert((flavour, op), contract);
            }
        }
        Ok(Contracts { ops })
    }

    pub(crate) fn get(&self, flavour: Flavour, op: Op) -> Option<&OpContract> {
        self.ops.get(&(flavour, op))
    }
}

fn read_op(doc: &Value, schemas: &Value, flavour: Flavour, op: Op) -> Result<OpContract, String> {
    let (method, template) = op
        .route_in(flavour)
        .ok_or_else(|| format!("{flavour:?} has no operation {}", op.name()))?;
    let path = format!("{}{}", flavour.prefix(), template);
    let operation = doc
        .get("paths")
        .and_then(|p| p.get(&path))
        .and_then(|p| p.get(method))
        .ok_or_else(|| format!("{flavour:?} fragment has no {method} {path}"))?;

    // Where a fragment lists several resource versions (list and remove users also answer the sunsetting
    // 2023-01-01), the fake serves the one the table sends.
    let wanted = op.media_type_in(flavour);
    fn pick<'a>(
        wanted: Option<&str>,
        content: Option<&'a Value>,
    ) -> Option<(&'a String, &'a Value)> {
        let content = content.and_then(Value::as_object)?;
        wanted
            .and_then(|media| content.get_key_value(media))
            .or_else(|| content.iter().next())
    }
    let (request_media, validator) = match pick(wanted, operation.pointer("/requestBody/content")) {
        Some((media, body)) => {
            let schema = body.get("schema").cloned().unwrap_or_else(|| json!({}));
            let mut root = Map::new();
            if let Value::Object(inner) = schema {
                root.extend(inner);
            }
            root.insert("components".into(), json!({ "schemas": schemas }));
            let validator = jsonschema::options()
                .with_draft(Draft::Draft4)
                .should_validate_formats(true)
                .build(&Value::Object(root))
                .map_err(|e| {
                    format!("{flavour:?} {method} {path}: schema does not compile: {e}")
                })?;
            (Some(media.clone()), Some(validator))
        }
        None => (None, None),
    };

    let success = operation
        .get("responses")
        .and_then(Value::as_object)
        .and_then(|r| r.iter().find(|(code, _)| code.starts_with('2')))
        .map(|(_, response)| response);
    let success_content = pick(wanted, success.and_then(|r| r.get("content")));
    let response_media = success_content
        .map(|(media, _)| media.clone())
        .or_else(|| request_media.clone())
        .unwrap_or_else(|| "application/json".to_owned());
    let sunset = success_content
        .and_then(|(_, c)| c.get("x-sunset"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let version = vendor_version(&response_media).map(str::to_owned);

    Ok(OpContract {
        request_media,
        response_media,
        version,
        sunset,
        deprecated: operation.get("deprecated").and_then(Value::as_bool) == Some(true),
        validator,
    })
}

/// `application/vnd.atlas.2023-01-01+json` → `2023-01-01`.
pub(crate) fn vendor_version(media: &str) -> Option<&str> {
    media
        .strip_prefix("application/vnd.atlas.")?
        .strip_suffix("+json")
}

/// Rewrites OpenAPI 3.0 schema objects into JSON Schema: `nullable: true` becomes a type union with
/// `null`, and objects that list their properties refuse others (the fake is strict about field names).
fn to_json_schema(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.remove("nullable") == Some(Value::Bool(true)) {
                if let Some(Value::String(ty)) = map.get("type").cloned() {
                    map.insert("type".into(), json!([ty, "null"]));
                }
                if let Some(Value::Array(values)) = map.get_mut("enum") {
                    values.push(Value::Null);
                }
            }
            let composed = ["allOf", "oneOf", "anyOf"]
                .iter()
                .any(|k| map.contains_key(*k));
            if map.contains_key("properties")
                && !composed
                && !map.contains_key("additionalProperties")
            {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            for (key, child) in map.iter_mut() {
                // Property names are data, not schema keywords: recurse into their schemas only.
                if key == "properties" {
                    if let Value::Object(props) = child {
                        props.values_mut().for_each(to_json_schema);
                    }
                } else {
                    to_json_schema(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(to_json_schema),
        _ => {}
    }
}

/// `/groupRoleAssignments/0/groupId` → `groupRoleAssignments[0].groupId`; the root is `body`.
fn pointer_to_field(pointer: &str) -> String {
    let mut out = String::new();
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{segment}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&segment);
        }
    }
    if out.is_empty() {
        "body".to_owned()
    } else {
        out
    }
}

fn join_field(pointer: &str, name: &str) -> String {
    match pointer_to_field(pointer).as_str() {
        "body" => name.to_owned(),
        parent => format!("{parent}.{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullable_becomes_a_type_union_and_objects_close() {
        let mut schema = json!({
            "type": "object",
            "properties": {"detail": {"type": "string", "nullable": true}, "properties": {"type": "string"}}
        });
        to_json_schema(&mut schema);
        assert_eq!(
            schema,
            json!({
                "type": "object",
                "additionalProperties": false,
                "properties": {"detail": {"type": ["string", "null"]}, "properties": {"type": "string"}}
            })
        );
    }

    #[test]
    fn pointers_read_as_dotted_fields() {
        assert_eq!(pointer_to_field(""), "body");
        assert_eq!(pointer_to_field("/roles/0"), "roles[0]");
        assert_eq!(
            pointer_to_field("/groupRoleAssignments/1/groupId"),
            "groupRoleAssignments[1].groupId"
        );
        assert_eq!(join_field("", "username"), "username");
        assert_eq!(join_field("/roles", "x"), "roles.x");
    }

    #[test]
    fn every_routed_operation_is_in_its_fragment() {
        let contracts = Contracts::load().expect("fragments load");
        let v2 = contracts
            .get(Flavour::AtlasV2, Op::UpdateOrgById)
            .expect("v2 update by id");
        assert_eq!(v2.version.as_deref(), Some("2023-01-01"));
        assert_eq!(v2.sunset.as_deref(), Some("2027-07-01"));
        assert!(v2.deprecated);
        let successor = contracts
            .get(Flavour::AtlasV2, Op::UpdateOrgUser)
            .expect("successor");
        assert_eq!(successor.version.as_deref(), Some("2025-02-19"));
        assert!(!successor.deprecated);
        let om = contracts
            .get(Flavour::OpsManagerV1, Op::UpdateGroupById)
            .expect("om");
        assert_eq!(om.response_media, "application/json");
        assert!(contracts.get(Flavour::AtlasV1, Op::UpdateOrgUser).is_none());
        // The fragment lists 2023-01-01 (sunsetting) first for these; the fake serves 2025-02-19.
        for op in [
            Op::ListOrgUsers,
            Op::RemoveOrgUser,
            Op::ListProjectUsers,
            Op::RemoveProjectUser,
        ] {
            let contract = contracts.get(Flavour::AtlasV2, op).expect("successor");
            assert_eq!(contract.version.as_deref(), Some("2025-02-19"), "{op:?}");
            assert_eq!(contract.sunset, None, "{op:?}");
            assert!(!contract.deprecated);
        }
        for op in Op::ALL {
            let deprecated = contracts.get(Flavour::AtlasV2, op).expect("v2").deprecated;
            assert_eq!(
                deprecated,
                op.media_type_in(Flavour::AtlasV2) == Some("application/vnd.atlas.2023-01-01+json"),
                "{op:?}"
            );
            for flavour in [Flavour::AtlasV1, Flavour::OpsManagerV1] {
                assert!(
                    contracts.get(flavour, op).is_none_or(|c| !c.deprecated),
                    "{flavour:?} {op:?}"
                );
            }
        }
    }

    #[test]
    fn request_schemas_refuse_unknown_roles_and_fields() {
        let contracts = Contracts::load().expect("fragments load");
        let om = contracts
            .get(Flavour::OpsManagerV1, Op::UpdateOrgById)
            .expect("om");
        let fields: Vec<String> = om
            .violations(&json!({"teamIds": [], "color": "red"}))
            .into_iter()
            .map(|v| v.field)
            .collect();
        assert_eq!(fields, vec!["color".to_owned(), "roles".to_owned()]);
        let v2 = contracts
            .get(Flavour::AtlasV2, Op::UpdateOrgById)
            .expect("v2");
        let bad_role = v2.violations(&json!({"roles": ["ORG_OWNER", "ORG_WIZARD"]}));
        assert_eq!(bad_role.len(), 1);
        assert_eq!(bad_role[0].field, "roles[1]");
        assert!(v2.violations(&json!({"roles": ["ORG_OWNER"]})).is_empty());
    }
}
