//! Recording a new pin in `spec/sources.toml` (only with `--update-pin`), keeping its comments and layout.

use std::path::Path;

use super::Origin;
use crate::canonical::write_atomic;
use crate::error::PullError;

/// Sets `sha256` of each flavour's upstream or mirror entry, whichever `origin` read.
pub(super) fn record(
    path: &Path,
    pins: &[(String, String)],
    origin: &Origin,
) -> Result<(), PullError> {
    let text = std::fs::read_to_string(path).map_err(|source| PullError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| PullError::Sources(e.to_string()))?;
    let table = match origin {
        Origin::Upstream => "upstream",
        Origin::MirrorDir(_) | Origin::MirrorUrl(_) => "mirror",
    };
    for (flavour, sha) in pins {
        doc[flavour.as_str()][table]["sha256"] = toml_edit::value(sha.as_str());
    }
    write_atomic(path, doc.to_string().as_bytes()).map_err(|source| PullError::Io {
        path: path.to_path_buf(),
        source,
    })
}
