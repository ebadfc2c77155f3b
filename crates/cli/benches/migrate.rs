//! `invitations migrate org` against the embedded fake, beside a hand-written baseline in the same run.
//!
//! ```sh
//! cargo bench -p mongodb-invitations-cli --bench migrate          # optional: -- ORG_INVITATIONS ROUNDS
//! ```
//!
//! Each round seeds a fresh fake with one organization holding ORG_INVITATIONS organization invitations
//! (several roles, teams and project roles each) and a quarter as many invitations in each of its two
//! projects, then runs the release binary's `migrate org ORG --project P1 --project P2` (concurrency 4). The
//! baseline, on an identically seeded fake, is the least any correct migration must send: through the
//! facade at the same concurrency, for each invitation the create on the successor and the cancel on the
//! deprecated endpoint, nothing else (no listing, no read-back: it is told what to move). Printed per round
//! and as medians: wall time and requests per migrated invitation for both, and their ratio. Both sides
//! authenticate with Digest (MD5) against strict nonce counting.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures::StreamExt;
use mongodb_invitations::{
    Client, Flavour, InvitationId, OrgId, OrgRole, OrgUserChanges, ProjectId, ProjectRole,
    ProjectRoleAssignment, Via,
};

const PUBLIC: &str = "MIGRATEBENCH";
const PRIVATE: &str = "migrate-bench-private-key";
const CONCURRENCY: usize = 4;

async fn seeded(org_invitations: usize) -> fake::FakeServer {
    let size = fake::SeedSize {
        orgs: 1,
        projects_per_org: 2,
        org_invitations_per_org: org_invitations,
        project_invitations_per_project: org_invitations / 4,
        ..fake::SeedSize::default()
    };
    fake::FakeServer::builder()
        .seed_data(fake::SeedData::generate_sized(7, size))
        .digest_keys(PUBLIC, PRIVATE)
        .nonce_max_uses(u32::MAX)
        .nonce_max_age(Duration::from_secs(3600))
        .start()
        .await
        .expect("fake starts")
}

