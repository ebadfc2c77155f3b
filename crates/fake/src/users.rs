//! The v2 successor, MongoDB Cloud Users: org and project users over the same store as invitations.

use axum::http::StatusCode;
use serde_json::Value;

use crate::api_error::{ApiFailure, FieldViolation};
use crate::flavour::Op;
use crate::handlers::{Answer, Call, INVITER, required_username};
use crate::members::{self, Member, MemberMut};
use crate::page::{ListOf, ListQuery};
use crate::store::{
    OrgBodyLayout, OrgChanges, Store, Through, org_changes, strings_at, unknown_project_roles,
};
use crate::views::Views;

/// The org role a user first added through a project gets (MongoDB invites them to the org too).
const NEW_MEMBER_ORG_ROLE: &str = "ORG_MEMBER";

/// What a successor operation works with.
pub(crate) struct UsersCall<'a> {
    pub(crate) call: &'a Call<'a>,
    pub(crate) body: &'a Value,
    pub(crate) views: &'a Views<'a>,
    pub(crate) endless: bool,
}

/// Runs one successor operation.
pub(crate) fn run(store: &mut Store, c: &UsersCall<'_>) -> Answer {
    let param = |name: &str| {
        c.call
            .params
            .get(name)
            .map(String::as_str)
            .unwrap_or_default()
    };
    let (org_id, group_id, user_id) = (param("orgId"), param("groupId"), param("userId"));
    let flavour = c.call.flavour;
    let ok = |status: StatusCode, value: Value| Ok((status, Some(value)));
    match c.call.op {
        Op::CreateOrgUser => {
            let username = required_username(c.body)?;
            let changes =
                org_changes(flavour, store.org(org_id)?, c.body, OrgBodyLayout::ORG_USER)?;
            let created =
                store.invite_to_org(org_id, &username, INVITER, changes, Through::Successor)?;
            ok(
                StatusCode::CREATED,
                c.views.org_user(Member::Pending(&created)),
            )
        }
        Op::ListOrgUsers => {
            let query = ListQuery::read(c.call.raw_query, ListOf::OrgUsers)?;
            let org = store.org(org_id)?;
            let items: Vec<Value> = members::members(org)
                .filter(|m| query.wants(*m))
                .map(|m| c.views.org_user(m))
                .collect();
            ok(StatusCode::OK, page(c, &query, &items))
        }
        Op::GetOrgUser => ok(
            StatusCode::OK,
            c.views
                .org_user(members::member(store.org(org_id)?, user_id)?),
        ),
        Op::UpdateOrgUser => {
            let org = store.org_mut(org_id)?;
            let changes = org_changes(flavour, org, c.body, OrgBodyLayout::ORG_USER)?;
            let mut member = members::member_mut(org, user_id)?;
            member.apply(changes);
            ok(StatusCode::OK, c.views.org_user(member.as_member()))
        }
        Op::RemoveOrgUser => {
            members::remove(store.org_mut(org_id)?, user_id)?;
            Ok((StatusCode::NO_CONTENT, None))
        }
        Op::AddOrgUserRole | Op::RemoveOrgUserRole => {
            let role = string_field(c.body, "orgRole")?;
            let mut member = members::member_mut(store.org_mut(org_id)?, user_id)?;
            change_one_role(
                member.org_roles(),
                role,
                c.call.op == Op::AddOrgUserRole,
                "orgRole",
            )?;
            ok(StatusCode::OK, c.views.org_user(member.as_member()))
        }
        Op::AddProjectUser => {
            let username = required_username(c.body)?;
            let roles = strings_at(c.body, "roles").unwrap_or_default();
            let unknown = unknown_project_roles(flavour, &roles, "roles");
            if !unknown.is_empty() {
                return Err(ApiFailure::validation(unknown));
            }
            let org = store.org_of_project_mut(group_id)?;
            let org_id = org.id.clone();
            let user_id = match members::member_by_username_mut(org, &username) {
                Some(mut member) => {
                    member.grant_in_project(group_id, &roles);
                    member.as_member().id().to_owned()
                }
                None => {
                    let changes = OrgChanges {
                        roles: Some(vec![NEW_MEMBER_ORG_ROLE.to_owned()]),
                        team_ids: None,
                        assignments: Some(vec![crate::seed::SeedGroupRoles {
                            group_id: group_id.to_owned(),
                            roles,
                        }]),
                    };
                    store
                        .invite_to_org(&org_id, &username, INVITER, changes, Through::Successor)?
                        .user_id
                }
            };
            let (org, _) = store.project(group_id)?;
            let member = members::project_member(org, group_id, &user_id)?;
            ok(StatusCode::CREATED, c.views.project_user(member, group_id))
        }
        Op::ListProjectUsers => {
            let query = ListQuery::read(c.call.raw_query, ListOf::ProjectUsers)?;
            let (org, _) = store.project(group_id)?;
            let items: Vec<Value> = members::members(org)
                .filter(|m| m.roles_in(group_id).is_some() && query.wants(*m))
                .map(|m| c.views.project_user(m, group_id))
                .collect();
            ok(StatusCode::OK, page(c, &query, &items))
        }
        Op::GetProjectUser => {
            let (org, _) = store.project(group_id)?;
            let member = members::project_member(org, group_id, user_id)?;
            ok(StatusCode::OK, c.views.project_user(member, group_id))
        }
        Op::RemoveProjectUser => {
            let mut member = project_member_mut(store, group_id, user_id)?;
            member.assignments().retain(|a| a.group_id != group_id);
            Ok((StatusCode::NO_CONTENT, None))
        }
        Op::AddProjectUserRole | Op::RemoveProjectUserRole => {
            let role = string_field(c.body, "groupRole")?;
            if !flavour.project_roles().contains(&role) {
                return Err(ApiFailure::validation(vec![FieldViolation::new(
                    "groupRole",
                    format!("unknown project role `{role}`"),
                )]));
            }
            let mut member = project_member_mut(store, group_id, user_id)?;
            let adding = c.call.op == Op::AddProjectUserRole;
            if let Some(held) = member
                .assignments()
                .iter_mut()
                .find(|a| a.group_id == group_id)
            {
                change_one_role(&mut held.roles, role, adding, "groupRole")?;
            }
            ok(
                StatusCode::OK,
                c.views.project_user(member.as_member(), group_id),
            )
        }
        _ => Err(ApiFailure::new(
            StatusCode::NOT_FOUND,
            "RESOURCE_NOT_FOUND",
            "No such operation.",
        )),
    }
}

