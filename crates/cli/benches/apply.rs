//! `invitations apply` with 10,000 update lines against the embedded fake, beside a hand-written reqwest
//! Digest program sending the same 10,000 PATCHes with the same concurrency, in the same run; twice:
//! against window nonce counting (any unused `nc`: the program shares one nonce and an atomic count) and
//! against strict counting (each `nc` above the highest accepted, in arrival order: each of the program's
//! workers has a nonce of its own, as python-requests does with one session per thread).
//!
//! The hand-written program is this executable re-run with `--hand-written`: its own process on
//! `#[tokio::main]`'s default runtime, reading and parsing the same file, as a person would ship it (so
//! both sides pay for a process start and cross the same process boundary to the fake). The same loop run
//! inside the fake's process is printed too, for reference.
//!
//! ```sh
//! cargo bench -p mongodb-invitations-cli --bench apply          # optional: -- LINES ROUNDS
//! ```
//!
//! Prints, per round and as medians for each counting: wall time of the whole command (process start,
//! parsing, output included), requests per logical update, the command's peak RSS (from `/usr/bin/time`),
//! CPU per update of each side and of the fake while it served that side, and the throughput ratio
//! apply / hand-written program (ratio of the median wall times). The last line is the strict counting's
//! medians.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use fake::NonceCounting;
use transport::challenge::parse_challenges;
use transport::digest::{DigestChallenge, Signing, authorization_with_ha1, base_ha1, new_cnonce};

const PUBLIC: &str = "APPLYBENCH";
const PRIVATE: &str = "apply-bench-private-key";
const ACCEPT: &str = "application/vnd.atlas.2023-01-01+json";
const CONCURRENCY: usize = 8;

/// (path, body) of every update, cycling over the seeded organization invitations.
fn updates(fake: &fake::FakeServer, count: usize) -> Vec<(String, String, String)> {
    let mut targets = Vec::new();
    for org in &fake.seeded().orgs {
        for inv in &org.invitations {
            targets.push((org.id.clone(), inv.id.clone()));
        }
    }
    (0..count)
        .map(|i| {
            let (org, inv) = &targets[i % targets.len()];
            let role = if i % 2 == 0 {
                "ORG_MEMBER"
            } else {
                "ORG_READ_ONLY"
            };
            (org.clone(), inv.clone(), role.to_string())
        })
        .collect()
}

/// CPU time this process has used so far (user + system, from `/proc/self/stat`, in clock ticks of
/// 10 ms): the fake's work, and the hand-written loop's when it runs.
fn own_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    // Fields after the command name in parentheses: state is field 3, utime 14, stime 15.
    let after = &stat[stat.rfind(')').expect("comm") + 2..];
    let fields: Vec<&str> = after.split(' ').collect();
    let ticks: u64 =
        fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
    Duration::from_millis(ticks * 10)
}

/// What one run of a program printed, and what `/usr/bin/time` measured of it.
struct Timed {
    /// Wall time, process start included.
    elapsed: Duration,
    stdout: String,
    peak_kb: u64,
    /// User + system.
    cpu: Duration,
}

/// `program` to be run under `/usr/bin/time`, which reports its peak RSS and CPU time.
fn under_time(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut command = Command::new("/usr/bin/time");
    command
        .args(["-f", "%M %U %S"])
        .arg(program)
        .stdin(Stdio::null());
    command
}

/// Runs a command made by [`under_time`]; it must succeed.
fn timed(what: &str, command: &mut Command) -> Timed {
    let start = Instant::now();
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("run {what} under /usr/bin/time: {e}"));
    let elapsed = start.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{what} failed: {stderr}");
    let figures: Vec<f64> = stderr
        .lines()
        .last()
        .expect("time's line")
        .split_whitespace()
        .map(|f| f.parse().expect("a number from time"))
        .collect();
    Timed {
        elapsed,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        peak_kb: figures[0] as u64,
        cpu: Duration::from_secs_f64(figures[1] + figures[2]),
    }
}

