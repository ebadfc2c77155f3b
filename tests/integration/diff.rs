//! `cargo xtask diff`: the upstream Atlas pair, git inputs, accepted changes and the CI exit policy.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use xtask::diff::{
    DiffArgs, DiffError, Finding, Input, OutputFormat, Severity, catalogue, diff_documents_on,
    execute, parse_document,
};

/// Sunsets are judged on a fixed day so the findings do not change with the calendar.
const DAY: &str = "2026-01-01";

fn upstream() -> Option<PathBuf> {
    integration_tests::shared("upstream/atlas-v2")
}

fn load(path: &Path) -> Value {
    parse_document(&path.display().to_string(), &std::fs::read(path).unwrap()).unwrap()
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// `METHOD /path` of every operation, keyed by method and path with parameter names erased — computed
/// here independently of the engine.
fn operations(doc: &Value) -> BTreeMap<String, (String, Option<String>)> {
    let mut out = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let mut erased = String::new();
        for (i, part) in path.split('{').enumerate() {
            if i == 0 {
                erased.push_str(part);
            } else {
                erased.push_str("{}");
                erased.push_str(part.split_once('}').map_or("", |(_, rest)| rest));
            }
        }
        for method in METHODS {
            if let Some(op) = item.get(method) {
                out.insert(
                    format!("{method} {erased}"),
                    (
                        format!("{} {path}", method.to_uppercase()),
                        op["operationId"].as_str().map(str::to_string),
                    ),
                );
            }
        }
    }
    out
}

fn with_rule<'a>(findings: &'a [Finding], rules: &[&str]) -> Vec<&'a Finding> {
    findings
        .iter()
        .filter(|f| rules.contains(&f.rule.as_str()))
        .collect()
}

#[test]
fn upstream_pair_endpoints_renames_and_version_bumps() {
    let Some(dir) = upstream() else { return };
    let base = load(&dir.join("openapi-2024-05-30.yaml"));
    let revision = load(&dir.join("openapi-2025-03-12.yaml"));
    let findings = diff_documents_on(&base, &revision, DAY);

    let known: BTreeSet<String> = catalogue().into_iter().collect();
    let unknown: BTreeSet<&str> = findings
        .iter()
        .map(|f| f.rule.as_str())
        .filter(|r| !known.contains(*r))
        .collect();
    assert!(
        unknown.is_empty(),
        "rules outside the catalogue: {unknown:?}"
    );

    let (old_ops, new_ops) = (operations(&base), operations(&revision));
    let added: BTreeSet<&str> = new_ops
        .iter()
        .filter(|(k, _)| !old_ops.contains_key(*k))
        .map(|(_, v)| v.0.as_str())
        .collect();
    let removed: BTreeSet<&str> = old_ops
        .iter()
        .filter(|(k, _)| !new_ops.contains_key(*k))
        .map(|(_, v)| v.0.as_str())
        .collect();
    let reported_added: BTreeSet<&str> = with_rule(&findings, &["endpoint-added"])
        .iter()
        .map(|f| f.operation.as_deref().unwrap())
        .collect();
    let reported_removed: BTreeSet<&str> = with_rule(
        &findings,
        &["endpoint-removed", "api-removed-before-sunset"],
    )
    .iter()
    .map(|f| f.operation.as_deref().unwrap())
    .collect();
    assert!(!added.is_empty());
    assert_eq!(
        reported_added, added,
        "every added endpoint, and only those"
    );
    assert_eq!(
        reported_removed, removed,
        "every removed endpoint, and only those"
    );

    // operationId renames: one finding on the matched operation with both names.
    let renamed: BTreeSet<(String, String, String)> = old_ops
        .iter()
        .filter_map(|(k, (_, old_id))| {
            let (label, new_id) = new_ops.get(k)?;
            match (old_id, new_id) {
                (Some(o), Some(n)) if o != n => Some((label.clone(), o.clone(), n.clone())),
                _ => None,
            }
        })
        .collect();
    let reported_renames: BTreeSet<(String, String, String)> =
        with_rule(&findings, &["api-operation-id-removed"])
            .iter()
            .map(|f| {
                (
                    f.operation.clone().unwrap(),
                    f.before.as_str().unwrap().to_string(),
                    f.after.as_str().unwrap().to_string(),
                )
            })
            .collect();
    assert!(!renamed.is_empty());
    assert_eq!(reported_renames, renamed);
    for (op, _, _) in &renamed {
        assert!(!reported_added.contains(op.as_str()) && !reported_removed.contains(op.as_str()));
    }

    // Version bumps: every response whose only Atlas JSON version changed is one bump, never a removal.
    let mut bumps = BTreeSet::new();
    for (key, (label, _)) in &old_ops {
        let Some((new_label, _)) = new_ops.get(key) else {
            continue;
        };
        let (method, _) = key.split_once(' ').unwrap();
        let old_path = label.split_once(' ').unwrap().1;
        let new_path = new_label.split_once(' ').unwrap().1;
        let old_op = &base["paths"][old_path][method];
        let new_op = &revision["paths"][new_path][method];
        for (status, old_response) in old_op["responses"].as_object().unwrap() {
            let versions = |response: &Value| -> Vec<String> {
                response["content"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, _)| k.clone())
                    .filter(|k| k.starts_with("application/vnd.atlas.") && k.ends_with("+json"))
                    .collect()
            };
            let (old_v, new_v) = (
                versions(old_response),
                versions(&new_op["responses"][status]),
            );
            if old_v.len() == 1 && new_v.len() == 1 && old_v != new_v {
                bumps.insert((
                    new_label.clone(),
                    format!("responses.{status}.content[{}]", new_v[0]),
                ));
            }
        }
    }
    let reported_bumps: BTreeSet<(String, String)> =
        with_rule(&findings, &["response-media-type-version-changed"])
            .iter()
            .map(|f| (f.operation.clone().unwrap(), f.location.clone()))
            .collect();
    assert!(!bumps.is_empty());
    assert_eq!(reported_bumps, bumps);
    let fake_removals: Vec<_> = findings
        .iter()
        .filter(|f| f.rule.ends_with("media-type-removed") && f.location.contains("vnd.atlas."))
        .collect();
    assert!(fake_removals.is_empty(), "{fake_removals:#?}");
    // The schemas behind a bump are still compared: some bumped body reports property changes.
    assert!(findings.iter().any(|f| {
        f.rule.starts_with("response-property-")
            && bumps
                .iter()
                .any(|(op, loc)| f.operation.as_deref() == Some(op) && f.location.starts_with(loc))
    }));
}

