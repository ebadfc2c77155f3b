//! The committed contract snapshots match what this build generated, and `cargo xtask contracts` (their one
//! writer) computes the same text as the flavour crates' build scripts.

use integration_tests::workspace_root;

fn generated() -> [(&'static str, &'static str); 3] {
    [
        ("atlas-v2", atlas_v2::CONTRACT_SNAPSHOT),
        ("atlas-v1", atlas_v1::CONTRACT_SNAPSHOT),
        ("ops-manager-v1", ops_manager_v1::CONTRACT_SNAPSHOT),
    ]
}

#[test]
fn contract_snapshots_are_fresh() {
    let mut stale = Vec::new();
    for (flavour, snapshot) in generated() {
        let path = workspace_root().join(format!("crates/{flavour}/contract.txt"));
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != snapshot {
            stale.push(format!("crates/{flavour}/contract.txt"));
        }
    }
    assert!(
        stale.is_empty(),
        "stale contract snapshot(s): {}. Review the generated change, then run `cargo xtask contracts` \
         and commit the result.",
        stale.join(", ")
    );
}

#[test]
fn the_xtask_writer_computes_what_the_build_generated() {
    let computed = xtask::contracts::compute(&workspace_root()).expect("contracts");
    assert_eq!(computed.len(), 3);
    for snapshot in computed {
        let (_, built) = generated()
            .into_iter()
            .find(|(f, _)| *f == snapshot.flavour)
            .expect("a flavour crate per codegen flavour");
        assert!(
            snapshot.text == built,
            "`cargo xtask contracts` and the {} build script disagree",
            snapshot.flavour
        );
    }
}
