//! Response bodies. Every field the schemas leave optional is an `Option` (or an empty list), nullable ones
//! accept `null`, free strings stay `String` (ids too: a client has no business refusing what the server
//! says), and unknown fields are ignored, so any answer the upstream schemas allow decodes.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

/// `null` and absence both become the default (an empty list).
fn null_as_default<'de, D: Deserializer<'de>, T: Default + Deserialize<'de>>(
    d: D,
) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// `OrganizationInvitation`: a pending invitation to an organization.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationInvitation {
    /// When it was sent.
    #[serde(
        with = "crate::timestamp",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<DateTime<Utc>>")]
    pub created_at: Option<DateTime<Utc>>,
    /// When it expires.
    #[serde(
        with = "crate::timestamp",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<DateTime<Utc>>")]
    pub expires_at: Option<DateTime<Utc>>,
    /// Project roles granted with it (Atlas).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub group_role_assignments: Vec<GroupRole>,
    /// Its id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Who sent it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inviter_username: Option<String>,
    /// Links to related resources.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub links: Vec<Link>,
    /// The organization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    /// The organization's name (the one field the schema requires).
    pub org_name: String,
    /// Organization role names, including ones this build does not know.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub roles: Vec<String>,
    /// Teams the invitee joins.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub team_ids: Vec<String>,
    /// The invitee's email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
}

/// `GroupInvitation`: a pending invitation to a project.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupInvitation {
    /// When it was sent.
    #[serde(
        with = "crate::timestamp",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<DateTime<Utc>>")]
    pub created_at: Option<DateTime<Utc>>,
    /// When it expires.
    #[serde(
        with = "crate::timestamp",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<DateTime<Utc>>")]
    pub expires_at: Option<DateTime<Utc>>,
    /// The project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// The project's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    /// Its id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Who sent it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inviter_username: Option<String>,
    /// Links to related resources.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub links: Vec<Link>,
    /// Project role names, including ones this build does not know.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub roles: Vec<String>,
    /// The invitee's email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
}

/// `GroupRole`: one project role an organization invitation grants.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupRole {
    /// The project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// The role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_role: Option<String>,
}

/// `OrgUserResponse` (Atlas v2, MongoDB Cloud Users): an organization user, pending or active. Upstream
/// describes it as one of a pending and an active shape told apart by `orgMembershipStatus`; this is their
/// union, so a status added upstream still decodes, with the fields of whichever shape it comes in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrgUserResponse {
    /// The user's id.
    pub id: String,
    /// Their username (email address).
    pub username: String,
    /// `PENDING`, `ACTIVE`, `INVITATION_EXPIRED`, `INVITATION_REJECTED`, or a newer value.
    pub org_membership_status: String,
    /// Their roles.
    #[serde(default)]
    pub roles: OrgUserRolesResponse,
    /// Their teams.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub team_ids: Vec<String>,
    /// Pending: when the invitation was sent.
    #[serde(
        with = "crate::timestamp",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<DateTime<Utc>>")]
    pub invitation_created_at: Option<DateTime<Utc>>,
    /// Pending: when it expires (nullable).
    #[serde(
        with = "crate::timestamp",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<DateTime<Utc>>")]
    pub invitation_expires_at: Option<DateTime<Utc>>,
    /// Pending: who invited them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inviter_username: Option<String>,
    /// Active: first name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Active: last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Active: two-letter country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Active: mobile number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile_number: Option<String>,
    /// Active: when the account was created.
    #[serde(
        with = "crate::timestamp",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<DateTime<Utc>>")]
    pub created_at: Option<DateTime<Utc>>,
    /// Active: last authentication.
    #[serde(
        with = "crate::timestamp",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<DateTime<Utc>>")]
    pub last_auth: Option<DateTime<Utc>>,
}

/// `GroupUserResponse` (Atlas v2, MongoDB Cloud Users): a project user, pending or active; like
/// [`OrgUserResponse`], the union of upstream's pending and active shapes, with the project's roles as a list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupUserResponse {
    /// The user's id.
    pub id: String,
    /// Their username (email address).
    pub username: String,
    /// `PENDING`, `ACTIVE`, `INVITATION_EXPIRED`, `INVITATION_REJECTED`, or a newer value.
    pub org_membership_status: String,
    /// Their roles in the project.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub roles: Vec<String>,
    /// Pending: when the invitation was sent.
    #[serde(
        with = "crate::timestamp",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<DateTime<Utc>>")]
    pub invitation_created_at: Option<DateTime<Utc>>,
    /// Pending: when it expires (nullable).
    #[serde(
        with = "crate::timestamp",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<DateTime<Utc>>")]
    pub invitation_expires_at: Option<DateTime<Utc>>,
    /// Pending: who invited them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inviter_username: Option<String>,
    /// Active: first name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Active: last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Active: two-letter country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Active: mobile number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile_number: Option<String>,
    /// Active: when the account was created.
    #[serde(
        with = "crate::timestamp",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<DateTime<Utc>>")]
    pub created_at: Option<DateTime<Utc>>,
    /// Active: last authentication.
    #[serde(
        with = "crate::timestamp",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<DateTime<Utc>>")]
    pub last_auth: Option<DateTime<Utc>>,
}

