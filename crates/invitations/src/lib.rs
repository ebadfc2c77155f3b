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

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod client;
mod convert;
mod error;
mod flavour;
mod ids;
mod model;
mod ops;
mod response;
mod roles;

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

/// The error code MongoDB uses when it caps invitations per IP address; answered as a 400 but treated as
/// rate limiting (the transport decides so, for its retries and for this crate's errors).
pub use transport::INVITATIONS_RATE_LIMITED_IP;
