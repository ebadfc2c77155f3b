//! The MongoDB Cloud Users API (Atlas v2 only, resource version 2025-02-19): organization and project users,
//! pending or active, their roles, and lists one page or all pages at a time.

use std::future::Future;
use std::num::NonZeroU64;
use std::str::FromStr;

use futures::{Stream, StreamExt, TryStreamExt, stream};

use crate::Flavour;
use crate::client::{Client, Inner};
use crate::error::{Error, ValidationError};
use crate::ids::{OrgId, ProjectId, UserId, Username};
use crate::model::{OrgUser, OrgUserChanges};
use crate::ops::{OpMeta, Raw, id, names};
use crate::response::Response;
use crate::roles::{OrgRole, ProjectRole};
use crate::user::{MembershipStatus, Page, ProjectUser, RoleChange, UserQuery, role_changes};
use invitation_types as wire;

/// The page size a stream asks for unless the query says: the largest the API takes, fewest requests.
const STREAM_PAGE_SIZE: u32 = 500;

/// The query parameters of a list, checked.
struct ListArgs {
    status: Option<String>,
    /// Wire names of known statuses, for `orgMembershipStatuses`.
    statuses: Option<Vec<String>>,
    items_per_page: Option<NonZeroU64>,
    page_num: Option<NonZeroU64>,
    include_count: Option<bool>,
    username: Option<String>,
}

impl ListArgs {
    fn new(query: &UserQuery) -> Result<Self, Error> {
        let items_per_page = match query.items_per_page {
            Some(n @ 1..=500) => NonZeroU64::new(n.into()),
            Some(n) => {
                return Err(ValidationError::Paging {
                    what: "itemsPerPage",
                    value: n,
                    allowed: "the API takes 1 to 500",
                }
                .into());
            }
            None => None,
        };
        let page_num = match query.page_num {
            Some(0) => {
                return Err(ValidationError::Paging {
                    what: "pageNum",
                    value: 0,
                    allowed: "pages count from 1",
                }
                .into());
            }
            Some(n) => NonZeroU64::new(n.into()),
            None => None,
        };
        // One status goes as `orgMembershipStatus` (a free string: a newer status passes); several as
        // `orgMembershipStatuses`, whose items the spec closes to the known four.
        let (status, statuses) = match query.statuses.as_slice() {
            [] => (None, None),
            [one] => (Some(one.as_str().to_string()), None),
            several => {
                let mut items = Vec::new();
                for s in several {
                    if let MembershipStatus::Other(value) = s {
                        return Err(ValidationError::InvalidStatus {
                            value: value.clone(),
                        }
                        .into());
                    }
                    items.push(s.as_str().to_string());
                }
                (None, Some(items))
            }
        };
        Ok(ListArgs {
            status,
            statuses,
            items_per_page,
            page_num,
            include_count: query.include_count,
            username: query.username.as_ref().map(|u| u.as_str().to_string()),
        })
    }
}

/// `orgMembershipStatuses` as the generated client types it (an inline enum of the known statuses, which
/// `ListArgs` already checked): named by inference inside the call only, so a revision without the
/// operation leaves nothing to name.
fn status_items<S: FromStr>(names: Option<&[String]>) -> Result<Option<Vec<S>>, Error> {
    names
        .map(|names| {
            names
                .iter()
                .map(|n| {
                    n.parse::<S>().map_err(|_| {
                        Error::from(ValidationError::InvalidStatus { value: n.clone() })
                    })
                })
                .collect()
        })
        .transpose()
}

/// A page of the answer, with what the query asked for.
fn page<W, T>(
    results: Vec<W>,
    total_count: Option<i64>,
    links: &[wire::Link],
    query: &UserQuery,
    convert: impl Fn(W) -> T,
) -> Page<T> {
    Page {
        results: results.into_iter().map(convert).collect(),
        page_num: query.page_num.unwrap_or(1),
        items_per_page: query.items_per_page.unwrap_or(100),
        total_count: total_count.and_then(|n| u64::try_from(n).ok()),
        has_next: links.iter().any(|l| l.rel.as_deref() == Some("next")),
        links_given: !links.is_empty(),
    }
}

impl From<wire::GroupUserResponse> for ProjectUser {
    fn from(w: wire::GroupUserResponse) -> Self {
        ProjectUser {
            id: w.id,
            username: w.username,
            org_membership_status: MembershipStatus::from_wire(&w.org_membership_status),
            roles: w.roles.iter().map(|r| ProjectRole::from_wire(r)).collect(),
            inviter_username: w.inviter_username,
            invitation_created_at: w.invitation_created_at,
            invitation_expires_at: w.invitation_expires_at,
            first_name: w.first_name,
            last_name: w.last_name,
            created_at: w.created_at,
            last_auth: w.last_auth,
        }
    }
}

