//! Canonical JSON for committed fragments and atomic writes.
//!
//! Keys are sorted at every level, indentation is two spaces and the file ends in one newline, so pulling
//! the same upstream bytes twice gives the same file, byte for byte, whatever map type `serde_json` was
//! built with elsewhere in the workspace.

use std::io::Write;
use std::path::Path;

use serde_json::{Map, Value};

/// Rebuilds `value` with every object's keys in sorted order.
pub fn sort_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let sorted: Map<String, Value> = entries
                .into_iter()
                .map(|(k, v)| (k, sort_keys(v)))
                .collect();
            Value::Object(sorted)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sort_keys).collect()),
        other => other,
    }
}

/// The committed text of a fragment.
pub fn to_canonical_bytes(value: Value) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(&sort_keys(value))
        .expect("a serde_json::Value always serializes");
    bytes.push(b'\n');
    bytes
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename, so an interrupted
/// write never leaves a half-written file behind.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".pull-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_two_space_trailing_newline() {
        let v: Value =
            serde_json::from_str(r#"{"b":1,"a":{"d":[{"z":1,"y":2}],"c":"é"}}"#).unwrap();
        let text = String::from_utf8(to_canonical_bytes(v)).unwrap();
        assert_eq!(
            text,
            "{\n  \"a\": {\n    \"c\": \"é\",\n    \"d\": [\n      {\n        \"y\": 2,\n        \"z\": 1\n      }\n    ]\n  },\n  \"b\": 1\n}\n"
        );
    }

    #[test]
    fn atomic_write_replaces_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.json");
        std::fs::write(&path, "old").unwrap();
        write_atomic(&path, b"new\n").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new\n");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }
}
