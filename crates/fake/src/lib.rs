//! An in-process fake of MongoDB's invitation endpoints in three flavours — Atlas Administration API v2
//! (`/api/atlas/v2`), Atlas v1.0 (`/api/atlas/v1.0`) and Ops Manager's public API v1.0 (`/api/public/v1.0`) —
//! plus the service-account token endpoint `POST /api/oauth/token`, all on one loopback port.
//!
//! ```no_run
//! # async fn demo() -> Result<(), fake::StartError> {
//! use std::time::Duration;
//!
//! let fake = fake::FakeServer::builder()
//!     .seed(42)
//!     .digest_keys("PUBLICKEY", "private-key")
//!     .service_account("mdb_sa_id_x", "secret")
//!     .nonce_max_uses(100)
//!     .nonce_max_age(Duration::from_secs(60))
//!     .digest_algorithm(fake::DigestAlgorithm::Sha256)
//!     .faults("429=0.1:2s,503=0.05".parse().expect("fault plan"))
//!     .start()
//!     .await?;
//! let org = &fake.seeded().orgs[0];
//! let url = format!("{}/api/atlas/v2/orgs/{}/invites", fake.base_url(), org.id);
//! # let _ = url;
//! let seen = fake.counters();
//! assert_eq!(seen.total_requests, 0);
//! fake.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # What it serves
//!
//! For each flavour, the twelve invitation operations of the committed `spec/` fragment (org and project:
//! list, create, update by username, get, update by id, delete), and for v2 the thirteen operations of the
//! MongoDB Cloud Users API (resource version `2025-02-19`, the only one served for them: list and remove
//! users also exist at 2023-01-01 upstream). Atlas v2 and v1.0 share one store (they are two APIs over the
//! same data); Ops Manager has its own, seeded with the same ids.
//!
//! * **One store for invitations and users.** An organization invitation is a pending org user (its
//!   `userId`); active members are seeded too (`SeedOrg::users`). A pending user created through
//!   `createOrgUser`, or an invitation it takes over (`createOrgUser` for a username with an invitation
//!   pending), belongs to the successor: the deprecated invitation endpoints no longer list or address it,
//!   and inviting that username again on either API is 409 `USER_ALREADY_IN_ORG`. Project users on the
//!   successor are the org's users holding roles in the project; `addGroupUsers` grants the project's roles
//!   to the org user with that username, or invites them to the org (`ORG_MEMBER`) with those roles. A project
//!   invitation sent through the deprecated endpoint is invisible to the successor, as MongoDB documents.
//! * `:addRole` / `:removeRole` change one role; taking away a user's last org role, or last role in a
//!   project, is refused (400).
//! * Lists page with `itemsPerPage` (1–500, default 100), `pageNum` (from 1) and `includeCount` (default
//!   true: `totalCount`), answer `links` with `self` and `next` / `previous` where they exist, and filter by
//!   `username` and `orgMembershipStatus` / `orgMembershipStatuses`. [`FakeServerBuilder::endless_pages`]
//!   makes a server that never ends (every page full, always a `next`, no `totalCount`).
//! * **Sunset switch**: with [`FakeServerBuilder::sunset_passed`] (or [`FakeServer::set_sunset_passed`]),
//!   every operation the fragment marks deprecated (the v2 invitation endpoints) answers 410 `VERSION_GONE`
//!   and changes nothing.
//! * Update operations **replace** roles (and `teamIds` / `groupRoleAssignments` when given).
//! * Update by username finds the pending invitation whose `username` (the invitee's email) matches.
//! * Creating an invitation for a username that already has one pending in that org or project replaces
//!   that invitation's roles and returns it (a re-invite) instead of adding a second one.
//! * Unknown org or project: 404 `RESOURCE_NOT_FOUND`; unknown invitation: 404 `INVITATION_NOT_FOUND`;
//!   unknown user (successor): 404 `RESOURCE_NOT_FOUND`; a path id that is not 24 lowercase hex characters:
//!   400 `VALIDATION_ERROR` naming the parameter.
//! * Bodies are validated against the fragment's request schema (OpenAPI 3.0 `nullable` mapped to a type
//!   union first), with two additions: unknown properties are refused, and project roles (plain strings
//!   in the Atlas schemas) must be roles the flavour knows. Failures: 400 `VALIDATION_ERROR` with
//!   `badRequestDetail.fields` (`field` is a dotted path such as `roles[0]`). A body that is not JSON
//!   gets the same answer with the field `body`.
//! * v2 demands `Accept: application/vnd.atlas.<version>+json` with the operation's version (406
//!   `INVALID_VERSION_DATE` otherwise); every flavour demands a JSON `Content-Type` on bodies (v2 also takes
//!   the operation's vendor type; 415 `UNSUPPORTED_MEDIA_TYPE` otherwise). Deprecated v2 operations answer
//!   with `Deprecation` and `Sunset` headers.
//! * `envelope=true` answers HTTP 200 with `{"status": <code>, "content": <body>}` (Ops Manager names the
//!   inner field `envelope`); `pretty=true` indents the JSON.
//! * Every error body is an `ApiError`: `{"error", "errorCode", "reason", "detail", "parameters"}` plus
//!   `badRequestDetail` on validation failures, served as `application/json`.
//!
//! # Authentication
//!
//! * **Digest** (RFC 7616): realm `MMS Public API`, `qop="auth"`, the algorithm chosen with
//!   [`FakeServerBuilder::digest_algorithm`] (MD5 by default; the `algorithm` a client names must be the
//!   one offered). The `uri` must equal the request target. An `nc` may not repeat for a nonce (a repeat is
//!   refused as a replay: 401, `stale=false`), and by default ([`NonceCounting::Strict`]) it must be above
//!   the highest one already accepted for that nonce, in the order requests arrive (also 401,
//!   `stale=false`); [`NonceCounting::Window`] accepts any unused count instead. A nonce is stale once it has authenticated
//!   [`nonce_max_uses`](FakeServerBuilder::nonce_max_uses) requests or is older than
//!   [`nonce_max_age`](FakeServerBuilder::nonce_max_age); a correct digest on a stale or unknown nonce
//!   gets 401 with a fresh nonce and `stale=true`.
//! * **Service accounts**: `POST /api/oauth/token` with HTTP Basic `client_id:client_secret` (or
//!   `client_id`/`client_secret` form fields) and `grant_type=client_credentials` answers
//!   `{"access_token", "expires_in", "token_type": "Bearer"}`; the token is accepted as `Bearer` on the
//!   Atlas prefixes until it expires ([`FakeServerBuilder::token_ttl`]). Ops Manager takes Digest only.
//!   `POST /api/oauth/revoke` with form `token=...` revokes one.
//! * [`FakeServerBuilder::allow_anonymous`] also lets requests without any `Authorization` through, for
//!   clients with no authentication wired in (credentials that are sent are still checked).
//! * Anything else: 401 `UNAUTHORIZED` `ApiError` with a fresh `WWW-Authenticate: Digest ...` challenge
//!   ([`FakeServerBuilder::unauthorized_body`] makes that body an HTML page or empty instead).
//!
//! # Faults
//!
//! A [`Faults`] plan gives each [`Fault`] a probability; every authenticated API request draws once from a
//! random generator seeded from the server's seed, so a run with the same seed and the same request order
//! injects the same faults. [`FakeServer::inject`] queues one-shot faults that the next authenticated
//! requests get, in order, before the plan is consulted. Faults are decided after authentication and
//! before the operation runs: a faulted request changes no state. `slow` delays and then serves normally.
//!
//! # Counters
//!
//! [`FakeServer::counters`] returns a [`CountersSnapshot`]; see its fields for what each one counts.
//!
//! # Secrets
//!
//! Private keys, client secrets and tokens are kept out of every `Debug` output and error this crate makes.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod api_error;
mod auth;
mod counters;
mod faults;
mod flavour;
mod handlers;
mod members;
mod middleware;
mod oauth;
mod page;
mod render;
mod schema;
mod seed;
mod server;
mod store;
mod users;
mod views;

pub use auth::UnauthorizedBody;
pub use auth::digest::{DigestAlgorithm, NonceCounting};
pub use counters::CountersSnapshot;
pub use faults::{Fault, Faults, FaultsError};
pub use flavour::{Flavour, Product};
pub use seed::{
    SeedData, SeedDataError, SeedGroupInvitation, SeedGroupRoles, SeedOrg, SeedOrgInvitation,
    SeedOrgUser, SeedProject, SeedSize, SeedTeam,
};
pub use server::{FakeServer, FakeServerBuilder, StartError};
