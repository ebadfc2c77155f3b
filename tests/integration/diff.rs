//! `cargo xtask diff`: the upstream Atlas pair, git inputs, accepted changes and the CI exit policy.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use xtask::diff::{
    DiffArgs, DiffError, Direction, FieldKind, Finding, Input, OutputFormat, Severity,
    SeverityModel, catalogue, diff_documents_on, execute, parse_document,
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
    // Every finding keeps oasdiff's rule and level beside the bindings level; the text report prints one
    // line per distinct change, the JSON every row.
    assert!(findings.iter().all(|f| {
        f.oasdiff_rule.as_deref() == Some(f.rule.as_str()) || f.rule.contains("media-type-version-")
    }));
    let applied = xtask::diff::Applied {
        findings: findings.clone(),
        accepted: Vec::new(),
    };
    let groups = xtask::diff::report::group(&findings).len();
    assert!(
        groups < findings.len() / 2,
        "{groups} groups of {} rows",
        findings.len()
    );
    let text = xtask::diff::render(&applied, OutputFormat::Text, false);
    assert_eq!(text.lines().count(), groups + 1);
    let json: Value =
        serde_json::from_str(&xtask::diff::render(&applied, OutputFormat::Json, false)).unwrap();
    assert_eq!(json["findings"].as_array().unwrap().len(), findings.len());
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
    // Under oasdiff's semantics nothing about these operations breaks; the bindings break where the
    // organization invitation's teamIds items lost their length limits (and pattern): the old client's
    // item type checks the length while decoding.
    assert!(at_level(&findings, SeverityModel::Oasdiff, Severity::Breaking).is_empty());
    assert_eq!(
        at_level(&findings, SeverityModel::Bindings, Severity::Breaking),
        team_id_lengths(&ORG_INVITATION_RESPONSES)
            .into_iter()
            .collect()
    );
    let item = findings
        .iter()
        .find(|f| {
            f.rule == "response-property-max-length-increased"
                && f.bindings_level == Severity::Breaking
        })
        .unwrap();
    assert_eq!(
        item.rust_item.as_deref(),
        Some("OrganizationInvitation.team_ids")
    );
    // Where the limit moved into a pattern that still bounds the length, it is only information.
    let kept = findings
        .iter()
        .find(|f| {
            f.rule == "response-property-max-length-increased"
                && f.rust_item.as_deref() == Some("GroupInvitation.group_id")
        })
        .unwrap();
    assert_eq!(
        (kept.bindings_level, kept.oasdiff_level),
        (Severity::Info, Severity::Warning)
    );
    // The deprecation is a warning to these bindings, information to oasdiff.
    let deprecated = findings
        .iter()
        .find(|f| f.rule == "endpoint-deprecated")
        .unwrap();
    assert_eq!(
        (deprecated.bindings_level, deprecated.oasdiff_level),
        (Severity::Warning, Severity::Info)
    );
}

