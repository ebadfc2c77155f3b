//! The contract-diff engine guards the code generator: the JSON Schema derived from each generated request
//! and response type must say what the fragment says, so a codegen fixup can never silently drop a field or
//! change what is required.

use integration_tests::workspace_root;
use serde_json::Value;
use xtask::diff::{Body, Direction, Finding, SchemaIn, body_schema, diff_schemas};

/// Differences that are deliberate, each as (rule, where in the schema, why). Anything else fails.
const DELIBERATE: &[(&str, &str, &str)] = &[
    // The invitation bodies are one shared type for every flavour (mongodb-invitations-types), the union of
    // what the flavours allow; where a flavour allows less, the facade refuses it before sending.
    (
        "request-property-became-required",
        "username",
        "shared type: every by-username and create call names the invitee (Atlas' schema leaves it optional)",
    ),
    (
        "request-property-became-optional",
        "roles",
        "shared type: the facade refuses empty roles where Ops Manager and v1.0 require them",
    ),
    (
        "new-optional-request-property",
        "groupRoleAssignments",
        "shared type: the facade refuses groupRoleAssignments outside Atlas",
    ),
    (
        "response-optional-property-added",
        "groupRoleAssignments",
        "shared type: Ops Manager never sends it, so it decodes empty",
    ),
    // open_enums: a closed role enum becomes "a known value or any string", so unknown roles decode.
    ("-property-enum-removed", "roles[]", "open_enums"),
    (
        "-property-type-changed",
        "roles[]",
        "open_enums: the item is now anyOf[known, string]",
    ),
    (
        "-property-any-of-added",
        "roles[]",
        "open_enums: the item is now anyOf[known, string]",
    ),
    (
        "-property-enum-removed",
        "orgMembershipStatus",
        "open_enums",
    ),
    // typify does not enforce minItems; the facade refuses an empty orgRoles before sending.
    (
        "request-property-min-items-decreased",
        "orgroles",
        "checked by mongodb-invitations",
    ),
    // addGroupUsers' roles: the facade refuses an empty list before sending.
    (
        "request-property-min-items-decreased",
        "schema.roles",
        "checked by mongodb-invitations",
    ),
    // One org role to add or remove: a string in the shared type, so a role newer than this build can be
    // sent; the facade checks known roles against the flavour first.
    (
        "request-property-enum-removed",
        "schema.orgRole",
        "open: a newer role passes, known ones are checked by mongodb-invitations",
    ),
    // response_patterns: patterns regress cannot read are dropped from what the server sends.
    ("response-property-pattern-removed", "", "response_patterns"),
    // typify checks a property's pattern in the newtype's constructor, but the derived schema omits it.
    (
        "request-property-pattern-removed",
        "Id",
        "checked by the generated newtype's TryFrom",
    ),
    // typify represents `format: email` as a plain String; the fragment keeps the format.
    (
        "-property-format-changed",
        "username",
        "format: email is not enforced by typify",
    ),
    (
        "-property-format-changed",
        "Username",
        "format: email is not enforced by typify",
    ),
];

fn deliberate(f: &Finding) -> bool {
    DELIBERATE.iter().any(|(rule, location, _)| {
        f.rule.ends_with(rule)
            && f.location
                .to_ascii_lowercase()
                .contains(&location.to_ascii_lowercase())
    })
}

fn fragment(flavour: &str) -> Value {
    let path = workspace_root().join(format!("spec/{flavour}.json"));
    serde_json::from_slice(&std::fs::read(path).expect("fragment")).expect("JSON")
}

/// Compares one operation body with the schema schemars derives for the generated type.
fn check(
    fragment: &Value,
    operation: &str,
    body: Body<'_>,
    derived: &Value,
    failures: &mut Vec<String>,
) {
    let direction = if matches!(body, Body::Request) {
        Direction::Request
    } else {
        Direction::Response
    };
    let spec = body_schema(fragment, operation, body)
        .unwrap_or_else(|| panic!("{operation}: no body schema"));
    let findings: Vec<Finding> = diff_schemas(
        SchemaIn::within(fragment, spec),
        SchemaIn::root(derived),
        direction,
    )
    .into_iter()
    .filter(|f| !deliberate(f))
    .collect();
    for f in findings {
        failures.push(format!(
            "{operation} ({direction:?}): {} at {}: {:?} -> {:?}",
            f.rule, f.location, f.before, f.after
        ));
    }
}

/// The schema of `T` as it constrains values. schemars spells an `Option` field as "may be null"; for a
/// property that is not required (and skipped when `None`), that means "may be absent", which the fragment
/// says with `required`. Such `null`s are removed before comparing.
fn schema_of<T: schemars::JsonSchema>() -> Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(T)).expect("schema JSON");
    drop_optional_nulls(&mut schema);
    schema
}

fn drop_optional_nulls(value: &mut Value) {
    let Some(obj) = value.as_object_mut() else {
        if let Some(items) = value.as_array_mut() {
            items.iter_mut().for_each(drop_optional_nulls);
        }
        return;
    };
    let required: Vec<String> = obj
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    if let Some(props) = obj.get_mut("properties").and_then(Value::as_object_mut) {
        for (name, prop) in props.iter_mut() {
            if !required.contains(name) {
                strip_null(prop);
            }
        }
    }
    obj.values_mut().for_each(drop_optional_nulls);
}

