//! The live in-memory data of one product (Atlas, or Ops Manager) and the changes operations make.

use axum::http::StatusCode;
use chrono::{DateTime, Duration as Days, SubsecRound, Utc};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::Value;

use crate::api_error::{ApiFailure, FieldViolation};
use crate::flavour::Flavour;
use crate::members::MemberMut;
use crate::seed::{
    INVITATION_LIFETIME_DAYS, SeedData, SeedGroupInvitation, SeedGroupRoles, SeedOrg,
    SeedOrgInvitation, SeedProject, is_object_id, object_id,
};

/// Orgs, projects, teams and pending invitations, plus the generator for new ids.
#[derive(Debug)]
pub(crate) struct Store {
    data: SeedData,
    rng: StdRng,
}

/// What an update or create asks to change on an org invitation; `None` leaves a field alone.
#[derive(Debug, Default)]
pub(crate) struct OrgChanges {
    pub(crate) roles: Option<Vec<String>>,
    pub(crate) team_ids: Option<Vec<String>>,
    pub(crate) assignments: Option<Vec<SeedGroupRoles>>,
}

/// Where an org-invitation-like body keeps its parts: the invitation bodies and the v2 successor's
/// `OrgUserUpdateRequest` spell them differently.
#[derive(Clone, Copy)]
pub(crate) struct OrgBodyLayout {
    pub(crate) roles: &'static str,
    pub(crate) assignments: &'static str,
    pub(crate) assignment_roles: &'static str,
}

impl OrgBodyLayout {
    pub(crate) const INVITATION: OrgBodyLayout = OrgBodyLayout {
        roles: "roles",
        assignments: "groupRoleAssignments",
        assignment_roles: "roles",
    };
    pub(crate) const ORG_USER: OrgBodyLayout = OrgBodyLayout {
        roles: "roles.orgRoles",
        assignments: "roles.groupRoleAssignments",
        assignment_roles: "groupRoles",
    };
}

impl Store {
    pub(crate) fn new(data: SeedData, seed: u64) -> Self {
        Store {
            data,
            // Its own stream, so ids of new invitations do not depend on how much was seeded.
            rng: StdRng::seed_from_u64(seed ^ 0x0b1e_c71d_0b1e_c71d),
        }
    }

    pub(crate) fn data(&self) -> &SeedData {
        &self.data
    }

    pub(crate) fn new_id(&mut self) -> String {
        object_id(&mut self.rng)
    }

    pub(crate) fn org(&self, org_id: &str) -> Result<&SeedOrg, ApiFailure> {
        self.data
            .orgs
            .iter()
            .find(|o| o.id == org_id)
            .ok_or_else(|| ApiFailure::not_found("RESOURCE_NOT_FOUND", "organization", org_id))
    }

    pub(crate) fn org_mut(&mut self, org_id: &str) -> Result<&mut SeedOrg, ApiFailure> {
        self.data
            .orgs
            .iter_mut()
            .find(|o| o.id == org_id)
            .ok_or_else(|| ApiFailure::not_found("RESOURCE_NOT_FOUND", "organization", org_id))
    }

    /// The project and the organization it belongs to.
    pub(crate) fn project(&self, group_id: &str) -> Result<(&SeedOrg, &SeedProject), ApiFailure> {
        self.data
            .orgs
            .iter()
            .find_map(|o| o.projects.iter().find(|p| p.id == group_id).map(|p| (o, p)))
            .ok_or_else(|| ApiFailure::not_found("RESOURCE_NOT_FOUND", "project", group_id))
    }

    /// The organization a project belongs to, to change.
    pub(crate) fn org_of_project_mut(
        &mut self,
        group_id: &str,
    ) -> Result<&mut SeedOrg, ApiFailure> {
        self.data
            .orgs
            .iter_mut()
            .find(|o| o.projects.iter().any(|p| p.id == group_id))
            .ok_or_else(|| ApiFailure::not_found("RESOURCE_NOT_FOUND", "project", group_id))
    }

    pub(crate) fn project_mut(&mut self, group_id: &str) -> Result<&mut SeedProject, ApiFailure> {
        self.data
            .orgs
            .iter_mut()
            .flat_map(|o| o.projects.iter_mut())
            .find(|p| p.id == group_id)
            .ok_or_else(|| ApiFailure::not_found("RESOURCE_NOT_FOUND", "project", group_id))
    }

