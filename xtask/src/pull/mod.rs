//! `cargo xtask pull`: pinned upstream documents → committed fragments in `spec/`.
//!
//! Every fragment is computed in memory first; only when all of them succeeded is anything written, each
//! file through a temporary file and a rename. A failing pull therefore leaves `spec/` exactly as it was.

mod pins;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::canonical::{to_canonical_bytes, write_atomic};
use crate::document::{self, Fetched};
use crate::error::PullError;
use crate::fragment;
use crate::overlay;
use crate::sources::{Format, Sources};

/// Where the upstream bytes come from.
#[derive(Debug, Clone)]
pub enum Origin {
    /// Each flavour's pinned upstream URL.
    Upstream,
    /// A local folder laid out like `../shared/upstream`.
    MirrorDir(PathBuf),
    /// A base URL laid out like `../shared/upstream`.
    MirrorUrl(String),
}

impl Origin {
    /// Reads `--from`: an `https://` URL or a folder.
    pub fn from_arg(arg: Option<&str>) -> Origin {
        match arg {
            None => Origin::Upstream,
            Some(s) if s.starts_with("https://") || s.starts_with("http://") => {
                Origin::MirrorUrl(s.trim_end_matches('/').to_string())
            }
            Some(s) => Origin::MirrorDir(PathBuf::from(s)),
        }
    }
}

/// What to pull.
#[derive(Debug, Clone)]
pub struct PullOptions {
    /// The `spec/` folder (holds `sources.toml`, `overlays/` and the fragments).
    pub spec_dir: PathBuf,
    /// Flavours to refresh; empty means all.
    pub flavours: Vec<String>,
    /// Where to read upstream documents.
    pub origin: Origin,
    /// Write nothing; report fragments that differ.
    pub check: bool,
    /// Accept a new upstream hash and record it in `sources.toml`.
    pub update_pin: bool,
}

/// What happened to one fragment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// The committed file already had these bytes.
    Unchanged,
    /// The file was (re)written.
    Written,
    /// `--check`: the committed file differs or is missing.
    Stale,
}

/// The result of a pull, one entry per requested flavour.
#[derive(Debug, Clone)]
pub struct Report {
    /// Flavour → (fragment path, status).
    pub fragments: BTreeMap<String, (PathBuf, Status)>,
    /// Pins recorded because of `--update-pin`: (flavour, new sha256).
    pub pins_updated: Vec<(String, String)>,
    /// Codegen fixups that find nothing to change in a pulled fragment: the maintainer should delete them.
    pub unused_fixups: Vec<UnusedFixup>,
}

/// A codegen fixup with nothing left to do in a fragment: upstream fixed what it works around.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnusedFixup {
    /// The fixup's name (`loosen_api_error_parameters`).
    pub fixup: &'static str,
    /// The flavour whose fragment it no longer changes.
    pub flavour: String,
    /// The fragment, as `spec/<flavour>.json`.
    pub fragment: String,
    /// The upstream revision the fragment comes from (see [`revision`]).
    pub revision: String,
}

impl std::fmt::Display for UnusedFixup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "fixup `{}` changes nothing in {} ({}): upstream fixed what it works around; \
             delete it from codegen's {} fixup list",
            self.fixup, self.fragment, self.revision, self.flavour
        )
    }
}

impl Report {
    /// Flavours whose committed fragment is stale (only with `--check`).
    pub fn stale(&self) -> Vec<&str> {
        self.fragments
            .iter()
            .filter(|(_, (_, s))| *s == Status::Stale)
            .map(|(f, _)| f.as_str())
            .collect()
    }

    /// The command's exit status: 1 when a fragment is stale, or, with `check` (CI), when a fixup is
    /// unused; otherwise 0 (a pull that finds unused fixups still succeeds, and warns).
    pub fn exit_code(&self, check: bool) -> u8 {
        let stale = !self.stale().is_empty();
        let unused = check && !self.unused_fixups.is_empty();
        u8::from(stale || unused)
    }
}

