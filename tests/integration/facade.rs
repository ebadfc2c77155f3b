//! The facade end to end against the fake: every operation in every flavour, the state the server ends
//! in, and each kind of error a caller can get.

use fake::{FakeServer, Fault, Product};
use mongodb_invitations::{
    Client, Error, Flavour, InvitationTarget, Invitee, OrgInvitationChanges, OrgRole,
    OrgUserChanges, ProjectRole, RetryPolicy, ValidationError,
};

const PUBLIC: &str = "FACADEPUBLIC";
const PRIVATE: &str = "facade-private-key";

async fn fake() -> FakeServer {
    FakeServer::builder()
        .seed(11)
        .digest_keys(PUBLIC, PRIVATE)
        .start()
        .await
        .expect("fake starts")
}

fn builder(fake: &FakeServer, flavour: Flavour) -> mongodb_invitations::ClientBuilder {
    Client::builder(flavour)
        .base_url(fake.base_url())
        .digest(PUBLIC, PRIVATE)
        .retry(RetryPolicy::never())
}

fn client(fake: &FakeServer, flavour: Flavour) -> Client {
    builder(fake, flavour).build().expect("client")
}

fn product(flavour: Flavour) -> Product {
    if flavour == Flavour::OpsManager {
        Product::OpsManager
    } else {
        Product::Atlas
    }
}

#[tokio::test]
async fn every_update_lands_in_every_flavour() {
    let fake = fake().await;
    let seeded = fake.seeded().clone();
    let org = &seeded.orgs[0];
    let project = &org.projects[0];
    let org_id = org.id.parse().expect("org id");
    let project_id = project.id.parse().expect("project id");

    for flavour in Flavour::ALL {
        let client = client(&fake, flavour);

        // Organization, by id: the roles given replace the old ones.
        let by_id = Invitee::Id(org.invitations[0].id.parse().expect("id"));
        let out = client
            .update_org_invitation(
                &org_id,
                &by_id,
                &OrgInvitationChanges::roles([OrgRole::GroupCreator]),
            )
            .await
            .expect("org by id");
        let InvitationTarget::Org {
            roles, org_id: got, ..
        } = &out.target
        else {
            panic!("{out:?}")
        };
        assert_eq!(
            (roles.as_slice(), got.as_str()),
            (&[OrgRole::GroupCreator][..], org.id.as_str())
        );
        assert_eq!(out.deprecated, flavour == Flavour::AtlasV2, "{flavour}");

        // Organization, by username.
        let by_name = Invitee::Username(org.invitations[1].username.parse().expect("username"));
        let out = client
            .update_org_invitation(
                &org_id,
                &by_name,
                &OrgInvitationChanges::roles([OrgRole::ReadOnly, OrgRole::Member]),
            )
            .await
            .expect("org by username");
        assert_eq!(
            out.id.as_ref().map(|i| i.as_str()),
            Some(org.invitations[1].id.as_str())
        );

        // Project, by id and by username.
        let by_id = Invitee::Id(project.invitations[0].id.parse().expect("id"));
        client
            .update_project_invitation(&project_id, &by_id, &[ProjectRole::ReadOnly])
            .await
            .expect("project by id");
        let by_name = Invitee::Username(project.invitations[1].username.parse().expect("username"));
        let out = client
            .update_project_invitation(
                &project_id,
                &by_name,
                &[ProjectRole::DataAccessReadOnly, ProjectRole::Owner],
            )
            .await
            .expect("project by username");
        let InvitationTarget::Project { roles, .. } = &out.target else {
            panic!("{out:?}")
        };
        assert_eq!(
            roles,
            &[ProjectRole::DataAccessReadOnly, ProjectRole::Owner]
        );

        // The state the server ends in.
        let state = fake.state(product(flavour));
        let org_state = state.orgs.iter().find(|o| o.id == org.id).expect("org");
        assert_eq!(
            org_state.invitations[0].roles,
            ["ORG_GROUP_CREATOR"],
            "{flavour}"
        );
        assert_eq!(
            org_state.invitations[1].roles,
            ["ORG_READ_ONLY", "ORG_MEMBER"],
            "{flavour}"
        );
        let project_state = &org_state.projects[0];
        assert_eq!(
            project_state.invitations[0].roles,
            ["GROUP_READ_ONLY"],
            "{flavour}"
        );
        assert_eq!(
            project_state.invitations[1].roles,
            ["GROUP_DATA_ACCESS_READ_ONLY", "GROUP_OWNER"],
            "{flavour}"
        );
    }
    fake.shutdown().await;
}

