//! Shared helpers for the workspace integration tests (`tests/integration`).

#![forbid(unsafe_code)]

pub mod capture;
pub mod corpus;

/// The README's Rust examples, compiled as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

use std::path::PathBuf;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .expect("tests/ sits under the workspace root")
}

/// `../shared/upstream` beside the checkout, or `None` (with the reason printed) when this clone has no
/// `../shared`, as on a fresh clone outside CI.
pub fn shared_upstream() -> Option<PathBuf> {
    let dir = workspace_root().join("../shared/upstream");
    if dir.join("atlas-v2").is_dir() {
        Some(dir)
    } else {
        println!(
            "skipped: {} is absent (it is only beside CI's clone)",
            dir.display()
        );
        None
    }
}