fn page(c: &UsersCall<'_>, query: &ListQuery, items: &[Value]) -> Value {
    let url = format!("{}{}", c.views.base, c.call.path);
    query.page(items, &url, c.call.raw_query, c.endless)
}

/// The org user holding roles in the project, to change; 404 when it holds none there.
fn project_member_mut<'a>(
    store: &'a mut Store,
    group_id: &str,
    user_id: &str,
) -> Result<MemberMut<'a>, ApiFailure> {
    let member = members::member_mut(store.org_of_project_mut(group_id)?, user_id)?;
    if member.as_member().roles_in(group_id).is_none() {
        return Err(members::no_user(user_id));
    }
    Ok(member)
}

/// Adds `role` (nothing when held) or removes it (nothing when not held), so a re-run batch does no
/// harm. The last role cannot be removed: a user keeps at least one role in the org and in each of
/// its projects (remove the user from the project instead). 400 `VALIDATION_ERROR` naming `field`.
fn change_one_role(
    held: &mut Vec<String>,
    role: &str,
    adding: bool,
    field: &str,
) -> Result<(), ApiFailure> {
    if adding {
        if !held.iter().any(|r| r == role) {
            held.push(role.to_owned());
        }
        return Ok(());
    }
    if held.len() == 1 && held[0] == role {
        return Err(ApiFailure::validation(vec![FieldViolation::new(
            field,
            format!("`{role}` is the user's last role here; at least one role must remain"),
        )]));
    }
    held.retain(|r| r != role);
    Ok(())
}

/// A string property the schema has already required.
fn string_field<'a>(body: &'a Value, name: &str) -> Result<&'a str, ApiFailure> {
    body.get(name).and_then(Value::as_str).ok_or_else(|| {
        ApiFailure::validation(vec![FieldViolation::new(
            name,
            format!("{name} is required"),
        )])
    })
}