#[tokio::test]
async fn the_rest_of_the_lifecycle() {
    let fake = fake().await;
    let org = fake.seeded().orgs[0].clone();
    let org_id = org.id.parse().expect("org id");
    let project_id = org.projects[0].id.parse().expect("project id");
    for flavour in Flavour::ALL {
        let client = client(&fake, flavour);
        let username = format!("new.{}@example.com", flavour.name())
            .parse()
            .expect("username");
        let created = client
            .create_org_invitation(
                &org_id,
                &username,
                &OrgInvitationChanges::roles([OrgRole::Member]),
            )
            .await
            .expect("create");
        let created_id = created
            .id
            .clone()
            .expect("the fake answers with the new invitation's id");
        let fetched = client
            .get_org_invitation(&org_id, &created_id)
            .await
            .expect("get");
        assert_eq!(fetched.value, created.value);
        let listed = client
            .list_org_invitations(&org_id, Some(&username))
            .await
            .expect("list");
        assert_eq!(listed.value, vec![created.value.clone()]);
        let deleted = client
            .delete_org_invitation(&org_id, &created_id)
            .await
            .expect("delete");
        assert_eq!(deleted.status, 204);
        let err = client
            .get_org_invitation(&org_id, &created_id)
            .await
            .expect_err("gone");
        assert!(err.is_code("INVITATION_NOT_FOUND"), "{err}");

        let created = client
            .create_project_invitation(&project_id, &username, &[ProjectRole::ReadOnly])
            .await
            .expect("create project");
        let created_id = created.id.clone().expect("id");
        let all = client
            .list_project_invitations(&project_id, None)
            .await
            .expect("list project");
        assert!(all.value.iter().any(|i| i.id == created.id));
        client
            .get_project_invitation(&project_id, &created_id)
            .await
            .expect("get project");
        client
            .delete_project_invitation(&project_id, &created_id)
            .await
            .expect("delete project");
    }
    fake.shutdown().await;
}

#[tokio::test]
async fn the_v2_successor_updates_a_pending_user() {
    let fake = fake().await;
    let org = fake.seeded().orgs[0].clone();
    let client = client(&fake, Flavour::AtlasV2);
    let changes = OrgUserChanges {
        org_roles: vec![OrgRole::ReadOnly],
        ..Default::default()
    };
    let out = client
        .update_org_user(
            &org.id.parse().expect("id"),
            &org.invitations[0].user_id.parse().expect("id"),
            &changes,
        )
        .await
        .expect("updateOrgUser");
    assert_eq!(out.roles.org_roles, [OrgRole::ReadOnly]);
    assert!(!out.deprecated);
    assert_eq!(
        fake.state(Product::Atlas).orgs[0].invitations[0].roles,
        ["ORG_READ_ONLY"]
    );

    let v1 = self::client(&fake, Flavour::AtlasV1);
    fake.reset_counters();
    let err = v1
        .update_org_user(
            &org.id.parse().expect("id"),
            &org.invitations[0].user_id.parse().expect("id"),
            &changes,
        )
        .await
        .expect_err("v1 has no successor");
    assert!(
        matches!(err, Error::Validation(ValidationError::Unsupported { .. })),
        "{err}"
    );
    assert_eq!(fake.counters().total_requests, 0);
    fake.shutdown().await;
}