impl Client {
    /// Refuses, before sending, a successor call on a flavour without the MongoDB Cloud Users API.
    fn require_users_api(&self, what: &'static str) -> Result<(), Error> {
        if self.flavour == Flavour::AtlasV2 {
            Ok(())
        } else {
            Err(ValidationError::Unsupported {
                flavour: self.flavour,
                what,
                why: "the MongoDB Cloud Users API exists only in the Atlas Administration API v2",
            }
            .into())
        }
    }

    /// The checked `roles` of a create or update body.
    fn org_roles_body(&self, changes: &OrgUserChanges) -> Result<wire::OrgUserRolesRequest, Error> {
        self.check_org_roles(&changes.org_roles)?;
        let mut group_role_assignments = Vec::new();
        for a in &changes.group_role_assignments {
            group_role_assignments.push(wire::GroupRoleAssignment {
                group_id: Some(a.project_id.as_str().to_string()),
                group_roles: self.project_role_names(&a.roles)?,
            });
        }
        Ok(wire::OrgUserRolesRequest {
            group_role_assignments,
            org_roles: names(&changes.org_roles),
        })
    }

    // ----- organization users -------------------------------------------------------------------------

    /// Invites `username` to the organization as a pending user (`createOrgUser`). At least one
    /// organization role is required.
    pub async fn create_org_user(
        &self,
        org: &OrgId,
        username: &Username,
        changes: &OrgUserChanges,
    ) -> Result<Response<OrgUser>, Error> {
        self.require_users_api("creating an organization user")?;
        if changes.org_roles.is_empty() {
            return Err(ValidationError::Missing(
                "at least one organization role is required to create an organization user",
            )
            .into());
        }
        let body = wire::OrgUserRequest {
            roles: self.org_roles_body(changes)?,
            team_ids: names(&changes.team_ids),
            username: username.as_str().to_string(),
        };
        let (envelope, pretty) = self.flags();
        let raw: Raw<wire::OrgUserResponse> = call!(self.create_org_user(
            &id("organization id", org.as_str())?,
            envelope,
            pretty,
            &body,
        ))?;
        raw.into_response(|w| Ok(OrgUser::from(w)))
    }

    /// One page of the organization's users (`listOrgUsers`).
    pub async fn list_org_users(
        &self,
        org: &OrgId,
        query: &UserQuery,
    ) -> Result<Response<Page<OrgUser>>, Error> {
        self.org_users_page(org, query.clone()).await
    }

    async fn org_users_page(
        &self,
        org: &OrgId,
        query: UserQuery,
    ) -> Result<Response<Page<OrgUser>>, Error> {
        self.require_users_api("listing organization users")?;
        let args = ListArgs::new(&query)?;
        let (envelope, pretty) = self.flags();
        let raw: Raw<wire::PaginatedOrgUserView> = call!(self.list_org_users(
            &id("organization id", org.as_str())?,
            envelope,
            args.include_count,
            args.items_per_page,
            args.status.as_deref(),
            status_items(args.statuses.as_deref())?.as_ref(),
            args.page_num,
            pretty,
            args.username.as_deref(),
        ))?;
        raw.into_response(|w| {
            Ok(page(
                w.results,
                w.total_count,
                &w.links,
                &query,
                OrgUser::from,
            ))
        })
    }