fn args(base: &str, revision: &str) -> DiffArgs {
    DiffArgs {
        base: base.into(),
        revision: revision.into(),
        format: OutputFormat::Json,
        fail_on: Some(Severity::Breaking),
        severity_model: SeverityModel::Bindings,
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

    // Under the bindings model a rename changes no Rust name (the table of operations keeps it), so it
    // passes the gate; under oasdiff's it is breaking, which is what the accepted changes act on here.
    assert!(
        !execute(&args(&b, &r)).unwrap().failed,
        "a rename is info for these bindings"
    );
    let args = |b: &str, r: &str| DiffArgs {
        severity_model: SeverityModel::Oasdiff,
        ..args(b, r)
    };
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

/// The invitation fragment `cargo xtask pull` cuts from an upstream document: the pinned atlas-v2
/// operations that document has.
fn invitation_fragment(doc: &Value) -> Value {
    let sources = xtask::sources::Sources::load(&integration_tests::workspace_root().join("spec"))
        .expect("spec/sources.toml");
    let prefix = &sources.table.flavour("atlas-v2").expect("atlas-v2").prefix;
    // The thirteen operations the fragment held before the rest of the successor joined it: the twelve
    // invitation operations and updateOrgUser, so the counts compare like with like across revisions.
    let wanted: Vec<String> = sources
        .table
        .operations_of("atlas-v2")
        .filter(|op| op.name.contains("invitation") || op.name == "update_org_user")
        .map(|op| {
            let (method, path) = op.method_and_path();
            (method.to_ascii_lowercase(), format!("{prefix}{path}"))
        })
        .filter(|(method, path)| doc["paths"][path.as_str()].get(method).is_some())
        .map(|(method, path)| format!("{} {path}", method.to_ascii_uppercase()))
        .collect();
    xtask::fragment::extract(doc, "atlas-v2", &wanted).expect("fragment")
}

/// `(rule, operation, location)` of the findings at `level` under `model`.
fn at_level(
    findings: &[Finding],
    model: SeverityModel,
    level: Severity,
) -> BTreeSet<(String, String, String)> {
    findings
        .iter()
        .filter(|f| f.level(model) == level)
        .map(|f| {
            (
                f.rule.clone(),
                f.operation.clone().unwrap_or_default(),
                f.location.clone(),
            )
        })
        .collect()
}

const V2: &str = "/api/atlas/v2";

/// The twelve invitation operations, each renamed upstream between 2025-03-12 (and 2024-05-30) and today:
/// codegen's table still names methods from the operationId, so every generated method is renamed.
fn renamed_invitation_operations() -> Vec<(String, String, String)> {
    [
        "DELETE /groups/{groupId}/invites/{invitationId}",
        "DELETE /orgs/{orgId}/invites/{invitationId}",
        "GET /groups/{groupId}/invites",
        "GET /groups/{groupId}/invites/{invitationId}",
        "GET /orgs/{orgId}/invites",
        "GET /orgs/{orgId}/invites/{invitationId}",
        "PATCH /groups/{groupId}/invites",
        "PATCH /groups/{groupId}/invites/{invitationId}",
        "PATCH /orgs/{orgId}/invites",
        "PATCH /orgs/{orgId}/invites/{invitationId}",
        "POST /groups/{groupId}/invites",
        "POST /orgs/{orgId}/invites",
    ]
    .iter()
    .map(|op| {
        let (method, path) = op.split_once(' ').unwrap();
        (
            "api-operation-id-removed".to_string(),
            format!("{method} {V2}{path}"),
            "operationId".to_string(),
        )
    })
    .collect()
}

/// `teamIds` items of the organization invitation lost `minLength`/`maxLength` 24 and their pattern from
/// 2024-05-30 to 2025-03-12: the old client's length-checked item type refuses other lengths.
fn team_id_lengths(operations: &[&str]) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for op in operations {
        let list = op.starts_with("GET") && !op.ends_with('}');
        let location = format!(
            "responses.200.content[application/vnd.atlas.2023-01-01+json].schema{}.teamIds[]",
            // The list answers a bare array of invitations.
            if list { "[]" } else { "" }
        );
        for rule in [
            "response-property-max-length-increased",
            "response-property-min-length-decreased",
        ] {
            let (method, path) = op.split_once(' ').unwrap();
            out.push((
                rule.to_string(),
                format!("{method} {V2}{path}"),
                location.clone(),
            ));
        }
    }
    out
}

const ORG_INVITATION_RESPONSES: [&str; 5] = [
    "GET /orgs/{orgId}/invites",
    "GET /orgs/{orgId}/invites/{invitationId}",
    "PATCH /orgs/{orgId}/invites",
    "PATCH /orgs/{orgId}/invites/{invitationId}",
    "POST /orgs/{orgId}/invites",
];

#[test]
fn invitation_fragments_across_published_revisions_break_where_the_bindings_break() {
    let Some(dir) = upstream() else { return };
    let oldest = invitation_fragment(&load(&dir.join("openapi-2024-05-30.yaml")));
    let middle = invitation_fragment(&load(&dir.join("openapi-2025-03-12.yaml")));
    let today = invitation_fragment(&load(
        &integration_tests::workspace_root().join("spec/atlas-v2.json"),
    ));

    // 2025-03-12 -> today: oasdiff's semantics call 198 findings breaking: 184 response properties that
    // became nullable, 13 operationId renames and one property that became optional. 183 of the nullable
    // ones are `Option<T>` fields of error bodies and invitations, which decode null already; the 184th,
    // invitationExpiresAt, is an Option in the shared OrgUserResponse the client decodes into.
    let findings = diff_documents_on(&middle, &today, DAY);
    let oasdiff = at_level(&findings, SeverityModel::Oasdiff, Severity::Breaking);
    assert_eq!(oasdiff.len(), 198);
    let nullable = |level: Severity| -> Vec<&Finding> {
        findings
            .iter()
            .filter(|f| f.rule == "response-property-became-nullable" && f.bindings_level == level)
            .collect()
    };
    let nullable_options = nullable(Severity::Info);
    assert_eq!(nullable_options.len(), 184);
    assert_eq!(nullable(Severity::Breaking).len(), 0);
    assert!(
        nullable_options
            .iter()
            .all(|f| f.oasdiff_level == Severity::Breaking)
    );
    // What would break a typify-generated client: the users PATCH response's invitationExpiresAt, required
    // and not nullable before, optional and nullable now. These bindings decode it into the shared
    // OrgUserResponse, where it is an Option: a warning-free info. The 13 renames are info too: the table of
    // operations keeps every Rust name. Nothing of this pair breaks these clients.
    let users = format!("PATCH {V2}/orgs/{{orgId}}/users/{{userId}}");
    let expires = "responses.200.content[application/vnd.atlas.2025-02-19+json].schema.oneOf[OrgPendingUserResponse].invitationExpiresAt";
    let renames: BTreeSet<_> = renamed_invitation_operations().into_iter().collect();
    assert!(
        renames.is_subset(&at_level(
            &findings,
            SeverityModel::Bindings,
            Severity::Info
        )),
        "renames are info"
    );
    let mut expiry_changes = BTreeSet::new();
    for rule in [
        "response-property-became-optional",
        "response-property-became-nullable",
    ] {
        expiry_changes.insert((rule.to_string(), users.clone(), expires.to_string()));
    }
    assert!(expiry_changes.is_subset(&at_level(
        &findings,
        SeverityModel::Bindings,
        Severity::Info
    )));
    assert!(expiry_changes.is_subset(&oasdiff));
    assert_eq!(
        at_level(&findings, SeverityModel::Bindings, Severity::Breaking),
        BTreeSet::new()
    );
    let expiry = findings
        .iter()
        .find(|f| f.rule == "response-property-became-optional")
        .unwrap();
    assert_eq!(
        expiry.rust_item.as_deref(),
        Some("OrgPendingUserResponse.invitation_expires_at")
    );
    // The Markdown groups the 184 nullable rows into one line per field.
    let applied = xtask::diff::Applied {
        findings: findings.clone(),
        accepted: Vec::new(),
    };
    let markdown = xtask::diff::markdown(&applied);
    let nullable_lines = markdown
        .lines()
        .filter(|l| l.contains("`response-property-became-nullable`"))
        .count();
    let distinct: BTreeSet<&str> = nullable_options
        .iter()
        .map(|f| f.subject.as_str())
        .collect();
    assert_eq!(nullable_lines, distinct.len(), "{markdown}");
    assert!(nullable_lines < 20, "{nullable_lines} lines");

    // 2024-05-30 -> today: the teamIds lengths (renames are info); the users PATCH did not exist yet.
    let findings = diff_documents_on(&oldest, &today, DAY);
    let expected: BTreeSet<_> = team_id_lengths(&ORG_INVITATION_RESPONSES)
        .into_iter()
        .collect();
    assert_eq!(
        at_level(&findings, SeverityModel::Bindings, Severity::Breaking),
        expected
    );
    assert_eq!(
        at_level(&findings, SeverityModel::Oasdiff, Severity::Breaking).len(),
        94
    );
}

/// The severity model's idea of each struct field (bare, `Option`, defaulted) is what typify generated:
/// checked on every struct of the v2 client against the schema schemars derives for it.
#[test]
fn the_field_model_matches_the_generated_structs() {
    let fragment = load(&integration_tests::workspace_root().join("spec/atlas-v2.json"));
    let mut checked = 0;
    let mut kinds = BTreeSet::new();
    let mut failures = Vec::new();
    macro_rules! check {
        ($( $name:literal => $ty:ty, $direction:expr; )+) => {$(
            let schema = json!({"$ref": concat!("#/components/schemas/", $name)});
            let modelled = xtask::diff::generated_fields(&fragment, &schema, $direction);
            let derived = xtask::diff::derived_fields(
                &serde_json::to_value(schemars::schema_for!($ty)).expect("schema JSON"),
            );
            checked += derived.len();
            kinds.extend(derived.values().copied());
            if modelled != derived {
                failures.push(format!("{}:\n  model   {modelled:?}\n  derived {derived:?}", $name));
            }
        )+};
    }
    // The invitation and org-user bodies are not typify's: codegen replaces them with the shared types of
    // mongodb-invitations-types (codegen::REPLACED_SCHEMAS), whose fields are written, not modelled.
    use atlas_v2::types::*;
    check!(
        "ApiError" => ApiError, Direction::Response;
        "FieldViolation" => FieldViolation, Direction::Response;
        "GroupRole" => GroupRole, Direction::Response;
        "GroupRoleAssignment" => GroupRoleAssignment, Direction::Response;
        "Link" => Link, Direction::Response;
        "OrgActiveUserResponse" => OrgActiveUserResponse, Direction::Response;
        "OrgPendingUserResponse" => OrgPendingUserResponse, Direction::Response;
        "OrgUserRolesRequest" => OrgUserRolesRequest, Direction::Request;
        "OrgUserRolesResponse" => OrgUserRolesResponse, Direction::Response;
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // All three kinds occur, so the check means something for each.
    assert_eq!(
        kinds,
        BTreeSet::from([
            FieldKind::Required,
            FieldKind::Optional,
            FieldKind::Defaulted
        ]),
    );
    assert!(checked > 30, "only {checked} fields");
}

#[test]
fn the_severity_model_decides_the_gate() {
    let dir = tempfile::tempdir().unwrap();
    let doc = |nullable: bool| {
        json!({"openapi": "3.0.1", "paths": {"/api/atlas/v2/orgs/{orgId}/invites": {"get": {
            "operationId": "listOrgInvites",
            "responses": {"404": {"description": "Not found", "content": {"application/json": {
                "schema": {"type": "object", "properties": {"detail": {"type": "string", "nullable": nullable}}}
            }}}}
        }}}})
    };
    let (base, revision) = (dir.path().join("a.json"), dir.path().join("b.json"));
    std::fs::write(&base, doc(false).to_string()).unwrap();
    std::fs::write(&revision, doc(true).to_string()).unwrap();
    let mut a = args(&base.display().to_string(), &revision.display().to_string());
    // An `Option<String>` that may now be null: nothing to the bindings, breaking to oasdiff.
    let outcome = execute(&a).unwrap();
    assert!(!outcome.failed);
    assert_eq!(outcome.applied.findings[0].severity, Severity::Info);
    a.severity_model = SeverityModel::Oasdiff;
    let outcome = execute(&a).unwrap();
    assert!(outcome.failed);
    let f = &outcome.applied.findings[0];
    assert_eq!(
        (f.severity, f.oasdiff_rule.as_deref(), f.bindings_level),
        (
            Severity::Breaking,
            Some("response-property-became-nullable"),
            Severity::Info
        )
    );
}
