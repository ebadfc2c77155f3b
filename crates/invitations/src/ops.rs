//! The operations, each checked up front and then sent through the flavour's generated client.

use std::collections::BTreeSet;
use std::sync::Mutex;

use progenitor_client::{Error as GenError, ResponseValue};
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::client::{Client, Inner};
use crate::error::{ApiError, Error, ValidationError};
use crate::ids::{InvitationId, OrgId, ProjectId, UserId, Username};
use crate::model::{Invitation, Invitee, OrgInvitationChanges, OrgUser, OrgUserChanges};
use crate::response::Response;
use crate::roles::{OrgRole, ProjectRole};
use crate::{Flavour, INVITATIONS_RATE_LIMITED_IP};
use transport::body_excerpt as excerpt;

/// What the operation table says about the operation being called.
#[derive(Debug, Clone, Copy)]
struct OpMeta {
    operation_id: &'static str,
    deprecated: bool,
    sunset: Option<&'static str>,
}

/// A successful answer before it is decoded into the facade's model.
struct Raw {
    body: Value,
    status: u16,
    headers: HeaderMap,
    meta: OpMeta,
}

/// Calls the same operation on whichever generated client this is. Arguments are written once: the ids and
/// bodies are converted by generic helpers whose target type each flavour's method signature decides.
macro_rules! invoke {
    ($self:ident . $v2:ident | $v1:ident ( $($arg:expr),* $(,)? )) => {
        match &*$self.inner {
            Inner::AtlasV2(c) => {
                let meta = meta(mongodb_atlas_v2_invitations::operations::find_by_method(stringify!($v2)).map(|o| (o.operation_id, o.deprecated, o.sunset)));
                $self.finish(meta, transport::record_auth_failure(c.$v2($($arg),*)).await).await
            }
            Inner::AtlasV1(c) => {
                let meta = meta(mongodb_atlas_v1_invitations::operations::find_by_method(stringify!($v1)).map(|o| (o.operation_id, o.deprecated, o.sunset)));
                $self.finish(meta, transport::record_auth_failure(c.$v1($($arg),*)).await).await
            }
            Inner::OpsManager(c) => {
                let meta = meta(mongodb_ops_manager_v1_invitations::operations::find_by_method(stringify!($v1)).map(|o| (o.operation_id, o.deprecated, o.sunset)));
                $self.finish(meta, transport::record_auth_failure(c.$v1($($arg),*)).await).await
            }
        }
    };
}

fn meta(row: Option<(&'static str, bool, Option<&'static str>)>) -> OpMeta {
    let (operation_id, deprecated, sunset) = row.unwrap_or(("unknown", false, None));
    OpMeta {
        operation_id,
        deprecated,
        sunset,
    }
}

/// A validated id converted to the generated crate's id type (which re-checks the same pattern).
fn id<T: std::str::FromStr>(value: &str) -> Result<T, Error> {
    value.parse().map_err(|_| {
        Error::Validation(ValidationError::InvalidId {
            what: "id",
            value: value.to_string(),
        })
    })
}

/// A request body as the generated crate's type, from the JSON the facade built.
fn body<T: DeserializeOwned>(fields: &Map<String, Value>) -> Result<T, Error> {
    serde_json::from_value(Value::Object(fields.clone()))
        .map_err(|e| Error::Validation(ValidationError::Config(format!("request body: {e}"))))
}

impl Client {
    // ----- organization invitations -------------------------------------------------------------------

    /// Updates one pending organization invitation, by id or by the invitee's username. The roles given
    /// replace the invitation's roles.
    pub async fn update_org_invitation(
        &self,
        org: &OrgId,
        invitee: &Invitee,
        changes: &OrgInvitationChanges,
    ) -> Result<Response<Invitation>, Error> {
        let mut wire = self.org_changes_json(changes)?;
        let (envelope, pretty) = self.flags();
        let raw = match invitee {
            Invitee::Id(invitation) => invoke!(
                self.update_org_invite_by_id
                    | update_organization_invitation_by_id(
                        &id(org.as_str())?,
                        &id(invitation.as_str())?,
                        envelope,
                        pretty,
                        &body(&wire)?,
                    )
            )?,
            Invitee::Username(username) => {
                wire.insert("username".into(), json!(username.as_str()));
                invoke!(
                    self.update_org_invites
                        | update_organization_invitation(
                            &id(org.as_str())?,
                            envelope,
                            pretty,
                            &body(&wire)?,
                        )
                )?
            }
        };
        decode(&raw)
    }

