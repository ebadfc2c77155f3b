//! `cargo xtask bump <flavour> --to <commit|file>`: the maintainer's whole job on a spec change.
//!
//! 1. Read the new document (the upstream URL at `commit`, or a file in the mirror folder), hash it and
//!    work out which selected operations it lacks.
//! 2. Pull the fragments of the flavour and of every flavour derived from it, with the pull library, into
//!    a scratch `spec/`.
//! 3. Compute their contract snapshots with the codegen library, diff each old fragment against its new one
//!    with [`crate::diff`], match operations by method and path to find upstream operationId renames, and
//!    ask codegen which fixups now change nothing.
//! 4. Only when all of that succeeded (and not with `--check`), replace `spec/sources.toml`, the fragments
//!    and the snapshots, each through a temporary file and a rename.
//!
//! `--to FILE` is the offline form: FILE must lie in the mirror folder (`../shared/upstream` by default),
//! and the bump rewrites `[F.mirror]` (file and sha256), which `cargo xtask pull --from <mirror>` (CI) then
//! accepts; `[F.upstream]` is left alone and the report says so. `--to COMMIT` (40 hex digits) rewrites
//! `[F.upstream]` (URL at that commit, commit, sha256 of the downloaded bytes) and leaves `[F.mirror]` alone.
//!
//! Exit status (see [`Outcome::exit_code`]): 0 nothing worse than info, 3 warnings (unused fixups, contract
//! warnings, changed generated types), 1 something breaks these clients, 2 the bump failed and wrote nothing.

mod compare;
mod pin;
mod report;

use std::path::{Path, PathBuf};

use serde_json::Value;

pub use compare::{Rename, SurfaceChange, name_renames, surface, take_renames};
pub use pin::{Pin, rewrite, url_at_commit};

use crate::canonical::write_atomic;
use crate::diff::{self, Applied, Severity};
use crate::document;
use crate::error::PullError;
use crate::pull::{self, Origin, PullOptions};
use crate::sources::{Format, Sources};

/// What to bump to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A commit of the upstream repository (40 hex digits).
    Commit(String),
    /// A document in the mirror folder.
    File(PathBuf),
}

impl Target {
    /// Reads `--to`: an existing path is a file; otherwise 40 hex digits are a commit; anything else is taken
    /// for a file (and fails, naming it, when read).
    pub fn parse(arg: &str) -> Target {
        let is_commit = arg.len() == 40 && arg.bytes().all(|b| b.is_ascii_hexdigit());
        if is_commit && !Path::new(arg).exists() {
            Target::Commit(arg.to_ascii_lowercase())
        } else {
            Target::File(PathBuf::from(arg))
        }
    }
}

/// A bump to run.
#[derive(Debug, Clone)]
pub struct BumpOptions {
    /// The workspace root (holds `spec/` and `crates/`).
    pub root: PathBuf,
    /// The flavour whose pin moves (not a derived one).
    pub flavour: String,
    /// Where to.
    pub to: Target,
    /// The mirror folder a `--to FILE` must lie in (default `<root>/../shared/upstream`).
    pub mirror: Option<PathBuf>,
    /// Write nothing; only report.
    pub check: bool,
    /// The date deciding which sunsets and accepted changes have passed (default: today, UTC).
    pub today: Option<String>,
}

