//! Invitations through the v2 sunset, on the fake: `Via::Auto` keeps the same calls working when the
//! deprecated endpoints start answering 410 (the fake's sunset switch), the fake's per-operation counters
//! show which endpoint served each call, calls by invitation id fail typed with nothing sent, and the
//! sunset date alone moves the client.

use fake::{FakeServer, SeedData};
use mongodb_invitations::{
    Client, Error, Flavour, Invitee, OrgInvitationChanges, OrgRole, ProjectRole, RetryPolicy, Via,
};

const PUBLIC: &str = "SUNSETPUBLIC";
const PRIVATE: &str = "sunset-private-key";

async fn fake() -> FakeServer {
    FakeServer::builder()
        .seed(11)
        .digest_keys(PUBLIC, PRIVATE)
        .start()
        .await
        .expect("fake starts")
}

fn builder(fake: &FakeServer) -> mongodb_invitations::ClientBuilder {
    Client::builder(Flavour::AtlasV2)
        .base_url(fake.base_url())
        .digest(PUBLIC, PRIVATE)
        .retry(RetryPolicy::never())
        .request_timeout(std::time::Duration::from_secs(10))
}

/// Requests the fake routed to each named operation since the last reset.
fn served(fake: &FakeServer, names: &[&str]) -> Vec<u64> {
    let counters = fake.counters();
    names.iter().map(|n| counters.operation(n)).collect()
}

