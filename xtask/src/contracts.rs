//! `cargo xtask contracts [--check]`: the contract snapshots `crates/<flavour>/contract.txt`, computed from
//! the committed fragments with the same codegen library the flavour crates' build scripts run.

use std::path::{Path, PathBuf};

use crate::canonical::write_atomic;

/// The generator's description of a flavour, by its name in `spec/operations.toml`.
pub fn codegen_flavour(name: &str) -> Option<codegen::Flavour> {
    codegen::flavour(name)
}

/// Every flavour the generator knows, in its order.
pub fn flavour_names() -> [&'static str; 3] {
    codegen::FLAVOURS.map(|f| f.name)
}

/// The committed snapshot of a flavour under `root`.
pub fn snapshot_path(root: &Path, flavour: &str) -> PathBuf {
    root.join("crates").join(flavour).join("contract.txt")
}

/// The contract snapshot codegen makes of `fragment` (JSON text) for `flavour`: the one place that calls
/// the generator. Unused fixups are named in the snapshot and reported by `pull` (see
/// [`codegen::unused_fixups`]).
pub fn snapshot(
    flavour: codegen::Flavour,
    fragment: &str,
    table: &codegen::Table,
) -> Result<String, codegen::CodegenError> {
    Ok(codegen::generate::generate(flavour, fragment, table)?.contract)
}

/// One snapshot compared with what the committed fragment generates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// Flavour name.
    pub flavour: &'static str,
    /// `crates/<flavour>/contract.txt`.
    pub path: PathBuf,
    /// Whether the committed file already holds `text`.
    pub fresh: bool,
    /// What the fragment generates.
    pub text: String,
}

/// Computes every flavour's snapshot from `root/spec/<flavour>.json`.
pub fn compute(root: &Path) -> Result<Vec<Snapshot>, String> {
    let table = codegen::read_table(&root.join("spec").join(codegen::table::FILE_NAME))
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for name in flavour_names() {
        let fragment_path = root.join("spec").join(format!("{name}.json"));
        let fragment = std::fs::read_to_string(&fragment_path)
            .map_err(|e| format!("{}: {e}", fragment_path.display()))?;
        let flavour = codegen_flavour(name).expect("listed by flavour_names");
        let text = snapshot(flavour, &fragment, &table).map_err(|e| format!("{name}: {e}"))?;
        let path = snapshot_path(root, name);
        let fresh = std::fs::read_to_string(&path).is_ok_and(|old| old == text);
        out.push(Snapshot {
            flavour: name,
            path,
            fresh,
            text,
        });
    }
    Ok(out)
}

/// Runs the command: computes all snapshots, then (without `check`) replaces each stale file atomically.
/// Returns the stale snapshots' paths relative to `root`.
pub fn run(root: &Path, check: bool) -> Result<Vec<String>, String> {
    let snapshots = compute(root)?;
    let stale: Vec<&Snapshot> = snapshots.iter().filter(|s| !s.fresh).collect();
    if !check {
        for s in &stale {
            write_atomic(&s.path, s.text.as_bytes())
                .map_err(|e| format!("{}: {e}", s.path.display()))?;
        }
    }
    Ok(stale
        .iter()
        .map(|s| format!("crates/{}/contract.txt", s.flavour))
        .collect())
}