#[test]
fn upstream_pair_invitation_operations() {
    let Some(dir) = upstream() else { return };
    let base = load(&dir.join("openapi-2024-05-30.yaml"));
    let revision = load(&dir.join("openapi-2025-03-12.yaml"));
    let findings: Vec<Finding> = diff_documents_on(&base, &revision, DAY)
        .into_iter()
        .filter(|f| {
            f.operation
                .as_deref()
                .is_some_and(|o| o.contains("/invites"))
        })
        .collect();
    for f in &findings {
        println!(
            "{} {} {} {} {} -> {}",
            f.severity.name(),
            f.rule,
            f.operation.as_deref().unwrap_or(""),
            f.location,
            f.before,
            f.after
        );
    }
    let at = |rule: &str, op: &str| -> Vec<(&Value, &Value)> {
        findings
            .iter()
            .filter(|f| f.rule == rule && f.operation.as_deref() == Some(op))
            .map(|f| (&f.before, &f.after))
            .collect()
    };
    let group = "GET /api/atlas/v2/groups/{groupId}/invites";
    let org = "PATCH /api/atlas/v2/orgs/{orgId}/invites/{invitationId}";
    // Project invitations were already deprecated; their sunset moved from 2024-10-04 to 2026-07-31.
    assert_eq!(
        at("api-sunset-date-changed", group),
        vec![(&json!("2024-10-04"), &json!("2026-07-31"))]
    );
    // Organization invitations became deprecated with a sunset announced.
    assert_eq!(
        at("endpoint-deprecated", org),
        vec![(&json!(false), &json!(true))]
    );
    assert_eq!(
        at("api-sunset-added", org),
        vec![(&Value::Null, &json!("2026-07-31"))]
    );
    // Service accounts joined digest through the document-wide security list.
    assert_eq!(
        at("api-security-added", org),
        vec![(&Value::Null, &json!("ServiceAccounts"))]
    );
    // The twelve invitation operations are still there, under the same operationIds, in this pair.
    assert!(
        findings
            .iter()
            .all(|f| !f.rule.starts_with("endpoint-removed")
                && f.rule != "api-removed-before-sunset"
                && f.rule != "api-operation-id-removed")
    );
    // Nothing about these operations breaks a client in this pair.
    let breaking: Vec<_> = findings
        .iter()
        .filter(|f| f.severity == Severity::Breaking)
        .collect();
    assert!(breaking.is_empty(), "{breaking:#?}");
}

fn args(base: &str, revision: &str) -> DiffArgs {
    DiffArgs {
        base: base.into(),
        revision: revision.into(),
        format: OutputFormat::Json,
        fail_on: Some(Severity::Breaking),
        accepted: None,
        no_accepted: true,
        today: Some(DAY.into()),
    }
}

fn invitation_doc(operation_id: &str) -> String {
    format!(
        "openapi: 3.0.1\npaths:\n  /orgs/{{orgId}}/invites:\n    get:\n      operationId: {operation_id}\n      \
         responses:\n        '200': {{description: OK}}\n"
    )
}

