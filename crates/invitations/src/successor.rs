//! The invitation calls as the MongoDB Cloud Users API serves them: a pending invitation is a pending user
//! there, found by username; there are no invitation ids. The table in the crate docs lists each mapping.

use crate::client::Client;
use crate::error::Error;
use crate::ids::{OrgId, ProjectId, UserId, Username};
use crate::model::{
    Invitation, InvitationTarget, Invitee, OrgInvitationChanges, OrgUser, OrgUserChanges,
    ProjectRoleGrant,
};
use crate::response::Response;
use crate::roles::ProjectRole;
use crate::user::{Page, ProjectUser, UserQuery};

/// What to call instead of a by-id invitation call once the successor serves invitations.
const BY_USERNAME: &str = "address the invitation by the invitee's username (Invitee::Username), or use the \
                           user calls with the pending user's id";

/// The error for a call keyed by an invitation id: the successor has none, so nothing is sent.
fn no_successor(call: &'static str) -> Error {
    Error::NoSuccessor {
        call,
        instead: BY_USERNAME,
    }
}

impl Invitation {
    /// A pending organization user, shown as the invitation it stands for (it has no invitation id).
    pub(crate) fn from_org_user(user: OrgUser, org: &str) -> Self {
        Invitation {
            id: None,
            target: InvitationTarget::Org {
                org_id: org.to_string(),
                org_name: None,
                roles: user.roles.org_roles,
                team_ids: user.team_ids,
                group_role_assignments: user
                    .roles
                    .group_role_assignments
                    .into_iter()
                    .flat_map(|a| {
                        let project = a.project_id;
                        a.roles.into_iter().map(move |role| ProjectRoleGrant {
                            project_id: project.clone(),
                            role: Some(role),
                        })
                    })
                    .collect(),
            },
            username: Some(user.username),
            inviter_username: user.inviter_username,
            created_at: user.invitation_created_at,
            expires_at: user.invitation_expires_at,
        }
    }

    /// A pending project user, shown as the invitation it stands for.
    pub(crate) fn from_project_user(user: ProjectUser, project: &str) -> Self {
        Invitation {
            id: None,
            target: InvitationTarget::Project {
                project_id: project.to_string(),
                project_name: None,
                roles: user.roles,
            },
            username: Some(user.username),
            inviter_username: user.inviter_username,
            created_at: user.invitation_created_at,
            expires_at: user.invitation_expires_at,
        }
    }
}

/// A user id as answered: the schema gives it the 24-hex pattern, so anything else is a bad answer.
fn user_id(id: &str) -> Result<UserId, Error> {
    id.parse().map_err(|_| Error::UndecodableResponse {
        status: None,
        reason: format!("user id {id:?} is not 24 lowercase hexadecimal characters"),
        excerpt: String::new(),
        source: None,
    })
}

/// The user of a page whose username is `username` (the filter is the server's; the match is checked here),
/// or [`Error::NotInvited`] naming `target`.
fn only<T>(
    found: Response<Page<T>>,
    username: &Username,
    name: impl Fn(&T) -> &String,
    target: impl FnOnce() -> String,
) -> Result<Response<T>, Error> {
    let position = found
        .value
        .results
        .iter()
        .position(|u| name(u).eq_ignore_ascii_case(username.as_str()));
    match position {
        Some(i) => Ok(found.map(|mut page| page.results.swap_remove(i))),
        None => Err(Error::NotInvited {
            username: username.to_string(),
            target: target(),
        }),
    }
}

impl From<&OrgInvitationChanges> for OrgUserChanges {
    fn from(c: &OrgInvitationChanges) -> Self {
        OrgUserChanges {
            org_roles: c.roles.clone(),
            group_role_assignments: c.group_role_assignments.clone(),
            team_ids: c.team_ids.clone(),
        }
    }
}

impl Client {
    // ----- organization -------------------------------------------------------------------------------

    /// The pending organization user with `username` (`listOrgUsers` filtered by username and `PENDING`),
    /// or [`Error::NotInvited`]: how the successor finds what an invitation by username meant.
    pub async fn pending_org_user(
        &self,
        org: &OrgId,
        username: &Username,
    ) -> Result<Response<OrgUser>, Error> {
        let query = UserQuery::pending().with_username(username.clone());
        let found = self.list_org_users(org, &query).await?;
        only(
            found,
            username,
            |u| &u.username,
            || format!("organization {org}"),
        )
    }

    pub(crate) async fn successor_update_org_invitation(
        &self,
        org: &OrgId,
        invitee: &Invitee,
        changes: &OrgInvitationChanges,
    ) -> Result<Response<Invitation>, Error> {
        let Invitee::Username(username) = invitee else {
            return Err(no_successor("update_org_invitation"));
        };
        let user = self.pending_org_user(org, username).await?;
        let updated = self
            .update_org_user(org, &user_id(&user.id)?, &changes.into())
            .await?;
        Ok(updated.map(|u| Invitation::from_org_user(u, org.as_str())))
    }

