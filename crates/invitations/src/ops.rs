//! The operations, each checked up front and then sent through the flavour's generated client.

use std::collections::BTreeSet;
use std::sync::Mutex;

use progenitor_client::{Error as GenError, ResponseValue};
use reqwest::header::HeaderMap;
use serde::Deserialize;
use serde_json::Value;

use crate::Flavour;
use crate::client::{Client, Inner};
use crate::error::{ApiError, Error, ValidationError};
use crate::ids::{InvitationId, OrgId, ProjectId, Username};
use crate::model::{Invitation, Invitee, OrgInvitationChanges};
use crate::response::Response;
use crate::roles::{OrgRole, ProjectRole};
use invitation_types as wire;
use transport::body_excerpt as excerpt;

/// What the operation table says about the operation being called.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OpMeta {
    pub(crate) name: &'static str,
    pub(crate) operation_id: &'static str,
    pub(crate) deprecated: bool,
    pub(crate) sunset: Option<&'static str>,
    pub(crate) successor: Option<&'static str>,
}

/// A successful answer, as the shared wire type, before it becomes the facade's model.
pub(crate) struct Raw<T> {
    pub(crate) value: T,
    status: u16,
    /// The `Deprecation` and `Sunset` headers: all a caller reads of the answer's headers, taken
    /// rather than the whole map cloned.
    deprecation: Option<String>,
    sunset: Option<String>,
    meta: OpMeta,
}

/// Calls the operation with a stable name (from `spec/operations.toml`) on whichever generated client this
/// is, with the same arguments: every flavour's method has the same name. A flavour whose fragment lacks the
/// operation answers a typed error without sending anything; the branch calling it is not even compiled.
macro_rules! call {
    ($self:ident . $op:ident ( $($arg:expr),* $(,)? )) => {
        match &*$self.inner {
            Inner::AtlasV2(c) => call!(@one mongodb_atlas_v2_invitations, $self, c, $op, $($arg),*),
            Inner::AtlasV1(c) => call!(@one mongodb_atlas_v1_invitations, $self, c, $op, $($arg),*),
            Inner::OpsManager(c) => call!(@one mongodb_ops_manager_v1_invitations, $self, c, $op, $($arg),*),
        }
    };
    (@one $krate:ident, $self:ident, $c:ident, $op:ident, $($arg:expr),*) => {
        $krate::if_operation!($op, {{
            // Present: `if_operation!` and the table are generated from the same rows.
            let row = $krate::operations::find(stringify!($op))
                .expect("the operation table has every generated operation");
            let meta = OpMeta {
                name: row.name,
                operation_id: row.operation_id,
                deprecated: row.deprecated,
                sunset: row.sunset,
                successor: row.successor,
            };
            $self.finish(meta, $c.$op($($arg),*).await).await
        }}, {{
            let _ = $c;
            Err(Error::Validation(ValidationError::Unsupported {
                flavour: $self.flavour,
                what: stringify!($op),
                why: "the spec revision this client was generated from has no such operation",
            }))
        }})
    };
}

/// A validated id converted to the generated crate's id type, which checks the same pattern: the error, which
/// the facade's own id types make unreachable, names the id.
pub(crate) fn id<T: std::str::FromStr>(what: &'static str, value: &str) -> Result<T, Error> {
    value.parse().map_err(|_| {
        Error::Validation(ValidationError::InvalidId {
            what,
            value: value.to_string(),
        })
    })
}

impl Client {
    // The deprecated invitation endpoints, one call each; `calls.rs` routes the public methods here or to
    // the successor.

    // ----- organization invitations -------------------------------------------------------------------

    /// Updates one pending organization invitation, by id or by the invitee's username. The roles given
    /// replace the invitation's roles.
    pub(crate) async fn deprecated_update_org_invitation(
        &self,
        org: &OrgId,
        invitee: &Invitee,
        changes: &OrgInvitationChanges,
    ) -> Result<Response<Invitation>, Error> {
        let update = self.org_update(changes)?;
        let (envelope, pretty) = self.flags();
        let raw = match invitee {
            Invitee::Id(invitation) => call!(self.update_org_invitation_by_id(
                &id("organization id", org.as_str())?,
                &id("invitation id", invitation.as_str())?,
                envelope,
                pretty,
                &update,
            ))?,
            Invitee::Username(username) => call!(self.update_org_invitation(
                &id("organization id", org.as_str())?,
                envelope,
                pretty,
                &with_username(update, username),
            ))?,
        };
        decode_org(raw, org.as_str())
    }

