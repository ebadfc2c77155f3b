//! The three API flavours the fake serves and what differs between them.

use serde::Serialize;

/// A constant of `spec/operations.toml` for one flavour, read from that flavour's generated crate.
macro_rules! from_table {
    ($flavour:expr, $item:ident) => {
        match $flavour {
            Flavour::AtlasV2 => mongodb_atlas_v2_invitations::operations::$item,
            Flavour::AtlasV1 => mongodb_atlas_v1_invitations::operations::$item,
            Flavour::OpsManagerV1 => mongodb_ops_manager_v1_invitations::operations::$item,
        }
    };
}

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

    /// The flavour's name in `spec/operations.toml`.
    pub fn name(self) -> &'static str {
        from_table!(self, FLAVOUR)
    }

    /// The path prefix the flavour is served under, e.g. `/api/atlas/v2`.
    pub fn prefix(self) -> &'static str {
        from_table!(self, PREFIX)
    }

    /// Method, path template and media type of the operation with a stable name, as the flavour crate's
    /// generated table has them; `None` where the flavour lacks it.
    fn row_of(self, name: &str) -> Option<(&'static str, &'static str, &'static str)> {
        macro_rules! row {
            ($krate:ident) => {
                $krate::operations::find(name).map(|op| (op.method, op.path, op.media_type))
            };
        }
        match self {
            Flavour::AtlasV2 => row!(mongodb_atlas_v2_invitations),
            Flavour::AtlasV1 => row!(mongodb_atlas_v1_invitations),
            Flavour::OpsManagerV1 => row!(mongodb_ops_manager_v1_invitations),
        }
    }

    /// Lower-case method and path template (after the prefix) of the operation with a stable name.
    fn route_of(self, name: &str) -> Option<(&'static str, &'static str)> {
        let (method, path, _) = self.row_of(name)?;
        let method = METHODS.iter().find(|m| m.eq_ignore_ascii_case(method))?;
        Some((method, path.strip_prefix(self.prefix()).unwrap_or(path)))
    }

    /// The store this flavour serves.
    pub fn product(self) -> Product {
        match self {
            Flavour::AtlasV2 | Flavour::AtlasV1 => Product::Atlas,
            Flavour::OpsManagerV1 => Product::OpsManager,
        }
    }

    /// The committed OpenAPI fragment this flavour serves (packaged with its generated crate).
    pub(crate) fn fragment(self) -> &'static str {
        match self {
            Flavour::AtlasV2 => mongodb_atlas_v2_invitations::FRAGMENT,
            Flavour::AtlasV1 => mongodb_atlas_v1_invitations::FRAGMENT,
            Flavour::OpsManagerV1 => mongodb_ops_manager_v1_invitations::FRAGMENT,
        }
    }

    /// Whether `Authorization: Bearer` (service accounts) is accepted here.
    pub(crate) fn accepts_bearer(self) -> bool {
        self.product() == Product::Atlas
    }

    /// The field an `envelope=true` answer wraps the body in.
    pub(crate) fn envelope_field(self) -> &'static str {
        from_table!(self, ENVELOPE_FIELD)
    }

    /// Project roles the server accepts (from the table of operations). The Atlas schemas type project
    /// roles as plain strings, so the schema alone would let any string through; the real server refuses
    /// roles it does not know.
    pub(crate) fn project_roles(self) -> &'static [&'static str] {
        match self {
            Flavour::AtlasV2 => mongodb_atlas_v2_invitations::operations::roles::PROJECT,
            Flavour::AtlasV1 => mongodb_atlas_v1_invitations::operations::roles::PROJECT,
            Flavour::OpsManagerV1 => mongodb_ops_manager_v1_invitations::operations::roles::PROJECT,
        }
    }
}

/// Lower-case HTTP methods, as the router and the fragments spell them.
const METHODS: [&str; 5] = ["get", "post", "patch", "put", "delete"];

/// The operations the fake implements: the twelve invitation operations in every flavour, plus the v2-only
/// successor (MongoDB Cloud Users).
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
    CreateOrgUser,
    ListOrgUsers,
    GetOrgUser,
    UpdateOrgUser,
    RemoveOrgUser,
    AddOrgUserRole,
    RemoveOrgUserRole,
    AddProjectUser,
    ListProjectUsers,
    GetProjectUser,
    RemoveProjectUser,
    AddProjectUserRole,
    RemoveProjectUserRole,
}

impl Op {
    pub(crate) const ALL: [Op; 25] = [
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
        Op::CreateOrgUser,
        Op::ListOrgUsers,
        Op::GetOrgUser,
        Op::UpdateOrgUser,
        Op::RemoveOrgUser,
        Op::AddOrgUserRole,
        Op::RemoveOrgUserRole,
        Op::AddProjectUser,
        Op::ListProjectUsers,
        Op::GetProjectUser,
        Op::RemoveProjectUser,
        Op::AddProjectUserRole,
        Op::RemoveProjectUserRole,
    ];

    /// The operation's stable name in `spec/operations.toml`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Op::ListOrg => "list_org_invitations",
            Op::CreateOrg => "create_org_invitation",
            Op::UpdateOrgByUsername => "update_org_invitation",
            Op::GetOrg => "get_org_invitation",
            Op::UpdateOrgById => "update_org_invitation_by_id",
            Op::DeleteOrg => "delete_org_invitation",
            Op::ListGroup => "list_project_invitations",
            Op::CreateGroup => "create_project_invitation",
            Op::UpdateGroupByUsername => "update_project_invitation",
            Op::GetGroup => "get_project_invitation",
            Op::UpdateGroupById => "update_project_invitation_by_id",
            Op::DeleteGroup => "delete_project_invitation",
            Op::CreateOrgUser => "create_org_user",
            Op::ListOrgUsers => "list_org_users",
            Op::GetOrgUser => "get_org_user",
            Op::UpdateOrgUser => "update_org_user",
            Op::RemoveOrgUser => "remove_org_user",
            Op::AddOrgUserRole => "add_org_user_role",
            Op::RemoveOrgUserRole => "remove_org_user_role",
            Op::AddProjectUser => "add_project_user",
            Op::ListProjectUsers => "list_project_users",
            Op::GetProjectUser => "get_project_user",
            Op::RemoveProjectUser => "remove_project_user",
            Op::AddProjectUserRole => "add_project_user_role",
            Op::RemoveProjectUserRole => "remove_project_user_role",
        }
    }

    /// Lower-case method and path template (after the prefix) in `flavour`, from the table of operations;
    /// `None` where the flavour does not have the operation.
    pub(crate) fn route_in(self, flavour: Flavour) -> Option<(&'static str, &'static str)> {
        flavour.route_of(self.name())
    }

    /// The media type the table says this operation sends as `Accept` in `flavour` (for v2 the vendor
    /// type of its resource version): the content the fake serves where a fragment lists several.
    pub(crate) fn media_type_in(self, flavour: Flavour) -> Option<&'static str> {
        flavour.row_of(self.name()).map(|(_, _, media)| media)
    }

    /// Whether `flavour` has this operation.
    pub(crate) fn served_by(self, flavour: Flavour) -> bool {
        self.route_in(flavour).is_some()
    }

    /// Whether the answer is a page `{results, totalCount, links}`.
    pub(crate) fn is_page(self) -> bool {
        matches!(self, Op::ListOrgUsers | Op::ListProjectUsers)
    }
}
