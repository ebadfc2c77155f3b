//! The facade's MongoDB Cloud Users calls on the wire: for each operation the exact request line (path and
//! query), media types and body, and the decoded answer, including a status MongoDB may add later and
//! fields the schema does not list. Also: refused before sending on flavours without the API.

use integration_tests::capture::{CaptureServer, Captured, Reply};
use mongodb_invitations::{
    Client, Error, Flavour, MembershipStatus, OrgRole, OrgUserChanges, ProjectRole, RetryPolicy,
    UserQuery, ValidationError,
};
use serde_json::json;

const ORG: &str = "5a0a1e7e0f2912c554080adc";
const GROUP: &str = "6b0b2f8f1f3a23d665191bed";
const USER: &str = "9e3e52b242d656a998424e1f";
const TEAM: &str = "8d2d41a131c545f887313d0f";
const USERS: &str = "application/vnd.atlas.2025-02-19+json";

fn client(server: &CaptureServer) -> Client {
    Client::builder(Flavour::AtlasV2)
        .base_url(&server.base_url)
        .retry(RetryPolicy::never())
        .request_timeout(std::time::Duration::from_secs(10))
        .build()
        .expect("client")
}

/// A pending org user with a status this build does not know and a field the schema does not list.
fn org_user() -> serde_json::Value {
    json!({
        "id": USER, "username": "ada@example.com", "orgMembershipStatus": "SUSPENDED_FROM_THE_FUTURE",
        "inviterUsername": "grace@example.com", "invitationCreatedAt": "2026-11-01T10:00:00Z",
        "invitationExpiresAt": null, "teamIds": [TEAM], "somethingNew": {"a": 1},
        "roles": {"orgRoles": ["ORG_MEMBER", "ORG_ROLE_FROM_THE_FUTURE"],
                  "groupRoleAssignments": [{"groupId": GROUP, "groupRoles": ["GROUP_READ_ONLY"]}]}
    })
}

fn group_user() -> serde_json::Value {
    json!({
        "id": USER, "username": "ada@example.com", "orgMembershipStatus": "PENDING",
        "inviterUsername": "grace@example.com", "invitationCreatedAt": "2026-11-01T10:00:00Z",
        "roles": ["GROUP_READ_ONLY", "GROUP_ROLE_FROM_THE_FUTURE"], "extra": true
    })
}

fn sent(server: &CaptureServer) -> Captured {
    let mut all = server.take();
    assert_eq!(all.len(), 1, "one request: {all:?}");
    all.remove(0)
}

fn assert_sent(req: &Captured, method: &str, target: &str, body: Option<&str>) {
    assert_eq!(req.request_line, format!("{method} {target} HTTP/1.1"));
    assert_eq!(req.header("accept"), USERS, "Accept of {target}");
    match body {
        Some(body) => {
            assert_eq!(
                req.header("content-type"),
                USERS,
                "Content-Type of {target}"
            );
            assert_eq!(String::from_utf8_lossy(&req.body), body, "body of {target}");
        }
        None => assert!(req.body.is_empty(), "no body for {target}"),
    }
}

