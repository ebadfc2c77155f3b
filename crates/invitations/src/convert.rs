//! From the shared wire types (`mongodb-invitations-types`, which every generated client returns) to the
//! facade's model, once for all flavours.
//!
//! The operation called decides whether an answer is an organization or a project invitation, and fills in
//! the organization or project when the answer does not name it.

use crate::error::{ApiError, Error, FieldViolation};
use crate::ids::InvitationId;
use crate::model::{
    Invitation, InvitationTarget, OrgUser, OrgUserRoles, ProjectRoleGrant, ProjectRoles,
};
use crate::roles::{OrgRole, ProjectRole};
use crate::user::MembershipStatus;
use invitation_types as wire;

/// The id of an answer: the schema gives it the 24-hex pattern, so anything else is a bad answer.
fn invitation_id(id: Option<String>) -> Result<Option<InvitationId>, Error> {
    id.map(|id| {
        id.parse().map_err(|_| Error::UndecodableResponse {
            status: None,
            reason: format!("invitation id {id:?} is not 24 lowercase hexadecimal characters"),
            excerpt: String::new(),
            source: None,
        })
    })
    .transpose()
}

impl Invitation {
    /// An organization invitation as answered to a call naming `called`.
    pub(crate) fn from_org(w: wire::OrganizationInvitation, called: &str) -> Result<Self, Error> {
        Ok(Invitation {
            id: invitation_id(w.id)?,
            target: InvitationTarget::Org {
                org_id: w.org_id.unwrap_or_else(|| called.to_string()),
                org_name: Some(w.org_name),
                roles: w.roles.iter().map(|r| OrgRole::from_wire(r)).collect(),
                team_ids: w.team_ids,
                group_role_assignments: w
                    .group_role_assignments
                    .into_iter()
                    .map(|g| ProjectRoleGrant {
                        project_id: g.group_id,
                        role: g.group_role.as_deref().map(ProjectRole::from_wire),
                    })
                    .collect(),
            },
            username: w.username,
            inviter_username: w.inviter_username,
            created_at: w.created_at,
            expires_at: w.expires_at,
        })
    }

    /// A project invitation as answered to a call naming `called`.
    pub(crate) fn from_project(w: wire::GroupInvitation, called: &str) -> Result<Self, Error> {
        Ok(Invitation {
            id: invitation_id(w.id)?,
            target: InvitationTarget::Project {
                project_id: w.group_id.unwrap_or_else(|| called.to_string()),
                project_name: w.group_name,
                roles: w.roles.iter().map(|r| ProjectRole::from_wire(r)).collect(),
            },
            username: w.username,
            inviter_username: w.inviter_username,
            created_at: w.created_at,
            expires_at: w.expires_at,
        })
    }
}

impl From<wire::OrgUserResponse> for OrgUser {
    fn from(w: wire::OrgUserResponse) -> Self {
        OrgUser {
            id: w.id,
            username: w.username,
            org_membership_status: MembershipStatus::from_wire(&w.org_membership_status),
            roles: OrgUserRoles {
                org_roles: w
                    .roles
                    .org_roles
                    .iter()
                    .map(|r| OrgRole::from_wire(r))
                    .collect(),
                group_role_assignments: w
                    .roles
                    .group_role_assignments
                    .into_iter()
                    .map(|g| ProjectRoles {
                        project_id: g.group_id,
                        roles: g
                            .group_roles
                            .iter()
                            .map(|r| ProjectRole::from_wire(r))
                            .collect(),
                    })
                    .collect(),
            },
            team_ids: w.team_ids,
            inviter_username: w.inviter_username,
            invitation_created_at: w.invitation_created_at,
            invitation_expires_at: w.invitation_expires_at,
            first_name: w.first_name,
            last_name: w.last_name,
            country: w.country,
            created_at: w.created_at,
            last_auth: w.last_auth,
        }
    }
}

impl From<wire::ApiError> for ApiError {
    fn from(w: wire::ApiError) -> Self {
        ApiError {
            status: u16::try_from(w.error).unwrap_or_default(),
            error_code: w.error_code,
            detail: w.detail,
            reason: w.reason,
            parameters: w.parameters,
            field_violations: w
                .bad_request_detail
                .map(|d| d.fields)
                .unwrap_or_default()
                .into_iter()
                .map(|f| FieldViolation {
                    field: f.field,
                    description: f.description,
                })
                .collect(),
        }
    }
}
