//! `invitations migrate org ORG_ID`: every pending invitation on the deprecated endpoints becomes the same
//! pending user on the MongoDB Cloud Users API, then the invitation is cancelled.
//!
//! Each invitation is moved in three idempotent steps, so a run stopped anywhere and run again ends in the
//! same state, without duplicates: (1) create the pending user (an answer that it exists already, 409, is
//! fine); (2) cancel the invitation (already gone, 404, is fine); (3) read the pending user back and repair
//! what is missing (recreate it, or add what its roles lack). Step 3 also covers a server on which the
//! invitation and the pending user are one record, so that cancelling the first removed the second.
//! Invitations already moved are no longer listed, so a re-run does not touch them.
//!
//! Organization invitations go first, then project invitations: a project invitation's user may be the
//! organization invitation's, and adding the project must not be overwritten by the organization's roles.
//! Project invitations sent through the deprecated endpoint are invisible to the successor: they are
//! recreated there with `addGroupUsers` (which invites the user to the organization too) and then cancelled.

use std::io::IsTerminal;

use futures::StreamExt;
use mongodb_invitations::{
    Client, Error, Invitation, InvitationId, InvitationTarget, OrgId, OrgUser, OrgUserChanges,
    ProjectId, ProjectRole, ProjectRoleAssignment, Username, ValidationError, Via,
};
use serde::Serialize;
use serde_json::json;

use crate::args::{Global, MigrateOrg};
use crate::outcome::{Exit, error_json, exit_for, report};
use crate::single::client_via;

/// One invitation to move.
#[derive(Debug, Clone)]
struct Item {
    invitation: InvitationId,
    username: Username,
    what: What,
}

#[derive(Debug, Clone)]
enum What {
    Org(OrgId, OrgUserChanges),
    Project(ProjectId, Vec<ProjectRole>),
}

/// A planned or finished move, as printed (one JSON line each).
#[derive(Serialize)]
struct Record<'a> {
    scope: &'static str,
    target: &'a str,
    invitation: &'a str,
    username: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    ok: Option<bool>,
    /// The steps planned (dry run) or taken.
    steps: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<serde_json::Value>,
}

const PROJECT_NOTE: &str = "the successor does not see project invitations sent through the deprecated \
                            endpoint: recreated with addGroupUsers, then cancelled";

impl Item {
    fn record(&self) -> Record<'_> {
        let (scope, target, note) = match &self.what {
            What::Org(org, _) => ("org", org.as_str(), None),
            What::Project(p, _) => ("project", p.as_str(), Some(PROJECT_NOTE)),
        };
        Record {
            scope,
            target,
            invitation: self.invitation.as_str(),
            username: self.username.as_str(),
            ok: None,
            steps: Vec::new(),
            user: None,
            note,
            error: None,
        }
    }

    fn plan(&self) -> Vec<&'static str> {
        match self.what {
            What::Org(..) => vec!["create-org-user", "cancel-invitation", "verify"],
            What::Project(..) => vec!["add-project-user", "cancel-invitation", "verify"],
        }
    }
}

/// A listed invitation as the move it needs. An answer without an id or username cannot be moved (or
/// cancelled) safely: it is an error, not skipped silently.
fn item(invitation: Invitation) -> Result<Item, Error> {
    let bad = |reason: String| Error::UndecodableResponse {
        status: None,
        reason,
        excerpt: String::new(),
        source: None,
    };
    let id = invitation
        .id
        .clone()
        .ok_or_else(|| bad("a listed invitation has no id".into()))?;
    let username: Username = invitation
        .username
        .as_deref()
        .unwrap_or_default()
        .parse()
        .map_err(|e: ValidationError| bad(format!("invitation {id}: {e}")))?;
    let what = match invitation.target {
        InvitationTarget::Org {
            org_id,
            roles,
            team_ids,
            group_role_assignments,
            ..
        } => {
            let mut changes = OrgUserChanges {
                org_roles: roles,
                ..OrgUserChanges::default()
            };
            for team in team_ids {
                changes.team_ids.push(
                    team.parse()
                        .map_err(|e: ValidationError| bad(format!("invitation {id}: {e}")))?,
                );
            }
            for grant in group_role_assignments {
                let (Some(project), Some(role)) = (grant.project_id, grant.role) else {
                    continue;
                };
                let project_id: ProjectId = project
                    .parse()
                    .map_err(|e: ValidationError| bad(format!("invitation {id}: {e}")))?;
                match changes
                    .group_role_assignments
                    .iter_mut()
                    .find(|a| a.project_id == project_id)
                {
                    Some(a) => a.roles.push(role),
                    None => changes.group_role_assignments.push(ProjectRoleAssignment {
                        project_id,
                        roles: vec![role],
                    }),
                }
            }
            let org: OrgId = org_id
                .parse()
                .map_err(|e: ValidationError| bad(format!("invitation {id}: {e}")))?;
            What::Org(org, changes)
        }
        InvitationTarget::Project {
            project_id, roles, ..
        } => {
            let project: ProjectId = project_id
                .parse()
                .map_err(|e: ValidationError| bad(format!("invitation {id}: {e}")))?;
            What::Project(project, roles)
        }
    };
    Ok(Item {
        invitation: id,
        username,
        what,
    })
}

