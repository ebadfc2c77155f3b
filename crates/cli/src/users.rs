//! `invitations users ...`: the MongoDB Cloud Users API (Atlas v2), one command per operation.

use futures::TryStreamExt;
use mongodb_invitations::{
    Error, MembershipStatus, OrgRole, OrgUserChanges, ProjectRole, UserId, UserQuery,
};

use crate::args::{Global, Scoped, UserList, UsersCommand};
use crate::outcome::print_json;
use crate::single::{client, org_changes, project_roles};

/// The query of `users list`.
fn query(a: &UserList) -> Result<UserQuery, Error> {
    Ok(UserQuery {
        username: a.username.as_deref().map(str::parse).transpose()?,
        statuses: a
            .statuses
            .iter()
            .map(|s| s.parse::<MembershipStatus>())
            .collect::<Result<_, _>>()?,
        ..UserQuery::default()
    })
}

pub(crate) async fn execute(global: &Global, command: UsersCommand) -> Result<(), Error> {
    let flavour = global.flavour;
    let pretty = global.pretty;
    // Everything is parsed and checked before the client exists: bad input never reaches the network.
    match command {
        UsersCommand::List(Scoped::Org(a)) => {
            let (org, query) = (a.target.parse()?, query(&a)?);
            let client = client(global)?;
            let users: Vec<_> = client.org_users(&org, &query).try_collect().await?;
            print_json(&users, pretty);
        }
        UsersCommand::List(Scoped::Project(a)) => {
            let (project, query) = (a.target.parse()?, query(&a)?);
            let client = client(global)?;
            let users: Vec<_> = client.project_users(&project, &query).try_collect().await?;
            print_json(&users, pretty);
        }
        UsersCommand::Get(Scoped::Org(a)) => {
            let (org, user) = (a.target.parse()?, a.id.parse::<UserId>()?);
            print_json(
                &client(global)?.get_org_user(&org, &user).await?.value,
                pretty,
            );
        }
        UsersCommand::Get(Scoped::Project(a)) => {
            let (project, user) = (a.target.parse()?, a.id.parse::<UserId>()?);
            let out = client(global)?.get_project_user(&project, &user).await?;
            print_json(&out.value, pretty);
        }
        UsersCommand::Add(Scoped::Org(a)) => {
            let (org, username) = (a.org_id.parse()?, a.username.parse()?);
            let changes = OrgUserChanges::from(&org_changes(flavour, &a.grants)?);
            let out = client(global)?
                .create_org_user(&org, &username, &changes)
                .await?;
            print_json(&out.value, pretty);
        }
        UsersCommand::Add(Scoped::Project(a)) => {
            let (project, username) = (a.group_id.parse()?, a.username.parse()?);
            let roles = project_roles(flavour, &a.roles)?;
            let out = client(global)?
                .add_project_user(&project, &username, &roles)
                .await?;
            print_json(&out.value, pretty);
        }
        UsersCommand::Update(Scoped::Org(a)) => {
            let (org, user) = (a.org_id.parse()?, a.id.parse::<UserId>()?);
            let changes = OrgUserChanges::from(&org_changes(flavour, &a.grants)?);
            let out = client(global)?
                .update_org_user(&org, &user, &changes)
                .await?;
            print_json(&out.value, pretty);
        }
        UsersCommand::Update(Scoped::Project(a)) => {
            let (project, user) = (a.group_id.parse()?, a.id.parse::<UserId>()?);
            let roles = project_roles(flavour, &a.roles)?;
            let out = client(global)?
                .update_project_user_roles(&project, &user, &roles)
                .await?;
            print_json(&out.value, pretty);
        }
        UsersCommand::Remove(Scoped::Org(a)) => {
            let (org, user) = (a.target.parse()?, a.id.parse::<UserId>()?);
            let out = client(global)?.remove_org_user(&org, &user).await?;
            print_json(
                &serde_json::json!({"removed": a.id, "status": out.status}),
                pretty,
            );
        }
        UsersCommand::Remove(Scoped::Project(a)) => {
            let (project, user) = (a.target.parse()?, a.id.parse::<UserId>()?);
            let out = client(global)?.remove_project_user(&project, &user).await?;
            print_json(
                &serde_json::json!({"removed": a.id, "status": out.status}),
                pretty,
            );
        }
        UsersCommand::AddRole(Scoped::Org(a)) => {
            let (org, user) = (a.target.parse()?, a.id.parse::<UserId>()?);
            let role = OrgRole::parse_for(flavour, &a.role)?;
            let out = client(global)?
                .add_org_user_role(&org, &user, &role)
                .await?;
            print_json(&out.value, pretty);
        }
        UsersCommand::RemoveRole(Scoped::Org(a)) => {
            let (org, user) = (a.target.parse()?, a.id.parse::<UserId>()?);
            let role = OrgRole::parse_for(flavour, &a.role)?;
            let out = client(global)?
                .remove_org_user_role(&org, &user, &role)
                .await?;
            print_json(&out.value, pretty);
        }
        UsersCommand::AddRole(Scoped::Project(a)) => {
            let (project, user) = (a.target.parse()?, a.id.parse::<UserId>()?);
            let role = ProjectRole::parse_for(flavour, &a.role)?;
            let out = client(global)?
                .add_project_user_role(&project, &user, &role)
                .await?;
            print_json(&out.value, pretty);
        }
        UsersCommand::RemoveRole(Scoped::Project(a)) => {
            let (project, user) = (a.target.parse()?, a.id.parse::<UserId>()?);
            let role = ProjectRole::parse_for(flavour, &a.role)?;
            let out = client(global)?
                .remove_project_user_role(&project, &user, &role)
                .await?;
            print_json(&out.value, pretty);
        }
    }
    Ok(())
}
