//! The rule fixtures (`xtask/tests/fixtures/diff/*.yaml`, one before/after pair per rule with the exact
//! findings expected) and the library entry points other tests build on.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::{Value, json};

use super::*;

/// The date fixtures are diffed on unless they name one.
const FIXTURE_DAY: &str = "2026-01-01";

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/diff")
}

/// One expected finding: rule, oasdiff level, bindings level, operation, location.
type Expected = (String, String, String, Option<String>, String);

struct Fixture {
    name: String,
    base: Value,
    revision: Value,
    today: String,
    expect: Vec<Expected>,
}

fn fixtures() -> Vec<Fixture> {
    let mut out = Vec::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(fixture_dir())
        .expect("fixture folder")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    for path in paths {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let doc: Value = serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let expect = doc["expect"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: no expect list"))
            .iter()
            .map(|e| {
                let field = |k: &str| e[k].as_str().map(str::to_string);
                (
                    field("rule").unwrap(),
                    field("oasdiff").unwrap_or_else(|| panic!("{name}: no oasdiff level")),
                    field("bindings").unwrap_or_else(|| panic!("{name}: no bindings level")),
                    field("operation"),
                    field("location").unwrap(),
                )
            })
            .collect();
        out.push(Fixture {
            name,
            today: doc["today"].as_str().unwrap_or(FIXTURE_DAY).to_string(),
            base: doc["base"].clone(),
            revision: doc["revision"].clone(),
            expect,
        });
    }
    assert!(out.len() > 100, "fixtures missing from {:?}", fixture_dir());
    out
}

/// Each fixture lists every finding with its level under both severity models.
#[test]
fn every_fixture_gives_exactly_its_findings_under_both_models() {
    let mut failures = Vec::new();
    for f in fixtures() {
        let findings = diff_documents_on(&f.base, &f.revision, &f.today);
        let got: BTreeSet<_> = findings
            .iter()
            .map(|x| {
                (
                    x.rule.clone(),
                    x.level(SeverityModel::Oasdiff).name().to_string(),
                    x.level(SeverityModel::Bindings).name().to_string(),
                    x.operation.clone(),
                    x.location.clone(),
                )
            })
            .collect();
        // The default severity is the bindings level; the oasdiff model swaps it for oasdiff's.
        let mut swapped = findings.clone();
        apply_model(&mut swapped, SeverityModel::Oasdiff);
        assert!(
            findings
                .iter()
                .zip(&swapped)
                .all(|(b, o)| b.severity == b.bindings_level && o.severity == o.oasdiff_level),
            "{}",
            f.name
        );
        let want: BTreeSet<_> = f.expect.iter().cloned().collect();
        if got != want {
            failures.push(format!(
                "{}:\n  expected {want:?}\n  got      {got:?}",
                f.name
            ));
        }
        // The file is named after the rule it shows (`rule.variant.yaml`), or says it shows no change.
        let rule = f.name.split('.').next().unwrap();
        assert!(
            rule == "no-finding" || f.expect.iter().any(|e| e.0 == rule),
            "{}: named after a rule it does not expect",
            f.name
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn fixtures_cover_the_catalogue() {
    let all: BTreeSet<String> = catalogue().into_iter().collect();
    let shown: BTreeSet<String> = fixtures()
        .into_iter()
        .flat_map(|f| f.expect.into_iter().map(|e| e.0))
        .collect();
    let unknown: Vec<_> = shown.difference(&all).collect();
    assert!(unknown.is_empty(), "fixtures use unknown rules {unknown:?}");
    // Every fixed rule (the accepted-change ones are shown by the tests below) and every schema rule at
    // property level, in both directions, has its own pair. Other prefixes run the same code.
    let mut needed: BTreeSet<String> = FIXED_RULES
        .iter()
        .filter(|r| !r.starts_with("accepted-change"))
        .map(|r| r.to_string())
        .collect();
    for prefix in ["request-property", "response-property"] {
        needed.extend(SCHEMA_RULES.iter().map(|r| format!("{prefix}-{r}")));
    }
    let missing: Vec<_> = needed.difference(&shown).collect();
    assert!(missing.is_empty(), "rules without a fixture: {missing:?}");
}

fn finding(rule: &str, operation: Option<&str>) -> Finding {
    Finding {
        rule: rule.into(),
        severity: Severity::Breaking,
        operation: operation.map(str::to_string),
        location: "operationId".into(),
        before: json!("a"),
        after: json!("b"),
        message: "m".into(),
        oasdiff_rule: Some(rule.into()),
        oasdiff_level: Severity::Breaking,
        bindings_level: Severity::Breaking,
        bindings_reason: "the generated method's name changes".into(),
        rust_item: Some("Client::a".into()),
        subject: "operationId".into(),
    }
}

#[test]
fn accepted_changes_silence_until_they_expire_and_report_unused_entries() {
    let text = r#"
[[accept]]
rule = "api-operation-id-removed"
operation = "GET /a"
reason = "renamed upstream; alias kept"
expires = 2026-03-31

[[accept]]
rule = "endpoint-removed"
operation = "GET /gone"
reason = "announced"
expires = "2026-03-31"

[[accept]]
rule = "api-operation-id-removed"
operation = "GET /b"
reason = "old"
expires = 2025-12-31
"#;
    let entries = parse_accepted(text, std::path::Path::new("accepted.toml")).unwrap();
    let findings = vec![
        finding("api-operation-id-removed", Some("GET /a")),
        finding("api-operation-id-removed", Some("GET /b")),
    ];
    let applied = apply_accepted(findings, &entries, "2026-01-01");
    assert_eq!(applied.accepted.len(), 1);
    assert_eq!(applied.accepted[0].operation.as_deref(), Some("GET /a"));
    let rules: Vec<(&str, Severity, Option<&str>)> = applied
        .findings
        .iter()
        .map(|f| (f.rule.as_str(), f.severity, f.operation.as_deref()))
        .collect();
    assert_eq!(
        rules,
        vec![
            (
                "api-operation-id-removed",
                Severity::Breaking,
                Some("GET /b")
            ),
            ("accepted-change-unused", Severity::Info, Some("GET /gone")),
            ("accepted-change-expired", Severity::Warning, Some("GET /b")),
        ]
    );
    // The last day still counts; the day after it does not.
    let on_expiry = apply_accepted(
        vec![finding("api-operation-id-removed", Some("GET /a"))],
        &entries[..1],
        "2026-03-31",
    );
    assert_eq!(on_expiry.accepted.len(), 1);
    let after = apply_accepted(
        vec![finding("api-operation-id-removed", Some("GET /a"))],
        &entries[..1],
        "2026-04-01",
    );
    assert_eq!(after.accepted.len(), 0);
}

#[test]
fn malformed_accepted_entries_are_load_errors() {
    let path = std::path::Path::new("accepted.toml");
    for bad in [
        "[[accept]]\nrule = \"x\"\nreason = \"r\"\nexpires = \"soon\"\n",
        "[[accept]]\nrule = \"x\"\nreason = \" \"\nexpires = 2026-01-01\n",
        "[[accept]]\nrule = \"x\"\nexpires = 2026-01-01\n",
        "[[accept]]\nrule = \"x\"\nreason = \"r\"\nexpires = 2026-01-01\nextra = 1\n",
    ] {
        assert!(
            matches!(parse_accepted(bad, path), Err(DiffError::Accepted { .. })),
            "accepted: {bad}"
        );
    }
}

#[test]
fn the_committed_accepted_changes_file_parses() {
    let path = crate::project_root().join("spec/accepted-changes.toml");
    load_accepted(&path).unwrap();
}

#[test]
fn schemars_spelling_compares_equal_to_openapi_spelling() {
    // JSON Schema 2020-12 as schemars writes it: `$defs`, type arrays with "null", `anyOf` with a null branch.
    let derived = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {
            "username": {"type": "string"},
            "roles": {"type": ["array", "null"], "items": {"$ref": "#/$defs/OrgRole"}},
            "links": {"anyOf": [{"$ref": "#/$defs/Link"}, {"type": "null"}]}
        },
        "required": ["username"],
        "$defs": {
            "OrgRole": {"type": "string", "enum": ["ORG_OWNER", "ORG_MEMBER"]},
            "Link": {"type": "object", "properties": {"href": {"type": "string"}}}
        }
    });
    let fragment = json!({
        "components": {"schemas": {
            "Invitation": {"type": "object", "required": ["username"], "properties": {
                "username": {"type": "string"},
                "roles": {"type": "array", "nullable": true, "items": {"type": "string", "enum": ["ORG_OWNER", "ORG_MEMBER"]}},
                "links": {"allOf": [{"$ref": "#/components/schemas/Link"}], "nullable": true}
            }},
            "Link": {"type": "object", "properties": {"href": {"type": "string"}}}
        }}
    });
    let schema = json!({"$ref": "#/components/schemas/Invitation"});
    let spec = SchemaIn::within(&fragment, &schema);
    for direction in [Direction::Request, Direction::Response] {
        assert_eq!(
            diff_schemas(spec, SchemaIn::root(&derived), direction),
            vec![]
        );
    }
}

#[test]
fn a_codegen_fixup_that_drops_a_field_or_a_requirement_is_caught() {
    let fragment = json!({
        "type": "object",
        "required": ["username", "roles"],
        "properties": {"username": {"type": "string"}, "roles": {"type": "array", "items": {"type": "string"}}}
    });
    let derived = json!({
        "type": "object",
        "required": ["username"],
        "properties": {"username": {"type": "string"}}
    });
    let got: Vec<(String, Severity, String)> = diff_schemas(
        SchemaIn::root(&fragment),
        SchemaIn::root(&derived),
        Direction::Response,
    )
    .into_iter()
    .map(|f| (f.rule, f.severity, f.location))
    .collect();
    assert_eq!(
        got,
        vec![(
            "response-required-property-removed".to_string(),
            Severity::Breaking,
            "schema.roles".to_string()
        )]
    );
}

#[test]
fn recursive_schemas_terminate() {
    let doc = |extra: &str| {
        json!({"components": {"schemas": {"Node": {"type": "object", "properties": {
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
            extra: {"type": "string"}
        }}}}})
    };
    let (a, b) = (doc("x"), doc("y"));
    let root = json!({"$ref": "#/components/schemas/Node"});
    let got = diff_schemas(
        SchemaIn::within(&a, &root),
        SchemaIn::within(&b, &root),
        Direction::Response,
    );
    let rules: Vec<_> = got
        .iter()
        .map(|f| (f.rule.as_str(), f.location.as_str()))
        .collect();
    assert_eq!(
        rules,
        vec![
            ("response-optional-property-removed", "schema.x"),
            ("response-optional-property-added", "schema.y"),
        ]
    );
}

#[test]
fn body_schema_finds_the_newest_json_version() {
    let doc = json!({"paths": {"/orgs/{orgId}/users/{userId}": {"patch": {
        "requestBody": {"$ref": "#/components/requestBodies/Update"},
        "responses": {"200": {"content": {
            "application/vnd.atlas.2023-01-01+json": {"schema": {"title": "old"}},
            "application/vnd.atlas.2025-02-19+json": {"schema": {"title": "new"}},
            "text/csv": {"schema": {"title": "csv"}}
        }}}
    }}},
    "components": {"requestBodies": {"Update": {"content": {"application/json": {"schema": {"title": "req"}}}}}}});
    let op = "PATCH /orgs/{ORG-ID}/users/{USER-ID}";
    assert_eq!(
        body_schema(&doc, op, Body::Response("200")),
        Some(&json!({"title": "new"}))
    );
    assert_eq!(
        body_schema(&doc, op, Body::Request),
        Some(&json!({"title": "req"}))
    );
    assert_eq!(body_schema(&doc, op, Body::Response("404")), None);
    assert_eq!(
        body_schema(&doc, "GET /orgs/{x}/users/{y}", Body::Request),
        None
    );
}

#[test]
fn json_report_has_the_documented_shape() {
    let applied = Applied {
        findings: vec![finding("api-operation-id-removed", Some("GET /a"))],
        accepted: vec![finding("endpoint-removed", None)],
    };
    let report: Value = serde_json::from_str(&render(&applied, OutputFormat::Json, false)).unwrap();
    assert_eq!(
        report,
        json!({
            "findings": [{
                "rule": "api-operation-id-removed", "severity": "breaking", "operation": "GET /a",
                "location": "operationId", "before": "a", "after": "b", "message": "m",
                "oasdiff_rule": "api-operation-id-removed", "oasdiff_level": "breaking",
                "bindings_level": "breaking", "bindings_reason": "the generated method's name changes",
                "rust_item": "Client::a", "subject": "operationId"
            }],
            "summary": {"breaking": 1, "warning": 0, "info": 0, "total": 1, "accepted": 1}
        })
    );
    let plain = render(&applied, OutputFormat::Text, false);
    assert!(!plain.contains('\u{1b}'));
    assert!(render(&applied, OutputFormat::Text, true).contains("\u{1b}["));
}

/// Two operations returning the same component: one change, reported once with both operations.
fn shared_component(nullable: bool) -> Value {
    let op = |id: &str| {
        json!({"operationId": id, "responses": {"200": {"description": "OK", "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}}}}})
    };
    json!({"openapi": "3.0.1", "paths": {
        "/a": {"get": op("getA")},
        "/b": {"get": op("getB")}
    }, "components": {"schemas": {"ApiError": {"type": "object", "required": ["errorCode"], "properties": {
        "errorCode": {"type": "string"},
        "detail": {"type": "string", "nullable": nullable},
        "reason": {"type": "string", "nullable": nullable}
    }}}}})
}

#[test]
fn text_and_markdown_give_one_line_per_distinct_change_and_json_every_row() {
    let mut findings = diff_documents_on(
        &shared_component(false),
        &shared_component(true),
        FIXTURE_DAY,
    );
    sort_for_report(&mut findings);
    let applied = Applied {
        findings,
        accepted: Vec::new(),
    };
    let rows: Vec<(&str, &str, Option<&str>, Severity)> = applied
        .findings
        .iter()
        .map(|f| {
            (
                f.subject.as_str(),
                f.operation.as_deref().unwrap(),
                f.rust_item.as_deref(),
                f.severity,
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (
                "ApiError.detail",
                "GET /a",
                Some("ApiError.detail"),
                Severity::Info
            ),
            (
                "ApiError.reason",
                "GET /a",
                Some("ApiError.reason"),
                Severity::Info
            ),
            (
                "ApiError.detail",
                "GET /b",
                Some("ApiError.detail"),
                Severity::Info
            ),
            (
                "ApiError.reason",
                "GET /b",
                Some("ApiError.reason"),
                Severity::Info
            ),
        ]
    );
    let json: Value = serde_json::from_str(&render(&applied, OutputFormat::Json, false)).unwrap();
    assert_eq!(json["findings"].as_array().unwrap().len(), 4);

    let text = render(&applied, OutputFormat::Text, false);
    assert_eq!(
        text,
        "info     response-property-became-nullable [ApiError.detail] at ApiError.detail: the value became \
         nullable (the old field is an `Option<T>`, which decodes null; oasdiff: breaking) in GET /a, GET /b\n\
         info     response-property-became-nullable [ApiError.reason] at ApiError.reason: the value became \
         nullable (the old field is an `Option<T>`, which decodes null; oasdiff: breaking) in GET /a, GET /b\n\
         0 breaking, 0 warning, 4 info (0 accepted); 2 distinct changes\n"
    );
    assert_eq!(
        markdown(&applied),
        render(&applied, OutputFormat::Markdown, false)
    );
    assert_eq!(
        markdown(&applied),
        "### API contract changes: 0 breaking, 0 warning, 4 info (0 accepted); 2 distinct changes\n\n\
         | Severity | Rule | Rust item | Change | Operations |\n\
         |---|---|---|---|---|\n\
         | info | `response-property-became-nullable` | `ApiError.detail` | ApiError.detail: the value became \
         nullable (the old field is an `Option<T>`, which decodes null; oasdiff: breaking) | `GET /a`, `GET /b` |\n\
         | info | `response-property-became-nullable` | `ApiError.reason` | ApiError.reason: the value became \
         nullable (the old field is an `Option<T>`, which decodes null; oasdiff: breaking) | `GET /a`, `GET /b` |\n"
    );
}

#[test]
fn an_operation_id_rename_is_one_finding_with_both_names_and_the_method_it_renames() {
    let doc = |id: &str| {
        json!({"openapi": "3.0.1", "paths": {"/api/atlas/v2/orgs/{orgId}/invites": {"get": {
            "operationId": id, "responses": {"200": {"description": "OK"}}}}}})
    };
    let findings = diff_documents_on(
        &doc("listOrganizationInvitations"),
        &doc("listOrgInvites"),
        FIXTURE_DAY,
    );
    assert_eq!(findings.len(), 1);
    let f = &findings[0];
    assert_eq!(
        (&f.before, &f.after),
        (
            &json!("listOrganizationInvitations"),
            &json!("listOrgInvites")
        )
    );
    // The table of operations names the method on both sides alike, so the rename is information only.
    assert_eq!(f.rust_item.as_deref(), Some("Client::list_org_invitations"));
    assert_eq!(
        (f.oasdiff_level, f.bindings_level),
        (Severity::Breaking, Severity::Info)
    );
    // Were the method renamed, the rename would break callers.
    let (level, _) = bindings::classify(
        &f.rule,
        f.oasdiff_level,
        &f.before,
        &f.after,
        bindings::Facts {
            method_renamed: true,
            ..bindings::Facts::default()
        },
    );
    assert_eq!(level, Severity::Breaking);
}

#[test]
fn pattern_lengths_of_upstream_id_and_name_patterns() {
    use super::schema::pattern_length;
    assert_eq!(pattern_length("^([a-f0-9]{24})$"), Some((24, Some(24))));
    assert_eq!(
        pattern_length("^[\\p{L}\\p{N}\\-_.(),:&@+']{1,64}$"),
        Some((1, Some(64)))
    );
    assert_eq!(pattern_length("^\\d{2,}$"), Some((2, None)));
    assert_eq!(pattern_length("^\\p{L}{3}$"), Some((3, Some(3))));
    for open in [
        "^[a-z]+$",
        "^(a)(b){2}$",
        "[a-f0-9]{24}",
        "^[a-z]{2}-[0-9]{2}$",
    ] {
        assert_eq!(pattern_length(open), None, "{open}");
    }
}