    /// Creates an org invitation (a pending org user), or re-invites (replacing roles) when `username`
    /// already has one pending. An active member cannot be invited: 409 `USER_ALREADY_IN_ORG`.
    pub(crate) fn invite_to_org(
        &mut self,
        org_id: &str,
        username: &str,
        inviter: &str,
        changes: OrgChanges,
        through: Through,
    ) -> Result<SeedOrgInvitation, ApiFailure> {
        let id = self.new_id();
        let user_id = self.new_id();
        let org = self.org_mut(org_id)?;
        if org
            .users
            .iter()
            .any(|u| u.username.eq_ignore_ascii_case(username))
        {
            return Err(ApiFailure::new(
                StatusCode::CONFLICT,
                "USER_ALREADY_IN_ORG",
                format!("{username} is already a member of organization {org_id}."),
            ));
        }
        if let Some(existing) = org
            .invitations
            .iter_mut()
            .find(|i| i.username.eq_ignore_ascii_case(username))
        {
            // A pending user the successor made or took over is its own: inviting it again is a conflict
            // on either API. An invitation the successor has not touched yet is taken over by it (it
            // leaves the deprecated endpoints' view, as a migrated invitation does); through the
            // deprecated endpoint, it is a re-invite.
            if existing.successor {
                return Err(ApiFailure::new(
                    StatusCode::CONFLICT,
                    "USER_ALREADY_IN_ORG",
                    format!(
                        "{username} already has a pending invitation to organization {org_id}."
                    ),
                ));
            }
            existing.successor = through == Through::Successor;
            apply_org_changes(existing, changes);
            return Ok(existing.clone());
        }
        let (created_at, expires_at) = sent_now();
        let mut invitation = SeedOrgInvitation {
            id,
            user_id,
            username: username.to_owned(),
            inviter_username: inviter.to_owned(),
            roles: Vec::new(),
            team_ids: Vec::new(),
            group_role_assignments: Vec::new(),
            created_at,
            expires_at,
            successor: through == Through::Successor,
        };
        apply_org_changes(&mut invitation, changes);
        org.invitations.push(invitation.clone());
        Ok(invitation)
    }

    /// Creates a project invitation, or re-invites when `username` already has one pending.
    pub(crate) fn invite_to_project(
        &mut self,
        group_id: &str,
        username: &str,
        inviter: &str,
        roles: Vec<String>,
    ) -> Result<SeedGroupInvitation, ApiFailure> {
        let id = self.new_id();
        let project = self.project_mut(group_id)?;
        if let Some(existing) = project
            .invitations
            .iter_mut()
            .find(|i| i.username.eq_ignore_ascii_case(username))
        {
            existing.roles = roles;
            return Ok(existing.clone());
        }
        let (created_at, expires_at) = sent_now();
        let invitation = SeedGroupInvitation {
            id,
            username: username.to_owned(),
            inviter_username: inviter.to_owned(),
            roles,
            created_at,
            expires_at,
        };
        project.invitations.push(invitation.clone());
        Ok(invitation)
    }
}

/// Creation and expiry times of an invitation sent now, to the second.
fn sent_now() -> (DateTime<Utc>, DateTime<Utc>) {
    let created_at = Utc::now().trunc_subsecs(0);
    (
        created_at,
        created_at + Days::days(INVITATION_LIFETIME_DAYS),
    )
}

/// Which API an org invitation is made through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Through {
    /// The deprecated invitation endpoints.
    Deprecated,
    /// The MongoDB Cloud Users API.
    Successor,
}

/// Finds a pending org invitation by id.
pub(crate) fn org_invitation<'a>(
    org: &'a mut SeedOrg,
    invitation_id: &str,
) -> Result<&'a mut SeedOrgInvitation, ApiFailure> {
    org.invitations
        .iter_mut()
        .find(|i| i.id == invitation_id && !i.successor)
        .ok_or_else(|| ApiFailure::not_found("INVITATION_NOT_FOUND", "invitation", invitation_id))
}

/// Finds a pending org invitation by the invitee's email.
pub(crate) fn org_invitation_by_username<'a>(
    org: &'a mut SeedOrg,
    username: &str,
) -> Result<&'a mut SeedOrgInvitation, ApiFailure> {
    org.invitations
        .iter_mut()
        .find(|i| i.username.eq_ignore_ascii_case(username) && !i.successor)
        .ok_or_else(|| ApiFailure::not_found("INVITATION_NOT_FOUND", "invitation for", username))
}

