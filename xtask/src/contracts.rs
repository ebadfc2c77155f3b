//! `cargo xtask contracts [--check]`: the contract snapshots `crates/<flavour>/contract.txt`, computed from
//! the committed fragments with the same codegen library the flavour crates' build scripts run.

use std::path::{Path, PathBuf};

use crate::canonical::write_atomic;

/// The generator's description of a flavour, by the name `spec/sources.toml` uses.
pub fn codegen_flavour(name: &str) -> Option<codegen::Flavour> {
    [
        codegen::ATLAS_V2,
        codegen::ATLAS_V1,
        codegen::OPS_MANAGER_V1,
    ]
    .into_iter()
    .find(|f| f.name == name)
}

/// Every flavour the generator knows, in its order.
pub fn flavour_names() -> [&'static str; 3] {
    [
        codegen::ATLAS_V2.name,
        codegen::ATLAS_V1.name,
        codegen::OPS_MANAGER_V1.name,
    ]
}

/// The committed snapshot of a flavour under `root`.
pub fn snapshot_path(root: &Path, flavour: &str) -> PathBuf {
    root.join("crates").join(flavour).join("contract.txt")
}

/// The contract snapshot codegen makes of `fragment` (JSON text) for `flavour`.
///
/// The one place that calls the generator. Fixups that find nothing to change are left out first: codegen
/// still fails on them, and they are reported separately (see [`codegen::unused_fixups`]).
pub fn snapshot(
    flavour: codegen::Flavour,
    fragment: &str,
) -> Result<String, codegen::CodegenError> {
    let unused = codegen::unused_fixups(flavour, fragment)?;
    let flavour = if unused.is_empty() {
        flavour
    } else {
        let kept: Vec<codegen::Fixup> = flavour
            .fixups
            .iter()
            .copied()
            .filter(|f| !unused.contains(&f.name()))
            .collect();
        // A handful of bytes per command run; `Flavour` holds a `'static` list.
        codegen::Flavour {
            name: flavour.name,
            fixups: Vec::leak(kept),
        }
    };
    Ok(codegen::generate::generate(flavour, fragment)?.contract)
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
    let mut out = Vec::new();
    for name in flavour_names() {
        let fragment_path = root.join("spec").join(format!("{name}.json"));
        let fragment = std::fs::read_to_string(&fragment_path)
            .map_err(|e| format!("{}: {e}", fragment_path.display()))?;
        let flavour = codegen_flavour(name).expect("listed by flavour_names");
        let text = snapshot(flavour, &fragment).map_err(|e| format!("{name}: {e}"))?;
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