    /// Sends a new organization invitation to `username`.
    pub async fn create_org_invitation(
        &self,
        org: &OrgId,
        username: &Username,
        changes: &OrgInvitationChanges,
    ) -> Result<Response<Invitation>, Error> {
        let mut wire = self.org_changes_json(changes)?;
        wire.insert("username".into(), json!(username.as_str()));
        let (envelope, pretty) = self.flags();
        let raw = invoke!(
            self.create_org_invite
                | create_organization_invitation(
                    &id(org.as_str())?,
                    envelope,
                    pretty,
                    &body(&wire)?,
                )
        )?;
        decode(&raw)
    }

    /// One pending organization invitation.
    pub async fn get_org_invitation(
        &self,
        org: &OrgId,
        invitation: &InvitationId,
    ) -> Result<Response<Invitation>, Error> {
        let (envelope, _) = self.flags();
        let raw = invoke!(
            self.get_org_invite
                | get_organization_invitation(
                    &id(org.as_str())?,
                    &id(invitation.as_str())?,
                    envelope,
                )
        )?;
        decode(&raw)
    }

    /// The pending invitations of an organization, optionally only the one for `username`.
    pub async fn list_org_invitations(
        &self,
        org: &OrgId,
        username: Option<&Username>,
    ) -> Result<Response<Vec<Invitation>>, Error> {
        let (envelope, pretty) = self.flags();
        let username = username.map(Username::as_str);
        let raw = invoke!(
            self.list_org_invites
                | list_organization_invitations(&id(org.as_str())?, envelope, pretty, username,)
        )?;
        decode(&raw)
    }

    /// Cancels a pending organization invitation.
    pub async fn delete_org_invitation(
        &self,
        org: &OrgId,
        invitation: &InvitationId,
    ) -> Result<Response<()>, Error> {
        let (envelope, pretty) = self.flags();
        let raw = invoke!(
            self.delete_org_invite
                | delete_organization_invitation(
                    &id(org.as_str())?,
                    &id(invitation.as_str())?,
                    envelope,
                    pretty,
                )
        )?;
        Ok(raw_response(&raw, ()))
    }

    // ----- project invitations ------------------------------------------------------------------------

    /// Updates one pending project invitation, by id or by the invitee's username. The roles given replace
    /// the invitation's roles.
    pub async fn update_project_invitation(
        &self,
        project: &ProjectId,
        invitee: &Invitee,
        roles: &[ProjectRole],
    ) -> Result<Response<Invitation>, Error> {
        let mut wire = self.project_roles_json(roles)?;
        let (envelope, pretty) = self.flags();
        let raw = match invitee {
            Invitee::Id(invitation) => invoke!(
                self.update_group_invite_by_id
                    | update_project_invitation_by_id(
                        &id(project.as_str())?,
                        &id(invitation.as_str())?,
                        envelope,
                        &body(&wire)?,
                    )
            )?,
            Invitee::Username(username) => {
                wire.insert("username".into(), json!(username.as_str()));
                invoke!(
                    self.update_group_invites
                        | update_project_invitation(
                            &id(project.as_str())?,
                            envelope,
                            pretty,
                            &body(&wire)?,
                        )
                )?
            }
        };
        decode(&raw)
    }

    /// Sends a new project invitation to `username`.
    pub async fn create_project_invitation(
        &self,
        project: &ProjectId,
        username: &Username,
        roles: &[ProjectRole],
    ) -> Result<Response<Invitation>, Error> {
        let mut wire = self.project_roles_json(roles)?;
        wire.insert("username".into(), json!(username.as_str()));
        let (envelope, pretty) = self.flags();
        let raw = invoke!(
            self.create_group_invite
                | create_project_invitation(
                    &id(project.as_str())?,
                    envelope,
                    pretty,
                    &body(&wire)?,
                )
        )?;
        decode(&raw)
    }