/// Why a bump failed. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum BumpError {
    /// Bad arguments.
    #[error("{0}")]
    Usage(String),
    /// Reading, pulling or checking the new document failed.
    #[error(transparent)]
    Pull(#[from] PullError),
    /// Diffing the fragments failed (the accepted-changes file, say).
    #[error(transparent)]
    Diff(#[from] diff::DiffError),
    /// Code generation of a new fragment failed.
    #[error("{flavour}: codegen: {message}")]
    Codegen {
        /// The flavour.
        flavour: String,
        /// The generator's message.
        message: String,
    },
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BumpError + '_ {
    move |source| BumpError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What the bump found for one regenerated flavour.
#[derive(Debug, Clone)]
pub struct FlavourChange {
    /// The flavour.
    pub flavour: String,
    /// Contract findings of `xtask diff` between the old and the new fragment, after accepted changes,
    /// without the operationId renames (listed in `renames`).
    pub applied: Applied,
    /// Upstream operationId renames.
    pub renames: Vec<Rename>,
    /// How the generated Rust surface changed (from the contract snapshots).
    pub surface: SurfaceChange,
    /// Codegen fixups that change nothing in the new fragment.
    pub unused_fixups: Vec<pull::UnusedFixup>,
}

/// A file the bump (re)writes, or would.
#[derive(Debug, Clone)]
pub struct Staged {
    /// Path relative to the root.
    pub path: String,
    /// The new bytes.
    pub bytes: Vec<u8>,
    /// Whether they differ from the file's current bytes.
    pub changed: bool,
}

/// The result of a bump.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The flavour whose pin moved.
    pub flavour: String,
    /// The pin before, described.
    pub before: String,
    /// The new pin.
    pub after: Pin,
    /// Selected operations the new revision lacks.
    pub absent: Vec<String>,
    /// One entry per regenerated flavour (the bumped one first, then those derived from it).
    pub flavours: Vec<FlavourChange>,
    /// What the maintainer should know beyond the findings (the other pin entry left alone, say).
    pub notes: Vec<String>,
    /// The files written (or, with `--check`, that would be).
    pub files: Vec<Staged>,
    /// Whether the files were written (false with `--check`).
    pub written: bool,
}

impl Outcome {
    /// The worst severity found: absent operations and a Rust surface that lost or changed methods or lost
    /// types are breaking; unused fixups and changed generated types are warnings; renames absorbed by an
    /// unchanged Rust surface count for nothing.
    pub fn worst(&self) -> Option<Severity> {
        let mut worst = (!self.absent.is_empty()).then_some(Severity::Breaking);
        for f in &self.flavours {
            let s = &f.surface;
            let surface = if !(s.methods_removed.is_empty()
                && s.methods_changed.is_empty()
                && s.types_removed.is_empty())
            {
                Some(Severity::Breaking)
            } else if !s.types_changed.is_empty() || !f.unused_fixups.is_empty() {
                Some(Severity::Warning)
            } else if !(s.methods_added.is_empty() && s.types_added.is_empty()) {
                Some(Severity::Info)
            } else {
                None
            };
            let findings = f.applied.findings.iter().map(|x| x.severity).max();
            worst = worst.max(surface).max(findings);
        }
        worst
    }

    /// 0 when nothing is worse than info, 3 for warnings, 1 when something breaks these clients (2 is
    /// left for a failed bump).
    pub fn exit_code(&self) -> u8 {
        match self.worst() {
            None | Some(Severity::Info) => 0,
            Some(Severity::Warning) => 3,
            Some(Severity::Breaking) => 1,
        }
    }

    /// The Markdown report, fit for a pull-request body.
    pub fn markdown(&self) -> String {
        report::markdown(self)
    }
}

/// The flavours whose fragments derive (directly or not) from `flavour`, in `sources.toml` order.
fn derived_from(sources: &Sources, flavour: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    loop {
        let before = out.len();
        for (name, source) in &sources.flavours {
            if let Some(base) = &source.derive_from
                && (base == flavour || out.contains(base))
                && !out.contains(name)
            {
                out.push(name.clone());
            }
        }
        if out.len() == before {
            return out;
        }
    }
}

/// The new document's bytes, its new pin and a note on the pin entry left alone.
fn fetch_target(
    options: &BumpOptions,
    source: &crate::sources::Source,
) -> Result<(Vec<u8>, Pin, String), BumpError> {
    let flavour = &options.flavour;
    let up = source.upstream.as_ref();
    let mirror = source.mirror.as_ref();
    match &options.to {
        Target::File(file) => {
            let mirror_root = options
                .mirror
                .clone()
                .unwrap_or_else(|| options.root.join("../shared/upstream"));
            let root = mirror_root.canonicalize().map_err(io(&mirror_root))?;
            let full = file.canonicalize().map_err(io(file))?;
            let relative = full.strip_prefix(&root).map_err(|_| {
                BumpError::Usage(format!(
                    "{} is not in the mirror folder {}: `pull --from` could not find it there; copy it \
                     into {}/{flavour}/ (or pass --mirror DIR)",
                    file.display(),
                    root.display(),
                    root.display()
                ))
            })?;
            let relative = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            let bytes = std::fs::read(&full).map_err(io(&full))?;
            let format = match full.extension().and_then(|e| e.to_str()) {
                Some("json") => Format::Json,
                Some("yaml" | "yml") => Format::Yaml,
                _ => mirror.map_or(Format::Yaml, |m| m.format),
            };
            let note = up.map_or_else(String::new, |up| {
                format!(
                    "`[{flavour}.upstream]` still pins commit `{}`; on a machine with network, `cargo xtask bump \
                     {flavour} --to <commit>` moves it to the commit this document comes from",
                    up.commit
                )
            });
            let sha256 = document::sha256_hex(&bytes);
            Ok((
                bytes,
                Pin::Mirror {
                    file: relative,
                    format,
                    sha256,
                },
                note,
            ))
        }
        Target::Commit(commit) => {
            let up = up.ok_or_else(|| {
                BumpError::Usage(format!("{flavour} has no [{flavour}.upstream] entry"))
            })?;
            let url = url_at_commit(&up.url, &up.commit, commit).map_err(BumpError::Usage)?;
            let fetched = document::download(&url)?;
            let note = mirror.map_or_else(String::new, |m| {
                format!(
                    "`[{flavour}.mirror]` still names `{}`; put the document of commit `{commit}` into the \
                     mirror and run `cargo xtask bump {flavour} --to <that file>` so `pull --from` (CI) agrees",
                    m.file
                )
            });
            let sha256 = document::sha256_hex(&fetched.bytes);
            Ok((
                fetched.bytes,
                Pin::Upstream {
                    url,
                    commit: commit.clone(),
                    sha256,
                },
                note,
            ))
        }
    }
}

/// What the scratch pull produced.
struct Pulled {
    /// The fragments' bytes, in the order of the requested flavours.
    fragments: Vec<Vec<u8>>,
    /// Selected operations the new document lacks.
    absent: Vec<String>,
    /// Fixups that change nothing in the new fragments.
    unused: Vec<pull::UnusedFixup>,
}

/// Pulls `flavours` from `bytes` (the bumped flavour's new document) into a scratch `spec/`, leaving out
/// the selected operations the document lacks. Returns each fragment's bytes and the absent operations.
fn pull_scratch(
    options: &BumpOptions,
    sources_text: &str,
    table_text: &str,
    bytes: &[u8],
    format: Format,
    flavours: &[String],
) -> Result<Pulled, BumpError> {
    let scratch = tempfile::tempdir().map_err(io(Path::new("(temporary folder)")))?;
    let spec = scratch.path().join("spec");
    let mirror = scratch.path().join("mirror");
    std::fs::create_dir_all(&mirror).map_err(io(&mirror))?;
    let overlays = options.root.join("spec/overlays");
    if overlays.is_dir() {
        std::fs::create_dir_all(spec.join("overlays")).map_err(io(&spec))?;
        for entry in std::fs::read_dir(&overlays).map_err(io(&overlays))? {
            let entry = entry.map_err(io(&overlays))?;
            let to = spec.join("overlays").join(entry.file_name());
            std::fs::copy(entry.path(), &to).map_err(io(&to))?;
        }
    } else {
        std::fs::create_dir_all(&spec).map_err(io(&spec))?;
    }
    // The table of operations says which operations each flavour keeps.
    let table_file = spec.join(codegen::table::FILE_NAME);
    std::fs::write(&table_file, table_text).map_err(io(&table_file))?;
    let document = mirror.join("document");
    std::fs::write(&document, bytes).map_err(io(&document))?;
    let scratch_pin = Pin::Mirror {
        file: "document".into(),
        format,
        sha256: document::sha256_hex(bytes),
    };
    let operations = Sources::parse(sources_text, table_text)?
        .get(&options.flavour)?
        .operations
        .len();
    let mut absent: Vec<String> = Vec::new();
    // Each round finds one more absent operation; there are at most as many as selected.
    for _ in 0..=operations {
        let text = rewrite(sources_text, &options.flavour, &scratch_pin, &absent)?;
        let path = spec.join("sources.toml");
        std::fs::write(&path, text).map_err(io(&path))?;
        let pulled = pull::run(&PullOptions {
            spec_dir: spec.clone(),
            flavours: flavours.to_vec(),
            origin: Origin::MirrorDir(mirror.clone()),
            check: false,
            update_pin: false,
        });
        match pulled {
            Ok(report) => {
                let mut fragments = Vec::new();
                for f in flavours {
                    let path = pull::fragment_path(&spec, f);
                    fragments.push(std::fs::read(&path).map_err(io(&path))?);
                }
                return Ok(Pulled {
                    fragments,
                    absent,
                    unused: report.unused_fixups,
                });
            }
            Err(PullError::MissingOperation { flavour, operation })
                if flavour == options.flavour && !absent.contains(&operation) =>
            {
                absent.push(operation);
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(BumpError::Usage(format!(
        "{}: the new document lacks every selected operation",
        options.flavour
    )))
}

/// Runs a bump. Writes nothing unless every step succeeded, and nothing at all with `check`.
pub fn run(options: &BumpOptions) -> Result<Outcome, BumpError> {
    let root = &options.root;
    let flavour = options.flavour.as_str();
    let sources_path = root.join("spec/sources.toml");
    let sources_text = std::fs::read_to_string(&sources_path).map_err(io(&sources_path))?;
    let table_path = root.join("spec").join(codegen::table::FILE_NAME);
    let table_text = std::fs::read_to_string(&table_path).map_err(io(&table_path))?;
    let sources = Sources::parse(&sources_text, &table_text)?;
    let table = &sources.table;
    let source = sources.get(flavour)?;
    if let Some(base) = &source.derive_from {
        return Err(BumpError::Usage(format!(
            "{flavour} derives from {base}: bump {base} and {flavour} is regenerated with it"
        )));
    }
    let today = options.today.clone().unwrap_or_else(diff::today);
    let origin = match options.to {
        Target::File(_) => Origin::MirrorDir(PathBuf::new()),
        Target::Commit(_) => Origin::Upstream,
    };
    let before = pull::revision(&sources, flavour, &origin);

    let (bytes, new_pin, note) = fetch_target(options, source)?;
    let format = match &new_pin {
        Pin::Mirror { format, .. } => *format,
        Pin::Upstream { .. } => source.upstream.as_ref().map_or(Format::Yaml, |u| u.format),
    };
    let mut flavours = vec![flavour.to_string()];
    flavours.extend(derived_from(&sources, flavour));
    let Pulled {
        fragments,
        absent,
        unused,
    } = pull_scratch(
        options,
        &sources_text,
        &table_text,
        &bytes,
        format,
        &flavours,
    )?;
    let new_sources = rewrite(&sources_text, flavour, &new_pin, &absent)?;
    // The scratch pull named its scratch copy of the document; name the real new pin instead.
    let final_sources = Sources::parse(&new_sources, &table_text)?;
    let unused: Vec<pull::UnusedFixup> = unused
        .into_iter()
        .map(|u| pull::UnusedFixup {
            revision: pull::revision(&final_sources, &u.flavour, &origin),
            ..u
        })
        .collect();

    let accepted_path = root.join("spec/accepted-changes.toml");
    let accepted = if accepted_path.exists() {
        diff::load_accepted(&accepted_path)?
    } else {
        Vec::new()
    };

    let mut files = vec![staged(root, "spec/sources.toml", new_sources.into_bytes())];
    let mut changes = Vec::new();
    for (name, new_bytes) in flavours.iter().zip(fragments) {
        let fragment_rel = format!("spec/{name}.json");
        let old_path = root.join(&fragment_rel);
        let old_bytes = std::fs::read(&old_path).map_err(io(&old_path))?;
        let parse = |bytes: &[u8], origin: &str| {
            serde_json::from_slice::<Value>(bytes)
                .map_err(|e| BumpError::Usage(format!("{origin} is not a JSON fragment: {e}")))
        };
        let old_doc = parse(&old_bytes, &fragment_rel)?;
        let new_doc = parse(&new_bytes, "the pulled fragment")?;
        let mut findings = diff::diff_documents_on(&old_doc, &new_doc, &today);
        let mut found_renames = take_renames(&mut findings);
        name_renames(&mut found_renames, table, name);
        let mut applied = diff::apply_accepted(findings, &accepted, &today);
        diff::sort_for_report(&mut applied.findings);

        let text = String::from_utf8(new_bytes.clone())
            .map_err(|_| BumpError::Usage(format!("{name}: the pulled fragment is not UTF-8")))?;
        let (contract_rel, old_contract, new_contract) =
            match crate::contracts::codegen_flavour(name) {
                Some(codegen_flavour) => {
                    let new_contract = crate::contracts::snapshot(codegen_flavour, &text, table)
                        .map_err(|e| BumpError::Codegen {
                            flavour: name.clone(),
                            message: e.to_string(),
                        })?;
                    let rel = format!("crates/{name}/contract.txt");
                    let old = std::fs::read_to_string(root.join(&rel)).unwrap_or_default();
                    (Some(rel), old, new_contract)
                }
                None => (None, String::new(), String::new()),
            };
        files.push(staged(root, &fragment_rel, new_bytes));
        if let Some(rel) = contract_rel {
            files.push(staged(root, &rel, new_contract.clone().into_bytes()));
        }
        changes.push(FlavourChange {
            flavour: name.clone(),
            applied,
            renames: found_renames,
            surface: surface(&old_contract, &new_contract),
            unused_fixups: unused
                .iter()
                .filter(|u| u.flavour == *name)
                .cloned()
                .collect(),
        });
    }

    if !options.check {
        for file in files.iter().filter(|f| f.changed) {
            let path = root.join(&file.path);
            write_atomic(&path, &file.bytes).map_err(io(&path))?;
        }
    }
    Ok(Outcome {
        flavour: flavour.to_string(),
        before,
        after: new_pin,
        absent,
        flavours: changes,
        notes: if note.is_empty() {
            Vec::new()
        } else {
            vec![note]
        },
        files,
        written: !options.check,
    })
}

fn staged(root: &Path, rel: &str, bytes: Vec<u8>) -> Staged {
    let changed = std::fs::read(root.join(rel)).map_or(true, |old| old != bytes);
    Staged {
        path: rel.to_string(),
        bytes,
        changed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forty_hex_argument_is_a_commit_anything_else_a_file() {
        let commit = "6FD452A08AD9FDD0C3B5CA4EC1ECA5FC1EA26253";
        assert_eq!(
            Target::parse(commit),
            Target::Commit(commit.to_ascii_lowercase())
        );
        assert_eq!(
            Target::parse("6fd452a"),
            Target::File(PathBuf::from("6fd452a"))
        );
        assert_eq!(
            Target::parse("../shared/upstream/atlas-v2/x.yaml"),
            Target::File(PathBuf::from("../shared/upstream/atlas-v2/x.yaml"))
        );
    }

    #[test]
    fn derived_flavours_follow_their_base() {
        let sources = Sources::load(&crate::project_root().join("spec")).unwrap();
        assert_eq!(derived_from(&sources, "atlas-v1"), ["ops-manager-v1"]);
        assert!(derived_from(&sources, "atlas-v2").is_empty());
    }
}
