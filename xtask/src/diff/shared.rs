//! The fields of the shared types codegen puts in place of some schemas (`codegen::REPLACED_SCHEMAS`, the
//! types of `mongodb-invitations-types`): for those schemas the client decodes into these structs, not into
//! what typify would generate, so their field kinds come from the structs themselves (their derived JSON
//! Schema), not from the typify model.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::Value;

use super::bindings::FieldKind;

/// The field kind of `property` in the shared type standing for component `component`, if there is one.
/// The pending and active shapes of an org user both decode into the one shared `OrgUserResponse`.
pub(crate) fn field_kind(component: &str, property: &str) -> Option<FieldKind> {
    let component = match component {
        "OrgPendingUserResponse" | "OrgActiveUserResponse" => "OrgUserResponse",
        "GroupPendingUserResponse" | "GroupActiveUserResponse" => "GroupUserResponse",
        other => other,
    };
    if !codegen::REPLACED_SCHEMAS.contains(&component) {
        return None;
    }
    kinds().get(component)?.get(property).copied()
}

fn kinds() -> &'static BTreeMap<&'static str, BTreeMap<String, FieldKind>> {
    static KINDS: OnceLock<BTreeMap<&'static str, BTreeMap<String, FieldKind>>> = OnceLock::new();
    KINDS.get_or_init(|| {
        macro_rules! of {
            ($($name:ident),+ $(,)?) => {
                BTreeMap::from([$((
                    stringify!($name),
                    fields(&serde_json::to_value(schemars::schema_for!(invitation_types::$name))
                        .unwrap_or_default()),
                )),+])
            };
        }
        of!(
            OrganizationInvitationUpdateRequest,
            OrganizationInvitationRequest,
            GroupInvitationRequest,
            GroupInvitationUpdateRequest,
            OrgUserUpdateRequest,
            OrganizationInvitation,
            GroupInvitation,
            OrgUserResponse,
            OrgUserRequest,
            GroupUserRequest,
            AddOrRemoveOrgRole,
            AddOrRemoveGroupRole,
            GroupUserResponse,
            PaginatedOrgUserView,
            PaginatedGroupUserView,
            ApiError,
        )
    })
}

/// Required → `Required`; a schema that admits null (or anything) → `Optional`; otherwise a defaulted field.
pub(crate) fn fields(schema: &Value) -> BTreeMap<String, FieldKind> {
    let required: Vec<&str> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let admits_null = |p: &Value| {
        p["type"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t == "null"))
            || ["anyOf", "oneOf"].iter().any(|k| {
                p[*k]
                    .as_array()
                    .is_some_and(|b| b.iter().any(|b| b["type"] == "null"))
            })
            || *p == Value::Bool(true)
            || *p == serde_json::json!({})
    };
    schema["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, p)| {
            let kind = if required.contains(&name.as_str()) {
                FieldKind::Required
            } else if admits_null(p) {
                FieldKind::Optional
            } else {
                FieldKind::Defaulted
            };
            (name.clone(), kind)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shared_types_say_what_decodes() {
        // Optional in the shared type, required and not nullable in upstream's pending shape.
        assert_eq!(
            field_kind("OrgPendingUserResponse", "invitationExpiresAt"),
            Some(FieldKind::Optional)
        );
        assert_eq!(
            field_kind("OrganizationInvitation", "orgName"),
            Some(FieldKind::Required)
        );
        assert_eq!(field_kind("GroupRole", "groupRole"), None, "not replaced");
    }
}