#[tokio::test]
async fn org_user_calls_send_exact_requests_and_decode_what_the_schema_allows() {
    let server = CaptureServer::start(Reply::json(201, &org_user())).await;
    let client = client(&server);
    let (org, user) = (ORG.parse().expect("org"), USER.parse().expect("user"));
    let changes = OrgUserChanges {
        org_roles: vec![OrgRole::Member],
        team_ids: vec![TEAM.parse().expect("team")],
        group_role_assignments: vec![mongodb_invitations::ProjectRoleAssignment {
            project_id: GROUP.parse().expect("group"),
            roles: vec![ProjectRole::ReadOnly],
        }],
    };

    let created = client
        .create_org_user(
            &org,
            &"ada@example.com".parse().expect("username"),
            &changes,
        )
        .await
        .expect("create");
    assert_sent(
        &sent(&server),
        "POST",
        &format!("/api/atlas/v2/orgs/{ORG}/users"),
        Some(&format!(
            r#"{{"roles":{{"groupRoleAssignments":[{{"groupId":"{GROUP}","groupRoles":["GROUP_READ_ONLY"]}}],"orgRoles":["ORG_MEMBER"]}},"teamIds":["{TEAM}"],"username":"ada@example.com"}}"#
        )),
    );
    assert_eq!(
        (created.status, created.operation, created.deprecated),
        (201, "create_org_user", false)
    );
    let u = &created.value;
    assert_eq!(
        u.org_membership_status,
        MembershipStatus::Other("SUSPENDED_FROM_THE_FUTURE".into())
    );
    assert_eq!(
        u.roles.org_roles,
        [
            OrgRole::Member,
            OrgRole::Other("ORG_ROLE_FROM_THE_FUTURE".into())
        ]
    );
    assert_eq!(
        u.roles.group_role_assignments[0].roles,
        [ProjectRole::ReadOnly]
    );
    assert_eq!(u.team_ids, [TEAM]);
    assert_eq!(u.invitation_expires_at, None, "null decodes as absent");
    assert_eq!(u.inviter_username.as_deref(), Some("grace@example.com"));

    server.set_reply(Reply::json(200, &org_user()));
    client.get_org_user(&org, &user).await.expect("get");
    assert_sent(
        &sent(&server),
        "GET",
        &format!("/api/atlas/v2/orgs/{ORG}/users/{USER}"),
        None,
    );

    client
        .add_org_user_role(&org, &user, &OrgRole::ReadOnly)
        .await
        .expect("add role");
    assert_sent(
        &sent(&server),
        "POST",
        &format!("/api/atlas/v2/orgs/{ORG}/users/{USER}:addRole"),
        Some(r#"{"orgRole":"ORG_READ_ONLY"}"#),
    );
    client
        .remove_org_user_role(&org, &user, &OrgRole::ReadOnly)
        .await
        .expect("remove role");
    assert_sent(
        &sent(&server),
        "POST",
        &format!("/api/atlas/v2/orgs/{ORG}/users/{USER}:removeRole"),
        Some(r#"{"orgRole":"ORG_READ_ONLY"}"#),
    );

    server.set_reply(Reply::json(
        200,
        &json!({"results": [org_user()], "totalCount": 7, "links": [
            {"rel": "self", "href": "x"}, {"rel": "next", "href": "y"}]}),
    ));
    let query = UserQuery {
        username: Some("ada@example.com".parse().expect("username")),
        statuses: vec![MembershipStatus::Pending],
        items_per_page: Some(2),
        page_num: Some(3),
        include_count: Some(true),
    };
    let page = client.list_org_users(&org, &query).await.expect("list");
    assert_sent(
        &sent(&server),
        "GET",
        &format!(
            "/api/atlas/v2/orgs/{ORG}/users?includeCount=true&itemsPerPage=2&orgMembershipStatus=PENDING&pageNum=3&username=ada%40example.com"
        ),
        None,
    );
    assert_eq!(
        (
            page.value.results.len(),
            page.value.total_count,
            page.value.has_next,
            page.value.page_num
        ),
        (1, Some(7), true, 3)
    );
    // Several statuses go as the array parameter.
    let several = UserQuery {
        statuses: vec![MembershipStatus::Pending, MembershipStatus::Active],
        ..UserQuery::default()
    };
    client.list_org_users(&org, &several).await.expect("list");
    assert_sent(
        &sent(&server),
        "GET",
        &format!(
            "/api/atlas/v2/orgs/{ORG}/users?orgMembershipStatuses=PENDING&orgMembershipStatuses=ACTIVE"
        ),
        None,
    );

    server.set_reply(Reply::raw(204, USERS, b""));
    let removed = client.remove_org_user(&org, &user).await.expect("remove");
    assert_eq!(
        (removed.status, removed.operation),
        (204, "remove_org_user")
    );
    assert_sent(
        &sent(&server),
        "DELETE",
        &format!("/api/atlas/v2/orgs/{ORG}/users/{USER}"),
        None,
    );
}

#[tokio::test]
async fn project_user_calls_send_exact_requests_and_decode_what_the_schema_allows() {
    let server = CaptureServer::start(Reply::json(201, &group_user())).await;
    let client = client(&server);
    let (group, user) = (GROUP.parse().expect("group"), USER.parse().expect("user"));

    let added = client
        .add_project_user(
            &group,
            &"ada@example.com".parse().expect("username"),
            &[ProjectRole::ReadOnly],
        )
        .await
        .expect("add");
    assert_sent(
        &sent(&server),
        "POST",
        &format!("/api/atlas/v2/groups/{GROUP}/users"),
        Some(r#"{"roles":["GROUP_READ_ONLY"],"username":"ada@example.com"}"#),
    );
    assert_eq!(added.value.org_membership_status, MembershipStatus::Pending);
    assert_eq!(
        added.value.roles,
        [
            ProjectRole::ReadOnly,
            ProjectRole::Other("GROUP_ROLE_FROM_THE_FUTURE".into())
        ]
    );

    server.set_reply(Reply::json(200, &group_user()));
    client.get_project_user(&group, &user).await.expect("get");
    assert_sent(
        &sent(&server),
        "GET",
        &format!("/api/atlas/v2/groups/{GROUP}/users/{USER}"),
        None,
    );
    client
        .add_project_user_role(&group, &user, &ProjectRole::Owner)
        .await
        .expect("add role");
    assert_sent(
        &sent(&server),
        "POST",
        &format!("/api/atlas/v2/groups/{GROUP}/users/{USER}:addRole"),
        Some(r#"{"groupRole":"GROUP_OWNER"}"#),
    );
    client
        .remove_project_user_role(&group, &user, &ProjectRole::Owner)
        .await
        .expect("remove role");
    assert_sent(
        &sent(&server),
        "POST",
        &format!("/api/atlas/v2/groups/{GROUP}/users/{USER}:removeRole"),
        Some(r#"{"groupRole":"GROUP_OWNER"}"#),
    );

    server.set_reply(Reply::json(200, &json!({"results": [group_user()]})));
    let page = client
        .list_project_users(&group, &UserQuery::pending())
        .await
        .expect("list");
    assert_sent(
        &sent(&server),
        "GET",
        &format!("/api/atlas/v2/groups/{GROUP}/users?orgMembershipStatus=PENDING"),
        None,
    );
    assert_eq!((page.value.total_count, page.value.has_next), (None, false));

    server.set_reply(Reply::raw(204, USERS, b""));
    client
        .remove_project_user(&group, &user)
        .await
        .expect("remove");
    assert_sent(
        &sent(&server),
        "DELETE",
        &format!("/api/atlas/v2/groups/{GROUP}/users/{USER}"),
        None,
    );
}

#[tokio::test]
async fn other_flavours_and_bad_paging_are_refused_before_sending() {
    let server = CaptureServer::start(Reply::json(200, &org_user())).await;
    let (org, user) = (ORG.parse().expect("org"), USER.parse().expect("user"));
    for flavour in [Flavour::AtlasV1, Flavour::OpsManager] {
        let client = Client::builder(flavour)
            .base_url(&server.base_url)
            .build()
            .expect("client");
        let err = client
            .get_org_user(&org, &user)
            .await
            .expect_err(flavour.name());
        assert!(
            matches!(err, Error::Validation(ValidationError::Unsupported { .. })),
            "{err}"
        );
        let err = client
            .list_project_users(&GROUP.parse().expect("group"), &UserQuery::default())
            .await
            .expect_err(flavour.name());
        assert!(
            err.to_string()
                .contains("only in the Atlas Administration API v2"),
            "{err}"
        );
        let err = Client::builder(flavour)
            .base_url(&server.base_url)
            .invitations_via(mongodb_invitations::Via::Successor)
            .build()
            .expect_err("no successor there");
        assert!(
            matches!(err, Error::Validation(ValidationError::Unsupported { .. })),
            "{err}"
        );
    }
    let client = client(&server);
    for (query, what) in [
        (
            UserQuery {
                items_per_page: Some(501),
                ..UserQuery::default()
            },
            "itemsPerPage 501",
        ),
        (
            UserQuery {
                page_num: Some(0),
                ..UserQuery::default()
            },
            "pageNum 0",
        ),
        (
            UserQuery {
                statuses: vec![
                    MembershipStatus::Pending,
                    MembershipStatus::Other("X".into()),
                ],
                ..UserQuery::default()
            },
            "\"X\"",
        ),
    ] {
        let err = client.list_org_users(&org, &query).await.expect_err(what);
        assert!(err.to_string().contains(what), "{what}: {err}");
    }
    let err = client
        .create_org_user(
            &org,
            &"ada@example.com".parse().expect("username"),
            &OrgUserChanges::default(),
        )
        .await
        .expect_err("no roles");
    assert!(
        err.to_string().contains("at least one organization role"),
        "{err}"
    );
    assert!(server.take().is_empty(), "nothing was sent");
}