fn strip_null(schema: &mut Value) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    if let Some(Value::Array(types)) = obj.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            obj.insert("type".into(), only);
        }
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(options)) = obj.get_mut(key) {
            options.retain(|o| o.get("type").and_then(Value::as_str) != Some("null"));
            if options.len() == 1 {
                let only = options.remove(0);
                obj.remove(key);
                if let Value::Object(inner) = only {
                    obj.extend(inner);
                }
            }
        }
    }
}

macro_rules! guard {
    ($failures:ident, $fragment:expr, $( $op:literal, $body:expr => $ty:ty; )+) => {
        $( check(&$fragment, $op, $body, &schema_of::<$ty>(), &mut $failures); )+
    };
}

#[test]
fn generated_types_keep_the_fragments_contract() {
    let mut failures = Vec::new();
    {
        use atlas_v2::types::*;
        let f = fragment("atlas-v2");
        guard!(failures, f,
            "PATCH /api/atlas/v2/orgs/{orgId}/invites/{invitationId}", Body::Request => OrganizationInvitationUpdateRequest;
            "PATCH /api/atlas/v2/orgs/{orgId}/invites/{invitationId}", Body::Response("200") => OrganizationInvitation;
            "PATCH /api/atlas/v2/orgs/{orgId}/invites", Body::Request => OrganizationInvitationRequest;
            "PATCH /api/atlas/v2/groups/{groupId}/invites/{invitationId}", Body::Request => GroupInvitationUpdateRequest;
            "PATCH /api/atlas/v2/groups/{groupId}/invites/{invitationId}", Body::Response("200") => GroupInvitation;
            "PATCH /api/atlas/v2/groups/{groupId}/invites", Body::Request => GroupInvitationRequest;
            "PATCH /api/atlas/v2/orgs/{orgId}/users/{userId}", Body::Request => OrgUserUpdateRequest;
            "POST /api/atlas/v2/orgs/{orgId}/users", Body::Request => OrgUserRequest;
            "POST /api/atlas/v2/orgs/{orgId}/users/{userId}:addRole", Body::Request => AddOrRemoveOrgRole;
            "POST /api/atlas/v2/groups/{groupId}/users", Body::Request => GroupUserRequest;
            "POST /api/atlas/v2/groups/{groupId}/users/{userId}:addRole", Body::Request => AddOrRemoveGroupRole;
        );
    }
    {
        use atlas_v1::types::*;
        let f = fragment("atlas-v1");
        guard!(failures, f,
            "PATCH /api/atlas/v1.0/orgs/{orgId}/invites/{invitationId}", Body::Request => OrganizationInvitationUpdateRequest;
            "PATCH /api/atlas/v1.0/orgs/{orgId}/invites/{invitationId}", Body::Response("200") => OrganizationInvitation;
            "PATCH /api/atlas/v1.0/orgs/{orgId}/invites", Body::Request => OrganizationInvitationRequest;
            "PATCH /api/atlas/v1.0/groups/{groupId}/invites/{invitationId}", Body::Request => GroupInvitationUpdateRequest;
            "PATCH /api/atlas/v1.0/groups/{groupId}/invites/{invitationId}", Body::Response("200") => GroupInvitation;
            "PATCH /api/atlas/v1.0/groups/{groupId}/invites", Body::Request => GroupInvitationRequest;
        );
    }
    {
        use ops_manager_v1::types::*;
        let f = fragment("ops-manager-v1");
        guard!(failures, f,
            "PATCH /api/public/v1.0/orgs/{orgId}/invites/{invitationId}", Body::Request => OrganizationInvitationUpdateRequest;
            "PATCH /api/public/v1.0/orgs/{orgId}/invites/{invitationId}", Body::Response("200") => OrganizationInvitation;
            "PATCH /api/public/v1.0/orgs/{orgId}/invites", Body::Request => OrganizationInvitationRequest;
            "PATCH /api/public/v1.0/groups/{groupId}/invites/{invitationId}", Body::Request => GroupInvitationUpdateRequest;
            "PATCH /api/public/v1.0/groups/{groupId}/invites/{invitationId}", Body::Response("200") => GroupInvitation;
            "PATCH /api/public/v1.0/groups/{groupId}/invites", Body::Request => GroupInvitationRequest;
        );
    }
    assert!(
        failures.is_empty(),
        "generated types drift from the fragments:\n{}",
        failures.join("\n")
    );
}

#[test]
fn the_guard_catches_a_dropped_field() {
    // A type that lost `teamIds` and no longer requires anything: what a broken fixup would produce.
    #[derive(schemars::JsonSchema)]
    #[allow(dead_code)]
    struct Broken {
        roles: Option<Vec<String>>,
    }
    let f = fragment("ops-manager-v1");
    let mut failures = Vec::new();
    check(
        &f,
        "PATCH /api/public/v1.0/orgs/{orgId}/invites",
        Body::Request,
        &schema_of::<Broken>(),
        &mut failures,
    );
    let text = failures.join("\n");
    assert!(text.contains("teamIds") || text.contains("team"), "{text}");
    assert!(
        text.contains("username"),
        "the required username went missing unnoticed: {text}"
    );
}