/// One `apply` run: wall time, requests, peak RSS (KB) and its own CPU time (user + system).
fn run_apply(base_url: &str, file: &std::path::Path) -> (Duration, u64, u64, Duration) {
    let run = timed(
        "invitations apply",
        under_time(env!("CARGO_BIN_EXE_invitations"))
            .args(["--base-url", base_url, "apply"])
            .arg(file)
            .args(["--concurrency", &CONCURRENCY.to_string()])
            .env("MONGODB_ATLAS_PUBLIC_API_KEY", PUBLIC)
            .env("MONGODB_ATLAS_PRIVATE_API_KEY", PRIVATE),
    );
    let summary: serde_json::Value =
        serde_json::from_str(run.stdout.lines().last().expect("summary line"))
            .expect("summary JSON");
    (
        run.elapsed,
        summary["requests"].as_u64().expect("requests"),
        run.peak_kb,
        run.cpu,
    )
}

/// Learns a nonce with one body-less probe, as the transport does.
async fn probe(client: &reqwest::Client, url: &str) -> DigestChallenge {
    let probe = client
        .get(url)
        .header("accept", ACCEPT)
        .send()
        .await
        .expect("probe");
    let challenges = parse_challenges(probe.headers()["www-authenticate"].as_bytes());
    DigestChallenge::select(&challenges).expect("digest challenge")
}

