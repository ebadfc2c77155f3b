//! Maintainer commands for the MongoDB invitation bindings.
//!
//! The binary (`cargo xtask ...`) is a thin command line over this library so that the workspace tests can
//! drive the same code paths against temporary folders.

pub mod bump;
pub mod canonical;
pub mod contracts;
pub mod diff;
pub mod document;
pub mod error;
pub mod fragment;
pub mod overlay;
pub mod pull;
pub mod sources;

pub use error::PullError;

use std::path::PathBuf;

/// The workspace root, found from this crate's manifest directory (`xtask/` sits directly under the root).
pub fn project_root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(PathBuf::from).unwrap_or(here)
}
