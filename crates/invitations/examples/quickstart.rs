//! Starts the embedded fake MongoDB admin server and, in each flavour, updates an organization and a project
//! invitation by id and by username, printing each result. Then a second act on Atlas v2: the fake's
//! sunset switch makes the invitation endpoints answer 410 VERSION_GONE, as they will after 2027-07-01,
//! and the same four updates run unchanged: those by username go on through the MongoDB Cloud Users API,
//! those by id fail with a typed error naming what to call instead, and nothing else changes in the code.
//! No credentials or network needed:
//!
//! ```sh
//! cargo run -p mongodb-invitations --example quickstart
//! ```

use mongodb_invitations::{Client, Flavour, Invitee, OrgInvitationChanges, OrgRole, ProjectRole};

const PUBLIC_KEY: &str = "QUICKSTART";
const PRIVATE_KEY: &str = "quickstart-private-key";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let fake = fake::FakeServer::builder()
        .seed(2026)
        .digest_keys(PUBLIC_KEY, PRIVATE_KEY)
        .start()
        .await?;
    println!("fake MongoDB admin server at {}", fake.base_url());

    let org = &fake.seeded().orgs[0];
    let project = &org.projects[0];
    for flavour in Flavour::ALL {
        let client = Client::builder(flavour)
            .base_url(fake.base_url())
            .digest(PUBLIC_KEY, PRIVATE_KEY)
            .build()?;
        println!("\n== {flavour}");
        four_updates(&client, org, project).await?;
    }

    println!(
        "\n== atlas-v2 after the sunset (the fake now answers 410 VERSION_GONE to invitation calls)"
    );
    fake.set_sunset_passed(true);
    let client = Client::builder(Flavour::AtlasV2)
        .base_url(fake.base_url())
        .digest(PUBLIC_KEY, PRIVATE_KEY)
        .build()?;
    // The organization invitation by username goes on through the successor. The project one was sent
    // through the deprecated project endpoint, which the successor cannot see: it reports "no pending
    // invitation" (`invitations migrate` recreates such invitations before the sunset). By id: no successor.
    four_updates(&client, org, project).await?;
    let seen = fake.counters();
    println!(
        "   served by: {} × 410 from the invitation endpoints, then update_org_user {} ×, add/remove role {} ×",
        seen.status(410),
        seen.operation("update_org_user"),
        seen.operation("add_project_user_role") + seen.operation("remove_project_user_role"),
    );

    fake.shutdown().await;
    Ok(())
}

/// The four updates: an organization and a project invitation, each by id and by username. After the
/// sunset a failure is printed, not returned: it is part of what the example shows.
async fn four_updates(
    client: &Client,
    org: &fake::SeedOrg,
    project: &fake::SeedProject,
) -> Result<(), Box<dyn std::error::Error>> {
    let org_id = org.id.parse()?;
    let project_id = project.id.parse()?;
    let show = |what: &str,
                result: Result<
        mongodb_invitations::Response<mongodb_invitations::Invitation>,
        mongodb_invitations::Error,
    >| {
        match result {
            Ok(out) => println!(
                "{what} -> {} (via {}{})",
                serde_json::to_string(&out.value).unwrap_or_default(),
                out.operation,
                if out.deprecated { ", deprecated" } else { "" }
            ),
            Err(e) => println!("{what} -> error: {e}"),
        }
    };

    let by_id = Invitee::Id(org.invitations[0].id.parse()?);
    let changes = OrgInvitationChanges::roles([OrgRole::ReadOnly]);
    show(
        "org invitation by id      ",
        client
            .update_org_invitation(&org_id, &by_id, &changes)
            .await,
    );
    let by_name = Invitee::Username(org.invitations[1].username.parse()?);
    let changes = OrgInvitationChanges::roles([OrgRole::Member, OrgRole::GroupCreator]);
    show(
        "org invitation by username",
        client
            .update_org_invitation(&org_id, &by_name, &changes)
            .await,
    );
    let by_id = Invitee::Id(project.invitations[0].id.parse()?);
    show(
        "project invitation by id  ",
        client
            .update_project_invitation(&project_id, &by_id, &[ProjectRole::ReadOnly])
            .await,
    );
    let by_name = Invitee::Username(project.invitations[1].username.parse()?);
    show(
        "project invitation by name",
        client
            .update_project_invitation(&project_id, &by_name, &[ProjectRole::DataAccessReadWrite])
            .await,
    );
    println!("   requests sent so far: {}", client.stats().requests_sent);
    Ok(())
}