#[tokio::test]
async fn flavour_differences_are_refused_before_sending() {
    let fake = fake().await;
    let org = fake.seeded().orgs[0].clone();
    let org_id = org.id.parse().expect("org id");
    let project_id: mongodb_invitations::ProjectId =
        org.projects[0].id.parse().expect("project id");
    let invitee = Invitee::Id(org.invitations[0].id.parse().expect("id"));
    let om = client(&fake, Flavour::OpsManager);
    let v1 = client(&fake, Flavour::AtlasV1);
    fake.reset_counters();

    let billing = OrgInvitationChanges::roles([OrgRole::BillingAdmin]);
    let err = om
        .update_org_invitation(&org_id, &invitee, &billing)
        .await
        .expect_err("no billing in OM");
    assert!(
        err.to_string()
            .contains("unknown organization role \"ORG_BILLING_ADMIN\" for ops-manager-v1"),
        "{err}"
    );

    let with_projects = OrgInvitationChanges::roles([OrgRole::Member])
        .with_project_roles(project_id.clone(), [ProjectRole::ReadOnly]);
    let err = v1
        .update_org_invitation(&org_id, &invitee, &with_projects)
        .await
        .expect_err("v2 only");
    assert!(
        err.to_string()
            .contains("groupRoleAssignments is not available in atlas-v1"),
        "{err}"
    );

    let err = v1
        .update_org_invitation(&org_id, &invitee, &OrgInvitationChanges::default())
        .await
        .expect_err("no roles");
    assert!(
        err.to_string()
            .contains("at least one organization role is required"),
        "{err}"
    );

    let err = om
        .update_project_invitation(&project_id, &invitee, &[ProjectRole::ClusterManager])
        .await
        .expect_err("Atlas-only project role");
    assert!(
        err.to_string().contains("GROUP_AUTOMATION_ADMIN"),
        "lists the valid roles: {err}"
    );

    assert_eq!(
        fake.counters().total_requests,
        0,
        "validation failures sent requests"
    );
    fake.shutdown().await;
}

#[tokio::test]
async fn server_errors_become_typed_errors() {
    let fake = fake().await;
    let org = fake.seeded().orgs[0].clone();
    let org_id = org.id.parse().expect("org id");
    let invitation: mongodb_invitations::InvitationId = org.invitations[0].id.parse().expect("id");
    // Pinned to the invitation endpoints: under the default `Via::Auto` the 410 below would move the client
    // to the successor (that switch has its own test).
    let client = builder(&fake, Flavour::AtlasV2)
        .invitations_via(mongodb_invitations::Via::Deprecated)
        .build()
        .expect("client");
    // Learn the nonce first so each injected fault meets the signed request.
    client
        .get_org_invitation(&org_id, &invitation)
        .await
        .expect("warm up");

    fake.inject([Fault::RateLimited]);
    let err = client
        .get_org_invitation(&org_id, &invitation)
        .await
        .expect_err("429");
    let Error::RateLimited { retry_after, api } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.status, 429);
    assert!(retry_after.is_some(), "the Retry-After wait is surfaced");

    fake.inject([Fault::InvitationsRateLimitedIp]);
    let err = client
        .get_org_invitation(&org_id, &invitation)
        .await
        .expect_err("400 rate limit");
    assert!(
        matches!(&err, Error::RateLimited { api, .. } if api.status == 400 && api.is("INVITATIONS_RATE_LIMITED_IP")),
        "{err:?}"
    );

    fake.inject([Fault::VersionGone]);
    let err = client
        .get_org_invitation(&org_id, &invitation)
        .await
        .expect_err("410");
    assert!(
        matches!(&err, Error::VersionGone { api } if api.is("VERSION_GONE")),
        "{err:?}"
    );

    fake.inject([Fault::ServerErrorHtml]);
    let err = client
        .get_org_invitation(&org_id, &invitation)
        .await
        .expect_err("html");
    assert!(matches!(&err, Error::UndecodableResponse { .. }), "{err:?}");

    fake.inject([Fault::NotJson]);
    let err = client
        .get_org_invitation(&org_id, &invitation)
        .await
        .expect_err("not json");
    assert!(matches!(&err, Error::UndecodableResponse { .. }), "{err:?}");

    fake.inject([Fault::Drop]);
    let err = client
        .get_org_invitation(&org_id, &invitation)
        .await
        .expect_err("dropped");
    assert!(matches!(&err, Error::Transport { .. }), "{err:?}");

    let missing: mongodb_invitations::InvitationId =
        "0123456789abcdef01234567".parse().expect("id");
    let err = client
        .get_org_invitation(&org_id, &missing)
        .await
        .expect_err("404");
    assert!(
        matches!(&err, Error::Api(api) if api.status == 404 && api.is("INVITATION_NOT_FOUND")),
        "{err:?}"
    );

    let wrong = Client::builder(Flavour::AtlasV2)
        .base_url(fake.base_url())
        .digest(PUBLIC, "not-the-private-key")
        .build()
        .expect("client");
    let err = wrong
        .get_org_invitation(&org_id, &invitation)
        .await
        .expect_err("401");
    assert!(
        matches!(&err, Error::Authentication { reason, .. } if *reason == transport::AuthReason::WrongCredentials),
        "{err:?}"
    );
    assert!(!format!("{err:?}{err}").contains("not-the-private-key"));
    fake.shutdown().await;
}

