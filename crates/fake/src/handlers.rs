//! The operations: media-type checks, body validation, the store change, the JSON answer.

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use serde_json::Value;

use crate::api_error::{ApiFailure, FieldViolation};
use crate::flavour::{Flavour, Op};
use crate::render::{self, Shape};
use crate::schema::OpContract;
use crate::server::App;
use crate::store::{
    self, Lookup, OrgBodyLayout, apply_org_changes, check_id, org_changes, strings_at,
    unknown_project_roles,
};
use crate::users::{self, UsersCall};
use crate::views::Views;

/// Who the fake says sent invitations created through it.
pub(crate) const INVITER: &str = "api-key@example.com";

/// What one routed request brings.
pub(crate) struct Call<'a> {
    pub(crate) flavour: Flavour,
    pub(crate) op: Op,
    pub(crate) params: &'a HashMap<String, String>,
    pub(crate) query: &'a HashMap<String, String>,
    pub(crate) raw_query: Option<&'a str>,
    /// The request's path, prefix included.
    pub(crate) path: &'a str,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) body: &'a Bytes,
}

/// Runs one operation and renders its answer.
pub(crate) fn serve(app: &App, call: &Call<'_>) -> Response {
    app.counters.operation(call.op.name());
    let mut shape = Shape::from_query(call.flavour, call.raw_query);
    shape.page = call.op.is_page();
    let Some(contract) = app.contracts.get(call.flavour, call.op) else {
        return render::failure(
            Some(&shape),
            ApiFailure::new(
                StatusCode::NOT_FOUND,
                "RESOURCE_NOT_FOUND",
                "No such operation.",
            ),
        );
    };
    if contract.deprecated && app.sunset_passed.load(Ordering::Relaxed) {
        return render::failure(
            Some(&shape),
            ApiFailure::new(
                StatusCode::GONE,
                "VERSION_GONE",
                "This resource version is past its sunset date.",
            ),
        );
    }
    match run(app, call, contract) {
        Ok((status, body)) => {
            let sunset = contract.sunset.as_deref().filter(|_| contract.deprecated);
            render::success(&shape, status, &contract.response_media, sunset, body)
        }
        Err(failure) => render::failure(Some(&shape), failure),
    }
}

pub(crate) type Answer = Result<(StatusCode, Option<Value>), ApiFailure>;

fn run(app: &App, call: &Call<'_>, contract: &OpContract) -> Answer {
    check_media(call, contract)?;
    for name in ["orgId", "groupId", "invitationId", "userId"] {
        if let Some(value) = call.params.get(name) {
            check_id(name, value)?;
        }
    }
    let body = match contract.request_media {
        Some(_) => Some(parse_body(call.body, contract)?),
        None => None,
    };
    let body = body.as_ref().unwrap_or(&Value::Null);
    let param = |name: &str| {
        call.params
            .get(name)
            .map(String::as_str)
            .unwrap_or_default()
    };
    let flavour = call.flavour;
    let views = Views {
        flavour,
        base: &app.base_url,
    };
    let mut store = app.store(flavour.product());
    let ok = |value: Value| Ok((StatusCode::OK, Some(value)));

    match call.op {
        Op::ListOrg => {
            let org = store.org(param("orgId"))?;
            let wanted = call.query.get("username");
            let items = org
                .invitations
                .iter()
                // Pending users made or taken over through the successor are not invitations here.
                .filter(|i| !i.successor)
                .filter(|i| wanted.is_none_or(|u| i.username.eq_ignore_ascii_case(u)))
                .map(|i| views.org_invitation(org, i))
                .collect();
            ok(Value::Array(items))
        }
        Op::GetOrg => {
            let org = store.org(param("orgId"))?;
            let id = param("invitationId");
            let invitation = org
                .invitations
                .iter()
                .find(|i| i.id == id && !i.successor)
                .ok_or_else(|| ApiFailure::not_found("INVITATION_NOT_FOUND", "invitation", id))?;
            ok(views.org_invitation(org, invitation))
        }
        Op::CreateOrg => {
            let username = required_username(body)?;
            let changes = org_changes(
                flavour,
                store.org(param("orgId"))?,
                body,
                OrgBodyLayout::INVITATION,
            )?;
            require_roles(changes.roles.as_deref())?;
            let created = store.invite_to_org(
                param("orgId"),
                &username,
                INVITER,
                changes,
                store::Through::Deprecated,
            )?;
            ok(views.org_invitation(store.org(param("orgId"))?, &created))
        }
        Op::UpdateOrgByUsername | Op::UpdateOrgById => {
            let org = store.org_mut(param("orgId"))?;
            let changes = org_changes(flavour, org, body, OrgBodyLayout::INVITATION)?;
            let invitation = if call.op == Op::UpdateOrgById {
                store::org_invitation(org, param("invitationId"))?
            } else {
                store::org_invitation_by_username(org, &required_username(body)?)?
            };
            apply_org_changes(invitation, changes);
            let updated = invitation.clone();
            ok(views.org_invitation(store.org(param("orgId"))?, &updated))
        }
        Op::DeleteOrg => {
            let org = store.org_mut(param("orgId"))?;
            let id = param("invitationId");
            store::org_invitation(org, id)?;
            org.invitations.retain(|i| i.id != id);
            Ok((StatusCode::NO_CONTENT, None))
        }
        Op::ListGroup => {
            let (_, project) = store.project(param("groupId"))?;
            let wanted = call.query.get("username");
            let items = project
                .invitations
                .iter()
                .filter(|i| wanted.is_none_or(|u| i.username.eq_ignore_ascii_case(u)))
                .map(|i| views.group_invitation(project, i))
                .collect();
            ok(Value::Array(items))
        }
        Op::GetGroup => {
            let (_, project) = store.project(param("groupId"))?;
            let id = param("invitationId");
            let invitation = project
                .invitations
                .iter()
                .find(|i| i.id == id)
                .ok_or_else(|| ApiFailure::not_found("INVITATION_NOT_FOUND", "invitation", id))?;
            ok(views.group_invitation(project, invitation))
        }
        Op::CreateGroup => {
            let username = required_username(body)?;
            let roles = project_roles(flavour, body)?;
            require_roles(roles.as_deref())?;
            let created = store.invite_to_project(
                param("groupId"),
                &username,
                INVITER,
                roles.unwrap_or_default(),
            )?;
            let (_, project) = store.project(param("groupId"))?;
            ok(views.group_invitation(project, &created))
        }
        Op::UpdateGroupByUsername | Op::UpdateGroupById => {
            let roles = project_roles(flavour, body)?;
            let project = store.project_mut(param("groupId"))?;
            let lookup_name;
            let by = if call.op == Op::UpdateGroupById {
                Lookup::Id(param("invitationId"))
            } else {
                lookup_name = required_username(body)?;
                Lookup::Username(&lookup_name)
            };
            let invitation = store::group_invitation(project, by)?;
            if let Some(roles) = roles {
                invitation.roles = roles;
            }
            let updated = invitation.clone();
            let (_, project) = store.project(param("groupId"))?;
            ok(views.group_invitation(project, &updated))
        }
        Op::DeleteGroup => {
            let project = store.project_mut(param("groupId"))?;
            let id = param("invitationId");
            store::group_invitation(project, Lookup::Id(id))?;
            project.invitations.retain(|i| i.id != id);
            Ok((StatusCode::NO_CONTENT, None))
        }
        _ => users::run(
            &mut store,
            &UsersCall {
                call,
                body,
                views: &views,
                endless: app.endless_pages.load(Ordering::Relaxed),
            },
        ),
    }
}