    /// Sends a new organization invitation to `username`.
    pub(crate) async fn deprecated_create_org_invitation(
        &self,
        org: &OrgId,
        username: &Username,
        changes: &OrgInvitationChanges,
    ) -> Result<Response<Invitation>, Error> {
        let body = with_username(self.org_update(changes)?, username);
        let (envelope, pretty) = self.flags();
        let raw = call!(self.create_org_invitation(
            &id("organization id", org.as_str())?,
            envelope,
            pretty,
            &body,
        ))?;
        decode_org(raw, org.as_str())
    }

    /// One pending organization invitation.
    pub(crate) async fn deprecated_get_org_invitation(
        &self,
        org: &OrgId,
        invitation: &InvitationId,
    ) -> Result<Response<Invitation>, Error> {
        let (envelope, _) = self.flags();
        let raw = call!(self.get_org_invitation(
            &id("organization id", org.as_str())?,
            &id("invitation id", invitation.as_str())?,
            envelope,
        ))?;
        decode_org(raw, org.as_str())
    }

    /// The pending invitations of an organization, optionally only the one for `username`.
    pub(crate) async fn deprecated_list_org_invitations(
        &self,
        org: &OrgId,
        username: Option<&Username>,
    ) -> Result<Response<Vec<Invitation>>, Error> {
        let (envelope, pretty) = self.flags();
        let username = username.map(Username::as_str);
        let raw = call!(self.list_org_invitations(
            &id("organization id", org.as_str())?,
            envelope,
            pretty,
            username,
        ))?;
        decode_org_list(raw, org.as_str())
    }

    /// Cancels a pending organization invitation.
    pub(crate) async fn deprecated_delete_org_invitation(
        &self,
        org: &OrgId,
        invitation: &InvitationId,
    ) -> Result<Response<()>, Error> {
        let (envelope, pretty) = self.flags();
        let raw = call!(self.delete_org_invitation(
            &id("organization id", org.as_str())?,
            &id("invitation id", invitation.as_str())?,
            envelope,
            pretty,
        ))?;
        raw.into_response(|_| Ok(()))
    }

    // ----- project invitations ------------------------------------------------------------------------

    /// Updates one pending project invitation, by id or by the invitee's username. The roles given replace
    /// the invitation's roles.
    pub(crate) async fn deprecated_update_project_invitation(
        &self,
        project: &ProjectId,
        invitee: &Invitee,
        roles: &[ProjectRole],
    ) -> Result<Response<Invitation>, Error> {
        let roles = self.project_role_names(roles)?;
        let (envelope, pretty) = self.flags();
        let raw = match invitee {
            Invitee::Id(invitation) => call!(self.update_project_invitation_by_id(
                &id("project id", project.as_str())?,
                &id("invitation id", invitation.as_str())?,
                envelope,
                &wire::GroupInvitationUpdateRequest { roles },
            ))?,
            Invitee::Username(username) => call!(self.update_project_invitation(
                &id("project id", project.as_str())?,
                envelope,
                pretty,
                &wire::GroupInvitationRequest {
                    roles,
                    username: username.as_str().to_string(),
                },
            ))?,
        };
        decode_project(raw, project.as_str())
    }

    /// Sends a new project invitation to `username`.
    pub(crate) async fn deprecated_create_project_invitation(
        &self,
        project: &ProjectId,
        username: &Username,
        roles: &[ProjectRole],
    ) -> Result<Response<Invitation>, Error> {
        let body = wire::GroupInvitationRequest {
            roles: self.project_role_names(roles)?,
            username: username.as_str().to_string(),
        };
        let (envelope, pretty) = self.flags();
        let raw = call!(self.create_project_invitation(
            &id("project id", project.as_str())?,
            envelope,
            pretty,
            &body,
        ))?;
        decode_project(raw, project.as_str())
    }

    /// One pending project invitation.
    pub(crate) async fn deprecated_get_project_invitation(
        &self,
        project: &ProjectId,
        invitation: &InvitationId,
    ) -> Result<Response<Invitation>, Error> {
        let (envelope, pretty) = self.flags();
        let raw = call!(self.get_project_invitation(
            &id("project id", project.as_str())?,
            &id("invitation id", invitation.as_str())?,
            envelope,
            pretty,
        ))?;
        decode_project(raw, project.as_str())
    }

