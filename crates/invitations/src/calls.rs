//! The public invitation calls: each runs on the deprecated invitation endpoint or, on Atlas v2 once the
//! client's [`Via`](crate::Via) says so, on the MongoDB Cloud Users API (see the crate docs' table).

use crate::client::Client;
use crate::error::Error;
use crate::ids::{OrgId, ProjectId, Username};
use crate::model::{Invitation, Invitee, OrgInvitationChanges};
use crate::response::Response;
use crate::roles::ProjectRole;

/// The deprecated operation a call by `invitee` uses: by id or by username (both have the same sunset).
fn by(invitee: &Invitee, by_id: &'static str, by_username: &'static str) -> &'static str {
    match invitee {
        Invitee::Id(_) => by_id,
        Invitee::Username(_) => by_username,
    }
}

impl Client {
    // ----- organization invitations -------------------------------------------------------------------

    /// Updates one pending organization invitation, by id or by the invitee's username. The roles given
    /// replace the invitation's roles.
    pub async fn update_org_invitation(
        &self,
        org: &OrgId,
        invitee: &Invitee,
        changes: &OrgInvitationChanges,
    ) -> Result<Response<Invitation>, Error> {
        let name = by(
            invitee,
            "update_org_invitation_by_id",
            "update_org_invitation",
        );
        self.routed(
            name,
            || self.deprecated_update_org_invitation(org, invitee, changes),
            || self.successor_update_org_invitation(org, invitee, changes),
        )
        .await
    }

    /// Sends a new organization invitation to `username`.
    pub async fn create_org_invitation(
        &self,
        org: &OrgId,
        username: &Username,
        changes: &OrgInvitationChanges,
    ) -> Result<Response<Invitation>, Error> {
        self.routed(
            "create_org_invitation",
            || self.deprecated_create_org_invitation(org, username, changes),
            || self.successor_create_org_invitation(org, username, changes),
        )
        .await
    }

    /// One pending organization invitation, by id or by the invitee's username.
    pub async fn get_org_invitation(
        &self,
        org: &OrgId,
        invitee: impl Into<Invitee>,
    ) -> Result<Response<Invitation>, Error> {
        let invitee = invitee.into();
        let name = by(&invitee, "get_org_invitation", "list_org_invitations");
        self.routed(
            name,
            || async {
                match &invitee {
                    Invitee::Id(id) => self.deprecated_get_org_invitation(org, id).await,
                    Invitee::Username(u) => {
                        let list = self.deprecated_list_org_invitations(org, Some(u)).await?;
                        only(list, u, || format!("organization {org}"))
                    }
                }
            },
            || self.successor_get_org_invitation(org, &invitee),
        )
        .await
    }

    /// The pending invitations of an organization, optionally only the one for `username`. On the
    /// successor: every pending user, all pages.
    pub async fn list_org_invitations(
        &self,
        org: &OrgId,
        username: Option<&Username>,
    ) -> Result<Response<Vec<Invitation>>, Error> {
        self.routed(
            "list_org_invitations",
            || self.deprecated_list_org_invitations(org, username),
            || self.successor_list_org_invitations(org, username),
        )
        .await
    }

    /// Cancels a pending organization invitation, by id or by the invitee's username.
    pub async fn delete_org_invitation(
        &self,
        org: &OrgId,
        invitee: impl Into<Invitee>,
    ) -> Result<Response<()>, Error> {
        let invitee = invitee.into();
        self.routed(
            "delete_org_invitation",
            || async {
                let id = match &invitee {
                    Invitee::Id(id) => id.clone(),
                    Invitee::Username(u) => {
                        let list = self.deprecated_list_org_invitations(org, Some(u)).await?;
                        invitation_id(only(list, u, || format!("organization {org}"))?)?
                    }
                };
                self.deprecated_delete_org_invitation(org, &id).await
            },
            || self.successor_delete_org_invitation(org, &invitee),
        )
        .await
    }

    // ----- project invitations ------------------------------------------------------------------------