/// v2 wants its versioned media type in `Accept`; every flavour wants JSON in `Content-Type`.
fn check_media(call: &Call<'_>, contract: &OpContract) -> Result<(), ApiFailure> {
    if let Some(version) = &contract.version {
        let wanted = format!("application/vnd.atlas.{version}+json");
        let accepted = header_text(call.headers, header::ACCEPT)
            .is_some_and(|accept| media_types(accept).any(|m| m.eq_ignore_ascii_case(&wanted)));
        if !accepted {
            return Err(ApiFailure::new(
                StatusCode::NOT_ACCEPTABLE,
                "INVALID_VERSION_DATE",
                format!("This operation needs the header Accept: {wanted}."),
            ));
        }
    }
    if let Some(declared) = &contract.request_media {
        let sent = header_text(call.headers, header::CONTENT_TYPE)
            .and_then(|c| media_types(c).next())
            .unwrap_or_default();
        let fits = sent.eq_ignore_ascii_case("application/json")
            || (contract.version.is_some() && sent.eq_ignore_ascii_case(declared));
        if !fits {
            return Err(ApiFailure::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UNSUPPORTED_MEDIA_TYPE",
                format!("Send the body as application/json or {declared}."),
            ));
        }
    }
    Ok(())
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// `a/b;q=1, c/d` → `a/b`, `c/d`.
fn media_types(list: &str) -> impl Iterator<Item = &str> {
    list.split(',')
        .map(|item| item.split(';').next().unwrap_or_default().trim())
}

fn parse_body(bytes: &Bytes, contract: &OpContract) -> Result<Value, ApiFailure> {
    let body: Value = serde_json::from_slice(bytes).map_err(|e| {
        ApiFailure::validation(vec![FieldViolation::new(
            "body",
            format!("the request body is not JSON: {e}"),
        )])
    })?;
    let violations = contract.violations(&body);
    if violations.is_empty() {
        Ok(body)
    } else {
        Err(ApiFailure::validation(violations))
    }
}

pub(crate) fn required_username(body: &Value) -> Result<String, ApiFailure> {
    body.get("username")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| {
            ApiFailure::validation(vec![FieldViolation::new(
                "username",
                "username (the invitee's email) is required",
            )])
        })
}

fn require_roles(roles: Option<&[String]>) -> Result<(), ApiFailure> {
    match roles {
        Some(roles) if !roles.is_empty() => Ok(()),
        _ => Err(ApiFailure::validation(vec![FieldViolation::new(
            "roles",
            "at least one role is required",
        )])),
    }
}

fn project_roles(flavour: Flavour, body: &Value) -> Result<Option<Vec<String>>, ApiFailure> {
    let roles = strings_at(body, "roles");
    let problems = unknown_project_roles(flavour, roles.as_deref().unwrap_or_default(), "roles");
    if problems.is_empty() {
        Ok(roles)
    } else {
        Err(ApiFailure::validation(problems))
    }
}
