//! One typed API over MongoDB's organization and project invitation endpoints, whichever API serves them:
//! the Atlas Administration API v2, the legacy Atlas Administration API v1.0, or a self-hosted Ops Manager.
//!
//! ```no_run
//! use mongodb_invitations::{Client, Flavour, Invitee, OrgInvitationChanges, OrgRole};
//!
//! # async fn run() -> Result<(), mongodb_invitations::Error> {
//! let client = Client::builder(Flavour::AtlasV2).from_env().build()?;
//! let org = "5a0a1e7e0f2912c554080adc".parse()?;
//! let who = Invitee::Username("ada@example.com".parse()?);
//! let updated = client
//!     .update_org_invitation(&org, &who, &OrgInvitationChanges::roles([OrgRole::Member]))
//!     .await?;
//! println!("{:?} now grants {:?}", updated.id, updated.target);
//! # Ok(()) }
//! ```
//!
//! Every input is checked before anything is sent (ids, usernames, roles the flavour does not have, fields
//! only one flavour knows); every failure is one [`Error`].
//!
//! # Through the v2 sunset
//!
//! Atlas v2's invitation endpoints are deprecated and answer 410 `VERSION_GONE` after 2027-07-01. Their
//! successor is the MongoDB Cloud Users API (resource version 2025-02-19), where a pending invitation is a
//! *pending user* and there are no invitation ids. [`ClientBuilder::invitations_via`] picks which one serves
//! the invitation calls; the default, [`Via::Auto`], uses the invitation endpoints until their sunset date or
//! their first 410 and then the successor, from within the call that met the 410, for the client and its
//! clones. [`Response::operation`] names the operation that served a call. The same call, mapped:
//!
//! | call | invitation endpoint | successor |
//! |---|---|---|
//! | `update_org_invitation` by username | `update_org_invitation` | the pending user with that username (`list_org_users`), then `update_org_user` (roles replace) |
//! | `create_org_invitation` | `create_org_invitation` | `create_org_user` (at least one organization role) |
//! | `list_org_invitations` | `list_org_invitations` | every `PENDING` user, all pages (`list_org_users`) |
//! | `get_org_invitation` / `delete_org_invitation` by username | `list_org_invitations` by username (then `delete_org_invitation`) | find the pending user, then `get_org_user` / `remove_org_user` |
//! | `create_project_invitation` | `create_project_invitation` | `add_project_user` |
//! | `update_project_invitation` by username | `update_project_invitation` | find the pending project user, then the role difference: `add_project_user_role` for each new role first, then `remove_project_user_role` (never zero roles in between); a failure part-way is [`Error::PartialRoleChange`] |
//! | `list_project_invitations` | `list_project_invitations` | every `PENDING` project user, all pages (`list_project_users`) |
//! | `get_project_invitation` / `delete_project_invitation` by username | `list_project_invitations` by username (then `delete_project_invitation`) | find the pending project user, then `get_project_user` / `remove_project_user` |
//! | any call by invitation id | the by-id operation | none: [`Error::NoSuccessor`], nothing sent |
//!
//! (Operations by their stable names in `spec/operations.toml`; each flavour crate's `operations` module
//! has upstream's current operationId for each.)
//!
//! Project invitations sent through the deprecated endpoint are not visible to the successor (MongoDB
//! documents this); `invitations migrate` in the CLI recreates them with `addGroupUsers`. A username with no
//! pending invitation is [`Error::NotInvited`] on either side ([`Error::is_not_found`] covers it and a 404).
//!
//! The successor's own calls are here too (Atlas v2 only; other flavours get a typed error before anything
//! is sent): [`Client::create_org_user`], [`Client::list_org_users`] (one [`Page`]) and [`Client::org_users`]
//! (a bounded stream over all pages), [`Client::get_org_user`], [`Client::update_org_user`],
//! [`Client::remove_org_user`], [`Client::add_org_user_role`], [`Client::remove_org_user_role`], and for
//! projects [`Client::add_project_user`], [`Client::list_project_users`], [`Client::project_users`],
//! [`Client::get_project_user`], [`Client::remove_project_user`], [`Client::add_project_user_role`],
//! [`Client::remove_project_user_role`] and [`Client::update_project_user_roles`]; [`Client::pending_org_user`]
//! and [`Client::pending_project_user`] find the pending user an invitation by username means.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod calls;
mod client;
mod convert;
mod error;
mod flavour;
mod ids;
mod model;
#[macro_use]
mod ops;
mod response;
mod roles;
mod successor;
mod user;
mod users;
mod via;

pub use client::{Client, ClientBuilder, env};
pub use error::{ApiError, BaseUrlProblem, Error, FieldViolation, ValidationError};
pub use flavour::{Flavour, UnknownFlavour};
pub use ids::{InvitationId, OrgId, ProjectId, TeamId, UserId, Username};
pub use model::{
    Invitation, InvitationTarget, Invitee, OrgInvitationChanges, OrgUser, OrgUserChanges,
    OrgUserRoles, ProjectRoleAssignment, ProjectRoleGrant, ProjectRoles,
};
pub use response::Response;
pub use roles::{OrgRole, ProjectRole};
pub use transport::{Credentials, RetryPolicy, Stats};
pub use user::{MembershipStatus, Page, ProjectUser, RoleChange, UserQuery};
pub use via::{UnknownVia, Via};

/// The error code MongoDB uses when it caps invitations per IP address; answered as a 400 but treated as
/// rate limiting (the transport decides so, for its retries and for this crate's errors).
pub use transport::INVITATIONS_RATE_LIMITED_IP;