    /// Updates one pending project invitation, by id or by the invitee's username. The roles given replace
    /// the invitation's roles (on the successor: added, then removed, one role per call).
    pub async fn update_project_invitation(
        &self,
        project: &ProjectId,
        invitee: &Invitee,
        roles: &[ProjectRole],
    ) -> Result<Response<Invitation>, Error> {
        let name = by(
            invitee,
            "update_project_invitation_by_id",
            "update_project_invitation",
        );
        self.routed(
            name,
            || self.deprecated_update_project_invitation(project, invitee, roles),
            || self.successor_update_project_invitation(project, invitee, roles),
        )
        .await
    }

    /// Sends a new project invitation to `username`.
    pub async fn create_project_invitation(
        &self,
        project: &ProjectId,
        username: &Username,
        roles: &[ProjectRole],
    ) -> Result<Response<Invitation>, Error> {
        self.routed(
            "create_project_invitation",
            || self.deprecated_create_project_invitation(project, username, roles),
            || self.successor_create_project_invitation(project, username, roles),
        )
        .await
    }

    /// One pending project invitation, by id or by the invitee's username.
    pub async fn get_project_invitation(
        &self,
        project: &ProjectId,
        invitee: impl Into<Invitee>,
    ) -> Result<Response<Invitation>, Error> {
        let invitee = invitee.into();
        let name = by(
            &invitee,
            "get_project_invitation",
            "list_project_invitations",
        );
        self.routed(
            name,
            || async {
                match &invitee {
                    Invitee::Id(id) => self.deprecated_get_project_invitation(project, id).await,
                    Invitee::Username(u) => {
                        let list = self
                            .deprecated_list_project_invitations(project, Some(u))
                            .await?;
                        only(list, u, || format!("project {project}"))
                    }
                }
            },
            || self.successor_get_project_invitation(project, &invitee),
        )
        .await
    }

    /// The pending invitations of a project, optionally only the one for `username`. On the successor:
    /// every pending project user, all pages (invitations sent through the deprecated endpoint are not
    /// among them).
    pub async fn list_project_invitations(
        &self,
        project: &ProjectId,
        username: Option<&Username>,
    ) -> Result<Response<Vec<Invitation>>, Error> {
        self.routed(
            "list_project_invitations",
            || self.deprecated_list_project_invitations(project, username),
            || self.successor_list_project_invitations(project, username),
        )
        .await
    }

    /// Cancels a pending project invitation, by id or by the invitee's username.
    pub async fn delete_project_invitation(
        &self,
        project: &ProjectId,
        invitee: impl Into<Invitee>,
    ) -> Result<Response<()>, Error> {
        let invitee = invitee.into();
        self.routed(
            "delete_project_invitation",
            || async {
                let id = match &invitee {
                    Invitee::Id(id) => id.clone(),
                    Invitee::Username(u) => {
                        let list = self
                            .deprecated_list_project_invitations(project, Some(u))
                            .await?;
                        invitation_id(only(list, u, || format!("project {project}"))?)?
                    }
                };
                self.deprecated_delete_project_invitation(project, &id)
                    .await
            },
            || self.successor_delete_project_invitation(project, &invitee),
        )
        .await
    }
}

/// The one invitation of a list filtered by `username`, or [`Error::NotInvited`].
fn only(
    list: Response<Vec<Invitation>>,
    username: &Username,
    target: impl FnOnce() -> String,
) -> Result<Response<Invitation>, Error> {
    let position = list.value.iter().position(|i| {
        i.username
            .as_deref()
            .is_some_and(|u| u.eq_ignore_ascii_case(username.as_str()))
    });
    match position {
        Some(i) => Ok(list.map(|mut all| all.swap_remove(i))),
        None => Err(Error::NotInvited {
            username: username.to_string(),
            target: target(),
        }),
    }
}

/// The id of a listed invitation, needed to cancel it by username on the deprecated endpoint.
fn invitation_id(found: Response<Invitation>) -> Result<crate::InvitationId, Error> {
    found.value.id.ok_or_else(|| Error::UndecodableResponse {
        status: Some(found.status),
        reason: "the listed invitation has no id to cancel it by".into(),
        excerpt: String::new(),
        source: None,
    })
}