    /// The pending invitations of a project, optionally only the one for `username`.
    pub(crate) async fn deprecated_list_project_invitations(
        &self,
        project: &ProjectId,
        username: Option<&Username>,
    ) -> Result<Response<Vec<Invitation>>, Error> {
        let (envelope, pretty) = self.flags();
        let username = username.map(Username::as_str);
        let raw = call!(self.list_project_invitations(
            &id("project id", project.as_str())?,
            envelope,
            pretty,
            username,
        ))?;
        decode_project_list(raw, project.as_str())
    }

    /// Cancels a pending project invitation.
    pub(crate) async fn deprecated_delete_project_invitation(
        &self,
        project: &ProjectId,
        invitation: &InvitationId,
    ) -> Result<Response<()>, Error> {
        let (envelope, _) = self.flags();
        let raw = call!(self.delete_project_invitation(
            &id("project id", project.as_str())?,
            &id("invitation id", invitation.as_str())?,
            envelope,
        ))?;
        raw.into_response(|_| Ok(()))
    }

    // ----- checks and plumbing -----------------------------------------------------------------------

    pub(crate) fn flags(&self) -> (Option<bool>, Option<bool>) {
        // Flags the caller did not ask for are not sent at all.
        (self.envelope.then_some(true), self.pretty.then_some(true))
    }

    pub(crate) fn check_org_roles(&self, roles: &[OrgRole]) -> Result<(), Error> {
        for role in roles {
            // `Other` is sent as written; a known role must exist in this flavour (the error lists those that do).
            if !matches!(role, OrgRole::Other(_)) {
                OrgRole::parse_for(self.flavour, role.as_str())?;
            }
        }
        Ok(())
    }

    /// The organization body. Atlas v1.0 and Ops Manager require roles; v2 accepts an update of teams or
    /// project roles alone.
    fn org_update(
        &self,
        changes: &OrgInvitationChanges,
    ) -> Result<wire::OrganizationInvitationUpdateRequest, Error> {
        let needs_roles = self.flavour != Flavour::AtlasV2;
        if changes.roles.is_empty()
            && (needs_roles
                || (changes.team_ids.is_empty() && changes.group_role_assignments.is_empty()))
        {
            return Err(
                ValidationError::Missing("at least one organization role is required").into(),
            );
        }
        self.check_org_roles(&changes.roles)?;
        if !changes.group_role_assignments.is_empty() && self.flavour != Flavour::AtlasV2 {
            return Err(ValidationError::Unsupported {
                flavour: self.flavour,
                what: "groupRoleAssignments",
                why: "granting project roles with an organization invitation is an Atlas v2 feature",
            }
            .into());
        }
        let mut group_role_assignments = Vec::new();
        for assignment in &changes.group_role_assignments {
            group_role_assignments.push(wire::OrganizationInvitationGroupRoleAssignmentsRequest {
                group_id: Some(assignment.project_id.as_str().to_string()),
                roles: self.project_role_names(&assignment.roles)?,
            });
        }
        Ok(wire::OrganizationInvitationUpdateRequest {
            group_role_assignments,
            roles: names(&changes.roles),
            team_ids: names(&changes.team_ids),
        })
    }

    pub(crate) fn check_project_roles(&self, roles: &[ProjectRole]) -> Result<(), Error> {
        if roles.is_empty() {
            return Err(ValidationError::Missing("at least one project role is required").into());
        }
        for role in roles {
            // `Other` is sent as written; a known role must exist in this flavour (the error lists those that do).
            if !matches!(role, ProjectRole::Other(_)) {
                ProjectRole::parse_for(self.flavour, role.as_str())?;
            }
        }
        Ok(())
    }

    /// Checked project role names, as the wire sends them.
    pub(crate) fn project_role_names(&self, roles: &[ProjectRole]) -> Result<Vec<String>, Error> {
        self.check_project_roles(roles)?;
        Ok(names(roles))
    }

