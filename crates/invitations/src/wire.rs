//! Invitations as the response schemas describe them, before they become the one [`Invitation`] model.
//!
//! Two shapes, because the operation called (not a guess from the fields) says whether an answer is an
//! organization or a project invitation. Everything the schemas leave optional is optional here, and the
//! free strings (`teamIds`, `groupRoleAssignments[].groupRole`, names) stay strings.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::ids::InvitationId;
use crate::model::{Invitation, InvitationTarget, ProjectRoleGrant};
use crate::roles::{OrgRole, ProjectRole};

/// `OrganizationInvitation`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OrgInvitation {
    id: Option<InvitationId>,
    org_id: Option<String>,
    org_name: Option<String>,
    username: Option<String>,
    inviter_username: Option<String>,
    #[serde(default)]
    roles: Option<Vec<OrgRole>>,
    #[serde(default)]
    team_ids: Option<Vec<String>>,
    #[serde(default)]
    group_role_assignments: Option<Vec<ProjectRoleGrant>>,
    created_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
}

/// `GroupInvitation`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProjectInvitation {
    id: Option<InvitationId>,
    group_id: Option<String>,
    group_name: Option<String>,
    username: Option<String>,
    inviter_username: Option<String>,
    #[serde(default)]
    roles: Option<Vec<ProjectRole>>,
    created_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
}

impl OrgInvitation {
    /// The model, with the organization the call named where the answer does not say.
    pub(crate) fn into_invitation(self, called: &str) -> Invitation {
        Invitation {
            id: self.id,
            target: InvitationTarget::Org {
                org_id: self.org_id.unwrap_or_else(|| called.to_string()),
                org_name: self.org_name,
                roles: self.roles.unwrap_or_default(),
                team_ids: self.team_ids.unwrap_or_default(),
                group_role_assignments: self.group_role_assignments.unwrap_or_default(),
            },
            username: self.username,
            inviter_username: self.inviter_username,
            created_at: self.created_at,
            expires_at: self.expires_at,
        }
    }
}

impl ProjectInvitation {
    /// The model, with the project the call named where the answer does not say.
    pub(crate) fn into_invitation(self, called: &str) -> Invitation {
        Invitation {
            id: self.id,
            target: InvitationTarget::Project {
                project_id: self.group_id.unwrap_or_else(|| called.to_string()),
                project_name: self.group_name,
                roles: self.roles.unwrap_or_default(),
            },
            username: self.username,
            inviter_username: self.inviter_username,
            created_at: self.created_at,
            expires_at: self.expires_at,
        }
    }
}
