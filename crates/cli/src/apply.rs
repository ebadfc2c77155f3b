//! `invitations apply`: many updates from JSON lines, run concurrently, reported in input order.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Read, Write};
use std::sync::{Arc, Mutex};

use mongodb_invitations::{
    Client, Error, Flavour, Invitation, Invitee, OrgId, OrgInvitationChanges, ProjectId,
    ProjectRole, ProjectRoleAssignment, ValidationError,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinHandle;

use crate::args::{ApplyArgs, Global};
use crate::outcome::{Exit, error_json, exit_for};
use crate::single::{client, org_roles, project_roles};

/// How many updates per worker may finish ahead of the next line to print.
const WINDOW_PER_WORKER: usize = 4;

/// One input line as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Line {
    scope: String,
    target: String,
    id: Option<String>,
    username: Option<String>,
    roles: Vec<String>,
    #[serde(default)]
    team_ids: Vec<String>,
    #[serde(default)]
    group_role_assignments: Vec<GroupRoles>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct GroupRoles {
    group_id: String,
    roles: Vec<String>,
}

/// One result as printed: `{"line", "ok", "invitation"}` or `{"line", "ok", "error"}`. Serialized
/// straight to the output, without building a JSON value first.
#[derive(Serialize)]
struct Record<'a> {
    line: usize,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    invitation: Option<&'a Invitation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<Value>,
}

/// A line checked and ready to send.
#[derive(Debug)]
enum Job {
    Org(OrgId, Invitee, OrgInvitationChanges),
    Project(ProjectId, Invitee, Vec<ProjectRole>),
}

fn parse_line(flavour: Flavour, text: &str) -> Result<Job, ValidationError> {
    let line: Line =
        serde_json::from_str(text).map_err(|e| ValidationError::Line(e.to_string()))?;
    let invitee = match (line.id, line.username) {
        (Some(id), None) => Invitee::Id(id.parse()?),
        (None, Some(username)) => Invitee::Username(username.parse()?),
        _ => {
            return Err(ValidationError::Missing(
                "give exactly one of \"id\" and \"username\"",
            ));
        }
    };
    match line.scope.as_str() {
        "org" => {
            let mut changes = OrgInvitationChanges::roles(org_roles(flavour, &line.roles)?);
            changes.team_ids = line
                .team_ids
                .iter()
                .map(|t| t.parse())
                .collect::<Result<_, _>>()?;
            for g in line.group_role_assignments {
                changes.group_role_assignments.push(ProjectRoleAssignment {
                    project_id: g.group_id.parse()?,
                    roles: project_roles(flavour, &g.roles)?,
                });
            }
            Ok(Job::Org(line.target.parse()?, invitee, changes))
        }
        "project" => {
            if !line.team_ids.is_empty() || !line.group_role_assignments.is_empty() {
                return Err(ValidationError::Missing(
                    "teamIds and groupRoleAssignments belong to organization invitations",
                ));
            }
            Ok(Job::Project(
                line.target.parse()?,
                invitee,
                project_roles(flavour, &line.roles)?,
            ))
        }
        _ => Err(ValidationError::Missing(
            "\"scope\" must be \"org\" or \"project\"",
        )),
    }
}

async fn run_job(client: &Client, job: Job) -> Result<Invitation, Error> {
    let response = match job {
        Job::Org(org, invitee, changes) => {
            client
                .update_org_invitation(&org, &invitee, &changes)
                .await?
        }
        Job::Project(project, invitee, roles) => {
            client
                .update_project_invitation(&project, &invitee, &roles)
                .await?
        }
    };
    Ok(response.value)
}

/// An update that has run: its position in the batch, its line number and its outcome.
struct Finished {
    index: usize,
    line: usize,
    outcome: Result<Invitation, Error>,
}

/// Starts `concurrency` workers that take the jobs in input order and report each outcome on the returned
/// channel. A worker takes a job only with a permit from `window`, which the printer gives back line by
/// line, so a slow update holds back at most the window's worth of finished ones behind it.
///
/// Long-lived workers, each sending one update at a time, rather than one future per update polled from
/// the printing task: the runtime's threads then share the signing, sending and decoding (measured in
/// BENCHMARKS.md).
fn spawn_workers(
    client: &Client,
    jobs: Vec<(usize, Result<Job, ValidationError>)>,
    concurrency: usize,
    window: &Arc<Semaphore>,
) -> (mpsc::UnboundedReceiver<Finished>, Vec<JoinHandle<()>>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let queue = Arc::new(Mutex::new(jobs.into_iter().enumerate()));
    let workers = (0..concurrency.max(1))
        .map(|_| {
            let (client, queue, tx, window) =
                (client.clone(), queue.clone(), tx.clone(), window.clone());
            tokio::spawn(async move {
                loop {
                    let Ok(permit) = window.acquire().await else {
                        break;
                    };
                    // Returned by the printer once this update's line is out.
                    permit.forget();
                    let next = queue.lock().map(|mut jobs| jobs.next()).unwrap_or(None);
                    let Some((index, (line, job))) = next else {
                        break;
                    };
                    let outcome = match job {
                        Ok(job) => run_job(&client, job).await,
                        Err(invalid) => Err(Error::Validation(invalid)),
                    };
                    if tx
                        .send(Finished {
                            index,
                            line,
                            outcome,
                        })
                        .is_err()
                    {
                        break;
                    }
                }
            })
        })
        .collect();
    (rx, workers)
}