/// Finds a pending project invitation by id or by the invitee's email.
pub(crate) fn group_invitation<'a>(
    project: &'a mut SeedProject,
    by: Lookup<'_>,
) -> Result<&'a mut SeedGroupInvitation, ApiFailure> {
    project
        .invitations
        .iter_mut()
        .find(|i| match by {
            Lookup::Id(id) => i.id == id,
            Lookup::Username(name) => i.username.eq_ignore_ascii_case(name),
        })
        .ok_or_else(|| match by {
            Lookup::Id(id) => ApiFailure::not_found("INVITATION_NOT_FOUND", "invitation", id),
            Lookup::Username(name) => {
                ApiFailure::not_found("INVITATION_NOT_FOUND", "invitation for", name)
            }
        })
}

/// How an invitation is addressed.
#[derive(Clone, Copy)]
pub(crate) enum Lookup<'a> {
    Id(&'a str),
    Username(&'a str),
}

/// Replaces what `changes` names; roles are replaced, never merged.
pub(crate) fn apply_org_changes(invitation: &mut SeedOrgInvitation, changes: OrgChanges) {
    MemberMut::Pending(invitation).apply(changes);
}

/// Reads the changes an org body asks for, checking what the schema cannot: teams and projects must
/// belong to the org, project roles must be ones the flavour knows.
pub(crate) fn org_changes(
    flavour: Flavour,
    org: &SeedOrg,
    body: &Value,
    layout: OrgBodyLayout,
) -> Result<OrgChanges, ApiFailure> {
    let mut problems = Vec::new();
    let roles = strings_at(body, layout.roles);
    let team_ids = strings_at(body, "teamIds");
    if let Some(team_ids) = &team_ids {
        for (i, id) in team_ids.iter().enumerate() {
            if !org.teams.iter().any(|t| &t.id == id) {
                problems.push(FieldViolation::new(
                    format!("teamIds[{i}]"),
                    format!("{id} is not a team of organization {}", org.id),
                ));
            }
        }
    }
    let assignments = value_at(body, layout.assignments)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let at = format!("{}[{i}]", layout.assignments);
                    let group_id = item
                        .get("groupId")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned();
                    if !org.projects.iter().any(|p| p.id == group_id) {
                        problems.push(FieldViolation::new(
                            format!("{at}.groupId"),
                            format!("`{group_id}` is not a project of organization {}", org.id),
                        ));
                    }
                    let roles = strings_at(item, layout.assignment_roles).unwrap_or_default();
                    let field = format!("{at}.{}", layout.assignment_roles);
                    problems.extend(unknown_project_roles(flavour, &roles, &field));
                    SeedGroupRoles { group_id, roles }
                })
                .collect()
        });
    if problems.is_empty() {
        Ok(OrgChanges {
            roles,
            team_ids,
            assignments,
        })
    } else {
        Err(ApiFailure::validation(problems))
    }
}

/// Violations for project roles `flavour` does not know, at `field[i]`.
pub(crate) fn unknown_project_roles(
    flavour: Flavour,
    roles: &[String],
    field: &str,
) -> Vec<FieldViolation> {
    roles
        .iter()
        .enumerate()
        .filter(|(_, role)| !flavour.project_roles().contains(&role.as_str()))
        .map(|(i, role)| {
            FieldViolation::new(
                format!("{field}[{i}]"),
                format!("unknown project role `{role}`"),
            )
        })
        .collect()
}

/// The value at a dotted path such as `roles.orgRoles`.
pub(crate) fn value_at<'a>(body: &'a Value, dotted: &str) -> Option<&'a Value> {
    dotted.split('.').try_fold(body, |v, key| v.get(key))
}

/// The array of strings at a dotted path, if there is one.
pub(crate) fn strings_at(body: &Value, dotted: &str) -> Option<Vec<String>> {
    value_at(body, dotted)?.as_array().map(|items| {
        items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    })
}

/// A path id must look like `^([a-f0-9]{24})$`.
pub(crate) fn check_id(name: &str, value: &str) -> Result<(), ApiFailure> {
    if is_object_id(value) {
        Ok(())
    } else {
        Err(ApiFailure::validation(vec![FieldViolation::new(
            name,
            format!("`{value}` is not 24 lowercase hexadecimal characters"),
        )]))
    }
}
