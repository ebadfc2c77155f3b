//! Request bodies: only what the caller set is sent (empty lists and absent values are left out), because
//! MongoDB treats a field sent as a field to change.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

fn is_empty<T>(v: &[T]) -> bool {
    v.is_empty()
}

/// `OrganizationInvitationUpdateRequest`: update an organization invitation by id. Roles replace.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationInvitationUpdateRequest {
    /// Project roles granted with the invitation (Atlas only).
    #[serde(default, skip_serializing_if = "is_empty")]
    pub group_role_assignments: Vec<OrganizationInvitationGroupRoleAssignmentsRequest>,
    /// Organization role names.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub roles: Vec<String>,
    /// Team ids (24 hexadecimal characters).
    #[serde(default, skip_serializing_if = "is_empty")]
    pub team_ids: Vec<String>,
}

/// `OrganizationInvitationRequest`: create an organization invitation, or update one by username.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationInvitationRequest {
    /// Project roles granted with the invitation (Atlas only).
    #[serde(default, skip_serializing_if = "is_empty")]
    pub group_role_assignments: Vec<OrganizationInvitationGroupRoleAssignmentsRequest>,
    /// Organization role names.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub roles: Vec<String>,
    /// Team ids (24 hexadecimal characters).
    #[serde(default, skip_serializing_if = "is_empty")]
    pub team_ids: Vec<String>,
    /// The invitee's email address.
    pub username: String,
}

/// One project and the roles an organization invitation grants in it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationInvitationGroupRoleAssignmentsRequest {
    /// The project (24 hexadecimal characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// Project role names.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub roles: Vec<String>,
}

/// `GroupInvitationRequest`: create a project invitation, or update one by username.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupInvitationRequest {
    /// Project role names.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub roles: Vec<String>,
    /// The invitee's email address.
    pub username: String,
}

/// `GroupInvitationUpdateRequest`: update a project invitation by id. Roles replace.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupInvitationUpdateRequest {
    /// Project role names.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub roles: Vec<String>,
}

/// `OrgUserUpdateRequest` (Atlas v2, MongoDB Cloud Users): change a pending or active organization user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrgUserUpdateRequest {
    /// New roles; replace the user's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<OrgUserRolesRequest>,
    /// Team ids (24 hexadecimal characters).
    #[serde(default, skip_serializing_if = "is_empty")]
    pub team_ids: Vec<String>,
}

/// `OrgUserRolesRequest`: organization roles (at least one) and project role assignments.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrgUserRolesRequest {
    /// Project roles per project.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub group_role_assignments: Vec<GroupRoleAssignment>,
    /// Organization role names.
    pub org_roles: Vec<String>,
}

/// `GroupRoleAssignment`: one project and its roles (`groupRoles`, a list, unlike invitations' `groupRole`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupRoleAssignment {
    /// The project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// Project role names.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub group_roles: Vec<String>,
}

/// `OrgUserRequest` (Atlas v2, MongoDB Cloud Users): invite a user to an organization.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrgUserRequest {
    /// Roles to grant (at least one organization role).
    pub roles: OrgUserRolesRequest,
    /// Team ids (24 hexadecimal characters).
    #[serde(default, skip_serializing_if = "is_empty")]
    pub team_ids: Vec<String>,
    /// The user's email address.
    pub username: String,
}

/// `GroupUserRequest` (Atlas v2, MongoDB Cloud Users): add a user to a project.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct GroupUserRequest {
    /// Project role names.
    pub roles: Vec<String>,
    /// The user's email address.
    pub username: String,
}

/// `AddOrRemoveOrgRole`: one organization role to grant or take away.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddOrRemoveOrgRole {
    /// The role's name.
    pub org_role: String,
}

/// `AddOrRemoveGroupRole`: one project role to grant or take away.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddOrRemoveGroupRole {
    /// The role's name.
    pub group_role: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_the_caller_did_not_set_is_not_sent() {
        let body = OrganizationInvitationUpdateRequest {
            roles: vec!["ORG_MEMBER".into()],
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"roles":["ORG_MEMBER"]}"#
        );
        assert_eq!(
            serde_json::to_string(&OrgUserUpdateRequest::default()).unwrap(),
            "{}"
        );
    }
}
