//! Build-time code generation shared by the MongoDB invitation flavour crates.
//!
//! A flavour crate's `build.rs` calls [`build`] with its flavour. The committed fragment (`spec/<flavour>.json`,
//! linked into the crate so a packaged crate carries it) is loaded, the codegen-only [`fixups`] of that flavour
//! are applied in memory (each one fails the build when it no longer finds anything to change), progenitor
//! generates the client, and three files land in `OUT_DIR`:
//!
//! - `codegen.rs`: the generated client, types and `ClientHooks` implementation;
//! - `operations.rs`: the operation table (operationId, method, path, media type, deprecated, sunset);
//! - `contract.txt`: the contract snapshot that a workspace test compares with the committed one.
//!
//! Nothing here is a runtime dependency: the flavour crates depend only on `progenitor-client` and friends.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod contract;
pub mod fixups;
pub mod generate;
pub mod operations;

use std::path::{Path, PathBuf};

pub use fixups::Fixup;
pub use operations::OperationRow;

/// What differs between the three flavours at generation time.
#[derive(Debug, Clone, Copy)]
pub struct Flavour {
    /// `atlas-v2`, `atlas-v1` or `ops-manager-v1`: names the fragment.
    pub name: &'static str,
    /// The fixups this flavour needs, in order. Each must change something.
    pub fixups: &'static [Fixup],
}

/// Atlas Administration API v2: versioned vendor media types, deprecated invitation operations.
pub const ATLAS_V2: Flavour = Flavour {
    name: "atlas-v2",
    fixups: &[
        Fixup::VendorMediaTypes,
        Fixup::DropSchemalessContent,
        Fixup::FlattenHierarchies,
        Fixup::OpenEnums,
        Fixup::StripRequestDefaults,
        Fixup::LoosenApiErrorParameters,
        Fixup::UnifyPathIds,
        Fixup::ResponsePatterns,
        Fixup::OperationDocs,
    ],
};

/// Atlas Administration API v1.0: plain `application/json`.
pub const ATLAS_V1: Flavour = Flavour {
    name: "atlas-v1",
    fixups: &[
        Fixup::OpenEnums,
        Fixup::StripRequestDefaults,
        Fixup::LoosenApiErrorParameters,
        Fixup::UnifyPathIds,
        Fixup::ResponsePatterns,
        Fixup::OperationDocs,
    ],
};

/// Ops Manager public API v1.0: derived from Atlas v1.0 by the overlay in `spec/overlays`.
pub const OPS_MANAGER_V1: Flavour = Flavour {
    name: "ops-manager-v1",
    fixups: ATLAS_V1.fixups,
};

/// Why generation failed; a build script turns it into a failed build with this message.
#[derive(Debug)]
pub struct CodegenError(pub String);

impl std::fmt::Display for CodegenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CodegenError {}

/// Entry point for `build.rs`: reads the crate's fragment, generates, writes to `OUT_DIR`, and fails the build
/// with a readable message on any error.
pub fn build(flavour: Flavour) {
    let manifest_dir = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let fragment = manifest_dir
        .join("spec")
        .join(format!("{}.json", flavour.name));
    println!("cargo:rerun-if-changed={}", fragment.display());
    if let Err(e) = generate_to(flavour, &fragment, &out_dir) {
        // A build script reports failure by exiting non-zero; the message is what the user reads.
        eprintln!("error: code generation for {} failed: {e}", flavour.name);
        std::process::exit(1);
    }
}

/// Generates the three output files for `flavour` from `fragment` into `out_dir`.
pub fn generate_to(flavour: Flavour, fragment: &Path, out_dir: &Path) -> Result<(), CodegenError> {
    let text = std::fs::read_to_string(fragment)
        .map_err(|e| CodegenError(format!("cannot read {}: {e}", fragment.display())))?;
    let output = generate::generate(flavour, &text)?;
    for (name, contents) in [
        ("codegen.rs", &output.client),
        ("operations.rs", &output.operations),
        ("contract.txt", &output.contract),
    ] {
        let path = out_dir.join(name);
        std::fs::write(&path, contents)
            .map_err(|e| CodegenError(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(())
}