    /// One pending project invitation.
    pub async fn get_project_invitation(
        &self,
        project: &ProjectId,
        invitation: &InvitationId,
    ) -> Result<Response<Invitation>, Error> {
        let (envelope, pretty) = self.flags();
        let raw = invoke!(
            self.get_group_invite
                | get_project_invitation(
                    &id(project.as_str())?,
                    &id(invitation.as_str())?,
                    envelope,
                    pretty,
                )
        )?;
        decode(&raw)
    }

    /// The pending invitations of a project, optionally only the one for `username`.
    pub async fn list_project_invitations(
        &self,
        project: &ProjectId,
        username: Option<&Username>,
    ) -> Result<Response<Vec<Invitation>>, Error> {
        let (envelope, pretty) = self.flags();
        let username = username.map(Username::as_str);
        let raw = invoke!(
            self.list_group_invites
                | list_project_invitations(&id(project.as_str())?, envelope, pretty, username,)
        )?;
        decode(&raw)
    }

    /// Cancels a pending project invitation.
    pub async fn delete_project_invitation(
        &self,
        project: &ProjectId,
        invitation: &InvitationId,
    ) -> Result<Response<()>, Error> {
        let (envelope, _) = self.flags();
        let raw = invoke!(
            self.delete_group_invite
                | delete_project_invitation(
                    &id(project.as_str())?,
                    &id(invitation.as_str())?,
                    envelope,
                )
        )?;
        Ok(raw_response(&raw, ()))
    }

    // ----- the v2 successor ---------------------------------------------------------------------------

    /// Updates a pending (or active) organization user through the endpoint MongoDB recommends in place of
    /// the deprecated invitation updates (`PATCH /orgs/{orgId}/users/{userId}`, Atlas v2 only).
    pub async fn update_org_user(
        &self,
        org: &OrgId,
        user: &UserId,
        changes: &OrgUserChanges,
    ) -> Result<Response<OrgUser>, Error> {
        let Inner::AtlasV2(c) = &*self.inner else {
            return Err(ValidationError::Unsupported {
                flavour: self.flavour,
                what: "updating an organization user",
                why: "the successor endpoint exists only in the Atlas Administration API v2",
            }
            .into());
        };
        if changes.org_roles.is_empty()
            && changes.team_ids.is_empty()
            && changes.group_role_assignments.is_empty()
        {
            return Err(ValidationError::Missing(
                "nothing to change: give organization roles, project roles or teams",
            )
            .into());
        }
        if changes.org_roles.is_empty() && !changes.group_role_assignments.is_empty() {
            // The API requires at least one entry in `orgRoles` whenever `roles` is sent.
            return Err(ValidationError::Missing(
                "organization roles are required when project roles are given",
            )
            .into());
        }
        self.check_org_roles(&changes.org_roles)?;
        let mut roles = Map::new();
        if !changes.org_roles.is_empty() {
            roles.insert("orgRoles".into(), json!(changes.org_roles));
        }
        if !changes.group_role_assignments.is_empty() {
            let assignments: Vec<Value> = changes
                .group_role_assignments
                .iter()
                .map(|a| json!({"groupId": a.project_id, "groupRoles": a.roles}))
                .collect();
            roles.insert("groupRoleAssignments".into(), Value::Array(assignments));
        }
        let mut wire = Map::new();
        if !roles.is_empty() {
            wire.insert("roles".into(), Value::Object(roles));
        }
        if !changes.team_ids.is_empty() {
            wire.insert("teamIds".into(), json!(changes.team_ids));
        }
        let (envelope, pretty) = self.flags();
        let meta = meta(
            mongodb_atlas_v2_invitations::operations::find_by_method("update_org_user")
                .map(|o| (o.operation_id, o.deprecated, o.sunset)),
        );
        let raw = self
            .finish(
                meta,
                transport::record_auth_failure(c.update_org_user(
                    &id(org.as_str())?,
                    &id(user.as_str())?,
                    envelope,
                    pretty,
                    &body(&wire)?,
                ))
                .await,
            )
            .await?;
        decode(&raw)
    }

