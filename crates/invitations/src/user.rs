//! The v2 successor's model: organization and project users (pending or active), the filters of a list,
//! and one page of it.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};

use crate::error::ValidationError;
use crate::ids::Username;
use crate::roles::ProjectRole;

/// A user's standing in the organization (`orgMembershipStatus`). Open: a status MongoDB adds later decodes
/// as [`MembershipStatus::Other`] and is shown as written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum MembershipStatus {
    /// Invited, not accepted yet: what an invitation is on the successor API.
    Pending,
    /// A member.
    Active,
    /// The invitation lapsed.
    InvitationExpired,
    /// The invitee declined.
    InvitationRejected,
    /// A status this release does not know.
    Other(String),
}

impl MembershipStatus {
    /// The statuses this release knows, with their wire names.
    const KNOWN: [(MembershipStatus, &'static str); 4] = [
        (MembershipStatus::Pending, "PENDING"),
        (MembershipStatus::Active, "ACTIVE"),
        (MembershipStatus::InvitationExpired, "INVITATION_EXPIRED"),
        (MembershipStatus::InvitationRejected, "INVITATION_REJECTED"),
    ];

    /// The name on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            MembershipStatus::Other(s) => s,
            known => Self::KNOWN
                .iter()
                .find(|(k, _)| k == known)
                .map_or("", |(_, name)| name),
        }
    }

    /// Any status a response carries.
    pub fn from_wire(name: &str) -> Self {
        Self::KNOWN.iter().find(|(_, n)| *n == name).map_or_else(
            || MembershipStatus::Other(name.to_string()),
            |(k, _)| k.clone(),
        )
    }
}

impl FromStr for MembershipStatus {
    type Err = ValidationError;

    /// Accepts the wire names and the CLI's spelling (`pending`, `invitation-expired`, ...); anything else
    /// is an error naming the valid ones (use [`MembershipStatus::Other`] to send a newer one).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wire = s.trim().replace('-', "_").to_ascii_uppercase();
        Self::KNOWN
            .iter()
            .find(|(_, n)| *n == wire)
            .map(|(k, _)| k.clone())
            .ok_or_else(|| ValidationError::InvalidStatus {
                value: s.to_string(),
            })
    }
}

impl fmt::Display for MembershipStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for MembershipStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A user of a project as the successor answers: the project's roles are a plain list here.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectUser {
    /// The user's id.
    pub id: String,
    /// Their username (email address).
    pub username: String,
    /// Pending, active, ...
    pub org_membership_status: MembershipStatus,
    /// Their roles in the project.
    pub roles: Vec<ProjectRole>,
    /// Pending: who invited them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inviter_username: Option<String>,
    /// Pending: when the invitation was sent.
    #[serde(
        with = "invitation_types::timestamp",
        skip_serializing_if = "Option::is_none"
    )]
    pub invitation_created_at: Option<DateTime<Utc>>,
    /// Pending: when it expires (the schema allows `null`).
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

/// The filters and paging of a user list (`listOrgUsers`, `listGroupUsers`). The default lists everyone,
/// first page, the server's page size.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserQuery {
    /// Only this username.
    pub username: Option<Username>,
    /// Only these statuses (none: all). One is sent as `orgMembershipStatus`, several as
    /// `orgMembershipStatuses`, which takes known statuses only.
    pub statuses: Vec<MembershipStatus>,
    /// Page size, 1–500 (the server's default is 100; streams ask for 500 unless told).
    pub items_per_page: Option<u32>,
    /// Page number, from 1.
    pub page_num: Option<u32>,
    /// Whether to ask for `totalCount` (the server's default is yes).
    pub include_count: Option<bool>,
}

impl UserQuery {
    /// Pending users only: what an invitation is on the successor.
    pub fn pending() -> Self {
        Self {
            statuses: vec![MembershipStatus::Pending],
            ..Self::default()
        }
    }

    /// Also only `username`.
    pub fn with_username(mut self, username: Username) -> Self {
        self.username = Some(username);
        self
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// The items on this page.
    pub results: Vec<T>,
    /// Which page this is (from 1).
    pub page_num: u32,
    /// The page size asked for.
    pub items_per_page: u32,
    /// How many items all pages hold, when the server said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_count: Option<u64>,
    /// Whether the server links a next page.
    pub has_next: bool,
    /// Whether the server sent links at all (without them, only a short page or the count ends a list).
    #[serde(skip)]
    pub(crate) links_given: bool,
}

impl<T> Page<T> {
    /// Whether a page after this one can hold more items: the server links one, or (without links) the
    /// page is full and the count, if given, is not reached.
    pub(crate) fn more_after(&self, seen: u64) -> bool {
        if self.results.is_empty() {
            return false;
        }
        if let Some(total) = self.total_count {
            return seen < total;
        }
        if self.links_given {
            return self.has_next;
        }
        self.results.len() >= self.items_per_page as usize
    }
}

/// The project role changes a role update applies, in order: every addition before any removal, so the
/// user never has zero roles in between.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "change", content = "role", rename_all = "camelCase")]
pub enum RoleChange {
    /// `:addRole`.
    Add(ProjectRole),
    /// `:removeRole`.
    Remove(ProjectRole),
}

impl fmt::Display for RoleChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RoleChange::Add(r) => write!(f, "add {r}"),
            RoleChange::Remove(r) => write!(f, "remove {r}"),
        }
    }
}

/// The changes that take a user from `current` to exactly `wanted`: additions first, then removals.
pub(crate) fn role_changes(current: &[ProjectRole], wanted: &[ProjectRole]) -> Vec<RoleChange> {
    let mut changes: Vec<RoleChange> = Vec::new();
    for role in wanted {
        if !current.contains(role) && !changes.contains(&RoleChange::Add(role.clone())) {
            changes.push(RoleChange::Add(role.clone()));
        }
    }
    for role in current {
        if !wanted.contains(role) && !changes.contains(&RoleChange::Remove(role.clone())) {
            changes.push(RoleChange::Remove(role.clone()));
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_open_and_parse_both_spellings() {
        assert_eq!(
            "invitation-expired".parse::<MembershipStatus>().unwrap(),
            MembershipStatus::InvitationExpired
        );
        assert_eq!(
            "PENDING".parse::<MembershipStatus>().unwrap(),
            MembershipStatus::Pending
        );
        assert!("pendng".parse::<MembershipStatus>().is_err());
        let newer = MembershipStatus::from_wire("SUSPENDED");
        assert_eq!(newer, MembershipStatus::Other("SUSPENDED".into()));
        assert_eq!(serde_json::to_string(&newer).unwrap(), "\"SUSPENDED\"");
    }

    #[test]
    fn role_changes_add_before_they_remove() {
        let current = [ProjectRole::ReadOnly, ProjectRole::Owner];
        let wanted = [ProjectRole::Owner, ProjectRole::DataAccessAdmin];
        assert_eq!(
            role_changes(&current, &wanted),
            [
                RoleChange::Add(ProjectRole::DataAccessAdmin),
                RoleChange::Remove(ProjectRole::ReadOnly)
            ]
        );
        assert!(role_changes(&wanted, &wanted).is_empty());
    }
}
