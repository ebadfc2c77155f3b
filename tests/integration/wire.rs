//! What the generated clients put on the wire for the update operations (and the rest of the lifecycle),
//! checked byte for byte on a loopback responder.

use integration_tests::capture::{CaptureServer, Captured, Reply};
use serde_json::json;

const ORG: &str = "5a0a1e7e0f2912c554080adc";
const GROUP: &str = "6b0b2f8f1f3a23d665191bed";
const INVITATION: &str = "7c1c309020b434e776202cfe";
const TEAM: &str = "8d2d41a131c545f887313d0f";
const V2: &str = "application/vnd.atlas.2023-01-01+json";
const V2_USERS: &str = "application/vnd.atlas.2025-02-19+json";
const JSON: &str = "application/json";

/// A transport without credentials or retries: these tests look at single requests.
fn plain_transport() -> transport::Transport {
    transport::Transport::builder()
        .retry(transport::RetryPolicy::never())
        .build()
        .expect("transport")
}

fn org_invitation() -> serde_json::Value {
    json!({
        "id": INVITATION, "orgId": ORG, "orgName": "Acme", "username": "ada@example.com",
        "inviterUsername": "grace@example.com",
        // A role this build does not know must still decode.
        "roles": ["ORG_MEMBER", "ORG_ROLE_FROM_THE_FUTURE"],
        "teamIds": [TEAM], "createdAt": "2026-11-01T10:00:00Z", "expiresAt": "2026-12-01T10:00:00Z", "links": []
    })
}

fn group_invitation() -> serde_json::Value {
    json!({
        "id": INVITATION, "groupId": GROUP, "groupName": "payments", "username": "ada@example.com",
        "roles": ["GROUP_READ_ONLY"], "createdAt": "2026-11-01T10:00:00Z", "expiresAt": "2026-12-01T10:00:00Z"
    })
}

/// Asserts the request line, the media-type headers, the absence of progenitor's `api-version`, and the body.
fn assert_sent(req: &Captured, method: &str, target: &str, media: &str, body: Option<&str>) {
    assert_eq!(req.request_line, format!("{method} {target} HTTP/1.1"));
    assert_eq!(req.header("accept"), media, "Accept of {target}");
    assert!(
        req.header_values("api-version").is_empty(),
        "stray api-version header: {:?}",
        req.headers
    );
    match body {
        Some(body) => {
            assert_eq!(
                req.header("content-type"),
                media,
                "Content-Type of {target}"
            );
            assert_eq!(String::from_utf8_lossy(&req.body), body, "body of {target}");
        }
        None => {
            assert!(
                req.header_values("content-type").is_empty(),
                "Content-Type without a body"
            );
            assert!(req.body.is_empty());
        }
    }
}

fn only(server: &CaptureServer) -> Captured {
    let mut all = server.take();
    assert_eq!(all.len(), 1, "expected exactly one request, got {all:?}");
    all.remove(0)
}