#[tokio::test]
async fn auto_moves_to_the_successor_at_the_first_410_within_the_same_call() {
    let fake = fake().await;
    let org = fake.seeded().orgs[0].clone();
    let org_id = org.id.parse().expect("org");
    let project_id = org.projects[0].id.parse().expect("project");
    let client = builder(&fake).build().expect("client");
    assert_eq!(client.invitations_via(), Via::Auto, "the default");
    let ada = Invitee::Username(org.invitations[1].username.parse().expect("username"));
    let changes = OrgInvitationChanges::roles([OrgRole::ReadOnly]);

    // Before the sunset: the invitation endpoint serves the call.
    let before = client
        .update_org_invitation(&org_id, &ada, &changes)
        .await
        .expect("before");
    assert_eq!(
        (before.operation, before.deprecated),
        ("update_org_invitation", true)
    );

    fake.set_sunset_passed(true);
    fake.reset_counters();
    let changes = OrgInvitationChanges::roles([OrgRole::Member, OrgRole::GroupCreator]);
    let after = client
        .update_org_invitation(&org_id, &ada, &changes)
        .await
        .expect("the same call after the sunset");
    assert_eq!(
        (after.operation, after.deprecated),
        ("update_org_user", false)
    );
    let mongodb_invitations::InvitationTarget::Org { roles, .. } = &after.value.target else {
        panic!("{:?}", after.value)
    };
    assert_eq!(roles, &[OrgRole::Member, OrgRole::GroupCreator]);
    assert_eq!(
        served(
            &fake,
            &["update_org_invitation", "list_org_users", "update_org_user"]
        ),
        [1, 1, 1],
        "one 410, then the pending user found and updated"
    );
    assert_eq!(fake.counters().status(410), 1);
    assert!(client.invitations_moved());
    let state = fake.state(fake::Product::Atlas);
    let stored = state.orgs[0]
        .invitations
        .iter()
        .find(|i| i.username == org.invitations[1].username)
        .expect("still pending");
    assert_eq!(stored.roles, ["ORG_MEMBER", "ORG_GROUP_CREATOR"]);

    // Moved for good: no more 410s, the rest of the lifecycle on the successor.
    fake.reset_counters();
    let listed = client
        .list_org_invitations(&org_id, None)
        .await
        .expect("list");
    assert_eq!(listed.operation, "list_org_users");
    assert_eq!(listed.value.len(), org.invitations.len());
    let newcomer: mongodb_invitations::Username = "newcomer@example.com".parse().expect("name");
    let created = client
        .create_project_invitation(&project_id, &newcomer, &[ProjectRole::ReadOnly])
        .await
        .expect("create project invitation");
    assert_eq!(created.operation, "add_project_user");
    let updated = client
        .update_project_invitation(
            &project_id,
            &Invitee::Username(newcomer.clone()),
            &[ProjectRole::Owner],
        )
        .await
        .expect("update project invitation");
    let mongodb_invitations::InvitationTarget::Project { roles, .. } = &updated.value.target else {
        panic!("{:?}", updated.value)
    };
    assert_eq!(roles, &[ProjectRole::Owner]);
    assert_eq!(
        served(
            &fake,
            &[
                "add_project_user_role",
                "remove_project_user_role",
                "update_project_invitation"
            ]
        ),
        [1, 1, 0],
        "added first, then removed; the deprecated endpoint not called again"
    );
    client
        .delete_org_invitation(&org_id, &ada)
        .await
        .expect("delete by username");
    assert_eq!(fake.counters().status(410), 0);

    // By id there is no successor: a typed error, nothing sent.
    fake.reset_counters();
    let by_id = Invitee::Id(org.invitations[0].id.parse().expect("id"));
    let err = client
        .update_org_invitation(&org_id, &by_id, &changes)
        .await
        .expect_err("by id");
    assert!(
        matches!(
            &err,
            Error::NoSuccessor {
                call: "update_org_invitation",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("Invitee::Username"), "{err}");
    let err = client
        .get_org_invitation(&org_id, &by_id)
        .await
        .expect_err("get by id");
    assert!(matches!(err, Error::NoSuccessor { .. }), "{err:?}");
    assert_eq!(fake.counters().total_requests, 0, "nothing was sent");

    // A project invitation sent through the deprecated endpoint is invisible to the successor.
    let old = Invitee::Username(
        org.projects[0].invitations[0]
            .username
            .parse()
            .expect("username"),
    );
    let err = client
        .update_project_invitation(&project_id, &old, &[ProjectRole::Owner])
        .await
        .expect_err("invisible");
    assert!(err.is_not_found(), "{err:?}");
    fake.shutdown().await;
}

#[tokio::test]
async fn the_sunset_date_alone_moves_auto_and_deprecated_stays_put() {
    let fake = fake().await;
    let org = fake.seeded().orgs[0].clone();
    let org_id = org.id.parse().expect("org");
    let ada = Invitee::Username(org.invitations[0].username.parse().expect("username"));
    let changes = OrgInvitationChanges::roles([OrgRole::ReadOnly]);

    let on_the_day = builder(&fake)
        .as_of(chrono::NaiveDate::from_ymd_opt(2027, 7, 1).expect("date"))
        .build()
        .expect("client");
    let out = on_the_day
        .update_org_invitation(&org_id, &ada, &changes)
        .await
        .expect("update");
    assert_eq!(out.operation, "update_org_user");
    assert_eq!(
        served(&fake, &["update_org_invitation", "update_org_user"]),
        [0, 1],
        "the deprecated endpoint is not even tried"
    );

    let the_day_before = builder(&fake)
        .as_of(chrono::NaiveDate::from_ymd_opt(2027, 6, 30).expect("date"))
        .build()
        .expect("client");
    let out = the_day_before
        .update_org_invitation(&org_id, &ada, &changes)
        .await
        .expect("update");
    assert_eq!(out.operation, "update_org_invitation");

    fake.set_sunset_passed(true);
    let pinned = builder(&fake)
        .invitations_via(Via::Deprecated)
        .build()
        .expect("client");
    let err = pinned
        .update_org_invitation(&org_id, &ada, &changes)
        .await
        .expect_err("gone");
    assert!(matches!(err, Error::VersionGone { .. }), "{err:?}");
    assert!(!pinned.invitations_moved());
    fake.shutdown().await;
}

#[tokio::test]
async fn streams_read_every_page_and_stop_a_server_that_never_ends() {
    let size = fake::SeedSize {
        org_invitations_per_org: 23,
        ..fake::SeedSize::default()
    };
    let fake = FakeServer::builder()
        .seed_data(SeedData::generate_sized(5, size))
        .digest_keys(PUBLIC, PRIVATE)
        .start()
        .await
        .expect("fake starts");
    let org = fake.seeded().orgs[0].clone();
    let org_id = org.id.parse().expect("org");
    let client = builder(&fake).max_pages(5).build().expect("client");
    use futures::TryStreamExt;

    let query = mongodb_invitations::UserQuery {
        items_per_page: Some(10),
        ..mongodb_invitations::UserQuery::pending()
    };
    let pending: Vec<_> = client
        .org_users(&org_id, &query)
        .try_collect()
        .await
        .expect("all pages");
    let mut names: Vec<&str> = pending.iter().map(|u| u.username.as_str()).collect();
    let mut wanted: Vec<&str> = org
        .invitations
        .iter()
        .map(|i| i.username.as_str())
        .collect();
    names.sort_unstable();
    wanted.sort_unstable();
    assert_eq!(names, wanted, "every pending user once");
    assert_eq!(
        fake.counters().operation("list_org_users"),
        3,
        "23 in pages of 10"
    );

    fake.set_endless_pages(true);
    fake.reset_counters();
    let err = client
        .org_users(&org_id, &query)
        .try_collect::<Vec<_>>()
        .await
        .expect_err("never ends");
    assert!(
        matches!(
            err,
            Error::PageLimit {
                operation: "list_org_users",
                pages: 5
            }
        ),
        "{err:?}"
    );
    assert_eq!(fake.counters().operation("list_org_users"), 5, "bounded");
    fake.shutdown().await;
}

#[tokio::test]
async fn a_project_role_update_that_fails_part_way_says_what_was_applied() {
    let fake = fake().await;
    let org = fake.seeded().orgs[0].clone();
    let project: mongodb_invitations::ProjectId = org.projects[0].id.parse().expect("project");
    let client = builder(&fake).build().expect("client");
    let added = client
        .add_project_user(
            &project,
            &"partial@example.com".parse().expect("username"),
            &[ProjectRole::ReadOnly],
        )
        .await
        .expect("add");
    let user = added.value.id.parse().expect("user id");
    // The second addition is a role the server does not know: refused after the first went through.
    let wanted = [
        ProjectRole::Owner,
        ProjectRole::Other("GROUP_NOT_A_ROLE".into()),
    ];
    let err = client
        .update_project_user_roles(&project, &user, &wanted)
        .await
        .expect_err("part-way");
    let Error::PartialRoleChange {
        applied,
        failed,
        source,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(
        applied,
        &[mongodb_invitations::RoleChange::Add(ProjectRole::Owner)]
    );
    assert_eq!(
        failed,
        &mongodb_invitations::RoleChange::Add(ProjectRole::Other("GROUP_NOT_A_ROLE".into()))
    );
    assert!(source.is_code("VALIDATION_ERROR"), "{source:?}");
    assert!(
        err.to_string().contains("applied [add GROUP_OWNER]"),
        "{err}"
    );
    // Nothing was removed: the user keeps the old role and the added one.
    let now = client.get_project_user(&project, &user).await.expect("get");
    assert_eq!(now.value.roles, [ProjectRole::ReadOnly, ProjectRole::Owner]);
    fake.shutdown().await;
}