/// Runs the command; its wall time and the requests its summary reports.
fn run_migrate(fake: &fake::FakeServer) -> (Duration, u64, u64) {
    let org = &fake.seeded().orgs[0];
    let mut args = vec![
        "--base-url".to_string(),
        fake.base_url().to_string(),
        "migrate".into(),
        "org".into(),
        org.id.clone(),
        "--concurrency".into(),
        CONCURRENCY.to_string(),
    ];
    for p in &org.projects {
        args.extend(["--project".to_string(), p.id.clone()]);
    }
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_invitations"))
        .args(&args)
        .env("MONGODB_ATLAS_PUBLIC_API_KEY", PUBLIC)
        .env("MONGODB_ATLAS_PRIVATE_API_KEY", PRIVATE)
        .stdin(Stdio::null())
        .output()
        .expect("run invitations migrate");
    let elapsed = start.elapsed();
    assert!(
        out.status.success(),
        "migrate failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let summary: serde_json::Value =
        serde_json::from_str(stdout.lines().last().expect("summary")).expect("summary JSON");
    assert_eq!(summary["failed"], 0, "{summary}");
    (
        elapsed,
        summary["migrated"].as_u64().expect("migrated"),
        summary["requests"].as_u64().expect("requests"),
    )
}

/// One invitation as the baseline is told it: what to create, and the invitation to cancel.
enum Move {
    Org(InvitationId, mongodb_invitations::Username, OrgUserChanges),
    Project(
        ProjectId,
        InvitationId,
        mongodb_invitations::Username,
        Vec<ProjectRole>,
    ),
}

fn moves(fake: &fake::FakeServer) -> Vec<Move> {
    let org = &fake.seeded().orgs[0];
    let mut all = Vec::new();
    for i in &org.invitations {
        let changes = OrgUserChanges {
            org_roles: i.roles.iter().map(|r| OrgRole::from_wire(r)).collect(),
            team_ids: i
                .team_ids
                .iter()
                .map(|t| t.parse().expect("team"))
                .collect(),
            group_role_assignments: i
                .group_role_assignments
                .iter()
                .map(|a| ProjectRoleAssignment {
                    project_id: a.group_id.parse().expect("project"),
                    roles: a.roles.iter().map(|r| ProjectRole::from_wire(r)).collect(),
                })
                .collect(),
        };
        all.push(Move::Org(
            i.id.parse().expect("id"),
            i.username.parse().expect("username"),
            changes,
        ));
    }
    for p in &org.projects {
        for i in &p.invitations {
            all.push(Move::Project(
                p.id.parse().expect("project"),
                i.id.parse().expect("id"),
                i.username.parse().expect("username"),
                i.roles.iter().map(|r| ProjectRole::from_wire(r)).collect(),
            ));
        }
    }
    all
}

/// The baseline: create, then cancel, for each invitation; its wall time, moves and requests.
async fn baseline(fake: &fake::FakeServer) -> (Duration, u64, u64) {
    let org: OrgId = fake.seeded().orgs[0].id.parse().expect("org");
    let all = moves(fake);
    let start = Instant::now();
    let client = Client::builder(Flavour::AtlasV2)
        .base_url(fake.base_url())
        .digest(PUBLIC, PRIVATE)
        .invitations_via(Via::Deprecated)
        .build()
        .expect("client");
    let (org_moves, project_moves): (Vec<Move>, Vec<Move>) =
        all.into_iter().partition(|m| matches!(m, Move::Org(..)));
    let mut moved = 0u64;
    for phase in [org_moves, project_moves] {
        let client = &client;
        let org = &org;
        let results: Vec<()> = futures::stream::iter(phase)
            .map(|m| async move {
                match m {
                    Move::Org(id, username, changes) => {
                        client
                            .create_org_user(org, &username, &changes)
                            .await
                            .expect("create");
                        // Taken over by the successor: already gone from the deprecated view.
                        let _ = client.delete_org_invitation(org, &id).await;
                    }
                    Move::Project(project, id, username, roles) => {
                        client
                            .add_project_user(&project, &username, &roles)
                            .await
                            .expect("add");
                        client
                            .delete_project_invitation(&project, &id)
                            .await
                            .expect("cancel");
                    }
                }
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        moved += results.len() as u64;
    }
    (start.elapsed(), moved, client.stats().requests_sent)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let org_invitations = args.first().copied().unwrap_or(800);
    let rounds = args.get(1).copied().unwrap_or(5);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let (mut ours, mut theirs, mut our_req, mut their_req) = (vec![], vec![], vec![], vec![]);
        for round in 0..rounds {
            // Alternate which goes first, so neither always meets a warm machine.
            let mut pair = [None, None];
            for side in if round % 2 == 0 { [0, 1] } else { [1, 0] } {
                let fake = seeded(org_invitations).await;
                pair[side] = Some(if side == 0 {
                    run_migrate(&fake)
                } else {
                    baseline(&fake).await
                });
                fake.shutdown().await;
            }
            let [Some((t0, n0, r0)), Some((t1, n1, r1))] = pair else {
                unreachable!("both sides ran")
            };
            assert_eq!(n0, n1, "both moved every invitation");
            let per = |t: Duration, n: u64| t.as_secs_f64() * 1e6 / n as f64;
            println!(
                "round {round}: migrate {n0} invitations in {:.3} s ({:.0} µs, {:.2} requests each); baseline {:.3} s ({:.0} µs, {:.2} requests each)",
                t0.as_secs_f64(),
                per(t0, n0),
                r0 as f64 / n0 as f64,
                t1.as_secs_f64(),
                per(t1, n1),
                r1 as f64 / n1 as f64,
            );
            ours.push(per(t0, n0));
            theirs.push(per(t1, n1));
            our_req.push(r0 as f64 / n0 as f64);
            their_req.push(r1 as f64 / n1 as f64);
        }
        let (o, t) = (median(ours), median(theirs));
        println!(
            "median: migrate {o:.0} µs and {:.2} requests per invitation; baseline {t:.0} µs and {:.2}; ratio (migrate time / baseline) {:.2}",
            median(our_req),
            median(their_req),
            o / t
        );
    });
}
