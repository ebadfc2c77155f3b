//! The fake server against a second, independent Digest client: `curl --digest`.

use std::process::{Command, Output};
use std::time::Duration;

use ::fake::{DigestAlgorithm, FakeServer, Product};
use serde_json::{Value, json};

const PUBLIC: &str = "PUBLICKEY";
const PRIVATE: &str = "private-key";
const V2: &str = "application/vnd.atlas.2023-01-01+json";

async fn start(algorithm: DigestAlgorithm) -> FakeServer {
    FakeServer::builder()
        .seed(42)
        .digest_keys(PUBLIC, PRIVATE)
        .digest_algorithm(algorithm)
        .start()
        .await
        .expect("fake starts")
}

/// Runs curl off the async workers, bounded by `--max-time`.
async fn curl(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new("curl")
            .args([
                "--silent",
                "--show-error",
                "--noproxy",
                "*",
                "--max-time",
                "10",
            ])
            .args(&args)
            .output()
            .expect("curl runs")
    })
    .await
    .expect("curl task")
}

/// Splits curl's `-w '\n%{http_code}'` trailer from the body.
fn status_and_body(output: &Output) -> (u16, String) {
    let text = String::from_utf8_lossy(&output.stdout);
    let (body, status) = text.rsplit_once('\n').expect("status trailer");
    (status.trim().parse().expect("status"), body.to_owned())
}

