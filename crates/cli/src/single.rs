//! The one-invitation commands: update, get, list, create, delete (and the dispatch of `users`).

use mongodb_invitations::{
    Client, ClientBuilder, Error, Flavour, Invitee, OrgInvitationChanges, OrgRole, ProjectRole,
    ProjectRoleAssignment, ValidationError, Via,
};

use crate::args::{Command, Global, OrgGrants, Scoped, Which};
use crate::outcome::{Exit, print_json, report};

/// Builds the client the global options and the environment describe.
pub(crate) fn client(global: &Global) -> Result<Client, Error> {
    client_via(global, global.via)
}

/// The same client with the invitation calls going `via` whatever `--via` says.
pub(crate) fn client_via(global: &Global, via: Via) -> Result<Client, Error> {
    builder_via(global, via).from_env().build()
}

/// The client's configuration from the global flags, credentials not yet read.
pub(crate) fn builder_via(global: &Global, via: Via) -> ClientBuilder {
    let mut builder = Client::builder(global.flavour)
        .envelope(global.envelope)
        .pretty(global.pretty)
        .invitations_via(via);
    if let Some(url) = &global.base_url {
        builder = builder.base_url(url);
    }
    builder
}

pub(crate) async fn run(global: &Global, command: Command) -> Exit {
    match execute(global, command).await {
        Ok(()) => Exit::Ok,
        Err(e) => report(&e),
    }
}

async fn execute(global: &Global, command: Command) -> Result<(), Error> {
    let flavour: Flavour = global.flavour;
    // Parse and check everything before building the client: bad input never reaches the network.
    let pretty = global.pretty;
    match command {
        Command::Update(Scoped::Org(a)) => {
            let org = a.org_id.parse()?;
            let invitee = invitee(&a.which)?;
            let changes = org_changes(flavour, &a.grants)?;
            let out = client(global)?
                .update_org_invitation(&org, &invitee, &changes)
                .await?;
            print_json(&out.value, pretty);
        }
        Command::Update(Scoped::Project(a)) => {
            let project = a.group_id.parse()?;
            let invitee = invitee(&a.which)?;
            let roles = project_roles(flavour, &a.roles)?;
            let out = client(global)?
                .update_project_invitation(&project, &invitee, &roles)
                .await?;
            print_json(&out.value, pretty);
        }
        Command::Get(Scoped::Org(a)) => {
            let (org, invitee) = (a.target.parse()?, invitee(&a.which)?);
            let out = client(global)?.get_org_invitation(&org, invitee).await?;
            print_json(&out.value, pretty);
        }
        Command::Get(Scoped::Project(a)) => {
            let (project, invitee) = (a.target.parse()?, invitee(&a.which)?);
            let out = client(global)?
                .get_project_invitation(&project, invitee)
                .await?;
            print_json(&out.value, pretty);
        }
        Command::List(Scoped::Org(a)) => {
            let org = a.target.parse()?;
            let username = a.username.as_deref().map(str::parse).transpose()?;
            let out = client(global)?
                .list_org_invitations(&org, username.as_ref())
                .await?;
            print_json(&out.value, pretty);
        }
        Command::List(Scoped::Project(a)) => {
            let project = a.target.parse()?;
            let username = a.username.as_deref().map(str::parse).transpose()?;
            let out = client(global)?
                .list_project_invitations(&project, username.as_ref())
                .await?;
            print_json(&out.value, pretty);
        }
        Command::Create(Scoped::Org(a)) => {
            let org = a.org_id.parse()?;
            let username = a.username.parse()?;
            let changes = org_changes(flavour, &a.grants)?;
            let out = client(global)?
                .create_org_invitation(&org, &username, &changes)
                .await?;
            print_json(&out.value, pretty);
        }
        Command::Create(Scoped::Project(a)) => {
            let project = a.group_id.parse()?;
            let username = a.username.parse()?;
            let roles = project_roles(flavour, &a.roles)?;
            let out = client(global)?
                .create_project_invitation(&project, &username, &roles)
                .await?;
            print_json(&out.value, pretty);
        }
        Command::Delete(Scoped::Org(a)) => {
            let (org, invitee) = (a.target.parse()?, invitee(&a.which)?);
            let out = client(global)?.delete_org_invitation(&org, invitee).await?;
            print_json(&deleted(&a.which, out.status), pretty);
        }
        Command::Delete(Scoped::Project(a)) => {
            let (project, invitee) = (a.target.parse()?, invitee(&a.which)?);
            let out = client(global)?
                .delete_project_invitation(&project, invitee)
                .await?;
            print_json(&deleted(&a.which, out.status), pretty);
        }
        Command::Users(command) => crate::users::execute(global, command).await?,
        Command::Apply(_) | Command::FakeServer(_) | Command::Migrate(_) => {
            unreachable!("dispatched in main")
        }
    }
    Ok(())
}

/// What a delete prints: which invitation, and the status the server answered.
fn deleted(which: &Which, status: u16) -> serde_json::Value {
    match (&which.id, &which.username) {
        (Some(id), _) => serde_json::json!({"deleted": id, "status": status}),
        (None, username) => serde_json::json!({"deleted": username, "status": status}),
    }
}

fn invitee(which: &Which) -> Result<Invitee, ValidationError> {
    match (&which.id, &which.username) {
        (Some(id), None) => Ok(Invitee::Id(id.parse()?)),
        (None, Some(username)) => Ok(Invitee::Username(username.parse()?)),
        _ => Err(ValidationError::Missing(
            "give exactly one of --id and --username",
        )),
    }
}

/// Organization roles, checked against the flavour (a project role here is an error listing the valid ones).
pub(crate) fn org_roles(
    flavour: Flavour,
    names: &[String],
) -> Result<Vec<OrgRole>, ValidationError> {
    names
        .iter()
        .map(|n| OrgRole::parse_for(flavour, n))
        .collect()
}

/// Project roles, checked against the flavour.
pub(crate) fn project_roles(
    flavour: Flavour,
    names: &[String],
) -> Result<Vec<ProjectRole>, ValidationError> {
    if names.is_empty() {
        return Err(ValidationError::Missing(
            "at least one project role is required",
        ));
    }
    names
        .iter()
        .map(|n| ProjectRole::parse_for(flavour, n))
        .collect()
}

pub(crate) fn org_changes(
    flavour: Flavour,
    grants: &OrgGrants,
) -> Result<OrgInvitationChanges, ValidationError> {
    let mut changes = OrgInvitationChanges::roles(org_roles(flavour, &grants.roles)?);
    changes.team_ids = grants
        .teams
        .iter()
        .map(|t| t.parse())
        .collect::<Result<_, _>>()?;
    for pair in &grants.group_roles {
        let Some((group, role)) = pair.split_once('=') else {
            return Err(ValidationError::Missing("--group-role takes GROUP_ID=ROLE"));
        };
        let project_id = group.parse()?;
        let role = ProjectRole::parse_for(flavour, role)?;
        match changes
            .group_role_assignments
            .iter_mut()
            .find(|a| a.project_id == project_id)
        {
            Some(existing) => existing.roles.push(role),
            None => changes.group_role_assignments.push(ProjectRoleAssignment {
                project_id,
                roles: vec![role],
            }),
        }
    }
    Ok(changes)
}