#[tokio::test]
async fn atlas_v2_updates_send_the_versioned_media_type_and_exact_bodies() {
    use atlas_v2::types;
    let server = CaptureServer::start(Reply::json(200, &org_invitation())).await;
    let client = atlas_v2::Client::with_transport(&server.base_url, plain_transport());
    let org: types::ObjectId = ORG.parse().expect("id");
    let group: types::ObjectId = GROUP.parse().expect("id");
    let invitation: types::ObjectId = INVITATION.parse().expect("id");

    // Update by id: roles replace, team ids kept as given; no query flags unless asked.
    let body = types::OrganizationInvitationUpdateRequest {
        roles: vec!["ORG_MEMBER".into()],
        team_ids: vec![TEAM.into()],
        ..Default::default()
    };
    let out = client
        .update_org_invitation_by_id(&org, &invitation, None, None, &body)
        .await
        .expect("update by id");
    // A role this build does not know decodes (the shared types keep role names as strings).
    assert_eq!(out.roles, ["ORG_MEMBER", "ORG_ROLE_FROM_THE_FUTURE"]);
    assert_eq!(out.org_name, "Acme");
    assert_sent(
        &only(&server),
        "PATCH",
        &format!("/api/atlas/v2/orgs/{ORG}/invites/{INVITATION}"),
        V2,
        Some(&format!(
            r#"{{"roles":["ORG_MEMBER"],"teamIds":["{TEAM}"]}}"#
        )),
    );

    // Update by username, with both query flags set explicitly.
    let body = types::OrganizationInvitationRequest {
        roles: vec!["ORG_OWNER".into()],
        username: "ada@example.com".into(),
        ..Default::default()
    };
    client
        .update_org_invitation(&org, Some(true), Some(false), &body)
        .await
        .expect("update by username");
    assert_sent(
        &only(&server),
        "PATCH",
        &format!("/api/atlas/v2/orgs/{ORG}/invites?envelope=true&pretty=false"),
        V2,
        Some(r#"{"roles":["ORG_OWNER"],"username":"ada@example.com"}"#),
    );

    server.set_reply(Reply::json(200, &group_invitation()));
    let body = types::GroupInvitationUpdateRequest {
        roles: vec![
            "GROUP_READ_ONLY".into(),
            "GROUP_DATA_ACCESS_READ_ONLY".into(),
        ],
    };
    let out = client
        .update_project_invitation_by_id(&group, &invitation, None, &body)
        .await
        .expect("project update by id");
    assert_eq!(out.group_name.as_deref(), Some("payments"));
    assert_sent(
        &only(&server),
        "PATCH",
        &format!("/api/atlas/v2/groups/{GROUP}/invites/{INVITATION}"),
        V2,
        Some(r#"{"roles":["GROUP_READ_ONLY","GROUP_DATA_ACCESS_READ_ONLY"]}"#),
    );

    let body = types::GroupInvitationRequest {
        roles: vec!["GROUP_OWNER".into()],
        username: "ada@example.com".into(),
    };
    client
        .update_project_invitation(&group, None, Some(true), &body)
        .await
        .expect("project update by username");
    assert_sent(
        &only(&server),
        "PATCH",
        &format!("/api/atlas/v2/groups/{GROUP}/invites?pretty=true"),
        V2,
        Some(r#"{"roles":["GROUP_OWNER"],"username":"ada@example.com"}"#),
    );

    // The successor endpoint speaks its own resource version.
    server.set_reply(Reply::json(
        200,
        &json!({
            "id": INVITATION, "orgMembershipStatus": "PENDING", "username": "ada@example.com",
            "inviterUsername": "grace@example.com", "invitationCreatedAt": "2026-11-01T10:00:00Z",
            "roles": {"orgRoles": ["ORG_READ_ONLY"]}
        }),
    ));
    let body = types::OrgUserUpdateRequest {
        roles: Some(invitation_types::OrgUserRolesRequest {
            org_roles: vec!["ORG_READ_ONLY".into()],
            ..Default::default()
        }),
        ..Default::default()
    };
    let out = client
        .update_org_user(&org, &invitation, None, None, &body)
        .await
        .expect("updateOrgUser");
    let user = out.into_inner();
    assert_eq!(
        (
            user.org_membership_status.as_str(),
            user.inviter_username.as_deref()
        ),
        ("PENDING", Some("grace@example.com"))
    );
    assert_sent(
        &only(&server),
        "PATCH",
        &format!("/api/atlas/v2/orgs/{ORG}/users/{INVITATION}"),
        V2_USERS,
        Some(r#"{"roles":{"orgRoles":["ORG_READ_ONLY"]}}"#),
    );
}

#[tokio::test]
async fn atlas_v2_rest_of_the_lifecycle() {
    let server = CaptureServer::start(Reply::json(200, &json!([org_invitation()]))).await;
    let client = atlas_v2::Client::with_transport(&server.base_url, plain_transport());
    let org: atlas_v2::types::ObjectId = ORG.parse().expect("id");
    let invitation: atlas_v2::types::ObjectId = INVITATION.parse().expect("id");

    let list = client
        .list_org_invitations(&org, None, None, Some("ada+ops@example.com"))
        .await
        .expect("list");
    assert_eq!(list.len(), 1);
    assert_sent(
        &only(&server),
        "GET",
        &format!("/api/atlas/v2/orgs/{ORG}/invites?username=ada%2Bops%40example.com"),
        V2,
        None,
    );

    // Delete answers 204 with no body; the vendor type is still what the server requires in Accept.
    server.set_reply(Reply::raw(204, JSON, b""));
    let out = client
        .delete_org_invitation(&org, &invitation, None, None)
        .await
        .expect("delete");
    assert_eq!(out.status().as_u16(), 204);
    assert_sent(
        &only(&server),
        "DELETE",
        &format!("/api/atlas/v2/orgs/{ORG}/invites/{INVITATION}"),
        V2,
        None,
    );
}

#[tokio::test]
async fn api_errors_decode_even_with_string_parameters() {
    let server = CaptureServer::start(Reply::json(
        404,
        &json!({
            "error": 404, "errorCode": "INVITATION_NOT_FOUND", "reason": "Not Found",
            "detail": "Invitation 7c1c... not found", "parameters": [INVITATION]
        }),
    ))
    .await;
    let client = atlas_v2::Client::with_transport(&server.base_url, plain_transport());
    let err = client
        .get_org_invitation(
            &ORG.parse().expect("id"),
            &INVITATION.parse().expect("id"),
            None,
        )
        .await
        .expect_err("404");
    let atlas_v2::Error::ErrorResponse(api) = err else {
        panic!("not a typed ApiError: {err:?}")
    };
    assert_eq!(api.status().as_u16(), 404);
    assert_eq!(api.error_code, "INVITATION_NOT_FOUND");
    assert_eq!(api.parameters, vec![json!(INVITATION)]);

    // A proxy's HTML page is an error value, not a panic.
    server.set_reply(Reply::raw(404, "text/html", b"<html>gateway</html>"));
    let err = client
        .get_org_invitation(
            &ORG.parse().expect("id"),
            &INVITATION.parse().expect("id"),
            None,
        )
        .await
        .expect_err("html");
    assert!(
        matches!(err, atlas_v2::Error::InvalidResponsePayload(..)),
        "{err:?}"
    );
}

#[test]
fn path_ids_are_validated_before_anything_is_sent() {
    for bad in [
        "",
        "5A0A1E7E0F2912C554080ADC",
        "5a0a1e7e0f2912c554080ad",
        "5a0a1e7e0f2912c554080adcc",
        "../../admin",
    ] {
        assert!(
            bad.parse::<atlas_v2::types::ObjectId>().is_err(),
            "{bad:?} accepted"
        );
        assert!(
            bad.parse::<atlas_v1::types::ObjectId>().is_err(),
            "{bad:?} accepted"
        );
        assert!(
            bad.parse::<ops_manager_v1::types::ObjectId>().is_err(),
            "{bad:?} accepted"
        );
    }
}

#[tokio::test]
async fn atlas_v1_updates_send_plain_json() {
    use atlas_v1::types;
    let server = CaptureServer::start(Reply::json(200, &org_invitation())).await;
    let client = atlas_v1::Client::with_transport(&server.base_url, plain_transport());
    let org: types::ObjectId = ORG.parse().expect("id");
    let group: types::ObjectId = GROUP.parse().expect("id");
    let invitation: types::ObjectId = INVITATION.parse().expect("id");
    let member = || vec!["ORG_MEMBER".to_string()];

    let body = types::OrganizationInvitationUpdateRequest {
        roles: member(),
        ..Default::default()
    };
    client
        .update_org_invitation_by_id(&org, &invitation, None, None, &body)
        .await
        .expect("update by id");
    assert_sent(
        &only(&server),
        "PATCH",
        &format!("/api/atlas/v1.0/orgs/{ORG}/invites/{INVITATION}"),
        JSON,
        Some(r#"{"roles":["ORG_MEMBER"]}"#),
    );

    let body = types::OrganizationInvitationRequest {
        roles: member(),
        username: "ada@example.com".into(),
        ..Default::default()
    };
    client
        .update_org_invitation(&org, None, None, &body)
        .await
        .expect("update by username");
    assert_sent(
        &only(&server),
        "PATCH",
        &format!("/api/atlas/v1.0/orgs/{ORG}/invites"),
        JSON,
        Some(r#"{"roles":["ORG_MEMBER"],"username":"ada@example.com"}"#),
    );

    server.set_reply(Reply::json(200, &group_invitation()));
    let body = types::GroupInvitationUpdateRequest {
        roles: vec!["GROUP_OWNER".into()],
    };
    client
        .update_project_invitation_by_id(&group, &invitation, Some(true), &body)
        .await
        .expect("project by id");
    assert_sent(
        &only(&server),
        "PATCH",
        &format!("/api/atlas/v1.0/groups/{GROUP}/invites/{INVITATION}?envelope=true"),
        JSON,
        Some(r#"{"roles":["GROUP_OWNER"]}"#),
    );

    let body = types::GroupInvitationRequest {
        roles: vec!["GROUP_OWNER".into()],
        username: "ada@example.com".into(),
    };
    client
        .update_project_invitation(&group, None, None, &body)
        .await
        .expect("project by username");
    assert_sent(
        &only(&server),
        "PATCH",
        &format!("/api/atlas/v1.0/groups/{GROUP}/invites"),
        JSON,
        Some(r#"{"roles":["GROUP_OWNER"],"username":"ada@example.com"}"#),
    );
}

#[tokio::test]
async fn ops_manager_updates_use_the_public_prefix_and_required_roles() {
    use ops_manager_v1::types;
    let server = CaptureServer::start(Reply::json(200, &org_invitation())).await;
    let client = ops_manager_v1::Client::with_transport(&server.base_url, plain_transport());
    let org: types::ObjectId = ORG.parse().expect("id");
    let group: types::ObjectId = GROUP.parse().expect("id");
    let invitation: types::ObjectId = INVITATION.parse().expect("id");

    // The same shared body as on Atlas; Ops Manager requires `roles` (the facade refuses it empty).
    let body = types::OrganizationInvitationUpdateRequest {
        roles: vec!["ORG_READ_ONLY".into()],
        ..Default::default()
    };
    client
        .update_org_invitation_by_id(&org, &invitation, None, None, &body)
        .await
        .expect("update by id");
    assert_sent(
        &only(&server),
        "PATCH",
        &format!("/api/public/v1.0/orgs/{ORG}/invites/{INVITATION}"),
        JSON,
        Some(r#"{"roles":["ORG_READ_ONLY"]}"#),
    );

    let body = types::OrganizationInvitationRequest {
        roles: vec!["ORG_MEMBER".into()],
        team_ids: vec![TEAM.into()],
        username: "ada@example.com".into(),
        ..Default::default()
    };
    client
        .update_org_invitation(&org, None, None, &body)
        .await
        .expect("update by username");
    assert_sent(
        &only(&server),
        "PATCH",
        &format!("/api/public/v1.0/orgs/{ORG}/invites"),
        JSON,
        Some(&format!(
            r#"{{"roles":["ORG_MEMBER"],"teamIds":["{TEAM}"],"username":"ada@example.com"}}"#
        )),
    );

    server.set_reply(Reply::json(200, &group_invitation()));
    let automation = || vec!["GROUP_AUTOMATION_ADMIN".to_string()];
    let body = types::GroupInvitationUpdateRequest {
        roles: automation(),
    };
    client
        .update_project_invitation_by_id(&group, &invitation, None, &body)
        .await
        .expect("project by id");
    assert_sent(
        &only(&server),
        "PATCH",
        &format!("/api/public/v1.0/groups/{GROUP}/invites/{INVITATION}"),
        JSON,
        Some(r#"{"roles":["GROUP_AUTOMATION_ADMIN"]}"#),
    );

    let body = types::GroupInvitationRequest {
        roles: automation(),
        username: "ada@example.com".into(),
    };
    client
        .update_project_invitation(&group, None, None, &body)
        .await
        .expect("project by username");
    assert_sent(
        &only(&server),
        "PATCH",
        &format!("/api/public/v1.0/groups/{GROUP}/invites"),
        JSON,
        Some(r#"{"roles":["GROUP_AUTOMATION_ADMIN"],"username":"ada@example.com"}"#),
    );
}

#[test]
fn the_operation_tables_carry_stable_names_deprecation_sunset_and_successors() {
    let v2 = atlas_v2::operations::find("update_org_invitation_by_id").expect("row");
    assert_eq!(
        (
            v2.operation_id,
            v2.method,
            v2.path,
            v2.media_type,
            v2.deprecated,
            v2.sunset,
            v2.successor
        ),
        (
            "updateOrgInviteById",
            "PATCH",
            "/api/atlas/v2/orgs/{orgId}/invites/{invitationId}",
            V2,
            true,
            Some("2027-07-01"),
            Some("update_org_user")
        )
    );
    let successor = atlas_v2::operations::find("update_org_user").expect("row");
    assert_eq!(
        (successor.media_type, successor.deprecated, successor.sunset),
        (V2_USERS, false, None)
    );
    // List and remove answer 2023-01-01 (sunset 2027-07-01) and 2025-02-19: the row reports the version
    // sent and that version's (absent) sunset.
    for name in [
        "list_org_users",
        "remove_org_user",
        "list_project_users",
        "remove_project_user",
    ] {
        let row = atlas_v2::operations::find(name).expect(name);
        assert_eq!(
            (row.media_type, row.version, row.sunset),
            (V2_USERS, Some("2025-02-19"), None),
            "{name}"
        );
    }
    // Each deprecated operation names its own successor.
    assert_eq!(
        atlas_v2::operations::find("delete_org_invitation").and_then(|r| r.successor),
        Some("remove_org_user")
    );
    assert_eq!(
        atlas_v2::operations::find("list_project_invitations").and_then(|r| r.successor),
        Some("list_project_users")
    );
    assert_eq!(atlas_v2::operations::OPERATIONS.len(), 25);
    assert_eq!(atlas_v1::operations::OPERATIONS.len(), 12);
    assert_eq!(ops_manager_v1::operations::OPERATIONS.len(), 12);
    // One stable name per operation across flavours, whatever upstream calls it.
    for op in atlas_v1::operations::OPERATIONS {
        let v2 = atlas_v2::operations::find(op.name).expect(op.name);
        let om = ops_manager_v1::operations::find(op.name).expect(op.name);
        assert_eq!(
            (v2.method, &v2.path["/api/atlas/v2".len()..]),
            (op.method, &op.path["/api/atlas/v1.0".len()..])
        );
        assert_eq!(om.method, op.method);
    }
    assert_ne!(
        atlas_v2::operations::find("update_org_invitation").map(|r| r.operation_id),
        atlas_v1::operations::find("update_org_invitation").map(|r| r.operation_id),
        "upstream spells them differently (updateOrgInvites / updateOrganizationInvitation)"
    );
    assert!(
        atlas_v1::operations::OPERATIONS
            .iter()
            .all(|op| op.media_type == JSON && !op.deprecated)
    );
    assert!(
        ops_manager_v1::operations::OPERATIONS
            .iter()
            .all(|op| op.path.starts_with("/api/public/v1.0/"))
    );
    assert!(atlas_v2::operations::ABSENT.is_empty());
}
