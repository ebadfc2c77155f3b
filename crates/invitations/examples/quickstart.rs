//! Starts the embedded fake MongoDB admin server and, in each flavour, updates an organization and a project
//! invitation by id and by username, printing each result. No credentials or network needed:
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
    let org_id = org.id.parse()?;
    let project_id = project.id.parse()?;

    for flavour in Flavour::ALL {
        let client = Client::builder(flavour)
            .base_url(fake.base_url())
            .digest(PUBLIC_KEY, PRIVATE_KEY)
            .build()?;
        println!("\n== {flavour}");

        let by_id = Invitee::Id(org.invitations[0].id.parse()?);
        let updated = client
            .update_org_invitation(
                &org_id,
                &by_id,
                &OrgInvitationChanges::roles([OrgRole::ReadOnly]),
            )
            .await?;
        println!(
            "org invitation by id       -> {}",
            serde_json::to_string(&updated.value)?
        );

        let by_name = Invitee::Username(org.invitations[1].username.parse()?);
        let updated = client
            .update_org_invitation(
                &org_id,
                &by_name,
                &OrgInvitationChanges::roles([OrgRole::Member, OrgRole::GroupCreator]),
            )
            .await?;
        println!(
            "org invitation by username -> {}",
            serde_json::to_string(&updated.value)?
        );

        let by_id = Invitee::Id(project.invitations[0].id.parse()?);
        let updated = client
            .update_project_invitation(&project_id, &by_id, &[ProjectRole::ReadOnly])
            .await?;
        println!(
            "project invitation by id   -> {}",
            serde_json::to_string(&updated.value)?
        );

        let by_name = Invitee::Username(project.invitations[1].username.parse()?);
        let updated = client
            .update_project_invitation(&project_id, &by_name, &[ProjectRole::DataAccessReadWrite])
            .await?;
        println!(
            "project invitation by name -> {}",
            serde_json::to_string(&updated.value)?
        );
        if updated.deprecated {
            println!(
                "   (deprecated by MongoDB; sunset {})",
                updated.sunset.as_deref().unwrap_or("not announced")
            );
        }
        println!("   requests sent so far: {}", client.stats().requests_sent);
    }

    fake.shutdown().await;
    Ok(())
}
