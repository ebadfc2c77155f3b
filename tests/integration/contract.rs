//! The committed contract snapshots match what this build generated.

use integration_tests::workspace_root;

#[test]
fn contract_snapshots_are_fresh() {
    let generated = [
        ("atlas-v2", atlas_v2::CONTRACT_SNAPSHOT),
        ("atlas-v1", atlas_v1::CONTRACT_SNAPSHOT),
        ("ops-manager-v1", ops_manager_v1::CONTRACT_SNAPSHOT),
    ];
    let update = std::env::var_os("UPDATE_CONTRACTS").is_some();
    let mut stale = Vec::new();
    for (flavour, snapshot) in generated {
        let path = workspace_root().join(format!("crates/{flavour}/contract.txt"));
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != snapshot {
            if update {
                std::fs::write(&path, snapshot).expect("write contract");
            } else {
                stale.push(format!("crates/{flavour}/contract.txt"));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale contract snapshot(s): {}. Review the generated change, then run \
         `UPDATE_CONTRACTS=1 cargo test -p integration-tests contract` and commit the result.",
        stale.join(", ")
    );
}
