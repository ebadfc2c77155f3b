//! The successor's view of the store: an org's users are its active members and its pending invitations
//! (one store, so an invitation made either way is seen both ways); a project's users are the org users
//! holding roles in it. Project invitations of the deprecated endpoint are not users.

use crate::api_error::ApiFailure;
use crate::seed::{SeedGroupRoles, SeedOrg, SeedOrgInvitation, SeedOrgUser};
use crate::store::OrgChanges;

/// `orgMembershipStatus` values the fake gives.
pub(crate) const PENDING: &str = "PENDING";
pub(crate) const ACTIVE: &str = "ACTIVE";

/// One org user, read-only.
#[derive(Clone, Copy)]
pub(crate) enum Member<'a> {
    Pending(&'a SeedOrgInvitation),
    Active(&'a SeedOrgUser),
}

/// One org user, to change.
pub(crate) enum MemberMut<'a> {
    Pending(&'a mut SeedOrgInvitation),
    Active(&'a mut SeedOrgUser),
}

impl<'a> Member<'a> {
    pub(crate) fn id(self) -> &'a str {
        match self {
            Member::Pending(i) => &i.user_id,
            Member::Active(u) => &u.id,
        }
    }

    pub(crate) fn username(self) -> &'a str {
        match self {
            Member::Pending(i) => &i.username,
            Member::Active(u) => &u.username,
        }
    }

    pub(crate) fn status(self) -> &'static str {
        match self {
            Member::Pending(_) => PENDING,
            Member::Active(_) => ACTIVE,
        }
    }

    pub(crate) fn org_roles(self) -> &'a [String] {
        match self {
            Member::Pending(i) => &i.roles,
            Member::Active(u) => &u.roles,
        }
    }

    pub(crate) fn team_ids(self) -> &'a [String] {
        match self {
            Member::Pending(i) => &i.team_ids,
            Member::Active(u) => &u.team_ids,
        }
    }

    pub(crate) fn assignments(self) -> &'a [SeedGroupRoles] {
        match self {
            Member::Pending(i) => &i.group_role_assignments,
            Member::Active(u) => &u.group_role_assignments,
        }
    }

    /// The user's roles in a project, when it holds any there.
    pub(crate) fn roles_in(self, group_id: &str) -> Option<&'a [String]> {
        self.assignments()
            .iter()
            .find(|a| a.group_id == group_id)
            .map(|a| a.roles.as_slice())
    }
}

impl MemberMut<'_> {
    pub(crate) fn as_member(&self) -> Member<'_> {
        match self {
            MemberMut::Pending(i) => Member::Pending(i),
            MemberMut::Active(u) => Member::Active(u),
        }
    }

    pub(crate) fn org_roles(&mut self) -> &mut Vec<String> {
        match self {
            MemberMut::Pending(i) => &mut i.roles,
            MemberMut::Active(u) => &mut u.roles,
        }
    }

    pub(crate) fn assignments(&mut self) -> &mut Vec<SeedGroupRoles> {
        match self {
            MemberMut::Pending(i) => &mut i.group_role_assignments,
            MemberMut::Active(u) => &mut u.group_role_assignments,
        }
    }

    /// Replaces what `changes` names; roles are replaced, never merged.
    pub(crate) fn apply(&mut self, changes: OrgChanges) {
        if let Some(roles) = changes.roles {
            *self.org_roles() = roles;
        }
        if let Some(team_ids) = changes.team_ids {
            match self {
                MemberMut::Pending(i) => i.team_ids = team_ids,
                MemberMut::Active(u) => u.team_ids = team_ids,
            }
        }
        if let Some(assignments) = changes.assignments {
            *self.assignments() = assignments;
        }
    }

    /// Adds `roles` to those the user holds in a project (adding the project if it has none there).
    pub(crate) fn grant_in_project(&mut self, group_id: &str, roles: &[String]) {
        let assignments = self.assignments();
        let held = match assignments.iter_mut().position(|a| a.group_id == group_id) {
            Some(at) => &mut assignments[at].roles,
            None => {
                assignments.push(SeedGroupRoles {
                    group_id: group_id.to_owned(),
                    roles: Vec::new(),
                });
                let last = assignments.len() - 1;
                &mut assignments[last].roles
            }
        };
        for role in roles {
            if !held.contains(role) {
                held.push(role.clone());
            }
        }
    }
}

/// Every user of the org in a stable order: active members (seed order), then pending ones (in the
/// order they were invited).
pub(crate) fn members(org: &SeedOrg) -> impl Iterator<Item = Member<'_>> {
    org.users
        .iter()
        .map(Member::Active)
        .chain(org.invitations.iter().map(Member::Pending))
}

/// The org user with this id; 404 `RESOURCE_NOT_FOUND` otherwise.
pub(crate) fn member<'a>(org: &'a SeedOrg, user_id: &str) -> Result<Member<'a>, ApiFailure> {
    members(org)
        .find(|m| m.id() == user_id)
        .ok_or_else(|| no_user(user_id))
}

/// The org user with this id, to change.
pub(crate) fn member_mut<'a>(
    org: &'a mut SeedOrg,
    user_id: &str,
) -> Result<MemberMut<'a>, ApiFailure> {
    let active = org.users.iter_mut().map(MemberMut::Active);
    let pending = org.invitations.iter_mut().map(MemberMut::Pending);
    active
        .chain(pending)
        .find(|m| m.as_member().id() == user_id)
        .ok_or_else(|| no_user(user_id))
}

/// The org user with this username (case-insensitive), to change.
pub(crate) fn member_by_username_mut<'a>(
    org: &'a mut SeedOrg,
    username: &str,
) -> Option<MemberMut<'a>> {
    let active = org.users.iter_mut().map(MemberMut::Active);
    let pending = org.invitations.iter_mut().map(MemberMut::Pending);
    active
        .chain(pending)
        .find(|m| m.as_member().username().eq_ignore_ascii_case(username))
}

/// The project user with this id: an org user holding roles in the project.
pub(crate) fn project_member<'a>(
    org: &'a SeedOrg,
    group_id: &str,
    user_id: &str,
) -> Result<Member<'a>, ApiFailure> {
    member(org, user_id)
        .ok()
        .filter(|m| m.roles_in(group_id).is_some())
        .ok_or_else(|| no_user(user_id))
}

/// Removes an org user: an active member leaves, a pending one's invitation is cancelled.
pub(crate) fn remove(org: &mut SeedOrg, user_id: &str) -> Result<(), ApiFailure> {
    member(org, user_id)?;
    org.users.retain(|u| u.id != user_id);
    org.invitations.retain(|i| i.user_id != user_id);
    Ok(())
}

pub(crate) fn no_user(user_id: &str) -> ApiFailure {
    ApiFailure::not_found("RESOURCE_NOT_FOUND", "user", user_id)
}
