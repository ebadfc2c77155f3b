//! The `invitations` binary against the fake server: results on stdout, exit codes, and no request at all
//! for bad input.
//!
//! This is the one test binary outside `tests/`: Cargo hands a binary's path (`CARGO_BIN_EXE_*`) only to
//! its own package's integration tests.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use fake::{FakeServer, Product};
use serde_json::Value;

const PUBLIC: &str = "CLIPUBLIC";
const PRIVATE: &str = "cli-private-key";

async fn fake() -> FakeServer {
    FakeServer::builder()
        .seed(5)
        .digest_keys(PUBLIC, PRIVATE)
        .start()
        .await
        .expect("fake starts")
}

/// Runs the binary with the Digest keys in its environment (and no other MongoDB variables).
fn run(args: &[&str], stdin: Option<&str>) -> Output {
    run_with_private_key(PRIVATE, args, stdin)
}

/// [`run`] with this private key instead of the right one.
fn run_with_private_key(private_key: &str, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_invitations"));
    for (k, _) in std::env::vars() {
        if k.starts_with("MONGODB_ATLAS_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("MONGODB_ATLAS_PUBLIC_API_KEY", PUBLIC)
        .env("MONGODB_ATLAS_PRIVATE_API_KEY", private_key)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn invitations");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("wait")
}

fn stdout_json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exit code")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_and_the_rest_in_every_flavour() {
    let fake = fake().await;
    let org = fake.seeded().orgs[0].clone();
    let project = &org.projects[0];
    let url = fake.base_url().to_string();
    for flavour in ["atlas-v2", "atlas-v1", "ops-manager-v1"] {
        let base = ["--flavour", flavour, "--base-url", url.as_str()];
        let args = |rest: &[&str]| -> Vec<String> {
            base.iter().chain(rest).map(|s| s.to_string()).collect()
        };
        let call = |rest: &[&str]| {
            let a = args(rest);
            run(&a.iter().map(String::as_str).collect::<Vec<_>>(), None)
        };

        let out = call(&[
            "update",
            "org",
            &org.id,
            "--id",
            &org.invitations[0].id,
            "--role",
            "ORG_READ_ONLY",
        ]);
        assert_eq!(
            code(&out),
            0,
            "{flavour}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            stdout_json(&out)["roles"],
            serde_json::json!(["ORG_READ_ONLY"])
        );

        let out = call(&[
            "update",
            "org",
            &org.id,
            "--username",
            &org.invitations[1].username,
            "--role",
            "ORG_MEMBER",
            "--role",
            "ORG_GROUP_CREATOR",
        ]);
        assert_eq!(
            code(&out),
            0,
            "{flavour}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(stdout_json(&out)["id"], org.invitations[1].id.as_str());

        let out = call(&[
            "update",
            "project",
            &project.id,
            "--id",
            &project.invitations[0].id,
            "--role",
            "GROUP_OWNER",
        ]);
        assert_eq!(
            code(&out),
            0,
            "{flavour}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = call(&[
            "update",
            "project",
            &project.id,
            "--username",
            &project.invitations[1].username,
            "--role",
            "GROUP_READ_ONLY",
        ]);
        assert_eq!(
            code(&out),
            0,
            "{flavour}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(stdout_json(&out)["groupId"], project.id.as_str());

        let product = if flavour == "ops-manager-v1" {
            Product::OpsManager
        } else {
            Product::Atlas
        };
        let state = fake.state(product);
        assert_eq!(
            state.orgs[0].invitations[0].roles,
            ["ORG_READ_ONLY"],
            "{flavour}"
        );
        assert_eq!(
            state.orgs[0].invitations[1].roles,
            ["ORG_MEMBER", "ORG_GROUP_CREATOR"],
            "{flavour}"
        );
        assert_eq!(
            state.orgs[0].projects[0].invitations[0].roles,
            ["GROUP_OWNER"],
            "{flavour}"
        );
        assert_eq!(
            state.orgs[0].projects[0].invitations[1].roles,
            ["GROUP_READ_ONLY"],
            "{flavour}"
        );

        let email = format!("cli.{flavour}@example.com");
        let out = call(&[
            "create",
            "org",
            &org.id,
            "--username",
            &email,
            "--role",
            "ORG_MEMBER",
        ]);
        assert_eq!(
            code(&out),
            0,
            "{flavour}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let id = stdout_json(&out)["id"].as_str().expect("id").to_string();
        let out = call(&["get", "org", &org.id, "--id", &id]);
        assert_eq!(stdout_json(&out)["username"], email.as_str());
        let out = call(&["list", "org", &org.id, "--username", &email]);
        assert_eq!(stdout_json(&out).as_array().map(Vec::len), Some(1));
        let out = call(&["delete", "org", &org.id, "--id", &id]);
        assert_eq!(code(&out), 0);
        let out = call(&["get", "org", &org.id, "--id", &id]);
        assert_eq!(code(&out), 1, "a deleted invitation is an API error");
        // Warnings (a deprecated operation) may come first; the ApiError is the last line.
        let stderr = String::from_utf8_lossy(&out.stderr);
        let err: Value =
            serde_json::from_str(stderr.lines().last().unwrap_or_default()).expect("ApiError JSON");
        assert_eq!(err["errorCode"], "INVITATION_NOT_FOUND");
        assert_eq!(err["error"], 404);
    }
    fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_input_exits_2_and_sends_nothing() {
    let fake = fake().await;
    let org = fake.seeded().orgs[0].clone();
    let (o, p, i) = (
        org.id.as_str(),
        org.projects[0].id.as_str(),
        org.invitations[0].id.as_str(),
    );
    let url = fake.base_url().to_string();
    let lines_file = std::env::temp_dir().join(format!("cli-invalid-{}.jsonl", std::process::id()));
    std::fs::write(&lines_file, "").expect("write");
    let (group_org_role, group_owner) = (format!("{p}=ORG_OWNER"), format!("{p}=GROUP_OWNER"));
    #[rustfmt::skip]
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["update", "org", "nothex", "--id", i, "--role", "ORG_MEMBER"], "invalid organization id \"nothex\""),
        (vec!["update", "org", "5A0A1E7E0F2912C554080ADC", "--id", i, "--role", "ORG_MEMBER"], "invalid organization id"),
        (vec!["update", "org", o, "--id", "123", "--role", "ORG_MEMBER"], "invalid invitation id \"123\""),
        (vec!["update", "org", o, "--username", "nobody", "--role", "ORG_MEMBER"], "invalid username \"nobody\": it has no @"),
        (vec!["update", "org", o, "--username", "a@b", "--role", "ORG_MEMBER"], "its domain is not a host name"),
        (vec!["update", "org", o, "--username", "a b@example.com", "--role", "ORG_MEMBER"], "spaces"),
        (vec!["update", "org", o, "--id", i, "--role", "GROUP_OWNER"], "unknown organization role \"GROUP_OWNER\" for atlas-v2; valid: ORG_OWNER"),
        (vec!["update", "org", o, "--id", i, "--role", "ORG_ADMIN"], "unknown organization role \"ORG_ADMIN\""),
        (vec!["update", "org", o, "--id", i, "--role", "org_member"], "unknown organization role \"org_member\""),
        (vec!["--flavour", "ops-manager-v1", "update", "org", o, "--id", i, "--role", "ORG_BILLING_ADMIN"], "for ops-manager-v1"),
        (vec!["--flavour", "ops-manager-v1", "update", "org", o, "--id", i, "--role", "ORG_STREAM_PROCESSING_ADMIN"], "for ops-manager-v1"),
        (vec!["update", "org", o, "--id", i, "--role", "ORG_MEMBER", "--team", "xyz"], "invalid team id \"xyz\""),
        (vec!["update", "org", o, "--id", i, "--role", "ORG_MEMBER", "--group-role", "nogroup"], "--group-role takes GROUP_ID=ROLE"),
        (vec!["update", "org", o, "--id", i, "--role", "ORG_MEMBER", "--group-role", "bad=GROUP_OWNER"], "invalid project id \"bad\""),
        (vec!["update", "org", o, "--id", i, "--role", "ORG_MEMBER", "--group-role", &group_org_role], "unknown project role \"ORG_OWNER\""),
        (vec!["--flavour", "atlas-v1", "update", "org", o, "--id", i, "--role", "ORG_MEMBER", "--group-role", &group_owner], "groupRoleAssignments is not available in atlas-v1"),
        (vec!["update", "project", p, "--id", i, "--role", "ORG_OWNER"], "unknown project role \"ORG_OWNER\" for atlas-v2; valid: GROUP_OWNER"),
        (vec!["--flavour", "ops-manager-v1", "update", "project", p, "--id", i, "--role", "GROUP_CLUSTER_MANAGER"], "GROUP_AUTOMATION_ADMIN"),
        (vec!["--flavour", "atlas-v1", "update", "project", p, "--id", i, "--role", "GROUP_USER_ADMIN"], "for atlas-v1"),
        (vec!["update", "project", "short", "--id", i, "--role", "GROUP_OWNER"], "invalid project id \"short\""),
        (vec!["update", "org", o, "--role", "ORG_MEMBER"], "--id"),
        (vec!["update", "org", o, "--id", i, "--username", "a@example.com", "--role", "ORG_MEMBER"], "cannot be used with"),
        (vec!["update", "org", o, "--id", i], "--role"),
        (vec!["update", "team", o, "--id", i, "--role", "ORG_MEMBER"], "unrecognized subcommand 'team'"),
        (vec!["--flavour", "atlas-v3", "update", "org", o, "--id", i, "--role", "ORG_MEMBER"], "invalid value 'atlas-v3'"),
        (vec!["--flavour", "ops-manager-v1", "get", "org", o, "--id", i], "ops-manager-v1 has no default base URL"),
        (vec!["--base-url", "ftp://example.com", "get", "org", o, "--id", i], "must start with https://"),
        (vec!["--base-url", "https://user:pw@example.com", "get", "org", o, "--id", i], "must not carry credentials"),
        (vec!["get", "org", o, "--id", "zzzzzzzzzzzzzzzzzzzzzzzz"], "invalid invitation id"),
        (vec!["list", "org", o, "--username", "@example.com"], "invalid username"),
        (vec!["create", "org", o, "--username", "x@example.com", "--role", "GROUP_READ_ONLY"], "unknown organization role"),
        (vec!["create", "project", p, "--username", "not-an-email", "--role", "GROUP_OWNER"], "invalid username"),
        (vec!["delete", "project", p, "--id", "0"], "invalid invitation id \"0\""),
        (vec!["apply", "/nonexistent/updates.jsonl"], "cannot read /nonexistent/updates.jsonl"),
        (vec!["apply", "-", "--concurrency", "0"], "--concurrency"),
    ];
    assert!(cases.len() >= 30);
    for (args, message) in cases {
        fake.reset_counters();
        // The fake's URL goes first unless the case is about the base URL itself.
        let about_url = args.contains(&"--base-url")
            || (args.contains(&"ops-manager-v1") && args.contains(&"get"));
        let needs_url = !about_url;
        let mut full: Vec<&str> = if needs_url {
            vec!["--base-url", url.as_str()]
        } else {
            vec![]
        };
        full.extend(args.iter().copied());
        let out = run(&full, Some(""));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(code(&out), 2, "{args:?} exited {:?}: {stderr}", out.status);
        assert!(
            stderr.contains(message),
            "{args:?}: expected {message:?} in {stderr}"
        );
        assert!(
            !stderr.contains(PRIVATE) && !stderr.contains("pw@"),
            "{args:?} leaked a secret: {stderr}"
        );
        assert_eq!(fake.counters().total_requests, 0, "{args:?} sent a request");
    }
    let _ = std::fs::remove_file(lines_file);
    fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_reports_each_line_in_order_and_a_summary() {
    let fake = fake().await;
    let org = fake.seeded().orgs[0].clone();
    let project = &org.projects[0];
    let input = [
        format!(r#"{{"scope":"org","target":"{}","id":"{}","roles":["ORG_MEMBER"]}}"#, org.id, org.invitations[0].id),
        format!(r#"{{"scope":"project","target":"{}","username":"{}","roles":["GROUP_READ_ONLY"]}}"#, project.id, project.invitations[0].username),
        r#"{"scope":"org","target":"nothex","id":"x","roles":[]}"#.to_string(),
        String::new(),
        format!(r#"{{"scope":"org","target":"{}","id":"0123456789abcdef01234567","roles":["ORG_MEMBER"]}}"#, org.id),
        "not json".to_string(),
        format!(r#"{{"scope":"org","target":"{}","username":"{}","roles":["ORG_OWNER"],"teamIds":["{}"]}}"#, org.id, org.invitations[1].username, org.teams[0].id),
    ]
    .join("\n");
    let out = run(
        &[
            "--base-url",
            fake.base_url(),
            "apply",
            "-",
            "--concurrency",
            "3",
        ],
        Some(&input),
    );
    assert_eq!(
        code(&out),
        2,
        "failed lines make the run fail: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), 7, "six results and a summary");
    let numbers: Vec<u64> = lines[..6]
        .iter()
        .map(|l| l["line"].as_u64().expect("line"))
        .collect();
    assert_eq!(
        numbers,
        [1, 2, 3, 5, 6, 7],
        "input order, blank line skipped"
    );
    let oks: Vec<bool> = lines[..6]
        .iter()
        .map(|l| l["ok"].as_bool().expect("ok"))
        .collect();
    assert_eq!(oks, [true, true, false, false, false, true]);
    assert_eq!(lines[2]["error"]["error"], "invalid-input");
    assert_eq!(lines[3]["error"]["errorCode"], "INVITATION_NOT_FOUND");
    assert_eq!(lines[6]["ok"], 3);
    assert_eq!(lines[6]["failed"], 3);
    // Three updates and one 404, plus one Digest probe per nonce (at most one per update in flight):
    // nothing is sent for the bad lines.
    let seen = fake.counters();
    assert!((1..=3).contains(&seen.challenges), "{seen:?}");
    assert_eq!(lines[6]["requests"], 4 + seen.challenges);
    assert_eq!(seen.total_requests, 4 + seen.challenges);
    assert_eq!(
        fake.state(Product::Atlas).orgs[0].invitations[1].roles,
        ["ORG_OWNER"]
    );
    fake.shutdown().await;
}

/// Answers that come back out of order (a quarter of them held 25 ms) are still printed in input order,
/// each update is sent once, and the server ends with the last line's roles for each invitation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_prints_out_of_order_answers_in_input_order() {
    let fake = fake().await;
    fake.set_faults("slow=0.25:25ms".parse().expect("plan"))
        .expect("faults set");
    let org = fake.seeded().orgs[0].clone();
    let roles = ["ORG_MEMBER", "ORG_READ_ONLY", "ORG_BILLING_ADMIN"];
    let count = 300;
    let input: Vec<String> = (0..count)
        .map(|i| {
            let invitation = &org.invitations[i % org.invitations.len()];
            format!(
                r#"{{"scope":"org","target":"{}","id":"{}","roles":["{}"]}}"#,
                org.id,
                invitation.id,
                roles[i % roles.len()]
            )
        })
        .collect();
    let out = run(
        &[
            "--base-url",
            fake.base_url(),
            "apply",
            "-",
            "--concurrency",
            "8",
        ],
        Some(&input.join("\n")),
    );
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), count + 1, "one result per line and a summary");
    let numbers: Vec<u64> = lines[..count]
        .iter()
        .map(|l| l["line"].as_u64().expect("line"))
        .collect();
    assert_eq!(numbers, (1..=count as u64).collect::<Vec<_>>());
    for (i, line) in lines[..count].iter().enumerate() {
        assert_eq!(line["ok"], true, "line {}: {line}", i + 1);
        assert_eq!(
            line["invitation"]["roles"][0],
            roles[i % roles.len()],
            "line {}",
            i + 1
        );
    }
    let seen = fake.counters();
    let held = seen.faults_injected.get(&fake::Fault::Slow).copied();
    assert!(
        held.is_some_and(|n| n > 0),
        "some answers were held: {seen:?}"
    );
    assert_eq!(
        seen.total_requests,
        count as u64 + seen.challenges,
        "{seen:?}"
    );
    let state = fake.state(Product::Atlas);
    for (k, invitation) in org.invitations.iter().enumerate() {
        let last = (0..count)
            .rev()
            .find(|i| i % org.invitations.len() == k)
            .expect("a line");
        let now = state.orgs[0]
            .invitations
            .iter()
            .find(|i| i.id == invitation.id)
            .expect("still pending");
        assert_eq!(now.roles, [roles[last % roles.len()]], "{}", invitation.id);
    }
    fake.shutdown().await;
}

/// 1,000 updates through `apply` at concurrency 8 and 32 against strict nonce counting (each count above
/// the highest accepted, in arrival order) and against window counting: every update lands, no body is
/// refused for a nonce reason, and the requests stay within N + 2c (strict) and N + c (window).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_at_concurrency_lands_every_update_under_strict_and_window_nonce_counting() {
    for counting in [fake::NonceCounting::Strict, fake::NonceCounting::Window] {
        let fake = FakeServer::builder()
            .seed(5)
            .digest_keys(PUBLIC, PRIVATE)
            .nonce_counting(counting)
            .nonce_max_uses(u32::MAX)
            .start()
            .await
            .expect("fake starts");
        let org = fake.seeded().orgs[0].clone();
        let input: String = (0..1000)
            .map(|i| {
                let role = if i % 2 == 0 { "ORG_MEMBER" } else { "ORG_READ_ONLY" };
                format!(
                    "{{\"scope\":\"org\",\"target\":\"{}\",\"id\":\"{}\",\"roles\":[\"{role}\"]}}\n",
                    org.id,
                    org.invitations[i % org.invitations.len()].id
                )
            })
            .collect();
        for concurrency in [8u64, 32] {
            fake.reset_counters();
            let out = run(
                &[
                    "--base-url",
                    fake.base_url(),
                    "apply",
                    "-",
                    "--concurrency",
                    &concurrency.to_string(),
                ],
                Some(&input),
            );
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(code(&out), 0, "{counting:?} c={concurrency}: {stderr}");
            let stdout = String::from_utf8_lossy(&out.stdout);
            let summary: Value =
                serde_json::from_str(stdout.lines().last().expect("summary")).expect("JSON");
            assert_eq!(
                (summary["ok"].as_u64(), summary["failed"].as_u64()),
                (Some(1000), Some(0))
            );
            let seen = fake.counters();
            let bound = match counting {
                fake::NonceCounting::Strict => 1000 + 2 * concurrency,
                _ => 1000 + concurrency,
            };
            assert!(
                seen.total_requests <= bound && seen.challenges <= concurrency,
                "{counting:?} c={concurrency}: {seen:?}"
            );
            assert_eq!(
                (
                    seen.status(200),
                    seen.bodies_refused_for_nonce,
                    seen.counts_out_of_order,
                    seen.replays_refused,
                    seen.bodies_without_credentials
                ),
                (1000, 0, 0, 0, 0),
                "{counting:?} c={concurrency}: {seen:?}"
            );
            assert_eq!(summary["requests"].as_u64(), Some(seen.total_requests));
        }
        fake.shutdown().await;
    }
}

/// A wrong private key is an authentication error naming the public key (never the private one), exit
/// 1, whatever the body of the server's 401: MongoDB's JSON, an HTML page from Apache or a proxy, none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_exits_1_naming_the_public_key_with_json_html_and_empty_401_bodies() {
    const WRONG: &str = "not-the-cli-private-key";
    for body in [
        fake::UnauthorizedBody::Json,
        fake::UnauthorizedBody::Html,
        fake::UnauthorizedBody::Empty,
    ] {
        let fake = FakeServer::builder()
            .seed(5)
            .digest_keys(PUBLIC, PRIVATE)
            .unauthorized_body(body)
            .start()
            .await
            .expect("fake starts");
        let org = fake.seeded().orgs[0].clone();
        for flavour in ["atlas-v2", "ops-manager-v1"] {
            let out = run_with_private_key(
                WRONG,
                &[
                    "--flavour",
                    flavour,
                    "--base-url",
                    fake.base_url(),
                    "update",
                    "org",
                    &org.id,
                    "--id",
                    &org.invitations[0].id,
                    "--role",
                    "ORG_MEMBER",
                ],
                None,
            );
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(code(&out), 1, "{body:?} {flavour}: {stderr}");
            // The last line: a deprecation warning may come before it.
            assert_eq!(
                stderr.lines().last().unwrap_or_default(),
                format!(
                    "error: authentication failed for public key {PUBLIC}: the server refused the credentials"
                ),
                "{body:?} {flavour}"
            );
            assert!(!stderr.contains(WRONG) && out.stdout.is_empty());
        }
        // The same through `apply`, one JSON line per update.
        let input = format!(
            "{{\"scope\":\"org\",\"target\":\"{}\",\"id\":\"{}\",\"roles\":[\"ORG_MEMBER\"]}}\n",
            org.id, org.invitations[0].id
        );
        let out = run_with_private_key(
            WRONG,
            &["--base-url", fake.base_url(), "apply", "-"],
            Some(&input),
        );
        assert_eq!(
            code(&out),
            1,
            "{body:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        let line: Value =
            serde_json::from_str(stdout.lines().next().expect("a line")).expect("JSON");
        assert_eq!(line["error"]["error"], "authentication", "{body:?}");
        assert_eq!(line["error"]["reason"], "wrong-credentials", "{body:?}");
        assert!(
            line["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains(PUBLIC) && !m.contains(WRONG))
        );
        assert!(!stdout.contains(WRONG) && !String::from_utf8_lossy(&out.stderr).contains(WRONG));
        // Nothing was changed.
        assert_eq!(
            fake.state(Product::Atlas).orgs[0].invitations[0].roles,
            org.invitations[0].roles
        );
        fake.shutdown().await;
    }
}

#[test]
fn no_server_exits_3() {
    // Port 9 (discard) on loopback: nothing listens there in the test environment.
    let out = run(
        &[
            "--base-url",
            "http://127.0.0.1:9",
            "get",
            "org",
            "0123456789abcdef01234567",
            "--id",
            "0123456789abcdef01234567",
        ],
        None,
    );
    assert_eq!(code(&out), 3, "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("transport failure"));
}

#[test]
fn fake_server_prints_its_url_and_seed_then_stops_on_ctrl_c() {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_invitations"))
        .args(["fake-server", "--seed", "9", "--faults", "429=0.1"])
        .env_remove("MONGODB_ATLAS_PUBLIC_API_KEY")
        .env_remove("MONGODB_ATLAS_PRIVATE_API_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn fake-server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("first line");
    let started: Value = serde_json::from_str(&line).expect("JSON with the URL and the seed");
    let url = started["baseUrl"].as_str().expect("baseUrl");
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert_eq!(started["seeded"]["seed"], 9);
    assert!(
        started["seeded"]["orgs"]
            .as_array()
            .is_some_and(|o| !o.is_empty())
    );

    // Ctrl-C is SIGINT; `kill` sends it without unsafe code here.
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let exit = loop {
        if let Some(exit) = child.try_wait().expect("wait") {
            break exit;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "fake-server did not stop on SIGINT"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(exit.success(), "{exit:?}");
    // The port is closed once it has stopped.
    assert!(std::net::TcpStream::connect(url.trim_start_matches("http://")).is_err());

    let bad = run(&["fake-server", "--faults", "429=2"], None);
    assert_eq!(code(&bad), 2, "{}", String::from_utf8_lossy(&bad.stderr));
}

/// The state a migration is judged by, read through the facade: pending invitations on the deprecated
/// endpoints (organization, then each project), and every pending user on the successor with the roles
/// it holds, by username.
async fn migration_state(
    fake: &FakeServer,
    org: &fake::SeedOrg,
) -> (
    usize,
    std::collections::BTreeMap<String, (Vec<String>, Vec<(String, Vec<String>)>)>,
) {
    use futures::TryStreamExt;
    let client = mongodb_invitations::Client::builder(mongodb_invitations::Flavour::AtlasV2)
        .base_url(fake.base_url())
        .digest(PUBLIC, PRIVATE)
        .invitations_via(mongodb_invitations::Via::Deprecated)
        .build()
        .expect("client");
    let org_id: mongodb_invitations::OrgId = org.id.parse().expect("org");
    let mut invitations = client
        .list_org_invitations(&org_id, None)
        .await
        .expect("org invitations")
        .value
        .len();
    for p in &org.projects {
        invitations += client
            .list_project_invitations(&p.id.parse().expect("project"), None)
            .await
            .expect("project invitations")
            .value
            .len();
    }
    let users: Vec<mongodb_invitations::OrgUser> = client
        .org_users(&org_id, &mongodb_invitations::UserQuery::pending())
        .try_collect()
        .await
        .expect("pending users");
    let mut by_name = std::collections::BTreeMap::new();
    for u in users {
        let mut org_roles: Vec<String> = u
            .roles
            .org_roles
            .iter()
            .map(|r| r.as_str().to_string())
            .collect();
        org_roles.sort();
        let mut projects: Vec<(String, Vec<String>)> = u
            .roles
            .group_role_assignments
            .iter()
            .map(|a| {
                let mut roles: Vec<String> =
                    a.roles.iter().map(|r| r.as_str().to_string()).collect();
                roles.sort();
                (a.project_id.clone().unwrap_or_default(), roles)
            })
            .collect();
        projects.sort();
        assert!(
            by_name
                .insert(u.username.clone(), (org_roles, projects))
                .is_none(),
            "duplicate pending user {}",
            u.username
        );
    }
    (invitations, by_name)
}

/// `migrate org` on an organization with 200 pending invitations (120 organization invitations with
/// several roles, teams and project roles; 40 in each of two projects): the dry run plans all 200 and sends
/// reads only; a run killed part-way and run again ends with no invitation left and one pending user per
/// invitation holding exactly its roles.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_moves_200_invitations_survives_a_kill_and_does_not_duplicate() {
    let size = fake::SeedSize {
        orgs: 1,
        projects_per_org: 2,
        org_invitations_per_org: 120,
        project_invitations_per_project: 40,
        ..fake::SeedSize::default()
    };
    let fake = FakeServer::builder()
        .seed_data(fake::SeedData::generate_sized(9, size))
        .digest_keys(PUBLIC, PRIVATE)
        .start()
        .await
        .expect("fake starts");
    let org = fake.seeded().orgs[0].clone();
    // What each invitation grants, as the successor must end up showing it.
    let mut expected = std::collections::BTreeMap::new();
    for i in &org.invitations {
        let mut roles = i.roles.clone();
        roles.sort();
        let mut projects: Vec<(String, Vec<String>)> = i
            .group_role_assignments
            .iter()
            .map(|a| {
                let mut r = a.roles.clone();
                r.sort();
                (a.group_id.clone(), r)
            })
            .collect();
        projects.sort();
        expected.insert(i.username.clone(), (roles, projects));
    }
    let project_invitations: Vec<(String, String, Vec<String>)> = org
        .projects
        .iter()
        .flat_map(|p| {
            p.invitations.iter().map(|i| {
                let mut r = i.roles.clone();
                r.sort();
                (p.id.clone(), i.username.clone(), r)
            })
        })
        .collect();
    assert_eq!(org.invitations.len() + project_invitations.len(), 200);
    let mut args = vec![
        "--base-url".to_string(),
        fake.base_url().to_string(),
        "migrate".into(),
        "org".into(),
        org.id.clone(),
    ];
    for p in &org.projects {
        args.extend(["--project".to_string(), p.id.clone()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();

    // Dry run: the plan, reads only.
    let before = fake.state(Product::Atlas);
    let mut dry = args.clone();
    dry.push("--dry-run");
    let out = run(&dry, None);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), 201, "one line per invitation and the summary");
    assert_eq!(lines[200]["planned"], 200);
    assert_eq!(
        lines.iter().filter(|l| l["scope"] == "project").count(),
        80,
        "project invitations planned explicitly"
    );
    assert!(
        lines[199]["note"]
            .as_str()
            .unwrap_or_default()
            .contains("addGroupUsers"),
        "{}",
        lines[199]
    );
    let counters = fake.counters();
    for (op, n) in &counters.requests_by_operation {
        assert!(op.starts_with("list_"), "the dry run sent {n} × {op}");
    }
    assert_eq!(
        fake.state(Product::Atlas),
        before,
        "the dry run changed nothing"
    );

    // A run killed after 60 invitations, then run again. Every answer is slowed down meanwhile, so the
    // kill lands part-way for certain rather than racing a fast run to its end.
    fake.set_faults("slow=1:20ms".parse().expect("plan"))
        .expect("faults");
    let mut child = Command::new(env!("CARGO_BIN_EXE_invitations"))
        .env("MONGODB_ATLAS_PUBLIC_API_KEY", PUBLIC)
        .env("MONGODB_ATLAS_PRIVATE_API_KEY", PRIVATE)
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    {
        use std::io::BufRead;
        let stdout = child.stdout.take().expect("stdout");
        let mut done = 0;
        for line in std::io::BufReader::new(stdout).lines().take(60) {
            let line = line.expect("line");
            let v: Value = serde_json::from_str(&line).expect("JSON line");
            assert_eq!(v["ok"], true, "{v}");
            done += 1;
        }
        assert_eq!(done, 60, "the first run got that far");
    }
    child.kill().expect("kill");
    child.wait().expect("reap");
    fake.set_faults(fake::Faults::none()).expect("faults");
    let (left, _) = migration_state(&fake, &org).await;
    assert!(left < 200 && left > 0, "interrupted part-way: {left} left");

    let out = run(&args, None);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let summary: Value = serde_json::from_str(text.lines().last().expect("summary")).expect("JSON");
    assert_eq!(summary["failed"], 0, "{summary}");
    assert_eq!(summary["migrated"].as_u64(), Some(left as u64), "{summary}");

    let (left, users) = migration_state(&fake, &org).await;
    assert_eq!(left, 0, "no invitation left");
    assert_eq!(users.len(), 200, "one pending user per invitation");
    for (name, wanted) in &expected {
        assert_eq!(users.get(name), Some(wanted), "{name}");
    }
    for (project, name, roles) in &project_invitations {
        let (_, projects) = users.get(name).unwrap_or_else(|| panic!("{name} missing"));
        assert!(
            projects.iter().any(|(p, r)| p == project && r == roles),
            "{name}: {projects:?}"
        );
    }

    // Once more: nothing left to do.
    let out = run(&args, None);
    assert_eq!(code(&out), 0);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let summary: Value = serde_json::from_str(text.trim()).expect("only the summary");
    assert_eq!(summary["migrated"], 0);
    fake.shutdown().await;
}

/// The `users` commands against the fake: JSON on stdout, exit 0; a role the flavour lacks exits 2 with
/// nothing sent; an unknown user exits 1 with the API's error; v1.0 refuses them with exit 2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_commands_print_json_and_exit_like_the_others() {
    let fake = fake().await;
    let org = fake.seeded().orgs[0].clone();
    let project = org.projects[0].id.clone();
    let base = ["--base-url", fake.base_url()];
    let with =
        |rest: &[&str]| -> Vec<String> { base.iter().chain(rest).map(|s| s.to_string()).collect() };
    let go = |args: Vec<String>| run(&args.iter().map(String::as_str).collect::<Vec<_>>(), None);

    let out = go(with(&[
        "users", "list", "org", &org.id, "--status", "pending",
    ]));
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let listed = stdout_json(&out);
    assert_eq!(listed.as_array().map(Vec::len), Some(org.invitations.len()));

    let out = go(with(&[
        "users",
        "add",
        "project",
        &project,
        "--username",
        "cli-user@example.com",
        "--role",
        "GROUP_READ_ONLY",
    ]));
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let added = stdout_json(&out);
    let id = added["id"].as_str().expect("id").to_string();
    assert_eq!(added["roles"], serde_json::json!(["GROUP_READ_ONLY"]));

    let out = go(with(&[
        "users",
        "update",
        "project",
        &project,
        "--id",
        &id,
        "--role",
        "GROUP_OWNER",
    ]));
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        stdout_json(&out)["roles"],
        serde_json::json!(["GROUP_OWNER"])
    );

    let out = go(with(&[
        "users",
        "add-role",
        "org",
        &org.id,
        "--id",
        &id,
        "--role",
        "ORG_READ_ONLY",
    ]));
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let roles = stdout_json(&out)["roles"]["orgRoles"].clone();
    assert!(
        roles
            .as_array()
            .expect("roles")
            .contains(&serde_json::json!("ORG_READ_ONLY")),
        "{roles}"
    );

    fake.reset_counters();
    let out = go(with(&[
        "users",
        "add-role",
        "org",
        &org.id,
        "--id",
        &id,
        "--role",
        "GROUP_OWNER",
    ]));
    assert_eq!(code(&out), 2, "a project role as an org role");
    assert_eq!(fake.counters().total_requests, 0, "nothing sent");

    let out = go(with(&["users", "remove", "project", &project, "--id", &id]));
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout_json(&out)["status"], 204);
    let out = go(with(&["users", "get", "project", &project, "--id", &id]));
    assert_eq!(code(&out), 1, "gone from the project");
    let err: Value = serde_json::from_slice(out.stderr.trim_ascii()).expect("ApiError JSON");
    assert_eq!(err["error"], 404, "{err}");

    let out = go(with(&[
        "--flavour",
        "atlas-v1",
        "users",
        "get",
        "org",
        &org.id,
        "--id",
        &id,
    ]));
    assert_eq!(code(&out), 2, "no users API on v1.0");
    fake.shutdown().await;
}