    /// Turns a generated client's result into the raw answer or the facade's error. A refused
    /// authentication is typed from the transport's record, whatever the 401's body made of `result`.
    pub(crate) async fn finish<T>(
        &self,
        meta: OpMeta,
        result: Result<ResponseValue<T>, GenError<wire::ApiError>>,
    ) -> Result<Raw<T>, Error> {
        warn_once_if_deprecated(&self.warned, meta);
        match result {
            Ok(value) => {
                let status = value.status().as_u16();
                let header = |name: &str| {
                    value
                        .headers()
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .map(String::from)
                };
                let (deprecation, sunset) = (header("deprecation"), header("sunset"));
                Ok(Raw {
                    value: value.into_inner(),
                    status,
                    deprecation,
                    sunset,
                    meta,
                })
            }
            Err(GenError::ErrorResponse(value)) => {
                let status = value.status().as_u16();
                let headers = value.headers().clone();
                Err(classified(status, &headers, value.into_inner()))
            }
            Err(GenError::UnexpectedResponse(mut response)) => {
                // A refused authentication: the generated decoder hands it back whole, with the
                // transport's reason in its extensions, whatever its body.
                if let Some(failure) = response.extensions_mut().remove::<transport::AuthFailure>()
                {
                    return Err(failure.into());
                }
                // Boxed: the body read is rare, and inline it would grow every call's future.
                Box::pin(undocumented(response)).await
            }
            Err(GenError::InvalidResponsePayload(bytes, e)) => Err(Error::UndecodableResponse {
                status: None,
                reason: e.to_string(),
                excerpt: excerpt(&bytes),
                source: Some(e),
            }),
            Err(
                GenError::CommunicationError(e)
                | GenError::ResponseBodyError(e)
                | GenError::InvalidUpgrade(e),
            ) => Err(transport_error(e)),
            Err(GenError::InvalidRequest(message) | GenError::Custom(message)) => {
                Err(ValidationError::Request(message).into())
            }
        }
    }
}

/// An answer the operation does not document: an API error if its body says so, else undecodable.
async fn undocumented<T>(response: reqwest::Response) -> Result<Raw<T>, Error> {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.map_err(transport_error)?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(body) if body.get("errorCode").is_some() => Err(api_error(status, &headers, &body)),
        parsed => Err(Error::UndecodableResponse {
            status: Some(status),
            reason: "an answer the API does not document for this operation".into(),
            excerpt: excerpt(&bytes),
            source: parsed.err(),
        }),
    }
}

fn transport_error(e: reqwest::Error) -> Error {
    e.into()
}

/// Classifies an error body by status and code.
fn api_error(status: u16, headers: &HeaderMap, body: &Value) -> Error {
    match wire::ApiError::deserialize(body) {
        Ok(api) => classified(status, headers, api),
        Err(e) => Error::UndecodableResponse {
            status: Some(status),
            reason: format!("error body is not an ApiError: {e}"),
            excerpt: excerpt(body.to_string().as_bytes()),
            source: Some(e),
        },
    }
}

/// MongoDB's error body with the transport's classification around it: rate limiting (429, or 400
/// `INVITATIONS_RATE_LIMITED_IP`, with the server's wait) as the transport decides it, 410 after a version's
/// sunset, anything else as the API's error.
fn classified(status: u16, headers: &HeaderMap, body: wire::ApiError) -> Error {
    let mut api = ApiError::from(body);
    api.status = status;
    let api = Box::new(api);
    let code = reqwest::StatusCode::from_u16(status).unwrap_or(reqwest::StatusCode::BAD_GATEWAY);
    match transport::Error::rate_limited(code, headers, Some(&api.error_code)) {
        Some(transport::Error::RateLimited { retry_after, .. }) => {
            Error::RateLimited { retry_after, api }
        }
        _ if status == 410 => Error::VersionGone { api },
        _ => Error::Api(api),
    }
}

fn decode_org(
    raw: Raw<wire::OrganizationInvitation>,
    org: &str,
) -> Result<Response<Invitation>, Error> {
    raw.into_response(|w| Invitation::from_org(w, org))
}

fn decode_org_list(
    raw: Raw<Vec<wire::OrganizationInvitation>>,
    org: &str,
) -> Result<Response<Vec<Invitation>>, Error> {
    raw.into_response(|all| {
        all.into_iter()
            .map(|w| Invitation::from_org(w, org))
            .collect()
    })
}

fn decode_project(
    raw: Raw<wire::GroupInvitation>,
    project: &str,
) -> Result<Response<Invitation>, Error> {
    raw.into_response(|w| Invitation::from_project(w, project))
}

fn decode_project_list(
    raw: Raw<Vec<wire::GroupInvitation>>,
    project: &str,
) -> Result<Response<Vec<Invitation>>, Error> {
    raw.into_response(|all| {
        all.into_iter()
            .map(|w| Invitation::from_project(w, project))
            .collect()
    })
}

