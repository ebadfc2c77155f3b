//! The invitation bodies the three flavours share, as the generated clients send and receive them.
//!
//! Each type is named after the schema it stands for. codegen replaces those schemas (by name, with
//! progenitor's type replacement; the list is `mongodb-invitations-codegen`'s `REPLACED_SCHEMAS`) in every
//! flavour's fragment,
//! so the Atlas v2, Atlas v1.0 and Ops Manager clients take and return the same Rust types, and the
//! `mongodb-invitations` facade converts to and from its model once, with plain `From`, whatever revision
//! of a spec a client was generated from. Each type is the union of what the flavours' schemas allow:
//! a request field one flavour lacks is left empty by the facade for that flavour (and the fake refuses it
//! there), and every response field the schemas leave optional, free or nullable is so here. A workspace
//! test compares the JSON Schema of each type with every fragment's.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod object_id;
mod request;
mod response;
pub mod timestamp;

pub use object_id::{NotAnObjectId, OBJECT_ID_PATTERN, ObjectId, is_object_id};
pub use request::{
    AddOrRemoveGroupRole, AddOrRemoveOrgRole, GroupInvitationRequest, GroupInvitationUpdateRequest,
    GroupRoleAssignment, GroupUserRequest, OrgUserRequest, OrgUserRolesRequest,
    OrgUserUpdateRequest, OrganizationInvitationGroupRoleAssignmentsRequest,
    OrganizationInvitationRequest, OrganizationInvitationUpdateRequest,
};
pub use response::{
    ApiError, BadRequestDetail, FieldViolation, GroupInvitation, GroupRole, GroupUserResponse,
    Link, OrgUserResponse, OrgUserRolesResponse, OrganizationInvitation, PaginatedGroupUserView,
    PaginatedOrgUserView,
};