    // ----- checks and plumbing -----------------------------------------------------------------------

    fn flags(&self) -> (Option<bool>, Option<bool>) {
        // Flags the caller did not ask for are not sent at all.
        (self.envelope.then_some(true), self.pretty.then_some(true))
    }

    fn check_org_roles(&self, roles: &[OrgRole]) -> Result<(), Error> {
        for role in roles {
            // `Other` is sent as written; a known role must exist in this flavour (the error lists those that do).
            if !matches!(role, OrgRole::Other(_)) {
                OrgRole::parse_for(self.flavour, role.as_str())?;
            }
        }
        Ok(())
    }

    /// The organization body's fields. Atlas v1.0 and Ops Manager require roles; v2 accepts an update of
    /// teams or project roles alone.
    fn org_changes_json(
        &self,
        changes: &OrgInvitationChanges,
    ) -> Result<Map<String, Value>, Error> {
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
        let mut wire = Map::new();
        if !changes.roles.is_empty() {
            wire.insert("roles".into(), json!(changes.roles));
        }
        if !changes.team_ids.is_empty() {
            wire.insert("teamIds".into(), json!(changes.team_ids));
        }
        if !changes.group_role_assignments.is_empty() {
            if self.flavour != Flavour::AtlasV2 {
                return Err(ValidationError::Unsupported {
                    flavour: self.flavour,
                    what: "groupRoleAssignments",
                    why: "granting project roles with an organization invitation is an Atlas v2 feature",
                }
                .into());
            }
            for assignment in &changes.group_role_assignments {
                self.check_project_roles(&assignment.roles)?;
            }
            wire.insert(
                "groupRoleAssignments".into(),
                json!(changes.group_role_assignments),
            );
        }
        Ok(wire)
    }

