//! Shared helpers for the workspace integration tests (`tests/integration`).

#![forbid(unsafe_code)]

pub mod capture;
pub mod corpus;

/// The README's Rust examples, compiled as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .expect("tests/ sits under the workspace root")
}

/// Set (to `1`) by `.ci/run`: a test that needs `../shared` then fails, naming what is missing, instead of
/// skipping, so CI cannot pass with a test that did not run.
pub const REQUIRE_SHARED: &str = "MONGODB_INVITATIONS_REQUIRE_SHARED";

/// Whether [`REQUIRE_SHARED`] is set to `1` in this process's environment.
pub fn shared_required() -> bool {
    std::env::var_os(REQUIRE_SHARED).is_some_and(|v| v == "1")
}

/// `../shared/<relative>` beside the checkout, or `None` (with the reason printed) when this clone has no
/// such folder, as on a fresh clone outside CI. Every test that needs `../shared` comes through here.
///
/// # Panics
/// When the folder is absent and [`REQUIRE_SHARED`] is set.
pub fn shared(relative: &str) -> Option<PathBuf> {
    shared_in(
        &workspace_root().join("../shared"),
        relative,
        shared_required(),
    )
}

/// [`shared`] with the shared folder and the requirement given (for its tests).
///
/// # Panics
/// When `base/relative` is absent and `required`.
pub fn shared_in(base: &Path, relative: &str, required: bool) -> Option<PathBuf> {
    let dir = base.join(relative);
    if dir.exists() {
        return Some(dir);
    }
    if required {
        panic!(
            "{} is absent, and {REQUIRE_SHARED}=1 forbids skipping the tests that need it",
            dir.display()
        );
    }
    println!(
        "skipped: {} is absent (it is only beside CI's clone)",
        dir.display()
    );
    None
}

/// `../shared/upstream` (the upstream documents; see [`shared`]).
pub fn shared_upstream() -> Option<PathBuf> {
    shared("upstream/atlas-v2").and_then(|dir| dir.parent().map(Path::to_path_buf))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_present_folder_is_found_either_way() {
        let base = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(base.path().join("upstream/atlas-v2")).unwrap();
        for required in [false, true] {
            assert_eq!(
                shared_in(base.path(), "upstream/atlas-v2", required),
                Some(base.path().join("upstream/atlas-v2"))
            );
        }
    }

    #[test]
    fn an_absent_folder_skips_unless_required() {
        let base = tempfile::tempdir().unwrap();
        assert_eq!(shared_in(base.path(), "upstream/atlas-v2", false), None);
        let panic = std::panic::catch_unwind(|| shared_in(base.path(), "upstream/atlas-v2", true))
            .expect_err("required and absent must panic");
        let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(
            message.contains("upstream/atlas-v2 is absent")
                && message.contains("MONGODB_INVITATIONS_REQUIRE_SHARED=1"),
            "{message}"
        );
    }

    /// Run by [`the_environment_variable_decides`] in a child process; does nothing otherwise.
    #[test]
    fn probe_a_missing_shared_folder() {
        if std::env::var_os("INTEGRATION_TESTS_PROBE").is_some() {
            let found = shared("no-such-folder-for-the-probe");
            println!("probe returned {found:?}");
        }
    }

    /// The variable `.ci/run` exports, read from the real environment of a test process.
    #[test]
    fn the_environment_variable_decides() {
        let run = |require: Option<&str>| {
            let mut child = std::process::Command::new(std::env::current_exe().unwrap());
            child
                .args([
                    "--exact",
                    "tests::probe_a_missing_shared_folder",
                    "--nocapture",
                ])
                .env("INTEGRATION_TESTS_PROBE", "1")
                .env_remove(REQUIRE_SHARED);
            if let Some(value) = require {
                child.env(REQUIRE_SHARED, value);
            }
            let out = child.output().unwrap();
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            (out.status.success(), text)
        };
        let (ok, text) = run(None);
        assert!(
            ok && text.contains("skipped: ") && text.contains("probe returned None"),
            "{text}"
        );
        let (ok, text) = run(Some("1"));
        assert!(
            !ok && text.contains("no-such-folder-for-the-probe is absent"),
            "{text}"
        );
        let (ok, text) = run(Some("0"));
        assert!(ok && text.contains("probe returned None"), "{text}");
    }
}