/// The loop a person would write knowing the protocol in advance: HA1 computed once, no re-signing (the
/// fake's nonces never go stale here). Window counting: one probe, one nonce shared by every worker with
/// an atomic count. Strict counting: each worker probes once for a nonce of its own and counts it alone,
/// so its counts arrive in order.
async fn hand_written(
    base_url: &str,
    updates: &[(String, String, String)],
    counting: NonceCounting,
) -> Duration {
    // reqwest comes without a bundled crypto provider in this workspace; give it ring's.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let first = format!(
        "{base_url}/api/atlas/v2/orgs/{}/invites/{}",
        updates[0].0, updates[0].1
    );
    let start = Instant::now();
    let shared = match counting {
        NonceCounting::Window => Some(Arc::new(probe(&client, &first).await)),
        _ => None,
    };
    let shared_nc = Arc::new(AtomicU32::new(0));
    let next = Arc::new(AtomicUsize::new(0));
    let work: Arc<Vec<_>> = Arc::new(updates.to_vec());
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENCY {
        let (client, shared, shared_nc, next, work, first) = (
            client.clone(),
            shared.clone(),
            shared_nc.clone(),
            next.clone(),
            work.clone(),
            first.clone(),
        );
        let base_url = base_url.to_string();
        tasks.push(tokio::spawn(async move {
            let (challenge, mut own_nc) = match shared {
                Some(challenge) => (challenge, None),
                None => (Arc::new(probe(&client, &first).await), Some(0u32)),
            };
            let ha1 = base_ha1(challenge.algorithm, PUBLIC, &challenge.realm, PRIVATE);
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((org, inv, role)) = work.get(i) else {
                    break;
                };
                let path = format!("/api/atlas/v2/orgs/{org}/invites/{inv}");
                let cnonce = new_cnonce();
                let nc = match own_nc.as_mut() {
                    Some(nc) => {
                        *nc += 1;
                        *nc
                    }
                    None => shared_nc.fetch_add(1, Ordering::Relaxed) + 1,
                };
                let signing = Signing {
                    username: PUBLIC,
                    password: "",
                    method: "PATCH",
                    uri: &path,
                    nc,
                    cnonce: &cnonce,
                };
                let answer = client
                    .patch(format!("{base_url}{path}"))
                    .header(
                        "authorization",
                        authorization_with_ha1(&challenge, &ha1, &signing),
                    )
                    .header("accept", ACCEPT)
                    .header("content-type", ACCEPT)
                    .body(format!(r#"{{"roles":["{role}"]}}"#))
                    .send()
                    .await
                    .expect("response");
                assert_eq!(answer.status().as_u16(), 200);
                answer.bytes().await.expect("body");
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    start.elapsed()
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    if raw.first().map(String::as_str) == Some(CHILD_FLAG) {
        return hand_written_child(&raw[1..]);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    if raw.first().map(String::as_str) == Some(SERVE_FLAG) {
        return runtime.block_on(serve(&raw[1..]));
    }
    let args: Vec<usize> = raw.iter().filter_map(|a| a.parse().ok()).collect();
    let lines = args.first().copied().unwrap_or(10_000);
    let rounds = args.get(1).copied().unwrap_or(3);
    runtime.block_on(async {
        for counting in [NonceCounting::Window, NonceCounting::Strict] {
            measure(counting, lines, rounds).await;
        }
    });
}

/// The argument that makes this executable the hand-written program: `--hand-written BASE_URL FILE
/// strict|window`.
const CHILD_FLAG: &str = "--hand-written";

/// The hand-written program as a person would ship it: its own process, `#[tokio::main]`'s default
/// runtime, the same input file read and parsed, the same PATCHes; it prints nothing.
fn hand_written_child(args: &[String]) {
    let [base_url, file, counting] = args else {
        panic!("usage: {CHILD_FLAG} BASE_URL FILE strict|window");
    };
    let counting = match counting.as_str() {
        "strict" => NonceCounting::Strict,
        _ => NonceCounting::Window,
    };
    let text = std::fs::read_to_string(file).expect("read lines");
    let work: Vec<(String, String, String)> = text
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            let field = |name: &str| v[name].as_str().expect("a string field").to_string();
            (
                field("target"),
                field("id"),
                v["roles"][0].as_str().expect("a role").to_string(),
            )
        })
        .collect();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(hand_written(base_url, &work, counting));
}

/// The argument that only starts the bench's fake and prints its base URL and the update file, for
/// profiling either side by hand: `--serve strict|window [LINES]`. It serves until stdin closes.
const SERVE_FLAG: &str = "--serve";

async fn serve(args: &[String]) {
    let counting = match args.first().map(String::as_str) {
        Some("strict") => NonceCounting::Strict,
        _ => NonceCounting::Window,
    };
    let lines = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let fake = bench_fake(counting).await;
    let file = write_updates(&fake, lines);
    println!("{} {}", fake.base_url(), file.display());
    tokio::task::spawn_blocking(|| std::io::copy(&mut std::io::stdin(), &mut std::io::sink()))
        .await
        .expect("stdin")
        .expect("read stdin");
    let _ = std::fs::remove_file(&file);
    fake.shutdown().await;
}

/// The fake both sides run against. Nonces never go stale during the run, so neither side pays for
/// re-signing.
async fn bench_fake(counting: NonceCounting) -> fake::FakeServer {
    fake::FakeServer::builder()
        .seed(3)
        .digest_keys(PUBLIC, PRIVATE)
        .nonce_counting(counting)
        .nonce_max_uses(u32::MAX)
        .nonce_max_age(Duration::from_secs(3600))
        .start()
        .await
        .expect("fake")
}

/// Writes `lines` update lines for `fake` to a file of their own; returns its path.
fn write_updates(fake: &fake::FakeServer, lines: usize) -> std::path::PathBuf {
    let file = std::env::temp_dir().join(format!("apply-bench-{}.jsonl", std::process::id()));
    let text: String = updates(fake, lines)
        .iter()
        .map(|(org, inv, role)| format!("{{\"scope\":\"org\",\"target\":\"{org}\",\"id\":\"{inv}\",\"roles\":[\"{role}\"]}}\n"))
        .collect();
    std::fs::write(&file, text).expect("write lines");
    file
}

/// One run of the hand-written program in its own process: wall time (process start included, as for
/// `apply`) and its CPU time (user + system, from `/usr/bin/time`).
fn run_hand_written(
    base_url: &str,
    file: &std::path::Path,
    counting: NonceCounting,
) -> (Duration, Duration) {
    let run = timed(
        "the hand-written program",
        under_time(std::env::current_exe().expect("this bench's path"))
            .args([CHILD_FLAG, base_url])
            .arg(file)
            .arg(match counting {
                NonceCounting::Strict => "strict",
                _ => "window",
            }),
    );
    (run.elapsed, run.cpu)
}

/// `rounds` rounds of apply and the hand-written loop against a fake with this counting; prints each
/// round and the medians.
async fn measure(counting: NonceCounting, lines: usize, rounds: usize) {
    let fake = bench_fake(counting).await;
    let name = match counting {
        NonceCounting::Strict => "strict counting",
        _ => "window counting",
    };
    let work = updates(&fake, lines);
    let file = write_updates(&fake, lines);

    let (mut apply_s, mut base_s, mut inproc_s, mut per_update, mut peaks) =
        (vec![], vec![], vec![], vec![], vec![]);
    let (mut apply_cpu, mut base_cpu, mut inproc_cpu) = (vec![], vec![], vec![]);
    let per_update_us = |d: Duration| d.as_secs_f64() * 1e6 / lines as f64;
    for round in 0..rounds {
        let apply_side = || async {
            let (url, f) = (fake.base_url().to_string(), file.clone());
            let before = own_cpu();
            let (elapsed, requests, peak, cpu) =
                tokio::task::spawn_blocking(move || run_apply(&url, &f))
                    .await
                    .expect("apply");
            // The command's own CPU plus the fake's while it served the command.
            (elapsed, requests, peak, cpu, own_cpu() - before)
        };
        let program_side = || async {
            let (url, f) = (fake.base_url().to_string(), file.clone());
            let before = own_cpu();
            let (elapsed, cpu) =
                tokio::task::spawn_blocking(move || run_hand_written(&url, &f, counting))
                    .await
                    .expect("hand-written program");
            (elapsed, cpu, own_cpu() - before)
        };
        let in_process_side = || async {
            let before = own_cpu();
            let elapsed = hand_written(fake.base_url(), &work, counting).await;
            (elapsed, own_cpu() - before)
        };
        // Alternate which side goes first.
        let (a, (b, b_own, b_fake), (c, c_cpu)) = if round % 2 == 0 {
            let a = apply_side().await;
            let b = program_side().await;
            (a, b, in_process_side().await)
        } else {
            let c = in_process_side().await;
            let b = program_side().await;
            (apply_side().await, b, c)
        };
        let (elapsed, requests, peak_kb, a_own, a_fake) = a;
        let (a_cpu, b_cpu) = (a_own + a_fake, b_own + b_fake);
        println!(
            "{name} round {round}: apply {lines} lines {:.3} s ({:.0} updates/s), {:.4} requests/update, peak {} KB, \
             CPU {:.0} + {:.0} (fake) µs/update; hand-written program {:.3} s ({:.0} updates/s), CPU {:.0} + {:.0} (fake) µs/update; \
             same loop inside the fake's process {:.3} s, CPU {:.0} µs/update",
            elapsed.as_secs_f64(),
            lines as f64 / elapsed.as_secs_f64(),
            requests as f64 / lines as f64,
            peak_kb,
            per_update_us(a_own),
            per_update_us(a_fake),
            b.as_secs_f64(),
            lines as f64 / b.as_secs_f64(),
            per_update_us(b_own),
            per_update_us(b_fake),
            c.as_secs_f64(),
            per_update_us(c_cpu),
        );
        apply_cpu.push(per_update_us(a_cpu));
        base_cpu.push(per_update_us(b_cpu));
        inproc_cpu.push(per_update_us(c_cpu));
        apply_s.push(elapsed.as_secs_f64());
        base_s.push(b.as_secs_f64());
        inproc_s.push(c.as_secs_f64());
        per_update.push(requests as f64 / lines as f64);
        peaks.push(peak_kb as f64);
    }
    let seen = fake.counters();
    // Both sides respected the counting: nothing was refused for a nonce reason.
    assert_eq!(
        (
            seen.bodies_refused_for_nonce,
            seen.status(401),
            seen.challenges
        ),
        (0, seen.challenges, seen.challenges),
        "{name}: {seen:?}"
    );
    // Each round's two runs are back to back, so their ratio is less exposed to the machine's drift
    // over the whole bench than the ratio of the medians is; both are printed.
    let paired = median(apply_s.iter().zip(&base_s).map(|(a, b)| b / a).collect());
    let (a, b, c) = (median(apply_s), median(base_s), median(inproc_s));
    println!(
        "{name}: the loop inside the fake's process (shares its runtime and threads) {c:.3} s, CPU {:.0} µs/update \
         (fake included); apply / that loop {:.2}",
        median(inproc_cpu),
        c / a,
    );
    println!(
        "median: {name}, apply {a:.3} s, hand-written {b:.3} s, {:.4} requests/update, peak RSS {:.1} MB, \
         CPU per update (fake included) apply {:.0} µs / hand-written {:.0} µs, median of the rounds' ratios {paired:.2}, \
         ratio (apply throughput / hand-written) {:.2}",
        median(per_update),
        median(peaks) / 1024.0,
        median(apply_cpu),
        median(base_cpu),
        b / a,
    );
    let _ = std::fs::remove_file(&file);
    fake.shutdown().await;
}