fn patch_args(url: &str, user: &str, body: &Value) -> Vec<String> {
    [
        "--digest",
        "--user",
        user,
        "--request",
        "PATCH",
        "--header",
        &format!("Accept: {V2}"),
        "--header",
        &format!("Content-Type: {V2}"),
        "--data",
        &body.to_string(),
        "--write-out",
        "\n%{http_code}",
        url,
    ]
    .map(str::to_owned)
    .to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_digest_updates_an_invitation_with_md5_and_sha256() {
    for algorithm in [DigestAlgorithm::Md5, DigestAlgorithm::Sha256] {
        let fake = start(algorithm).await;
        let org = &fake.seeded().orgs[0];
        let invitation = &org.invitations[1];
        let url = format!(
            "{}/api/atlas/v2/orgs/{}/invites/{}",
            fake.base_url(),
            org.id,
            invitation.id
        );
        let body =
            json!({"roles": ["ORG_GROUP_CREATOR", "ORG_READ_ONLY"], "teamIds": [org.teams[1].id]});

        let output = curl(patch_args(&url, &format!("{PUBLIC}:{PRIVATE}"), &body)).await;
        let (status, text) = status_and_body(&output);
        assert_eq!(
            status,
            200,
            "{algorithm:?}: {text} {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let answer: Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(answer["id"], invitation.id.as_str());
        assert_eq!(
            answer["roles"],
            json!(["ORG_GROUP_CREATOR", "ORG_READ_ONLY"])
        );
        assert_eq!(answer["teamIds"], json!([org.teams[1].id]));

        let stored = &fake.state(Product::Atlas).orgs[0].invitations[1];
        assert_eq!(stored.roles, vec!["ORG_GROUP_CREATOR", "ORG_READ_ONLY"]);
        let seen = fake.counters();
        assert_eq!(
            (seen.challenges, seen.status(401), seen.status(200)),
            (1, 1, 1),
            "{algorithm:?} {seen:?}"
        );
        fake.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_with_a_wrong_key_or_a_replayed_digest_is_refused() {
    let fake = start(DigestAlgorithm::Md5).await;
    let org = &fake.seeded().orgs[0];
    let url = format!(
        "{}/api/atlas/v2/orgs/{}/invites/{}",
        fake.base_url(),
        org.id,
        org.invitations[0].id
    );
    let body = json!({"roles": ["ORG_OWNER"]});

    let wrong = curl(patch_args(&url, &format!("{PUBLIC}:not-the-key"), &body)).await;
    let (status, text) = status_and_body(&wrong);
    assert_eq!(status, 401);
    let error: Value = serde_json::from_str(&text).expect("ApiError");
    assert_eq!(
        (error["error"].as_u64(), error["errorCode"].as_str()),
        (Some(401), Some("UNAUTHORIZED"))
    );
    assert_eq!(
        fake.state(Product::Atlas).orgs[0].invitations[0].roles,
        org.invitations[0].roles
    );

    // A good exchange, with curl showing the Authorization header it sent.
    let mut verbose = patch_args(&url, &format!("{PUBLIC}:{PRIVATE}"), &body);
    verbose.insert(0, "--verbose".to_owned());
    let good = curl(verbose).await;
    assert_eq!(status_and_body(&good).0, 200);
    let trace = String::from_utf8_lossy(&good.stderr);
    let sent = trace
        .lines()
        .filter_map(|line| line.strip_prefix("> Authorization: "))
        .find(|value| value.starts_with("Digest "))
        .expect("curl shows its digest")
        .trim()
        .to_owned();

    // The same header again: same nonce, same nc.
    let replay_args = [
        "--request",
        "PATCH",
        "--header",
        &format!("Authorization: {sent}"),
        "--header",
        &format!("Accept: {V2}"),
        "--header",
        &format!("Content-Type: {V2}"),
        "--data",
        &body.to_string(),
        "--write-out",
        "\n%{http_code}",
        &url,
    ]
    .map(str::to_owned)
    .to_vec();
    let replay = curl(replay_args).await;
    let (status, text) = status_and_body(&replay);
    assert_eq!(status, 401, "{text}");
    let seen = fake.counters();
    assert_eq!(seen.replays_refused, 1, "{seen:?}");
    assert_eq!(seen.status(200), 1);
    fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_sees_every_flavour_under_its_prefix() {
    let fake = start(DigestAlgorithm::Md5).await;
    let org = &fake.seeded().orgs[1];
    for (prefix, accept) in [
        ("/api/atlas/v2", V2),
        ("/api/atlas/v1.0", "application/json"),
        ("/api/public/v1.0", "application/json"),
    ] {
        let url = format!(
            "{}{prefix}/groups/{}/invites",
            fake.base_url(),
            org.projects[1].id
        );
        let args = [
            "--digest",
            "--user",
            &format!("{PUBLIC}:{PRIVATE}"),
            "--header",
            &format!("Accept: {accept}"),
            "--write-out",
            "\n%{http_code}",
            &url,
        ]
        .map(str::to_owned)
        .to_vec();
        let (status, text) = status_and_body(&curl(args).await);
        assert_eq!(status, 200, "{prefix}: {text}");
        let listed: Value = serde_json::from_str(&text).expect("JSON");
        let ids: Vec<&str> = listed
            .as_array()
            .expect("array")
            .iter()
            .filter_map(|i| i["id"].as_str())
            .collect();
        let seeded: Vec<&str> = org.projects[1]
            .invitations
            .iter()
            .map(|i| i.id.as_str())
            .collect();
        assert_eq!(ids, seeded, "{prefix}");
    }
    tokio::time::timeout(Duration::from_secs(5), fake.shutdown())
        .await
        .expect("stops");
}

// End to end through the generated clients, authenticated by the transport with Digest.

async fn open_fake() -> FakeServer {
    start(DigestAlgorithm::Md5).await
}

/// The typed `ApiError` of a call that must fail with one.
macro_rules! api_error {
    ($krate:ident, $result:expr, $why:literal) => {
        match $result {
            Err($krate::Error::ErrorResponse(api)) => api,
            other => panic!("{}: not a typed ApiError: {other:?}", $why),
        }
    };
}

/// A Digest transport that does not retry: each call is one operation on the wire.
fn digest_transport() -> transport::Transport {
    transport::Transport::builder()
        .credentials(transport::Credentials::digest(PUBLIC, PRIVATE))
        .retry(transport::RetryPolicy::never())
        .proxy_from_environment(false)
        .build()
        .expect("transport")
}

/// A typed value as the JSON it serializes to.
macro_rules! wire {
    ($value:expr) => {
        serde_json::to_value($value).expect("serializes")
    };
}

#[tokio::test]
async fn atlas_v2_updates_land_through_the_generated_client() {
    use atlas_v2::types;
    let fake = open_fake().await;
    let client = atlas_v2::Client::with_transport(fake.base_url(), digest_transport());
    let org = &fake.seeded().orgs[0];
    let org_id: types::ObjectId = org.id.parse().expect("id");
    let group_id: types::ObjectId = org.projects[0].id.parse().expect("id");
    let first: types::ObjectId = org.invitations[0].id.parse().expect("id");

    let body: types::OrganizationInvitationUpdateRequest = serde_json::from_value(json!({
        "roles": ["ORG_OWNER", "ORG_BILLING_ADMIN"], "teamIds": [org.teams[1].id],
        "groupRoleAssignments": [{"groupId": org.projects[1].id, "roles": ["GROUP_SEARCH_INDEX_EDITOR"]}]
    }))
    .expect("body");
    let out = client
        .update_org_invitation_by_id(&org_id, &first, None, None, &body)
        .await
        .expect("update by id");
    let out = wire!(&out.into_inner());
    assert_eq!(out["roles"], json!(["ORG_OWNER", "ORG_BILLING_ADMIN"]));
    assert_eq!(
        out["groupRoleAssignments"],
        json!([{"groupId": org.projects[1].id, "groupRole": "GROUP_SEARCH_INDEX_EDITOR"}])
    );

    let body: types::OrganizationInvitationRequest = serde_json::from_value(
        json!({"username": org.invitations[1].username, "roles": ["ORG_READ_ONLY"]}),
    )
    .expect("body");
    let out = client
        .update_org_invitation(&org_id, None, Some(true), &body)
        .await
        .expect("update by username");
    assert_eq!(
        wire!(&out.into_inner())["id"],
        org.invitations[1].id.as_str()
    );

    let body: types::GroupInvitationUpdateRequest =
        serde_json::from_value(json!({"roles": ["GROUP_OWNER"]})).expect("body");
    let project_invitation: types::ObjectId =
        org.projects[0].invitations[0].id.parse().expect("id");
    client
        .update_project_invitation_by_id(&group_id, &project_invitation, None, &body)
        .await
        .expect("project by id");
    let body: types::GroupInvitationRequest = serde_json::from_value(json!({
        "username": org.projects[0].invitations[1].username, "roles": ["GROUP_DATA_ACCESS_ADMIN", "GROUP_READ_ONLY"]
    }))
    .expect("body");
    client
        .update_project_invitation(&group_id, Some(false), None, &body)
        .await
        .expect("project by username");

    let user: types::ObjectId = org.invitations[2].user_id.parse().expect("id");
    let body: types::OrgUserUpdateRequest =
        serde_json::from_value(json!({"roles": {"orgRoles": ["ORG_GROUP_CREATOR"]}}))
            .expect("body");
    let out = client
        .update_org_user(&org_id, &user, None, None, &body)
        .await
        .expect("successor");
    assert_eq!(wire!(&out.into_inner())["orgMembershipStatus"], "PENDING");

    let state = fake.state(Product::Atlas);
    let now = &state.orgs[0];
    assert_eq!(
        now.invitations[0].roles,
        vec!["ORG_OWNER", "ORG_BILLING_ADMIN"]
    );
    assert_eq!(now.invitations[0].team_ids, vec![org.teams[1].id.clone()]);
    assert_eq!(now.invitations[1].roles, vec!["ORG_READ_ONLY"]);
    assert_eq!(now.invitations[2].roles, vec!["ORG_GROUP_CREATOR"]);
    assert_eq!(now.projects[0].invitations[0].roles, vec!["GROUP_OWNER"]);
    assert_eq!(
        now.projects[0].invitations[1].roles,
        vec!["GROUP_DATA_ACCESS_ADMIN", "GROUP_READ_ONLY"]
    );

    // Documented errors arrive as typed ApiErrors.
    let missing: types::ObjectId = "0123456789abcdef01234567".parse().expect("id");
    let body: types::OrganizationInvitationUpdateRequest =
        serde_json::from_value(json!({"roles": ["ORG_MEMBER"]})).expect("body");
    let api = api_error!(
        atlas_v2,
        client
            .update_org_invitation_by_id(&org_id, &missing, None, None, &body)
            .await,
        "404"
    );
    assert_eq!(
        (api.status().as_u16(), api.error_code.as_str()),
        (404, "INVITATION_NOT_FOUND")
    );
    let api = api_error!(
        atlas_v2,
        client
            .update_org_invitation_by_id(&missing, &first, None, None, &body)
            .await,
        "404"
    );
    assert_eq!(api.error_code, "RESOURCE_NOT_FOUND");
    let bad: types::GroupInvitationUpdateRequest =
        serde_json::from_value(json!({"roles": ["GROUP_WIZARD"]})).expect("body");
    let api = api_error!(
        atlas_v2,
        client
            .update_project_invitation_by_id(&group_id, &project_invitation, None, &bad)
            .await,
        "400"
    );
    assert_eq!(
        (api.status().as_u16(), api.error_code.as_str()),
        (400, "VALIDATION_ERROR")
    );
    assert_eq!(
        wire!(&api.into_inner())["badRequestDetail"]["fields"][0]["field"],
        "roles[0]"
    );
    fake.shutdown().await;
}

/// The four update operations of a v1.0-style client (Atlas v1.0 and Ops Manager name them alike), with
/// the given org roles and project roles; returns the client for further calls.
macro_rules! v1_style_updates {
    ($krate:ident, $fake:expr, $org:expr, $org_roles:expr, $project_roles:expr) => {{
        use $krate::types;
        let (fake, org) = ($fake, $org);
        let client = $krate::Client::new(fake.base_url(), digest_transport());
        let org_id: types::ObjectId = org.id.parse().expect("id");
        let group_id: types::ObjectId = org.projects[1].id.parse().expect("id");
        let id: types::ObjectId = org.invitations[0].id.parse().expect("id");
        let pid: types::ObjectId = org.projects[1].invitations[1].id.parse().expect("id");
        let [by_id_role, by_name_role]: [&str; 2] = $org_roles;
        let [project_by_id, project_by_name]: [&str; 2] = $project_roles;
        let body: types::OrganizationInvitationUpdateRequest =
            serde_json::from_value(json!({"roles": [by_id_role], "teamIds": [org.teams[0].id]}))
                .expect("body");
        client
            .update_org_invitation_by_id(&org_id, &id, None, None, &body)
            .await
            .expect("by id");
        let body: types::OrganizationInvitationRequest = serde_json::from_value(
            json!({"username": org.invitations[2].username, "roles": [by_name_role]}),
        )
        .expect("body");
        client
            .update_org_invitation(&org_id, None, None, &body)
            .await
            .expect("by username");
        let body: types::GroupInvitationUpdateRequest =
            serde_json::from_value(json!({"roles": [project_by_id]})).expect("body");
        client
            .update_project_invitation_by_id(&group_id, &pid, None, &body)
            .await
            .expect("project by id");
        let body: types::GroupInvitationRequest = serde_json::from_value(json!({
            "username": org.projects[1].invitations[0].username, "roles": [project_by_name]
        }))
        .expect("body");
        client
            .update_project_invitation(&group_id, None, None, &body)
            .await
            .expect("project by username");
        (client, group_id, pid)
    }};
}

/// The state the four updates above leave behind.
fn assert_v1_style_state(now: &::fake::SeedOrg, org_roles: [&str; 2], project_roles: [&str; 2]) {
    assert_eq!(now.invitations[0].roles, vec![org_roles[0]]);
    assert_eq!(now.invitations[0].team_ids, vec![now.teams[0].id.clone()]);
    assert_eq!(now.invitations[2].roles, vec![org_roles[1]]);
    assert_eq!(now.projects[1].invitations[1].roles, vec![project_roles[0]]);
    assert_eq!(now.projects[1].invitations[0].roles, vec![project_roles[1]]);
}

#[tokio::test]
async fn atlas_v1_and_ops_manager_updates_land_through_the_generated_clients() {
    let fake = open_fake().await;
    let org = &fake.seeded().orgs[1];

    let atlas = (
        ["ORG_STREAM_PROCESSING_ADMIN", "ORG_MEMBER"],
        ["GROUP_CLUSTER_MANAGER", "GROUP_READ_ONLY"],
    );
    let (client, group_id, _) = v1_style_updates!(atlas_v1, &fake, org, atlas.0, atlas.1);
    assert_v1_style_state(&fake.state(Product::Atlas).orgs[1], atlas.0, atlas.1);
    let gone: atlas_v1::types::ObjectId = "ffffffffffffffffffffffff".parse().expect("id");
    let body: atlas_v1::types::GroupInvitationUpdateRequest =
        serde_json::from_value(json!({"roles": ["GROUP_OWNER"]})).expect("body");
    let api = api_error!(
        atlas_v1,
        client
            .update_project_invitation_by_id(&group_id, &gone, None, &body)
            .await,
        "404"
    );
    assert_eq!(
        (api.status().as_u16(), api.error_code.as_str()),
        (404, "INVITATION_NOT_FOUND")
    );

    let om = (
        ["ORG_GROUP_CREATOR", "ORG_OWNER"],
        ["GROUP_AUTOMATION_ADMIN", "GROUP_USER_ADMIN"],
    );
    let (client, group_id, pid) = v1_style_updates!(ops_manager_v1, &fake, org, om.0, om.1);
    assert_v1_style_state(&fake.state(Product::OpsManager).orgs[1], om.0, om.1);
    assert_v1_style_state(&fake.state(Product::Atlas).orgs[1], atlas.0, atlas.1);

    // A project role Atlas knows but Ops Manager does not.
    let body: ops_manager_v1::types::GroupInvitationUpdateRequest =
        serde_json::from_value(json!({"roles": ["GROUP_SEARCH_INDEX_EDITOR"]})).expect("body");
    let api = api_error!(
        ops_manager_v1,
        client
            .update_project_invitation_by_id(&group_id, &pid, None, &body)
            .await,
        "400"
    );
    assert_eq!(
        (api.status().as_u16(), api.error_code.as_str()),
        (400, "VALIDATION_ERROR")
    );
    fake.shutdown().await;
}
