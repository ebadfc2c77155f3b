//! Reading the two sides of a diff: files (YAML or JSON) or `git:REV:PATH` blobs of the project's history.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// Why a diff could not start. The command line turns every one into exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// A file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// `git show REV:PATH` failed (unknown revision, path absent at that revision, not a repository).
    #[error("git:{spec}: {message}")]
    Git {
        /// `REV:PATH`.
        spec: String,
        /// What git said.
        message: String,
    },
    /// The bytes are neither JSON nor YAML, or not a mapping.
    #[error("{origin}: not a valid {format} document: {message}")]
    Parse {
        /// Where the bytes came from.
        origin: String,
        /// `json` or `yaml`.
        format: &'static str,
        /// The parser's message.
        message: String,
    },
    /// A mapping without `openapi` or `paths`.
    #[error("{origin}: not an OpenAPI document (no `openapi` or `paths` key)")]
    NotOpenApi {
        /// Where the bytes came from.
        origin: String,
    },
    /// `spec/accepted-changes.toml` is unreadable or malformed.
    #[error("{}: {message}", path.display())]
    Accepted {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A bad option value.
    #[error("{0}")]
    Usage(String),
}

/// Where one side of the diff comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file on disk.
    File(PathBuf),
    /// `git show REV:PATH`, run in the project root.
    Git {
        /// The revision (`HEAD~1`, a commit, a tag).
        rev: String,
        /// The path relative to the repository root.
        path: String,
    },
}

impl Input {
    /// Parses a command-line argument: `git:REV:PATH` or a file path.
    pub fn parse(arg: &str) -> Result<Input, DiffError> {
        let Some(rest) = arg.strip_prefix("git:") else {
            return Ok(Input::File(PathBuf::from(arg)));
        };
        match rest.split_once(':') {
            Some((rev, path)) if !rev.is_empty() && !path.is_empty() => Ok(Input::Git {
                rev: rev.to_string(),
                path: path.to_string(),
            }),
            _ => Err(DiffError::Usage(format!(
                "`{arg}`: expected git:REV:PATH, e.g. git:HEAD~1:spec/atlas-v2.json"
            ))),
        }
    }

    /// Reads the bytes and a name for messages. Git runs in `repo`.
    pub fn read(&self, repo: &Path) -> Result<(String, Vec<u8>), DiffError> {
        match self {
            Input::File(path) => {
                let bytes = std::fs::read(path).map_err(|source| DiffError::Io {
                    path: path.clone(),
                    source,
                })?;
                Ok((path.display().to_string(), bytes))
            }
            Input::Git { rev, path } => {
                let spec = format!("{rev}:{path}");
                let git_error = |message: String| DiffError::Git {
                    spec: spec.clone(),
                    message,
                };
                let output = Command::new("git")
                    .arg("show")
                    .arg(&spec)
                    .current_dir(repo)
                    .output()
                    .map_err(|e| git_error(format!("could not run git: {e}")))?;
                if !output.status.success() {
                    return Err(git_error(
                        String::from_utf8_lossy(&output.stderr).trim().to_string(),
                    ));
                }
                Ok((format!("git:{spec}"), output.stdout))
            }
        }
    }

    /// Reads and parses.
    pub fn load(&self, repo: &Path) -> Result<Value, DiffError> {
        let (origin, bytes) = self.read(repo)?;
        parse_document(&origin, &bytes)
    }
}

/// Parses JSON when the text starts with `{`, YAML otherwise, and checks it looks like OpenAPI.
pub fn parse_document(origin: &str, bytes: &[u8]) -> Result<Value, DiffError> {
    let is_json = bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{');
    let parsed = if is_json {
        serde_json::from_slice::<Value>(bytes).map_err(|e| (e.to_string(), "json"))
    } else {
        serde_yaml_ng::from_slice::<Value>(bytes).map_err(|e| (e.to_string(), "yaml"))
    };
    let value = parsed.map_err(|(message, format)| DiffError::Parse {
        origin: origin.to_string(),
        format,
        message,
    })?;
    let Some(map) = value.as_object() else {
        return Err(DiffError::Parse {
            origin: origin.to_string(),
            format: if is_json { "json" } else { "yaml" },
            message: "the top level is not a mapping".into(),
        });
    };
    if !map.contains_key("openapi") && !map.contains_key("paths") {
        return Err(DiffError::NotOpenApi {
            origin: origin.to_string(),
        });
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_inputs_need_a_revision_and_a_path() {
        assert_eq!(
            Input::parse("git:HEAD~1:spec/atlas-v2.json").unwrap(),
            Input::Git {
                rev: "HEAD~1".into(),
                path: "spec/atlas-v2.json".into()
            }
        );
        assert!(matches!(
            Input::parse("git:HEAD~1"),
            Err(DiffError::Usage(_))
        ));
        assert_eq!(
            Input::parse("a.yaml").unwrap(),
            Input::File(PathBuf::from("a.yaml"))
        );
    }

    #[test]
    fn rejects_non_openapi_and_broken_documents() {
        assert!(matches!(
            parse_document("x", b"{\"a\": 1}"),
            Err(DiffError::NotOpenApi { .. })
        ));
        assert!(matches!(
            parse_document("x", b"paths: [unclosed"),
            Err(DiffError::Parse { format: "yaml", .. })
        ));
        assert!(matches!(
            parse_document("x", b"- a list"),
            Err(DiffError::Parse { .. })
        ));
        assert!(parse_document("x", b"openapi: 3.0.1\npaths: {}\n").is_ok());
    }
}
