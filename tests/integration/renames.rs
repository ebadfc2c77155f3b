//! Upstream renames every operationId (as MongoDB did in late 2025): codegen still names every method from
//! the table of operations, so the generated methods and types, which the facade is written against, are
//! the same to the byte, and only the upstream ids in the operation table and the contract change.

use integration_tests::workspace_root;
use serde_json::Value;

fn table() -> codegen::Table {
    codegen::read_table(&workspace_root().join("spec/operations.toml")).expect("table")
}

/// The fragment with every operationId replaced by a new spelling.
fn renamed(fragment: &str) -> (String, usize) {
    let mut doc: Value = serde_json::from_str(fragment).expect("fragment");
    let mut count = 0;
    for item in doc["paths"].as_object_mut().expect("paths").values_mut() {
        for op in item.as_object_mut().expect("path item").values_mut() {
            if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                let new = format!("renamed{}V9", id[..1].to_ascii_uppercase() + &id[1..]);
                op["operationId"] = Value::String(new);
                count += 1;
            }
        }
    }
    (serde_json::to_string_pretty(&doc).expect("json"), count)
}

/// The contract's sections by heading.
fn section<'a>(contract: &'a str, heading: &str) -> &'a str {
    let start = contract.find(heading).expect(heading);
    let rest = &contract[start + heading.len()..];
    &rest[..rest.find("\n## ").unwrap_or(rest.len())]
}

#[test]
fn renaming_every_upstream_operation_id_changes_no_rust_name() {
    let table = table();
    for flavour in codegen::FLAVOURS {
        let path = workspace_root().join(format!("spec/{}.json", flavour.name));
        let original = std::fs::read_to_string(path).expect("fragment");
        let (text, count) = renamed(&original);
        assert!(count >= 12, "{}: {count} operations renamed", flavour.name);

        let before = codegen::generate::generate(flavour, &original, &table).expect("generate");
        let after = codegen::generate::generate(flavour, &text, &table).expect("generate renamed");

        // What the facade compiles against: every method signature and every type, unchanged.
        assert_eq!(
            section(&before.contract, "## methods"),
            section(&after.contract, "## methods"),
            "{}: method signatures changed with the upstream names",
            flavour.name
        );
        assert_eq!(
            section(&before.contract, "## types"),
            section(&after.contract, "## types"),
            "{}",
            flavour.name
        );
        // The upstream ids are data: each operation line changes in its upstream id and nowhere else.
        let ops_before: Vec<&str> = section(&before.contract, "## operations").lines().collect();
        let ops_after: Vec<&str> = section(&after.contract, "## operations").lines().collect();
        assert_eq!(ops_before.len(), ops_after.len());
        let mut changed = 0;
        for (b, a) in ops_before.iter().zip(&ops_after) {
            if b != a {
                changed += 1;
                let strip = |line: &str| {
                    let (name, rest) = line.split_once(" (upstream ").expect("upstream id");
                    let (_, tail) = rest.split_once(") ").expect("after the id");
                    format!("{name} {tail}")
                };
                assert_eq!(strip(b), strip(a), "{}", flavour.name);
                assert!(a.contains("(upstream renamed"), "{a}");
            }
        }
        assert_eq!(
            changed, count,
            "{}: one contract line per rename",
            flavour.name
        );
        assert_ne!(
            before.operations, after.operations,
            "the table keeps the new ids"
        );
        assert!(after.operations.contains("operation_id: \"renamedUpdate"));
    }
}

#[test]
fn an_operation_missing_from_the_table_fails_generation_naming_it() {
    let table = table();
    let path = workspace_root().join("spec/atlas-v1.json");
    let mut doc: Value =
        serde_json::from_slice(&std::fs::read(path).expect("fragment")).expect("JSON");
    let paths = doc["paths"].as_object_mut().expect("paths");
    let item = paths["/api/atlas/v1.0/orgs/{orgId}/invites"].clone();
    paths.insert("/api/atlas/v1.0/orgs/{orgId}/invitesNew".into(), item);
    let err = codegen::generate::generate(codegen::ATLAS_V1, &doc.to_string(), &table)
        .expect_err("no row for the new path");
    assert!(
        err.0
            .contains("GET /api/atlas/v1.0/orgs/{orgId}/invitesNew")
            && err.0.contains("has no row in spec/operations.toml"),
        "{err}"
    );
}

#[test]
fn an_operation_the_revision_lacks_is_absent_not_an_error() {
    let table = table();
    let path = workspace_root().join("spec/atlas-v2.json");
    let mut doc: Value =
        serde_json::from_slice(&std::fs::read(path).expect("fragment")).expect("JSON");
    doc["paths"]
        .as_object_mut()
        .expect("paths")
        .remove("/api/atlas/v2/orgs/{orgId}/users/{userId}");
    let out = codegen::generate::generate(codegen::ATLAS_V2, &doc.to_string(), &table)
        .expect("an older revision still generates");
    assert_eq!(
        out.absent,
        ["get_org_user", "update_org_user", "remove_org_user"]
    );
    assert!(
        out.contract
            .contains("update_org_user absent from this revision")
    );
    // The macro the facade calls through sends absent operations to their fallback branch.
    assert!(
        out.operations
            .contains("(update_org_user, { $($yes:tt)* }, { $($no:tt)* }) => { $($no)* };")
    );
}
