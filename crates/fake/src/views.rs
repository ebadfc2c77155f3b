//! The JSON shapes of the fragments' response schemas, built from the store.

use serde_json::{Value, json};

use crate::flavour::Flavour;
use crate::members::Member;
use crate::seed::{SeedGroupInvitation, SeedOrg, SeedOrgInvitation, SeedProject};

/// The JSON shapes of the fragments' response schemas.
pub(crate) struct Views<'a> {
    pub(crate) flavour: Flavour,
    pub(crate) base: &'a str,
}

impl Views<'_> {
    fn link(&self, path: &str) -> Value {
        json!([{ "href": format!("{}{}{}", self.base, self.flavour.prefix(), path), "rel": "self" }])
    }

    pub(crate) fn org_invitation(&self, org: &SeedOrg, i: &SeedOrgInvitation) -> Value {
        let mut view = json!({
            "id": i.id,
            "orgId": org.id,
            "orgName": org.name,
            "username": i.username,
            "inviterUsername": i.inviter_username,
            "roles": i.roles,
            "teamIds": i.team_ids,
            "createdAt": timestamp(&i.created_at),
            "expiresAt": timestamp(&i.expires_at),
            "links": self.link(&format!("/orgs/{}/invites/{}", org.id, i.id)),
        });
        // Ops Manager's OrganizationInvitation has no project role assignments.
        if self.flavour != Flavour::OpsManagerV1 {
            view["groupRoleAssignments"] = i
                .group_role_assignments
                .iter()
                .flat_map(|a| {
                    a.roles
                        .iter()
                        .map(|role| json!({ "groupId": a.group_id, "groupRole": role }))
                })
                .collect();
        }
        view
    }

    pub(crate) fn group_invitation(&self, project: &SeedProject, i: &SeedGroupInvitation) -> Value {
        json!({
            "id": i.id,
            "groupId": project.id,
            "groupName": project.name,
            "username": i.username,
            "inviterUsername": i.inviter_username,
            "roles": i.roles,
            "createdAt": timestamp(&i.created_at),
            "expiresAt": timestamp(&i.expires_at),
            "links": self.link(&format!("/groups/{}/invites/{}", project.id, i.id)),
        })
    }

    /// `OrgUserResponse`: `OrgPendingUserResponse` or `OrgActiveUserResponse`.
    pub(crate) fn org_user(&self, member: Member<'_>) -> Value {
        let mut view = self.user_common(
            member,
            &json!({
                "orgRoles": member.org_roles(),
                "groupRoleAssignments": member.assignments().iter().map(|a| json!({
                    "groupId": a.group_id,
                    "groupRoles": a.roles,
                })).collect::<Vec<_>>(),
            }),
        );
        view["teamIds"] = json!(member.team_ids());
        view
    }

    /// `GroupUserResponse`: `GroupPendingUserResponse` or `GroupActiveUserResponse`, the user's roles in
    /// one project.
    pub(crate) fn project_user(&self, member: Member<'_>, group_id: &str) -> Value {
        self.user_common(
            member,
            &json!(member.roles_in(group_id).unwrap_or_default()),
        )
    }

    /// The fields both user views share, with the pending or active part.
    fn user_common(&self, member: Member<'_>, roles: &Value) -> Value {
        let mut view = json!({
            "id": member.id(),
            "orgMembershipStatus": member.status(),
            "username": member.username(),
            "roles": roles,
        });
        let extra = match member {
            Member::Pending(i) => json!({
                "inviterUsername": i.inviter_username,
                "invitationCreatedAt": timestamp(&i.created_at),
                "invitationExpiresAt": timestamp(&i.expires_at),
            }),
            Member::Active(u) => {
                let mut active = json!({
                    "firstName": u.first_name,
                    "lastName": u.last_name,
                    "country": u.country,
                    "createdAt": timestamp(&u.created_at),
                });
                if let Some(at) = &u.last_auth {
                    active["lastAuth"] = json!(timestamp(at));
                }
                active
            }
        };
        if let (Value::Object(view), Value::Object(extra)) = (&mut view, extra) {
            view.extend(extra);
        }
        view
    }
}

/// ISO 8601 UTC with a `Z`, whole seconds.
fn timestamp(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