#[test]
fn git_inputs_read_blobs_of_earlier_commits() {
    let repo = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
            .args(args)
            .current_dir(repo.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{:?}", out);
    };
    git(&["init", "-q"]);
    std::fs::create_dir(repo.path().join("spec")).unwrap();
    let file = repo.path().join("spec/a.yaml");
    std::fs::write(&file, invitation_doc("listOrganizationInvitations")).unwrap();
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "one"]);
    std::fs::write(&file, invitation_doc("listOrgInvites")).unwrap();
    git(&["commit", "-q", "-am", "two"]);

    let old = Input::parse("git:HEAD~1:spec/a.yaml")
        .unwrap()
        .load(repo.path())
        .unwrap();
    let new = Input::parse("git:HEAD:spec/a.yaml")
        .unwrap()
        .load(repo.path())
        .unwrap();
    let findings = diff_documents_on(&old, &new, DAY);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].rule, "api-operation-id-removed");
    assert_eq!(
        findings[0].operation.as_deref(),
        Some("GET /orgs/{orgId}/invites")
    );
    assert_eq!(
        (&findings[0].before, &findings[0].after),
        (
            &json!("listOrganizationInvitations"),
            &json!("listOrgInvites")
        )
    );

    let missing = Input::parse("git:HEAD~1:spec/absent.json")
        .unwrap()
        .load(repo.path());
    match missing {
        Err(DiffError::Git { spec, message }) => {
            assert_eq!(spec, "HEAD~1:spec/absent.json");
            assert!(message.contains("absent.json"), "{message}");
        }
        other => panic!("expected a git error, got {other:?}"),
    }
}

#[test]
fn fail_on_and_accepted_changes_decide_the_exit() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.yaml");
    let revision = dir.path().join("revision.json");
    std::fs::write(&base, invitation_doc("listOrganizationInvitations")).unwrap();
    let renamed: Value = parse_document("r", invitation_doc("listOrgInvites").as_bytes()).unwrap();
    std::fs::write(&revision, serde_json::to_vec(&renamed).unwrap()).unwrap();
    let (b, r) = (base.display().to_string(), revision.display().to_string());

    let outcome = execute(&args(&b, &r)).unwrap();
    assert!(outcome.failed, "an unaccepted breaking change fails");
    assert_eq!(outcome.applied.findings.len(), 1);

    let accepted = dir.path().join("accepted.toml");
    let entry = |expires: &str| {
        format!(
            "[[accept]]\nrule = \"api-operation-id-removed\"\noperation = \"GET /orgs/{{orgId}}/invites\"\n\
             reason = \"renamed upstream\"\nexpires = {expires}\n"
        )
    };
    std::fs::write(&accepted, entry("2026-06-30")).unwrap();
    let mut with_file = args(&b, &r);
    with_file.no_accepted = false;
    with_file.accepted = Some(accepted.clone());
    let outcome = execute(&with_file).unwrap();
    assert!(!outcome.failed);
    assert_eq!(outcome.applied.accepted.len(), 1);
    assert!(outcome.applied.findings.is_empty());

    // Expired: the change is reported again, and so is the stale entry.
    std::fs::write(&accepted, entry("2025-12-31")).unwrap();
    let outcome = execute(&with_file).unwrap();
    assert!(outcome.failed);
    let rules: Vec<&str> = outcome
        .applied
        .findings
        .iter()
        .map(|f| f.rule.as_str())
        .collect();
    assert_eq!(
        rules,
        vec!["api-operation-id-removed", "accepted-change-expired"]
    );

    // Identical documents: no finding at all, so even --fail-on info passes.
    let mut same = args(&r, &r);
    assert!(!execute(&same).unwrap().failed);
    same.fail_on = Some(Severity::Info);
    assert!(
        !execute(&same).unwrap().failed,
        "identical documents have no finding"
    );
}

#[test]
fn unreadable_inputs_are_load_errors() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "openapi: [unclosed\n").unwrap();
    let not_openapi = dir.path().join("x.json");
    std::fs::write(&not_openapi, "{\"a\": 1}").unwrap();
    let missing = dir.path().join("missing.yaml").display().to_string();
    let bad = bad.display().to_string();
    let not_openapi = not_openapi.display().to_string();
    assert!(matches!(
        execute(&args(&missing, &bad)),
        Err(DiffError::Io { .. })
    ));
    assert!(matches!(
        execute(&args(&bad, &bad)),
        Err(DiffError::Parse { .. })
    ));
    assert!(matches!(
        execute(&args(&not_openapi, &not_openapi)),
        Err(DiffError::NotOpenApi { .. })
    ));
    let mut bad_day = args(&bad, &bad);
    bad_day.today = Some("tomorrow".into());
    assert!(matches!(execute(&bad_day), Err(DiffError::Usage(_))));
    let message = execute(&args(&missing, &bad)).unwrap_err().to_string();
    assert!(message.contains("missing.yaml"), "{message}");
}
