//! The one invitation model, whatever the flavour, and the changes a caller asks for.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{InvitationId, ProjectId, TeamId, Username};
use crate::roles::{OrgRole, ProjectRole};
use crate::user::MembershipStatus;

/// Which pending invitation an update or lookup means.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Invitee {
    /// By the invitation's id.
    Id(InvitationId),
    /// By the invitee's username (email address).
    Username(Username),
}

impl From<InvitationId> for Invitee {
    fn from(id: InvitationId) -> Self {
        Invitee::Id(id)
    }
}

impl From<&InvitationId> for Invitee {
    fn from(id: &InvitationId) -> Self {
        Invitee::Id(id.clone())
    }
}

impl From<Username> for Invitee {
    fn from(username: Username) -> Self {
        Invitee::Username(username)
    }
}

impl From<&Username> for Invitee {
    fn from(username: &Username) -> Self {
        Invitee::Username(username.clone())
    }
}

impl From<&Invitee> for Invitee {
    fn from(invitee: &Invitee) -> Self {
        invitee.clone()
    }
}

/// A pending invitation to an organization or a project.
///
/// Decoded from the operation's own response schema: the operation called says whether it is an organization
/// or a project invitation, and every field the schema leaves optional or free is optional or free here.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Invitation {
    /// The invitation's id (the schema does not require it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<InvitationId>,
    /// Where the invitation leads, with the roles it grants there.
    #[serde(flatten)]
    pub target: InvitationTarget,
    /// The invitee's email address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Who sent it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inviter_username: Option<String>,
    /// When it was sent (UTC).
    #[serde(
        with = "invitation_types::timestamp",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_at: Option<DateTime<Utc>>,
    /// When it expires (UTC; 30 days after it was sent).
    #[serde(
        with = "invitation_types::timestamp",
        skip_serializing_if = "Option::is_none"
    )]
    pub expires_at: Option<DateTime<Utc>>,
}

/// An organization or a project, and what the invitation grants there.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum InvitationTarget {
    /// An organization invitation.
    #[serde(rename_all = "camelCase")]
    Org {
        /// The organization: as answered, or else the one the call named.
        org_id: String,
        /// Its name.
        #[serde(skip_serializing_if = "Option::is_none")]
        org_name: Option<String>,
        /// Organization roles granted on acceptance.
        roles: Vec<OrgRole>,
        /// Teams the invitee joins (free strings in the schema).
        #[serde(skip_serializing_if = "Vec::is_empty")]
        team_ids: Vec<String>,
        /// Project roles granted with it (Atlas v2).
        #[serde(skip_serializing_if = "Vec::is_empty")]
        group_role_assignments: Vec<ProjectRoleGrant>,
    },
    /// A project invitation.
    #[serde(rename_all = "camelCase")]
    Project {
        /// The project (`groupId` on the wire): as answered, or else the one the call named.
        #[serde(rename = "groupId")]
        project_id: String,
        /// Its name.
        #[serde(rename = "groupName", skip_serializing_if = "Option::is_none")]
        project_name: Option<String>,
        /// Project roles granted on acceptance.
        roles: Vec<ProjectRole>,
    },
}

/// One project role an organization invitation grants (as responses list them; both fields are free,
/// optional strings in the schema).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectRoleGrant {
    /// The project.
    #[serde(rename = "groupId", skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    /// The role.
    #[serde(rename = "groupRole", skip_serializing_if = "Option::is_none")]
    pub role: Option<ProjectRole>,
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

/// An organization user as the v2 successor endpoints return it, pending or active.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrgUser {
    /// The user's id.
    pub id: String,
    /// Their username.
    pub username: String,
    /// Pending, active, or a status MongoDB added later.
    pub org_membership_status: MembershipStatus,
    /// Their roles.
    pub roles: OrgUserRoles,
    /// Their teams.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub team_ids: Vec<String>,
    /// Pending: who invited them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inviter_username: Option<String>,
    /// Pending: when the invitation was sent.
    #[serde(
        with = "invitation_types::timestamp",
        skip_serializing_if = "Option::is_none"
    )]
    pub invitation_created_at: Option<DateTime<Utc>>,
    /// Pending: when the invitation expires (the schema allows `null`).
    #[serde(
        with = "invitation_types::timestamp",
        skip_serializing_if = "Option::is_none"
    )]
    pub invitation_expires_at: Option<DateTime<Utc>>,
    /// Active: first name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Active: last name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Active: two-letter country code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Active: when the account was created.
    #[serde(
        with = "invitation_types::timestamp",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_at: Option<DateTime<Utc>>,
    /// Active: last authentication.
    #[serde(
        with = "invitation_types::timestamp",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_auth: Option<DateTime<Utc>>,
}

/// The roles of an [`OrgUser`].
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrgUserRoles {
    /// Organization roles.
    pub org_roles: Vec<OrgRole>,
    /// Project roles, per project.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub group_role_assignments: Vec<ProjectRoles>,
}

/// A project and the roles a user has there (`groupRoles`, a list, unlike invitations' `groupRole`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectRoles {
    /// The project (`groupId`).
    #[serde(rename = "groupId", skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    /// Its roles.
    #[serde(rename = "groupRoles")]
    pub roles: Vec<ProjectRole>,
}
