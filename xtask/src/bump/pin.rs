//! Rewriting one flavour's pin in `spec/sources.toml`, keeping the file's comments and layout.

use crate::error::PullError;
use crate::sources::Format;

/// The new pin of a flavour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pin {
    /// `[F.mirror]`: a file relative to the mirror root (what `pull --from DIR` reads).
    Mirror {
        /// Path under the mirror root, `/`-separated.
        file: String,
        /// How to parse it.
        format: Format,
        /// sha256 of its bytes.
        sha256: String,
    },
    /// `[F.upstream]`: the upstream URL at a commit.
    Upstream {
        /// The URL, naming `commit`.
        url: String,
        /// The commit.
        commit: String,
        /// sha256 of the bytes at `url`.
        sha256: String,
    },
}

impl Pin {
    /// The sha256 it records.
    pub fn sha256(&self) -> &str {
        match self {
            Pin::Mirror { sha256, .. } | Pin::Upstream { sha256, .. } => sha256,
        }
    }

    /// One line for the report: where the pin points.
    pub fn describe(&self) -> String {
        match self {
            Pin::Mirror { file, sha256, .. } => format!("mirror `{file}` (sha256 `{sha256}`)"),
            Pin::Upstream { commit, sha256, .. } => {
                format!("upstream commit `{commit}` (sha256 `{sha256}`)")
            }
        }
    }
}

/// The upstream URL at `commit`: the pinned URL with its commit replaced.
pub fn url_at_commit(url: &str, old_commit: &str, commit: &str) -> Result<String, String> {
    if old_commit.is_empty() || !url.contains(old_commit) {
        return Err(format!(
            "the pinned URL {url} does not name its commit `{old_commit}`, so the URL at {commit} is unknown"
        ));
    }
    Ok(url.replace(old_commit, commit))
}

/// `text` (a `sources.toml`) with `flavour`'s pin set to `pin` and its `absent` list set to `absent`
/// (removed when empty).
pub fn rewrite(
    text: &str,
    flavour: &str,
    pin: &Pin,
    absent: &[String],
) -> Result<String, PullError> {
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| PullError::Sources(e.to_string()))?;
    let entry = doc
        .get_mut(flavour)
        .and_then(toml_edit::Item::as_table_mut)
        .ok_or_else(|| PullError::Sources(format!("no [{flavour}] table")))?;
    if absent.is_empty() {
        entry.remove("absent");
    } else {
        let mut list: toml_edit::Array = absent.iter().map(String::as_str).collect();
        for item in list.iter_mut() {
            item.decor_mut().set_prefix("\n    ");
        }
        list.set_trailing(",\n");
        entry["absent"] = toml_edit::value(list);
        if let Some(mut key) = entry.key_mut("absent") {
            key.leaf_decor_mut().set_prefix(
                "# Operations above that the pinned revision lacks (written by `cargo xtask bump`).\n",
            );
        }
    }
    let (table, fields): (&str, Vec<(&str, &str)>) = match pin {
        Pin::Mirror {
            file,
            format,
            sha256,
        } => (
            "mirror",
            vec![
                ("file", file),
                ("format", format.name()),
                ("sha256", sha256),
            ],
        ),
        Pin::Upstream {
            url,
            commit,
            sha256,
        } => (
            "upstream",
            vec![("url", url), ("commit", commit), ("sha256", sha256)],
        ),
    };
    let sub = entry
        .get_mut(table)
        .and_then(toml_edit::Item::as_table_mut)
        .ok_or_else(|| PullError::Sources(format!("no [{flavour}.{table}] table")))?;
    for (key, value) in fields {
        sub[key] = toml_edit::value(value);
    }
    Ok(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"# pins
[v2]
operations = [
    "GET /a",
    "GET /b",
]

# the upstream
[v2.upstream]
url = "https://example.com/abc123/spec.yaml"
commit = "abc123"
format = "yaml"
sha256 = "00"

[v2.mirror]
file = "v2/old.yaml"
format = "yaml"
sha256 = "00"
"#;

    #[test]
    fn mirror_pin_and_absent_list_are_rewritten_in_place() {
        let pin = Pin::Mirror {
            file: "v2/new.yaml".into(),
            format: Format::Yaml,
            sha256: "ff".into(),
        };
        let out = rewrite(TEXT, "v2", &pin, &["GET /b".to_string()]).unwrap();
        let parsed: toml::Table = toml::from_str(&out).unwrap();
        assert_eq!(parsed["v2"]["mirror"]["file"].as_str(), Some("v2/new.yaml"));
        assert_eq!(parsed["v2"]["mirror"]["sha256"].as_str(), Some("ff"));
        assert_eq!(parsed["v2"]["upstream"]["sha256"].as_str(), Some("00"));
        assert_eq!(parsed["v2"]["absent"].as_array().unwrap().len(), 1);
        assert!(out.starts_with("# pins\n[v2]\n"), "{out}");
        assert!(out.contains("# the upstream\n[v2.upstream]"), "{out}");
        // An empty list removes the key again.
        let back = rewrite(&out, "v2", &pin, &[]).unwrap();
        assert!(!back.contains("absent"), "{back}");
    }

    #[test]
    fn upstream_pin_moves_url_commit_and_hash() {
        let url =
            url_at_commit("https://example.com/abc123/spec.yaml", "abc123", "def456").unwrap();
        assert_eq!(url, "https://example.com/def456/spec.yaml");
        assert!(url_at_commit("https://example.com/main/spec.yaml", "abc123", "d").is_err());
        let pin = Pin::Upstream {
            url,
            commit: "def456".into(),
            sha256: "ee".into(),
        };
        let out = rewrite(TEXT, "v2", &pin, &[]).unwrap();
        let parsed: toml::Table = toml::from_str(&out).unwrap();
        assert_eq!(parsed["v2"]["upstream"]["commit"].as_str(), Some("def456"));
        assert_eq!(parsed["v2"]["upstream"]["sha256"].as_str(), Some("ee"));
        assert_eq!(parsed["v2"]["mirror"]["file"].as_str(), Some("v2/old.yaml"));
    }
}