#[tokio::test]
async fn envelope_answers_are_unwrapped() {
    let fake = fake().await;
    let org = fake.seeded().orgs[0].clone();
    let org_id = org.id.parse().expect("org id");
    for flavour in Flavour::ALL {
        let client = Client::builder(flavour)
            .base_url(fake.base_url())
            .digest(PUBLIC, PRIVATE)
            .envelope(true)
            .pretty(true)
            .build()
            .expect("client");
        let out = client
            .get_org_invitation(
                &org_id,
                &org.invitations[0]
                    .id
                    .parse::<mongodb_invitations::InvitationId>()
                    .expect("id"),
            )
            .await
            .expect("enveloped get");
        assert_eq!(
            out.id.as_ref().map(|i| i.as_str()),
            Some(org.invitations[0].id.as_str()),
            "{flavour}"
        );
        // Unwrapped before decoding: the real status, and the response headers survive.
        assert_eq!(out.status, 200, "{flavour}");
        assert_eq!(
            out.deprecation.is_some(),
            flavour == Flavour::AtlasV2,
            "{flavour}: Deprecation header of an enveloped answer"
        );
        let listed = client
            .list_org_invitations(&org_id, None)
            .await
            .expect("enveloped list");
        assert_eq!(listed.status, 200, "{flavour}");
        assert!(!listed.value.is_empty(), "{flavour}");
        let username = format!("enveloped-{flavour}@example.com")
            .parse()
            .expect("username");
        let created = client
            .create_org_invitation(
                &org_id,
                &username,
                &OrgInvitationChanges::roles([OrgRole::Member]),
            )
            .await
            .expect("enveloped create");
        let deleted = client
            .delete_org_invitation(&org_id, created.id.as_ref().expect("id"))
            .await
            .expect("enveloped delete");
        assert_eq!(deleted.status, 204, "{flavour}");
        let missing: mongodb_invitations::InvitationId =
            "0123456789abcdef01234567".parse().expect("id");
        let err = client
            .get_org_invitation(&org_id, &missing)
            .await
            .expect_err("enveloped 404");
        assert!(err.is_code("INVITATION_NOT_FOUND"), "{flavour}: {err:?}");
    }
    fake.shutdown().await;
}