    fn check_project_roles(&self, roles: &[ProjectRole]) -> Result<(), Error> {
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

    fn project_roles_json(&self, roles: &[ProjectRole]) -> Result<Map<String, Value>, Error> {
        self.check_project_roles(roles)?;
        let mut wire = Map::new();
        wire.insert("roles".into(), json!(roles));
        Ok(wire)
    }

    /// Turns a generated client's result into the raw answer or the facade's error. A refused
    /// authentication is typed from the transport's record, whatever the 401's body made of `result`.
    async fn finish<T: Serialize, E: Serialize>(
        &self,
        meta: OpMeta,
        (result, auth): (
            Result<ResponseValue<T>, GenError<E>>,
            Option<transport::AuthFailure>,
        ),
    ) -> Result<Raw, Error> {
        warn_once_if_deprecated(&self.warned, meta);
        if let (Err(_), Some(failure)) = (&result, auth) {
            return Err(failure.into());
        }
        match result {
            Ok(value) => {
                let status = value.status().as_u16();
                let headers = value.headers().clone();
                let body = serde_json::to_value(value.into_inner()).unwrap_or(Value::Null);
                Ok(Raw {
                    body,
                    status,
                    headers,
                    meta,
                })
            }
            Err(GenError::ErrorResponse(value)) => {
                let status = value.status().as_u16();
                let headers = value.headers().clone();
                let body = serde_json::to_value(value.into_inner()).unwrap_or(Value::Null);
                Err(api_error(status, &headers, &body))
            }
            Err(GenError::UnexpectedResponse(response)) => {
                let status = response.status().as_u16();
                let headers = response.headers().clone();
                let bytes = response.bytes().await.map_err(transport_error)?;
                match serde_json::from_slice::<Value>(&bytes) {
                    Ok(body) if body.get("errorCode").is_some() => {
                        Err(api_error(status, &headers, &body))
                    }
                    _ => Err(Error::UndecodableResponse {
                        status: Some(status),
                        reason: "an answer the API does not document for this operation".into(),
                        excerpt: excerpt(&bytes),
                    }),
                }
            }
            Err(GenError::InvalidResponsePayload(bytes, e)) => {
                if self.envelope
                    && let Some(raw) = unwrap_envelope(&bytes, meta)
                {
                    return raw;
                }
                Err(Error::UndecodableResponse {
                    status: None,
                    reason: e.to_string(),
                    excerpt: excerpt(&bytes),
                })
            }
            Err(
                GenError::CommunicationError(e)
                | GenError::ResponseBodyError(e)
                | GenError::InvalidUpgrade(e),
            ) => Err(transport_error(e)),
            Err(GenError::InvalidRequest(message) | GenError::Custom(message)) => {
                Err(ValidationError::Config(message).into())
            }
        }
    }
}

/// `{"status": N, "content": ...}` (Ops Manager names the inner field `envelope`): the answer inside, or
/// its error.
fn unwrap_envelope(bytes: &[u8], meta: OpMeta) -> Option<Result<Raw, Error>> {
    let value: Value = serde_json::from_slice(bytes).ok()?;
    let status = u16::try_from(value.get("status")?.as_u64()?).ok()?;
    let content = value
        .get("content")
        .or_else(|| value.get("envelope"))
        .cloned()
        .unwrap_or(Value::Null);
    if status >= 400 {
        return Some(Err(api_error(status, &HeaderMap::new(), &content)));
    }
    Some(Ok(Raw {
        body: content,
        status,
        headers: HeaderMap::new(),
        meta,
    }))
}

fn transport_error(e: reqwest::Error) -> Error {
    e.into()
}

/// Classifies an error body by status and code.
fn api_error(status: u16, headers: &HeaderMap, body: &Value) -> Error {
    let mut api = match ApiError::deserialize(body) {
        Ok(api) => api,
        Err(e) => {
            return Error::UndecodableResponse {
                status: Some(status),
                reason: format!("error body is not an ApiError: {e}"),
                excerpt: excerpt(body.to_string().as_bytes()),
            };
        }
    };
    api.status = status;
    let retry_after = || {
        headers.get(reqwest::header::RETRY_AFTER).and_then(|v| {
            transport::response_parsing::parse_retry_after(
                v.as_bytes(),
                std::time::SystemTime::now(),
            )
        })
    };
    let api = Box::new(api);
    match status {
        429 => Error::RateLimited {
            retry_after: retry_after(),
            api,
        },
        400 if api.is(INVITATIONS_RATE_LIMITED_IP) => Error::RateLimited {
            retry_after: retry_after(),
            api,
        },
        410 => Error::VersionGone { api },
        _ => Error::Api(api),
    }
}

fn decode<T: DeserializeOwned>(raw: &Raw) -> Result<Response<T>, Error> {
    let value = T::deserialize(&raw.body).map_err(|e| Error::UndecodableResponse {
        status: Some(raw.status),
        reason: e.to_string(),
        excerpt: excerpt(raw.body.to_string().as_bytes()),
    })?;
    Ok(raw_response(raw, value))
}

fn raw_response<T>(raw: &Raw, value: T) -> Response<T> {
    let header = |name: &str| {
        raw.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(String::from)
    };
    Response {
        value,
        status: raw.status,
        operation_id: raw.meta.operation_id,
        deprecation: header("deprecation"),
        sunset: header("sunset").or_else(|| raw.meta.sunset.map(String::from)),
        deprecated: raw.meta.deprecated,
    }
}

/// Warns through `tracing` the first time a client (and its clones) uses a deprecated operation.
fn warn_once_if_deprecated(warned: &Mutex<BTreeSet<&'static str>>, meta: OpMeta) {
    if !meta.deprecated {
        return;
    }
    let first = warned
        .lock()
        .map(|mut w| w.insert(meta.operation_id))
        .unwrap_or(false);
    if first {
        tracing::warn!(
            operation = meta.operation_id,
            sunset = meta.sunset.unwrap_or("not announced"),
            "MongoDB has deprecated this operation; its successor is updateOrgUser (Client::update_org_user)"
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
