//! The three API flavours the fake serves and what differs between them.

use serde::Serialize;

/// One of the three invitation APIs, each under its own path prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Flavour {
    /// Atlas Administration API v2, `/api/atlas/v2`, versioned media types.
    AtlasV2,
    /// Atlas Administration API v1.0, `/api/atlas/v1.0`.
    AtlasV1,
    /// Ops Manager public API v1.0, `/api/public/v1.0`, Digest only.
    OpsManagerV1,
}

/// Which store a flavour reads and writes: Atlas v2 and v1.0 are two APIs over the same data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Product {
    /// The store behind Atlas v2 and Atlas v1.0.
    Atlas,
    /// The store behind Ops Manager.
    OpsManager,
}

impl Flavour {
    /// All three, in a fixed order.
    pub const ALL: [Flavour; 3] = [Flavour::AtlasV2, Flavour::AtlasV1, Flavour::OpsManagerV1];

    /// The path prefix the flavour is served under, e.g. `/api/atlas/v2`.
    pub fn prefix(self) -> &'static str {
        match self {
            Flavour::AtlasV2 => "/api/atlas/v2",
            Flavour::AtlasV1 => "/api/atlas/v1.0",
            Flavour::OpsManagerV1 => "/api/public/v1.0",
        }
    }

    /// The store this flavour serves.
    pub fn product(self) -> Product {
        match self {
            Flavour::AtlasV2 | Flavour::AtlasV1 => Product::Atlas,
            Flavour::OpsManagerV1 => Product::OpsManager,
        }
    }

    /// The committed OpenAPI fragment this flavour serves.
    pub(crate) fn fragment(self) -> &'static str {
        match self {
            Flavour::AtlasV2 => include_str!("../../../spec/atlas-v2.json"),
            Flavour::AtlasV1 => include_str!("../../../spec/atlas-v1.json"),
            Flavour::OpsManagerV1 => include_str!("../../../spec/ops-manager-v1.json"),
        }
    }

    /// Whether `Authorization: Bearer` (service accounts) is accepted here.
    pub(crate) fn accepts_bearer(self) -> bool {
        self.product() == Product::Atlas
    }

    /// The field an `envelope=true` answer wraps the body in.
    pub(crate) fn envelope_field(self) -> &'static str {
        match self {
            Flavour::OpsManagerV1 => "envelope",
            Flavour::AtlasV2 | Flavour::AtlasV1 => "content",
        }
    }

    /// Project roles the server accepts. The Atlas schemas type project roles as plain strings, so the
    /// schema alone would let any string through; the real server refuses roles it does not know.
    pub(crate) fn project_roles(self) -> &'static [&'static str] {
        match self {
            Flavour::AtlasV2 | Flavour::AtlasV1 => &[
                "GROUP_BACKUP_MANAGER",
                "GROUP_CLUSTER_MANAGER",
                "GROUP_DATA_ACCESS_ADMIN",
                "GROUP_DATA_ACCESS_READ_ONLY",
                "GROUP_DATA_ACCESS_READ_WRITE",
                "GROUP_DATABASE_ACCESS_ADMIN",
                "GROUP_OBSERVABILITY_VIEWER",
                "GROUP_OWNER",
                "GROUP_READ_ONLY",
                "GROUP_SEARCH_INDEX_EDITOR",
                "GROUP_STREAM_PROCESSING_OWNER",
            ],
            Flavour::OpsManagerV1 => &[
                "GROUP_OWNER",
                "GROUP_READ_ONLY",
                "GROUP_AUTOMATION_ADMIN",
                "GROUP_BACKUP_ADMIN",
                "GROUP_MONITORING_ADMIN",
                "GROUP_USER_ADMIN",
                "GROUP_DATA_ACCESS_ADMIN",
                "GROUP_DATA_ACCESS_READ_WRITE",
                "GROUP_DATA_ACCESS_READ_ONLY",
            ],
        }
    }
}

/// The operations the fake implements; the same set in every flavour, plus the v2-only successor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Op {
    ListOrg,
    CreateOrg,
    UpdateOrgByUsername,
    GetOrg,
    UpdateOrgById,
    DeleteOrg,
    ListGroup,
    CreateGroup,
    UpdateGroupByUsername,
    GetGroup,
    UpdateGroupById,
    DeleteGroup,
    UpdateOrgUser,
}

impl Op {
    pub(crate) const ALL: [Op; 13] = [
        Op::ListOrg,
        Op::CreateOrg,
        Op::UpdateOrgByUsername,
        Op::GetOrg,
        Op::UpdateOrgById,
        Op::DeleteOrg,
        Op::ListGroup,
        Op::CreateGroup,
        Op::UpdateGroupByUsername,
        Op::GetGroup,
        Op::UpdateGroupById,
        Op::DeleteGroup,
        Op::UpdateOrgUser,
    ];

    /// Method and path template (after the prefix), spelled as in the fragments.
    pub(crate) fn route(self) -> (&'static str, &'static str) {
        match self {
            Op::ListOrg => ("get", "/orgs/{orgId}/invites"),
            Op::CreateOrg => ("post", "/orgs/{orgId}/invites"),
            Op::UpdateOrgByUsername => ("patch", "/orgs/{orgId}/invites"),
            Op::GetOrg => ("get", "/orgs/{orgId}/invites/{invitationId}"),
            Op::UpdateOrgById => ("patch", "/orgs/{orgId}/invites/{invitationId}"),
            Op::DeleteOrg => ("delete", "/orgs/{orgId}/invites/{invitationId}"),
            Op::ListGroup => ("get", "/groups/{groupId}/invites"),
            Op::CreateGroup => ("post", "/groups/{groupId}/invites"),
            Op::UpdateGroupByUsername => ("patch", "/groups/{groupId}/invites"),
            Op::GetGroup => ("get", "/groups/{groupId}/invites/{invitationId}"),
            Op::UpdateGroupById => ("patch", "/groups/{groupId}/invites/{invitationId}"),
            Op::DeleteGroup => ("delete", "/groups/{groupId}/invites/{invitationId}"),
            Op::UpdateOrgUser => ("patch", "/orgs/{orgId}/users/{userId}"),
        }
    }

    /// Whether `flavour` has this operation.
    pub(crate) fn served_by(self, flavour: Flavour) -> bool {
        self != Op::UpdateOrgUser || flavour == Flavour::AtlasV2
    }
}
