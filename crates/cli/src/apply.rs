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
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

use crate::args::{ApplyArgs, Global};
use crate::outcome::{Exit, error_json, exit_for};
use crate::single::{builder_via, org_roles, project_roles};

/// How many updates per worker may finish ahead of the next line to print.
const WINDOW_PER_WORKER: usize = 4;

/// Workers per request allowed on the wire: `--concurrency` bounds the requests the server sees (the
/// transport's `max_in_flight`), and the extra workers parse, sign, decode and print while those are out,
/// so an answer's arrival is followed by the next request without waiting for that work.
const WORKERS_PER_REQUEST: usize = 2;

/// How long printed lines may wait in the output buffer.
const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

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

/// An update that has run: its position in the batch and its result line, already serialized.
struct Finished {
    index: usize,
    /// The JSON line with its newline.
    text: Vec<u8>,
    /// `None` when the update succeeded, else the exit code its failure calls for.
    failure: Option<Exit>,
}

impl Finished {
    /// Serializes the outcome of line `line` into `text` (emptied first): in the worker, so the printer's
    /// lock is held only to copy bytes.
    fn new(
        index: usize,
        line: usize,
        outcome: &Result<Invitation, Error>,
        mut text: Vec<u8>,
    ) -> Self {
        text.clear();
        let (record, failure) = match outcome {
            Ok(invitation) => (
                Record {
                    line,
                    ok: true,
                    invitation: Some(invitation),
                    error: None,
                },
                None,
            ),
            Err(e) => (
                Record {
                    line,
                    ok: false,
                    invitation: None,
                    error: Some(error_json(e)),
                },
                Some(exit_for(e)),
            ),
        };
        // Serializing these types into memory cannot fail.
        let _ = serde_json::to_writer(&mut text, &record);
        text.push(b'\n');
        Self {
            index,
            text,
            failure,
        }
    }
}

/// The output, shared by the workers: each worker hands in its finished update and prints every line
/// that is now next in input order, so no task waits to be woken per update. Output goes through a
/// buffer that is flushed on a timer, at the end, and after every line when a progress bar shares the
/// terminal.
struct Printer {
    out: std::io::BufWriter<std::io::Stdout>,
    /// Shown on a terminal; `None` otherwise.
    bar: Option<indicatif::ProgressBar>,
    /// Position of the next line to print.
    next: usize,
    /// Updates that finished ahead of the next line.
    early: BTreeMap<usize, Finished>,
    ok: u64,
    failed: u64,
    worst: Exit,
}

impl Printer {
    /// Takes one finished update and prints what is now in order. Returns how many lines it printed and
    /// a buffer for the worker's next line (the one just printed, emptied, when there is one).
    fn deliver(&mut self, finished: Finished) -> (usize, Vec<u8>) {
        if finished.index != self.next {
            self.early.insert(finished.index, finished);
            return (0, Vec::new());
        }
        let spare = self.print(finished);
        let mut printed = 1;
        while let Some(finished) = self.early.remove(&self.next) {
            self.print(finished);
            printed += 1;
        }
        (printed, spare)
    }

    /// Writes one line; gives its buffer back.
    fn print(&mut self, finished: Finished) -> Vec<u8> {
        match finished.failure {
            None => self.ok += 1,
            Some(exit) => {
                self.failed += 1;
                self.worst = self.worst.max(exit);
            }
        }
        let out = &mut self.out;
        match &self.bar {
            Some(bar) => {
                bar.suspend(|| {
                    let _ = out.write_all(&finished.text);
                    let _ = out.flush();
                });
                bar.inc(1);
            }
            None => {
                let _ = out.write_all(&finished.text);
            }
        }
        self.next += 1;
        finished.text
    }
}

/// Starts `workers` workers that take the jobs in input order, run them one at a time and hand each
/// outcome to the printer. A worker takes a job only with a permit from `window`, given back as lines
/// are printed, so a slow update holds back at most the window's worth of finished ones behind it.
///
/// Long-lived workers on the runtime's threads, each sending one update at a time, rather than one
/// future per update polled from a single task: both cores share the signing, sending and decoding
/// (measured in BENCHMARKS.md).
fn spawn_workers(
    client: &Client,
    jobs: Vec<(usize, Result<Job, ValidationError>)>,
    workers: usize,
    printer: &Arc<Mutex<Printer>>,
) -> Vec<JoinHandle<()>> {
    let workers = workers.max(1);
    let window = Arc::new(Semaphore::new(workers.saturating_mul(WINDOW_PER_WORKER)));
    let queue = Arc::new(Mutex::new(jobs.into_iter().enumerate()));
    (0..workers)
        .map(|_| {
            let (client, queue, printer, window) = (
                client.clone(),
                queue.clone(),
                printer.clone(),
                window.clone(),
            );
            tokio::spawn(async move {
                // This worker's line buffer, reused while its lines print in order.
                let mut text = Vec::new();
                loop {
                    let Ok(permit) = window.acquire().await else {
                        break;
                    };
                    // Given back once this update's line, or a later one, is printed.
                    permit.forget();
                    let next = queue.lock().map(|mut jobs| jobs.next()).unwrap_or(None);
                    let Some((index, (line, job))) = next else {
                        break;
                    };
                    let outcome = match job {
                        Ok(job) => run_job(&client, job).await,
                        Err(invalid) => Err(Error::Validation(invalid)),
                    };
                    let finished = Finished::new(index, line, &outcome, std::mem::take(&mut text));
                    let Ok((printed, spare)) = printer.lock().map(|mut p| p.deliver(finished))
                    else {
                        break;
                    };
                    text = spare;
                    if printed > 0 {
                        window.add_permits(printed);
                    }
                }
            })
        })
        .collect()
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
    let concurrency = usize::from(args.concurrency);
    let client = match builder_via(global, global.via)
        .max_in_flight(concurrency)
        .from_env()
        .build()
    {
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

    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(jobs.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} updates {per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });

    let total = jobs.len();
    let printer = Arc::new(Mutex::new(Printer {
        out: std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout()),
        bar,
        next: 0,
        early: BTreeMap::new(),
        ok: 0,
        failed: 0,
        worst: Exit::Ok,
    }));
    let workers = spawn_workers(
        &client,
        jobs,
        concurrency.saturating_mul(WORKERS_PER_REQUEST),
        &printer,
    );
    let mut all_done = std::pin::pin!(futures::future::join_all(workers));
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    let joined = loop {
        tokio::select! {
            joined = &mut all_done => break joined,
            _ = tick.tick() => {
                if let Ok(mut p) = printer.lock() {
                    let _ = p.out.flush();
                }
            }
        }
    };
    // A worker that panicked left its update unprinted: its panic goes on here.
    for worker in joined {
        if let Err(e) = worker
            && e.is_panic()
        {
            std::panic::resume_unwind(e.into_panic());
        }
    }
    let Ok(mut p) = printer.lock() else {
        panic!("a worker panicked while printing");
    };
    assert_eq!(
        p.next, total,
        "every update is printed once its worker ends"
    );
    let _ = p.out.flush();
    if let Some(bar) = &p.bar {
        bar.finish_and_clear();
    }
    let (ok, failed, worst) = (p.ok, p.failed, p.worst);
    drop(p);
    let stats = client.stats();
    println!(
        "{}",
        json!({"ok": ok, "failed": failed, "requests": stats.requests_sent, "retries": stats.retries})
    );
    // Any failure makes the run fail; the code is that of the most serious kind seen
    // (transport 3 > invalid 2 > API 1).
    worst
}