    /// Every organization user the query matches, page after page (500 a page unless the query says),
    /// starting at the query's page. Stops after the last page; a server that keeps answering full pages
    /// stops it with [`Error::PageLimit`] after [`ClientBuilder::max_pages`](crate::ClientBuilder::max_pages).
    pub fn org_users<'a>(
        &'a self,
        org: &'a OrgId,
        query: &UserQuery,
    ) -> impl Stream<Item = Result<OrgUser, Error>> + Send + 'a {
        self.all_pages("list_org_users", query.clone(), move |q| {
            self.org_users_page(org, q)
        })
    }

    /// One organization user (`getOrgUser`).
    pub async fn get_org_user(
        &self,
        org: &OrgId,
        user: &UserId,
    ) -> Result<Response<OrgUser>, Error> {
        self.require_users_api("reading an organization user")?;
        let (envelope, pretty) = self.flags();
        let raw: Raw<wire::OrgUserResponse> = call!(self.get_org_user(
            &id("organization id", org.as_str())?,
            &id("user id", user.as_str())?,
            envelope,
            None,
            pretty,
        ))?;
        raw.into_response(|w| Ok(OrgUser::from(w)))
    }

    /// Removes a user from the organization (`removeOrgUser`); for a pending user, cancels the invitation.
    pub async fn remove_org_user(&self, org: &OrgId, user: &UserId) -> Result<Response<()>, Error> {
        self.require_users_api("removing an organization user")?;
        let (envelope, pretty) = self.flags();
        let raw: Raw<()> = call!(self.remove_org_user(
            &id("organization id", org.as_str())?,
            &id("user id", user.as_str())?,
            envelope,
            pretty,
        ))?;
        raw.into_response(|_| Ok(()))
    }

    /// Grants one more organization role (`addOrgUserRole`, `POST .../users/{userId}:addRole`).
    pub async fn add_org_user_role(
        &self,
        org: &OrgId,
        user: &UserId,
        role: &OrgRole,
    ) -> Result<Response<OrgUser>, Error> {
        self.org_role_call(org, user, role, true).await
    }

    /// Takes one organization role away (`removeOrgUserRole`, `POST .../users/{userId}:removeRole`).
    pub async fn remove_org_user_role(
        &self,
        org: &OrgId,
        user: &UserId,
        role: &OrgRole,
    ) -> Result<Response<OrgUser>, Error> {
        self.org_role_call(org, user, role, false).await
    }

    async fn org_role_call(
        &self,
        org: &OrgId,
        user: &UserId,
        role: &OrgRole,
        add: bool,
    ) -> Result<Response<OrgUser>, Error> {
        self.require_users_api("changing an organization role")?;
        self.check_org_roles(std::slice::from_ref(role))?;
        let body = wire::AddOrRemoveOrgRole {
            org_role: role.as_str().to_string(),
        };
        let (envelope, pretty) = self.flags();
        // The ids are converted inside each call: only there does the generated id type exist to infer.
        let raw: Raw<wire::OrgUserResponse> = if add {
            call!(self.add_org_user_role(
                &id("organization id", org.as_str())?,
                &id("user id", user.as_str())?,
                envelope,
                pretty,
                &body,
            ))?
        } else {
            call!(self.remove_org_user_role(
                &id("organization id", org.as_str())?,
                &id("user id", user.as_str())?,
                envelope,
                pretty,
                &body,
            ))?
        };
        raw.into_response(|w| Ok(OrgUser::from(w)))
    }

    /// Updates a pending (or active) organization user (`updateOrgUser`, `PATCH /orgs/{orgId}/users/{userId}`):
    /// roles given replace the user's, teams given replace theirs.
    pub async fn update_org_user(
        &self,
        org: &OrgId,
        user: &UserId,
        changes: &OrgUserChanges,
    ) -> Result<Response<OrgUser>, Error> {
        self.require_users_api("updating an organization user")?;
        if changes.org_roles.is_empty()
            && changes.team_ids.is_empty()
            && changes.group_role_assignments.is_empty()
        {
            return Err(ValidationError::Missing(
                "nothing to change: give organization roles, project roles or teams",
            )
            .into());
        }
        if changes.org_roles.is_empty() && !changes.group_role_assignments.is_empty() {
            // The API requires at least one entry in `orgRoles` whenever `roles` is sent.
            return Err(ValidationError::Missing(
                "organization roles are required when project roles are given",
            )
            .into());
        }
        // Teams alone send no `roles` (which would need at least one organization role).
        let roles = if changes.org_roles.is_empty() {
            None
        } else {
            Some(self.org_roles_body(changes)?)
        };
        let body = wire::OrgUserUpdateRequest {
            roles,
            team_ids: names(&changes.team_ids),
        };
        let (envelope, pretty) = self.flags();
        // Named here: a revision without the operation leaves no flavour's branch to infer it from.
        let raw: Raw<wire::OrgUserResponse> = call!(self.update_org_user(
            &id("organization id", org.as_str())?,
            &id("user id", user.as_str())?,
            envelope,
            pretty,
            &body,
        ))?;
        raw.into_response(|w| Ok(OrgUser::from(w)))
    }

    // ----- project users ------------------------------------------------------------------------------

    /// Adds `username` to the project with `roles` (`addGroupUsers`); someone not in the organization yet
    /// is invited to it as well.
    pub async fn add_project_user(
        &self,
        project: &ProjectId,
        username: &Username,
        roles: &[ProjectRole],
    ) -> Result<Response<ProjectUser>, Error> {
        self.require_users_api("adding a project user")?;
        let body = wire::GroupUserRequest {
            roles: self.project_role_names(roles)?,
            username: username.as_str().to_string(),
        };
        let (envelope, pretty) = self.flags();
        let raw: Raw<wire::GroupUserResponse> = call!(self.add_project_user(
            &id("project id", project.as_str())?,
            envelope,
            pretty,
            &body,
        ))?;
        raw.into_response(|w| Ok(ProjectUser::from(w)))
    }

    /// One page of the project's users (`listGroupUsers`). Project invitations sent through the deprecated
    /// endpoint are not among them (the successor does not see them).
    pub async fn list_project_users(
        &self,
        project: &ProjectId,
        query: &UserQuery,
    ) -> Result<Response<Page<ProjectUser>>, Error> {
        self.project_users_page(project, query.clone()).await
    }

    async fn project_users_page(
        &self,
        project: &ProjectId,
        query: UserQuery,
    ) -> Result<Response<Page<ProjectUser>>, Error> {
        self.require_users_api("listing project users")?;
        let args = ListArgs::new(&query)?;
        let (envelope, pretty) = self.flags();
        let raw: Raw<wire::PaginatedGroupUserView> = call!(self.list_project_users(
            &id("project id", project.as_str())?,
            envelope,
            None,
            args.include_count,
            None,
            args.items_per_page,
            args.status.as_deref(),
            status_items(args.statuses.as_deref())?.as_ref(),
            args.page_num,
            pretty,
            args.username.as_deref(),
        ))?;
        raw.into_response(|w| {
            Ok(page(
                w.results,
                w.total_count,
                &w.links,
                &query,
                ProjectUser::from,
            ))
        })
    }

    /// Every project user the query matches, page after page; bounded like [`Client::org_users`].
    pub fn project_users<'a>(
        &'a self,
        project: &'a ProjectId,
        query: &UserQuery,
    ) -> impl Stream<Item = Result<ProjectUser, Error>> + Send + 'a {
        self.all_pages("list_project_users", query.clone(), move |q| {
            self.project_users_page(project, q)
        })
    }

    /// One project user (`getGroupUser`).
    pub async fn get_project_user(
        &self,
        project: &ProjectId,
        user: &UserId,
    ) -> Result<Response<ProjectUser>, Error> {
        self.require_users_api("reading a project user")?;
        let (envelope, pretty) = self.flags();
        let raw: Raw<wire::GroupUserResponse> = call!(self.get_project_user(
            &id("project id", project.as_str())?,
            &id("user id", user.as_str())?,
            envelope,
            None,
            pretty,
        ))?;
        raw.into_response(|w| Ok(ProjectUser::from(w)))
    }

    /// Removes a user from the project (`removeGroupUser`).
    pub async fn remove_project_user(
        &self,
        project: &ProjectId,
        user: &UserId,
    ) -> Result<Response<()>, Error> {
        self.require_users_api("removing a project user")?;
        let (envelope, pretty) = self.flags();
        let raw: Raw<()> = call!(self.remove_project_user(
            &id("project id", project.as_str())?,
            &id("user id", user.as_str())?,
            envelope,
            pretty,
        ))?;
        raw.into_response(|_| Ok(()))
    }

    /// Grants one more project role (`addGroupUserRole`, `POST .../users/{userId}:addRole`).
    pub async fn add_project_user_role(
        &self,
        project: &ProjectId,
        user: &UserId,
        role: &ProjectRole,
    ) -> Result<Response<ProjectUser>, Error> {
        self.project_role_call(project, user, &RoleChange::Add(role.clone()))
            .await
    }

    /// Takes one project role away (`removeGroupUserRole`, `POST .../users/{userId}:removeRole`).
    pub async fn remove_project_user_role(
        &self,
        project: &ProjectId,
        user: &UserId,
        role: &ProjectRole,
    ) -> Result<Response<ProjectUser>, Error> {
        self.project_role_call(project, user, &RoleChange::Remove(role.clone()))
            .await
    }

    async fn project_role_call(
        &self,
        project: &ProjectId,
        user: &UserId,
        change: &RoleChange,
    ) -> Result<Response<ProjectUser>, Error> {
        self.require_users_api("changing a project role")?;
        let role = match change {
            RoleChange::Add(r) | RoleChange::Remove(r) => r,
        };
        let body = wire::AddOrRemoveGroupRole {
            group_role: self
                .project_role_names(std::slice::from_ref(role))?
                .remove(0),
        };
        let (envelope, pretty) = self.flags();
        // As for organization roles: the ids are converted inside each call.
        let raw: Raw<wire::GroupUserResponse> = match change {
            RoleChange::Add(_) => call!(self.add_project_user_role(
                &id("project id", project.as_str())?,
                &id("user id", user.as_str())?,
                envelope,
                pretty,
                &body,
            ))?,
            RoleChange::Remove(_) => call!(self.remove_project_user_role(
                &id("project id", project.as_str())?,
                &id("user id", user.as_str())?,
                envelope,
                pretty,
                &body,
            ))?,
        };
        raw.into_response(|w| Ok(ProjectUser::from(w)))
    }

    /// Gives a project user exactly `roles`: the successor has no project role update, so this reads the
    /// user's roles and applies the difference one `:addRole` / `:removeRole` call at a time, every addition
    /// first (the user never has zero roles in between). A failure part-way is
    /// [`Error::PartialRoleChange`], naming what was applied.
    pub async fn update_project_user_roles(
        &self,
        project: &ProjectId,
        user: &UserId,
        roles: &[ProjectRole],
    ) -> Result<Response<ProjectUser>, Error> {
        self.require_users_api("updating a project user's roles")?;
        self.check_project_roles(roles)?;
        let current = self.get_project_user(project, user).await?;
        self.apply_role_changes(project, user, current, roles).await
    }

    /// Takes a project user from `current` to exactly `wanted`, additions first.
    pub(crate) async fn apply_role_changes(
        &self,
        project: &ProjectId,
        user: &UserId,
        current: Response<ProjectUser>,
        wanted: &[ProjectRole],
    ) -> Result<Response<ProjectUser>, Error> {
        let mut last = current;
        let mut applied = Vec::new();
        for change in role_changes(&last.value.roles, wanted) {
            match self.project_role_call(project, user, &change).await {
                Ok(out) => {
                    last = out;
                    applied.push(change);
                }
                Err(source) => {
                    return Err(Error::PartialRoleChange {
                        applied,
                        failed: change,
                        source: Box::new(source),
                    });
                }
            }
        }
        Ok(last)
    }

    // ----- paging --------------------------------------------------------------------------------------

    /// Every item of every page, as one answer (the last page's metadata); bounded like the streams.
    pub(crate) async fn collect_pages<T, F, Fut>(
        &self,
        operation: &'static str,
        query: UserQuery,
        fetch: F,
    ) -> Result<Response<Vec<T>>, Error>
    where
        F: Fn(UserQuery) -> Fut,
        Fut: Future<Output = Result<Response<Page<T>>, Error>>,
    {
        let mut query = query;
        query.items_per_page.get_or_insert(STREAM_PAGE_SIZE);
        let mut page_num = query.page_num.unwrap_or(1);
        let mut items = Vec::new();
        for _ in 0..self.max_pages {
            query.page_num = Some(page_num);
            let answer = fetch(query.clone()).await?;
            let more = answer
                .value
                .more_after(items.len() as u64 + answer.value.results.len() as u64);
            let answer = answer.map(|page| page.results);
            if !more {
                let mut answer = answer;
                items.append(&mut answer.value);
                return Ok(answer.map(|_| items));
            }
            items.extend(answer.value);
            page_num = page_num.saturating_add(1);
        }
        Err(Error::PageLimit {
            operation,
            pages: self.max_pages,
        })
    }

    /// Reads pages from the query's first on, until one says it is the last or `max_pages` were read.
    fn all_pages<'a, T, F, Fut>(
        &'a self,
        operation: &'static str,
        mut query: UserQuery,
        fetch: F,
    ) -> impl Stream<Item = Result<T, Error>> + Send + 'a
    where
        T: Send + 'a,
        F: Fn(UserQuery) -> Fut + Copy + Send + 'a,
        Fut: Future<Output = Result<Response<Page<T>>, Error>> + Send + 'a,
    {
        query.items_per_page.get_or_insert(STREAM_PAGE_SIZE);
        let first = query.page_num.unwrap_or(1);
        let max_pages = self.max_pages;
        // Items before the first page read, so a count still ends a list started part-way.
        let before =
            u64::from(first - 1) * u64::from(query.items_per_page.unwrap_or(STREAM_PAGE_SIZE));
        // (next page number, items seen, pages read); `None` once the last page is in.
        stream::try_unfold(Some((first, before, 0u32)), move |state| {
            let mut query = query.clone();
            async move {
                let Some((page_num, seen, read)) = state else {
                    return Ok(None);
                };
                if read >= max_pages {
                    return Err(Error::PageLimit {
                        operation,
                        pages: read,
                    });
                }
                query.page_num = Some(page_num);
                let page = fetch(query).await?.value;
                let seen = seen + page.results.len() as u64;
                let next =
                    page.more_after(seen)
                        .then_some((page_num.saturating_add(1), seen, read + 1));
                Ok(Some((page.results, next)))
            }
        })
        .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
    }
}
