//! Errors of `cargo xtask pull`: each names the flavour and what was wrong with its input.

use std::path::PathBuf;

/// Everything that can stop a pull. None of them leaves a partly written `spec/`.
#[derive(Debug, thiserror::Error)]
pub enum PullError {
    /// `spec/sources.toml` could not be read or does not describe the flavours correctly.
    #[error("spec/sources.toml: {0}")]
    Sources(String),
    /// The named flavour is not in `spec/sources.toml`.
    #[error("unknown flavour `{0}` (known: {1})")]
    UnknownFlavour(String, String),
    /// The downloaded or local document does not hash to the pinned value.
    #[error(
        "{flavour}: sha256 mismatch for {origin}\n  expected {expected}\n  actual   {actual}\n  (if the new document is intended, re-run with --update-pin)"
    )]
    Sha256Mismatch {
        /// Flavour being pulled.
        flavour: String,
        /// Where the bytes came from.
        origin: String,
        /// The pinned hash.
        expected: String,
        /// The hash of the bytes read.
        actual: String,
    },
    /// The upstream entry carries no hash yet.
    #[error(
        "{flavour}: {origin} has no pinned sha256; re-run with --update-pin to record {actual}"
    )]
    MissingPin {
        /// Flavour being pulled.
        flavour: String,
        /// Where the bytes came from.
        origin: String,
        /// The hash of the bytes read.
        actual: String,
    },
    /// Reading a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Downloading failed.
    #[error("download of {url} failed: {message}")]
    Download {
        /// The URL.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// The document is not valid YAML or JSON (truncated, malformed).
    #[error("{origin}: not a valid {format} document: {message}")]
    Parse {
        /// Where the bytes came from.
        origin: String,
        /// `yaml` or `json`.
        format: String,
        /// The parser's message.
        message: String,
    },
    /// The document is not OpenAPI 3.0.x.
    #[error("{origin}: OpenAPI version {found} is not supported (only 3.0.x)")]
    UnsupportedVersion {
        /// Where the bytes came from.
        origin: String,
        /// The `openapi` field, or `missing`.
        found: String,
    },
    /// A selected operation is not in the document.
    #[error("{flavour}: selected operation `{operation}` is missing upstream")]
    MissingOperation {
        /// Flavour being pulled.
        flavour: String,
        /// `METHOD /path`.
        operation: String,
    },
    /// An operation `sources.toml` lists as absent is in the document.
    #[error(
        "{flavour}: operation `{operation}` is listed in `absent` but the document has it; remove it from `absent`"
    )]
    PresentAfterAll {
        /// Flavour being pulled.
        flavour: String,
        /// `METHOD /path`.
        operation: String,
    },
    /// The code generator could not read a fragment (to tell which fixups it still needs).
    #[error("{flavour}: codegen: {message}")]
    Codegen {
        /// Flavour being pulled.
        flavour: String,
        /// The generator's message.
        message: String,
    },
    /// A `$ref` points at nothing.
    #[error("{flavour}: dangling $ref `{reference}` (used by {used_by})")]
    DanglingRef {
        /// Flavour being pulled.
        flavour: String,
        /// The reference.
        reference: String,
        /// The operation or component that holds it.
        used_by: String,
    },
    /// A `$ref` that is not local to the document (`#/...`).
    #[error("{flavour}: external $ref `{reference}` is not supported (used by {used_by})")]
    ExternalRef {
        /// Flavour being pulled.
        flavour: String,
        /// The reference.
        reference: String,
        /// The operation or component that holds it.
        used_by: String,
    },
    /// Components refer to each other in a loop, which the generated Rust types cannot express by value.
    #[error("{flavour}: $ref cycle: {}", cycle.join(" -> "))]
    RefCycle {
        /// Flavour being pulled.
        flavour: String,
        /// The components of the loop, first repeated at the end.
        cycle: Vec<String>,
    },
    /// The overlay could not be read or applied.
    #[error("overlay {}: {message}", path.display())]
    Overlay {
        /// The overlay file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}