    pub(crate) async fn successor_create_org_invitation(
        &self,
        org: &OrgId,
        username: &Username,
        changes: &OrgInvitationChanges,
    ) -> Result<Response<Invitation>, Error> {
        let created = self.create_org_user(org, username, &changes.into()).await?;
        Ok(created.map(|u| Invitation::from_org_user(u, org.as_str())))
    }

    pub(crate) async fn successor_get_org_invitation(
        &self,
        org: &OrgId,
        invitee: &Invitee,
    ) -> Result<Response<Invitation>, Error> {
        let Invitee::Username(username) = invitee else {
            return Err(no_successor("get_org_invitation"));
        };
        let user = self.pending_org_user(org, username).await?;
        let got = self.get_org_user(org, &user_id(&user.id)?).await?;
        Ok(got.map(|u| Invitation::from_org_user(u, org.as_str())))
    }

    pub(crate) async fn successor_delete_org_invitation(
        &self,
        org: &OrgId,
        invitee: &Invitee,
    ) -> Result<Response<()>, Error> {
        let Invitee::Username(username) = invitee else {
            return Err(no_successor("delete_org_invitation"));
        };
        let user = self.pending_org_user(org, username).await?;
        self.remove_org_user(org, &user_id(&user.id)?).await
    }

    pub(crate) async fn successor_list_org_invitations(
        &self,
        org: &OrgId,
        username: Option<&Username>,
    ) -> Result<Response<Vec<Invitation>>, Error> {
        let mut query = UserQuery::pending();
        query.username = username.cloned();
        let all = self
            .collect_pages("list_org_users", query, |q| async move {
                self.list_org_users(org, &q).await
            })
            .await?;
        Ok(all.map(|users| {
            users
                .into_iter()
                .map(|u| Invitation::from_org_user(u, org.as_str()))
                .collect()
        }))
    }

    // ----- project ------------------------------------------------------------------------------------

    /// The pending project user with `username`, or [`Error::NotInvited`]. Invitations sent through the
    /// deprecated project endpoint are not visible here (upstream documents this): they are not found.
    pub async fn pending_project_user(
        &self,
        project: &ProjectId,
        username: &Username,
    ) -> Result<Response<ProjectUser>, Error> {
        let query = UserQuery::pending().with_username(username.clone());
        let found = self.list_project_users(project, &query).await?;
        only(
            found,
            username,
            |u| &u.username,
            || format!("project {project}"),
        )
    }

    pub(crate) async fn successor_update_project_invitation(
        &self,
        project: &ProjectId,
        invitee: &Invitee,
        roles: &[ProjectRole],
    ) -> Result<Response<Invitation>, Error> {
        let Invitee::Username(username) = invitee else {
            return Err(no_successor("update_project_invitation"));
        };
        self.check_project_roles(roles)?;
        let user = self.pending_project_user(project, username).await?;
        let id = user_id(&user.id)?;
        let updated = self.apply_role_changes(project, &id, user, roles).await?;
        Ok(updated.map(|u| Invitation::from_project_user(u, project.as_str())))
    }

    pub(crate) async fn successor_create_project_invitation(
        &self,
        project: &ProjectId,
        username: &Username,
        roles: &[ProjectRole],
    ) -> Result<Response<Invitation>, Error> {
        let added = self.add_project_user(project, username, roles).await?;
        Ok(added.map(|u| Invitation::from_project_user(u, project.as_str())))
    }

    pub(crate) async fn successor_get_project_invitation(
        &self,
        project: &ProjectId,
        invitee: &Invitee,
    ) -> Result<Response<Invitation>, Error> {
        let Invitee::Username(username) = invitee else {
            return Err(no_successor("get_project_invitation"));
        };
        let user = self.pending_project_user(project, username).await?;
        let got = self.get_project_user(project, &user_id(&user.id)?).await?;
        Ok(got.map(|u| Invitation::from_project_user(u, project.as_str())))
    }

    pub(crate) async fn successor_delete_project_invitation(
        &self,
        project: &ProjectId,
        invitee: &Invitee,
    ) -> Result<Response<()>, Error> {
        let Invitee::Username(username) = invitee else {
            return Err(no_successor("delete_project_invitation"));
        };
        let user = self.pending_project_user(project, username).await?;
        self.remove_project_user(project, &user_id(&user.id)?).await
    }

    pub(crate) async fn successor_list_project_invitations(
        &self,
        project: &ProjectId,
        username: Option<&Username>,
    ) -> Result<Response<Vec<Invitation>>, Error> {
        let mut query = UserQuery::pending();
        query.username = username.cloned();
        let all = self
            .collect_pages("list_project_users", query, |q| async move {
                self.list_project_users(project, &q).await
            })
            .await?;
        Ok(all.map(|users| {
            users
                .into_iter()
                .map(|u| Invitation::from_project_user(u, project.as_str()))
                .collect()
        }))
    }
}