/// Whether an error says the thing exists already (409).
fn conflict(e: &Error) -> bool {
    e.api_error().is_some_and(|a| a.status == 409)
}

/// Sorted, deduplicated copy, for comparing role and team lists whose order means nothing.
fn set<T: Ord + Clone>(items: &[T]) -> Vec<T> {
    let mut v = items.to_vec();
    v.sort();
    v.dedup();
    v
}

/// Whether `user` has what `wanted` grants: the same organization roles and teams, and at least the
/// project roles (other projects' roles it has are left alone).
fn org_user_has(user: &OrgUser, wanted: &OrgUserChanges) -> bool {
    let teams: Vec<&str> = wanted.team_ids.iter().map(|t| t.as_str()).collect();
    let user_teams: Vec<&str> = user.team_ids.iter().map(String::as_str).collect();
    set(&user.roles.org_roles) == set(&wanted.org_roles)
        && set(&user_teams) == set(&teams)
        && wanted.group_role_assignments.iter().all(|a| {
            user.roles.group_role_assignments.iter().any(|g| {
                g.project_id.as_deref() == Some(a.project_id.as_str())
                    && a.roles.iter().all(|r| g.roles.contains(r))
            })
        })
}

/// `wanted`, keeping the project roles `user` holds in projects `wanted` does not name.
fn merged(user: &OrgUser, wanted: &OrgUserChanges) -> OrgUserChanges {
    let mut changes = wanted.clone();
    for g in &user.roles.group_role_assignments {
        let Some(project) = g
            .project_id
            .as_deref()
            .and_then(|p| p.parse::<ProjectId>().ok())
        else {
            continue;
        };
        match changes
            .group_role_assignments
            .iter_mut()
            .find(|a| a.project_id == project)
        {
            Some(a) => {
                for r in &g.roles {
                    if !a.roles.contains(r) {
                        a.roles.push(r.clone());
                    }
                }
            }
            None => changes.group_role_assignments.push(ProjectRoleAssignment {
                project_id: project,
                roles: g.roles.clone(),
            }),
        }
    }
    changes
}