/// The committed fragment file of a flavour.
pub fn fragment_path(spec_dir: &Path, flavour: &str) -> PathBuf {
    spec_dir.join(format!("{flavour}.json"))
}

/// Runs a pull.
pub fn run(options: &PullOptions) -> Result<Report, PullError> {
    let sources = Sources::load(&options.spec_dir)?;
    let requested: Vec<String> = if options.flavours.is_empty() {
        sources.flavours.keys().cloned().collect()
    } else {
        for f in &options.flavours {
            sources.get(f)?;
        }
        options.flavours.clone()
    };

    let mut built: BTreeMap<String, Value> = BTreeMap::new();
    let mut new_pins = Vec::new();
    for flavour in &requested {
        build(&sources, flavour, options, &mut built, &mut new_pins)?;
    }

    let mut fragments = BTreeMap::new();
    let mut to_write = Vec::new();
    for flavour in &requested {
        let bytes = to_canonical_bytes(built[flavour].clone());
        let path = fragment_path(&options.spec_dir, flavour);
        let same = std::fs::read(&path).is_ok_and(|old| old == bytes);
        let status = match (same, options.check) {
            (true, _) => Status::Unchanged,
            (false, true) => Status::Stale,
            (false, false) => {
                to_write.push((path.clone(), bytes));
                Status::Written
            }
        };
        fragments.insert(flavour.clone(), (path, status));
    }
    // Name each revision by the pins as they stand after this pull (`--update-pin` records new hashes).
    let mut pinned = sources.clone();
    for (flavour, sha) in &new_pins {
        if let Some(source) = pinned.flavours.get_mut(flavour) {
            match (&options.origin, &mut source.upstream, &mut source.mirror) {
                (Origin::Upstream, Some(up), _) => up.sha256 = Some(sha.clone()),
                (Origin::MirrorDir(_) | Origin::MirrorUrl(_), _, Some(m)) => m.sha256 = sha.clone(),
                _ => {}
            }
        }
    }
    let mut unused_fixups = Vec::new();
    for flavour in &requested {
        unused_fixups.extend(unused(&pinned, flavour, &built[flavour], &options.origin)?);
    }
    if !options.check {
        for (path, bytes) in to_write {
            write_atomic(&path, &bytes).map_err(|source| PullError::Io { path, source })?;
        }
        if !new_pins.is_empty() {
            pins::record(
                &options.spec_dir.join("sources.toml"),
                &new_pins,
                &options.origin,
            )?;
        }
    }
    Ok(Report {
        fragments,
        pins_updated: new_pins,
        unused_fixups,
    })
}

/// The fixups of `flavour` (when codegen knows the flavour) that change nothing in `fragment`.
fn unused(
    sources: &Sources,
    flavour: &str,
    fragment: &Value,
    origin: &Origin,
) -> Result<Vec<UnusedFixup>, PullError> {
    let Some(codegen_flavour) = crate::contracts::codegen_flavour(flavour) else {
        return Ok(Vec::new());
    };
    let text =
        String::from_utf8(to_canonical_bytes(fragment.clone())).expect("serde_json writes UTF-8");
    let names = codegen::unused_fixups(codegen_flavour, &text, &sources.table).map_err(|e| {
        PullError::Codegen {
            flavour: flavour.to_string(),
            message: e.to_string(),
        }
    })?;
    Ok(names
        .into_iter()
        .map(|fixup| UnusedFixup {
            fixup,
            flavour: flavour.to_string(),
            fragment: format!("spec/{flavour}.json"),
            revision: revision(sources, flavour, origin),
        })
        .collect())
}

/// Names the upstream revision a flavour's fragment is pulled from: the pinned commit (or mirror file) and
/// its sha256; for a derived flavour, its base's revision and the overlay.
pub fn revision(sources: &Sources, flavour: &str, origin: &Origin) -> String {
    let Some(source) = sources.flavours.get(flavour) else {
        return flavour.to_string();
    };
    if let (Some(base), Some(overlay)) = (&source.derive_from, &source.overlay) {
        return format!("{} + {overlay}", revision(sources, base, origin));
    }
    match (origin, &source.upstream, &source.mirror) {
        (Origin::Upstream, Some(up), _) => format!(
            "{flavour} upstream commit {} sha256 {}",
            up.commit,
            up.sha256.as_deref().unwrap_or("unpinned")
        ),
        (_, _, Some(m)) => format!("{flavour} mirror file {} sha256 {}", m.file, m.sha256),
        _ => flavour.to_string(),
    }
}