/// `PaginatedOrgUserView`: one page of organization users.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaginatedOrgUserView {
    /// Links to this page and its neighbours.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub links: Vec<Link>,
    /// The users on this page.
    pub results: Vec<OrgUserResponse>,
    /// How many all pages hold, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_count: Option<i64>,
}

/// `PaginatedGroupUserView`: one page of project users.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaginatedGroupUserView {
    /// Links to this page and its neighbours.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub links: Vec<Link>,
    /// The users on this page.
    pub results: Vec<GroupUserResponse>,
    /// How many all pages hold, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_count: Option<i64>,
}

/// `OrgUserRolesResponse`: an organization user's roles.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrgUserRolesResponse {
    /// Project roles per project.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub group_role_assignments: Vec<crate::GroupRoleAssignment>,
    /// Organization role names.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub org_roles: Vec<String>,
}

/// `ApiError`: the body of every error status. `parameters` is declared as a list of objects, but servers
/// send strings: any JSON value is kept.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiError {
    /// The HTTP status, repeated.
    pub error: i32,
    /// MongoDB's error code, such as `INVITATION_NOT_FOUND`.
    pub error_code: String,
    /// A human-readable explanation (nullable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The HTTP reason phrase (nullable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Values the message refers to.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub parameters: Vec<serde_json::Value>,
    /// The fields the server rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bad_request_detail: Option<BadRequestDetail>,
}

/// `BadRequestDetail`: the fields of a request the server rejected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BadRequestDetail {
    /// One entry per rejected field.
    #[serde(default, deserialize_with = "null_as_default")]
    pub fields: Vec<FieldViolation>,
}

/// `FieldViolation`: one rejected field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct FieldViolation {
    /// The field's path.
    pub field: String,
    /// Why it was rejected.
    pub description: String,
}

/// `Link`: a related resource.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Link {
    /// Its URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
    /// How it relates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rel: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_smallest_answer_the_schema_allows_decodes() {
        let inv: OrganizationInvitation = serde_json::from_str(r#"{"orgName":"Acme"}"#).unwrap();
        assert_eq!(inv.org_name, "Acme");
        let inv: OrganizationInvitation = serde_json::from_str(
            r#"{"orgName":"x","teamIds":null,"roles":["ORG_FROM_THE_FUTURE"],"groupRoleAssignments":[{"groupRole":"ANY"}],"extra":1}"#,
        )
        .unwrap();
        assert!(inv.team_ids.is_empty());
        assert_eq!(
            inv.group_role_assignments[0].group_role.as_deref(),
            Some("ANY")
        );
        let inv: GroupInvitation = serde_json::from_str("{}").unwrap();
        assert_eq!(inv, GroupInvitation::default());
    }

    #[test]
    fn error_bodies_keep_string_parameters_and_nulls() {
        let e: ApiError = serde_json::from_str(
            r#"{"error":400,"errorCode":"VALIDATION_ERROR","detail":null,"parameters":["a",{"b":1}],
                "badRequestDetail":{"fields":[{"field":"roles","description":"bad"}]}}"#,
        )
        .unwrap();
        assert_eq!(e.parameters.len(), 2);
        assert_eq!(e.detail, None);
        assert_eq!(e.bad_request_detail.unwrap().fields[0].field, "roles");
    }

    #[test]
    fn both_shapes_of_an_org_user_and_a_newer_status_decode() {
        let pending: OrgUserResponse = serde_json::from_str(
            r#"{"id":"a","username":"u@x","orgMembershipStatus":"PENDING","roles":{"orgRoles":["ORG_MEMBER"]},
                "invitationCreatedAt":"2026-11-01T10:00:00Z","invitationExpiresAt":null,"inviterUsername":"g@x"}"#,
        )
        .unwrap();
        assert_eq!(pending.invitation_expires_at, None);
        assert_eq!(pending.roles.org_roles, ["ORG_MEMBER"]);
        let active: OrgUserResponse = serde_json::from_str(
            r#"{"id":"a","username":"u@x","orgMembershipStatus":"SUSPENDED_IN_2030","roles":{},
                "firstName":"Ada","lastName":"L","createdAt":"2020-01-01T00:00:00Z","country":"GB"}"#,
        )
        .unwrap();
        assert_eq!(
            (
                active.org_membership_status.as_str(),
                active.first_name.as_deref()
            ),
            ("SUSPENDED_IN_2030", Some("Ada"))
        );
    }
}