/// Wire names of roles or ids, as the shared request types carry them.
pub(crate) fn names<T: AsRef<str>>(values: &[T]) -> Vec<String> {
    values.iter().map(|v| v.as_ref().to_string()).collect()
}

/// An organization update body with the invitee's username, for update-by-username and create.
fn with_username(
    update: wire::OrganizationInvitationUpdateRequest,
    username: &Username,
) -> wire::OrganizationInvitationRequest {
    wire::OrganizationInvitationRequest {
        group_role_assignments: update.group_role_assignments,
        roles: update.roles,
        team_ids: update.team_ids,
        username: username.as_str().to_string(),
    }
}

impl<T> Raw<T> {
    /// The answer with its value turned into the facade's model, and the metadata callers read: the
    /// operation, the status, and the Deprecation and Sunset headers (else the sunset the spec announces).
    pub(crate) fn into_response<U>(
        self,
        model: impl FnOnce(T) -> Result<U, Error>,
    ) -> Result<Response<U>, Error> {
        Ok(Response {
            value: model(self.value)?,
            status: self.status,
            operation: self.meta.name,
            operation_id: self.meta.operation_id,
            successor: self.meta.successor,
            deprecation: self.deprecation,
            sunset: self.sunset.or_else(|| self.meta.sunset.map(String::from)),
            deprecated: self.meta.deprecated,
        })
    }
}

/// Warns through `tracing` the first time a client (and its clones) uses a deprecated operation.
fn warn_once_if_deprecated(warned: &Mutex<BTreeSet<&'static str>>, meta: OpMeta) {
    if !meta.deprecated {
        return;
    }
    let first = warned
        .lock()
        .map(|mut w| w.insert(meta.name))
        .unwrap_or(false);
    if first {
        tracing::warn!(
            operation = meta.name,
            operation_id = meta.operation_id,
            sunset = meta.sunset.unwrap_or("not announced"),
            successor = meta.successor.unwrap_or("none named"),
            "MongoDB has deprecated this operation; use its successor"
        );
    }
}

// In this crate's unit-test binary rather than the workspace one: `tracing` keeps global state (callsite
// interest, the maximum level), and the workspace tests install thread-local subscribers concurrently, which
// made a captured warning flaky there.
#[cfg(test)]
mod tests {
    use crate::{Client, Flavour, Invitee, OrgInvitationChanges, OrgRole, OrgUserChanges};

    const PUBLIC: &str = "WARNPUBLIC";
    const PRIVATE: &str = "warn-private-key";

    /// A `tracing` writer into a shared buffer.
    #[derive(Clone, Default)]
    struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_deprecated_operation_warns_once_with_its_sunset() {
        let logs = Captured::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::WARN)
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);

        let fake = fake::FakeServer::builder()
            .seed(11)
            .digest_keys(PUBLIC, PRIVATE)
            .start()
            .await
            .expect("fake starts");
        let org = fake.seeded().orgs[0].clone();
        let org_id = org.id.parse().expect("org id");
        let client = Client::builder(Flavour::AtlasV2)
            .base_url(fake.base_url())
            .digest(PUBLIC, PRIVATE)
            .build()
            .expect("client");
        let invitee = Invitee::Id(org.invitations[0].id.parse().expect("id"));
        for _ in 0..3 {
            let out = client
                .update_org_invitation(
                    &org_id,
                    &invitee,
                    &OrgInvitationChanges::roles([OrgRole::Member]),
                )
                .await
                .expect("update");
            assert!(out.deprecated);
            assert!(
                out.deprecation.is_some(),
                "the Deprecation header reaches the caller"
            );
            assert!(out.sunset.is_some());
        }
        let changes = OrgUserChanges {
            org_roles: vec![OrgRole::Member],
            ..Default::default()
        };
        client
            .update_org_user(
                &org_id,
                &org.invitations[0].user_id.parse().expect("id"),
                &changes,
            )
            .await
            .expect("successor");
        let text = String::from_utf8(logs.0.lock().expect("lock").clone()).expect("utf-8");
        let warnings: Vec<&str> = text.lines().filter(|l| l.contains("WARN")).collect();
        assert_eq!(warnings.len(), 1, "{text}");
        assert!(
            warnings[0].contains("updateOrgInviteById") && warnings[0].contains("2027-07-01"),
            "{text}"
        );
        assert!(!text.contains(PRIVATE));
        fake.shutdown().await;
    }
}
