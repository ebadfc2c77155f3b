//! The one invitation model, whatever the flavour, and the changes a caller asks for.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{InvitationId, OrgId, ProjectId, TeamId, UserId, Username};
use crate::roles::{OrgRole, ProjectRole};

/// Which pending invitation an update or lookup means.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Invitee {
    /// By the invitation's id.
    Id(InvitationId),
    /// By the invitee's username (email address).
    Username(Username),
}

/// A pending invitation to an organization or a project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Invitation {
    /// The invitation's id.
    pub id: InvitationId,
    /// Where the invitation leads, with the roles it grants there.
    #[serde(flatten)]
    pub target: InvitationTarget,
    /// The invitee's email address.
    pub username: String,
    /// Who sent it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inviter_username: Option<String>,
    /// When it was sent (UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    /// When it expires (UTC; 30 days after it was sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
}

/// An organization or a project, and what the invitation grants there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum InvitationTarget {
    /// An organization invitation.
    #[serde(rename_all = "camelCase")]
    Org {
        /// The organization.
        org_id: OrgId,
        /// Its name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        org_name: Option<String>,
        /// Organization roles granted on acceptance.
        #[serde(default)]
        roles: Vec<OrgRole>,
        /// Teams the invitee joins.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        team_ids: Vec<TeamId>,
        /// Project roles granted with it (Atlas v2).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        group_role_assignments: Vec<ProjectRoleGrant>,
    },
    /// A project invitation.
    #[serde(rename_all = "camelCase")]
    Project {
        /// The project (`groupId` on the wire).
        #[serde(rename = "groupId")]
        project_id: ProjectId,
        /// Its name.
        #[serde(default, rename = "groupName", skip_serializing_if = "Option::is_none")]
        project_name: Option<String>,
        /// Project roles granted on acceptance.
        #[serde(default)]
        roles: Vec<ProjectRole>,
    },
}

/// One project role an organization invitation grants (as responses list them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectRoleGrant {
    /// The project.
    #[serde(rename = "groupId")]
    pub project_id: ProjectId,
    /// The role.
    #[serde(rename = "groupRole")]
    pub role: ProjectRole,
}

/// Project roles to grant with an organization invitation (as requests send them; Atlas v2 only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectRoleAssignment {
    /// The project.
    #[serde(rename = "groupId")]
    pub project_id: ProjectId,
    /// Its roles.
    pub roles: Vec<ProjectRole>,
}

/// What an organization invitation should grant. Roles given **replace** the invitation's roles.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgInvitationChanges {
    /// Organization roles (required by Atlas v1.0 and Ops Manager).
    pub roles: Vec<OrgRole>,
    /// Teams to join.
    pub team_ids: Vec<TeamId>,
    /// Project roles to grant as well (Atlas v2 only).
    pub group_role_assignments: Vec<ProjectRoleAssignment>,
}

impl OrgInvitationChanges {
    /// Changes granting `roles`.
    pub fn roles(roles: impl IntoIterator<Item = OrgRole>) -> Self {
        Self {
            roles: roles.into_iter().collect(),
            ..Self::default()
        }
    }

    /// Adds teams.
    pub fn with_teams(mut self, teams: impl IntoIterator<Item = TeamId>) -> Self {
        self.team_ids.extend(teams);
        self
    }

    /// Adds project roles (Atlas v2 only).
    pub fn with_project_roles(
        mut self,
        project_id: ProjectId,
        roles: impl IntoIterator<Item = ProjectRole>,
    ) -> Self {
        self.group_role_assignments.push(ProjectRoleAssignment {
            project_id,
            roles: roles.into_iter().collect(),
        });
        self
    }
}

/// What the v2 successor endpoint changes on a pending (or active) organization user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgUserChanges {
    /// Organization roles; replace the user's.
    pub org_roles: Vec<OrgRole>,
    /// Project roles per project.
    pub group_role_assignments: Vec<ProjectRoleAssignment>,
    /// Teams.
    pub team_ids: Vec<TeamId>,
}

/// An organization user as the v2 successor endpoint returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrgUser {
    /// The user's id.
    pub id: UserId,
    /// Their username.
    pub username: String,
    /// `PENDING`, `ACTIVE`, `INVITATION_EXPIRED`, `INVITATION_REJECTED`, or a newer value.
    pub org_membership_status: String,
    /// Their roles.
    pub roles: OrgUserRoles,
    /// Their teams.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub team_ids: Vec<TeamId>,
}

/// The roles of an [`OrgUser`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrgUserRoles {
    /// Organization roles.
    #[serde(default)]
    pub org_roles: Vec<OrgRole>,
    /// Project roles.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub group_role_assignments: Vec<serde_json::Value>,
}