/// Whether `doc` has the operation `METHOD /path`.
pub fn has_operation(doc: &Value, operation: &str) -> bool {
    crate::sources::parse_operation(operation).is_ok_and(|(method, path)| {
        doc.get("paths")
            .and_then(|p| p.get(&path))
            .is_some_and(|item| item.get(&method).is_some())
    })
}

/// Builds the fragment of `flavour` (and, first, of the flavour it derives from) into `built`.
fn build(
    sources: &Sources,
    flavour: &str,
    options: &PullOptions,
    built: &mut BTreeMap<String, Value>,
    new_pins: &mut Vec<(String, String)>,
) -> Result<(), PullError> {
    if built.contains_key(flavour) {
        return Ok(());
    }
    let source = sources.get(flavour)?;
    let fragment = if let (Some(base), Some(overlay_file)) = (&source.derive_from, &source.overlay)
    {
        build(sources, base, options, built, new_pins)?;
        let mut doc = built[base.as_str()].clone();
        let overlay_path = options.spec_dir.join(overlay_file);
        let overlay = overlay::load(&overlay_path)?;
        overlay::apply(&mut doc, &overlay, &overlay_path)?;
        doc
    } else {
        let (fetched, format, pinned) = fetch(flavour, source, &options.origin)?;
        let actual = document::sha256_hex(&fetched.bytes);
        match pinned {
            Some(expected) if expected == actual => {}
            _ if options.update_pin => new_pins.push((flavour.to_string(), actual)),
            Some(expected) => {
                return Err(PullError::Sha256Mismatch {
                    flavour: flavour.to_string(),
                    origin: fetched.origin,
                    expected,
                    actual,
                });
            }
            None => {
                return Err(PullError::MissingPin {
                    flavour: flavour.to_string(),
                    origin: fetched.origin,
                    actual,
                });
            }
        }
        let doc = document::parse(&fetched, format)?;
        if let Some(operation) = source.absent.iter().find(|op| has_operation(&doc, op)) {
            return Err(PullError::PresentAfterAll {
                flavour: flavour.to_string(),
                operation: operation.clone(),
            });
        }
        let kept: Vec<String> = source
            .operations
            .iter()
            .filter(|op| !source.absent.contains(op))
            .cloned()
            .collect();
        fragment::extract(&doc, flavour, &kept)?
    };
    document::check_openapi_version(&fragment, flavour)?;
    built.insert(flavour.to_string(), fragment);
    Ok(())
}

/// Reads the bytes of a pinned flavour from the chosen origin, with their format and expected hash.
fn fetch(
    flavour: &str,
    source: &crate::sources::Source,
    origin: &Origin,
) -> Result<(Fetched, Format, Option<String>), PullError> {
    let missing =
        |what: &str| PullError::Sources(format!("{flavour}: no [{flavour}.{what}] entry"));
    match origin {
        Origin::Upstream => {
            let up = source
                .upstream
                .as_ref()
                .ok_or_else(|| missing("upstream"))?;
            Ok((document::download(&up.url)?, up.format, up.sha256.clone()))
        }
        Origin::MirrorDir(dir) => {
            let m = source.mirror.as_ref().ok_or_else(|| missing("mirror"))?;
            Ok((
                document::read_file(&dir.join(&m.file))?,
                m.format,
                Some(m.sha256.clone()),
            ))
        }
        Origin::MirrorUrl(base) => {
            let m = source.mirror.as_ref().ok_or_else(|| missing("mirror"))?;
            let url = format!("{base}/{}", m.file);
            Ok((document::download(&url)?, m.format, Some(m.sha256.clone())))
        }
    }
}