/// The pending user, or `None` where the successor has none (any other failure is an error).
fn found<T>(result: Result<mongodb_invitations::Response<T>, Error>) -> Result<Option<T>, Error> {
    match result {
        Ok(found) => Ok(Some(found.value)),
        Err(Error::NotInvited { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Moves one invitation; the steps taken, and the user's id.
async fn migrate(client: &Client, item: &Item) -> Result<(Vec<&'static str>, String), Error> {
    let mut steps = Vec::new();
    match &item.what {
        What::Org(org, changes) => {
            match client.create_org_user(org, &item.username, changes).await {
                Ok(_) => steps.push("created"),
                Err(e) if conflict(&e) => steps.push("existed"),
                Err(e) => return Err(e),
            }
            cancel(client, item, &mut steps).await?;
            let user = match found(client.pending_org_user(org, &item.username).await)? {
                Some(user) if org_user_has(&user, changes) => user,
                Some(user) => {
                    let id = user_id(&user.id)?;
                    steps.push("updated");
                    client
                        .update_org_user(org, &id, &merged(&user, changes))
                        .await?
                        .value
                }
                None => {
                    steps.push("recreated");
                    client
                        .create_org_user(org, &item.username, changes)
                        .await?
                        .value
                }
            };
            Ok((steps, user.id))
        }
        What::Project(project, roles) => {
            match client
                .add_project_user(project, &item.username, roles)
                .await
            {
                Ok(_) => steps.push("added"),
                Err(e) if conflict(&e) => steps.push("existed"),
                Err(e) => return Err(e),
            }
            cancel(client, item, &mut steps).await?;
            let user = match found(client.pending_project_user(project, &item.username).await)? {
                Some(user) => user,
                None => {
                    steps.push("recreated");
                    client
                        .add_project_user(project, &item.username, roles)
                        .await?
                        .value
                }
            };
            let id = user_id(&user.id)?;
            let mut last_id = user.id.clone();
            for role in roles.iter().filter(|r| !user.roles.contains(r)) {
                steps.push("role-added");
                last_id = client
                    .add_project_user_role(project, &id, role)
                    .await?
                    .value
                    .id;
            }
            Ok((steps, last_id))
        }
    }
}

/// Cancels the invitation on the deprecated endpoint; already gone is fine.
async fn cancel(client: &Client, item: &Item, steps: &mut Vec<&'static str>) -> Result<(), Error> {
    let result = match &item.what {
        What::Org(org, _) => client
            .delete_org_invitation(org, &item.invitation)
            .await
            .map(drop),
        What::Project(project, _) => client
            .delete_project_invitation(project, &item.invitation)
            .await
            .map(drop),
    };
    match result {
        Ok(()) => steps.push("cancelled"),
        Err(e) if e.is_not_found() => steps.push("already-cancelled"),
        Err(e) => return Err(e),
    }
    Ok(())
}

fn user_id(id: &str) -> Result<mongodb_invitations::UserId, Error> {
    id.parse()
        .map_err(|e: ValidationError| Error::UndecodableResponse {
            status: None,
            reason: format!("user id: {e}"),
            excerpt: String::new(),
            source: None,
        })
}

/// Lists what is left to move: the organization's invitations, then each named project's.
async fn plan(client: &Client, org: &OrgId, projects: &[ProjectId]) -> Result<Vec<Item>, Error> {
    let mut items = Vec::new();
    for invitation in client.list_org_invitations(org, None).await?.value {
        items.push(item(invitation)?);
    }
    for project in projects {
        for invitation in client.list_project_invitations(project, None).await?.value {
            items.push(item(invitation)?);
        }
    }
    Ok(items)
}

pub(crate) async fn run(global: &Global, args: MigrateOrg) -> Exit {
    let parsed = (|| -> Result<(OrgId, Vec<ProjectId>), Error> {
        let org = args.org_id.parse()?;
        let projects = args
            .projects
            .iter()
            .map(|p| p.parse())
            .collect::<Result<_, _>>()?;
        Ok((org, projects))
    })();
    let (org, projects) = match parsed {
        Ok(p) => p,
        Err(e) => return report(&e),
    };
    // The invitation calls must reach the invitation endpoints whatever `--via` says: they are what is
    // moved from. The user calls always go to the successor.
    let client = match client_via(global, Via::Deprecated) {
        Ok(c) => c,
        Err(e) => return report(&e),
    };
    if client.flavour() != mongodb_invitations::Flavour::AtlasV2 {
        return report(&Error::Validation(ValidationError::Unsupported {
            flavour: client.flavour(),
            what: "migrate",
            why: "the MongoDB Cloud Users API exists only in the Atlas Administration API v2",
        }));
    }
    let items = match plan(&client, &org, &projects).await {
        Ok(items) => items,
        Err(e) => return report(&e),
    };
    if args.dry_run {
        for item in &items {
            let mut record = item.record();
            record.steps = item.plan();
            println!("{}", serde_json::to_string(&record).unwrap_or_default());
        }
        let stats = client.stats();
        println!(
            "{}",
            json!({"dryRun": true, "planned": items.len(), "requests": stats.requests_sent})
        );
        return Exit::Ok;
    }

    let bar = if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(items.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} invitations moved eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let (org_items, project_items): (Vec<Item>, Vec<Item>) = items
        .into_iter()
        .partition(|i| matches!(i.what, What::Org(..)));
    let (mut migrated, mut failed, mut worst) = (0u64, 0u64, Exit::Ok);
    let client_ref = &client;
    for phase in [org_items, project_items] {
        let mut results = futures::stream::iter(phase)
            .map(|item| async move {
                let outcome = migrate(client_ref, &item).await;
                (item, outcome)
            })
            .buffered(usize::from(args.concurrency));
        while let Some((item, outcome)) = results.next().await {
            let mut record = item.record();
            match outcome {
                Ok((steps, user)) => {
                    migrated += 1;
                    record.ok = Some(true);
                    record.steps = steps;
                    record.user = Some(user);
                }
                Err(e) => {
                    failed += 1;
                    worst = worst.max(exit_for(&e));
                    record.ok = Some(false);
                    record.error = Some(error_json(&e));
                }
            }
            // One line per invitation, written whole (stdout flushes at each newline), so a run killed
            // part-way leaves whole lines only.
            bar.suspend(|| println!("{}", serde_json::to_string(&record).unwrap_or_default()));
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    let stats = client.stats();
    println!(
        "{}",
        json!({"migrated": migrated, "failed": failed, "requests": stats.requests_sent, "retries": stats.retries})
    );
    worst
}