/// The workers closed their channel with updates unreported: one of them panicked. Its panic goes on
/// here, in the printing task.
async fn worker_lost(workers: Vec<JoinHandle<()>>) -> ! {
    for worker in workers {
        if let Err(e) = worker.await
            && e.is_panic()
        {
            std::panic::resume_unwind(e.into_panic());
        }
    }
    panic!("an update worker stopped without reporting its update")
}

pub(crate) async fn run(global: &Global, args: ApplyArgs) -> Exit {
    let mut input = String::new();
    let read = if args.file == "-" {
        std::io::stdin().read_to_string(&mut input).map(|_| ())
    } else {
        std::fs::read_to_string(&args.file).map(|text| input = text)
    };
    if let Err(e) = read {
        eprintln!("error: cannot read {}: {e}", args.file);
        return Exit::Invalid;
    }
    let client = match client(global) {
        Ok(c) => c,
        Err(e) => return crate::outcome::report(&e),
    };
    let flavour = client.flavour();
    // (line number, parsed job or the reason it was refused); blank lines are skipped.
    let jobs: Vec<(usize, Result<Job, ValidationError>)> = input
        .lines()
        .enumerate()
        .filter(|(_, text)| !text.trim().is_empty())
        .map(|(i, text)| (i + 1, parse_line(flavour, text)))
        .collect();

    let bar = if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(jobs.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} updates {per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };

    let (mut ok, mut failed, mut worst) = (0u64, 0u64, Exit::Ok);
    let total = jobs.len();
    let concurrency = usize::from(args.concurrency);
    let window = Arc::new(Semaphore::new(
        concurrency.saturating_mul(WINDOW_PER_WORKER),
    ));
    let (mut done, workers) = spawn_workers(&client, jobs, concurrency, &window);
    // Results go through a buffer that is flushed whenever the next result is not ready yet (and at
    // the end): a batch that streams from a fast server is not one write per line, and a slow server's
    // results still appear as they come.
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout());
    // A progress bar shares the terminal: each line must be out before the bar is drawn again.
    let line_by_line = !bar.is_hidden();
    // Updates finish in any order and are printed in input order; those ahead of the next one wait here.
    let mut early: BTreeMap<usize, Finished> = BTreeMap::new();
    for next in 0..total {
        let Finished { line, outcome, .. } = loop {
            if let Some(finished) = early.remove(&next) {
                break finished;
            }
            let finished = match done.try_recv() {
                Ok(finished) => finished,
                Err(_) => {
                    let _ = out.flush();
                    match done.recv().await {
                        Some(finished) => finished,
                        None => worker_lost(workers).await,
                    }
                }
            };
            if finished.index == next {
                break finished;
            }
            early.insert(finished.index, finished);
        };
        let record = match &outcome {
            Ok(invitation) => {
                ok += 1;
                Record {
                    line,
                    ok: true,
                    invitation: Some(invitation),
                    error: None,
                }
            }
            Err(e) => {
                failed += 1;
                worst = worst.max(exit_for(e));
                Record {
                    line,
                    ok: false,
                    invitation: None,
                    error: Some(error_json(e)),
                }
            }
        };
        bar.suspend(|| {
            let _ = serde_json::to_writer(&mut out, &record);
            let _ = out.write_all(b"\n");
            if line_by_line {
                let _ = out.flush();
            }
        });
        bar.inc(1);
        window.add_permits(1);
    }
    let _ = out.flush();
    drop(out);
    bar.finish_and_clear();
    let stats = client.stats();
    println!(
        "{}",
        json!({"ok": ok, "failed": failed, "requests": stats.requests_sent, "retries": stats.retries})
    );
    // Any failure makes the run fail; the code is that of the most serious kind seen
    // (transport 3 > invalid 2 > API 1).
    worst
}
