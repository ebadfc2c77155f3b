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
        fragment::extract(&doc, flavour, &source.operations)?
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
