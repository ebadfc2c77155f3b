//! Reading an upstream document: from a mirror folder or over HTTPS, verified against its pin, then parsed.

use std::io::{IsTerminal, Read};
use std::path::Path;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::PullError;
use crate::sources::Format;

/// Bytes read from somewhere, with a human-readable origin for messages.
#[derive(Debug)]
pub struct Fetched {
    /// The path or URL.
    pub origin: String,
    /// The raw document.
    pub bytes: Vec<u8>,
}

/// Lower-case hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Reads a local file.
pub fn read_file(path: &Path) -> Result<Fetched, PullError> {
    let bytes = std::fs::read(path).map_err(|source| PullError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(Fetched {
        origin: path.display().to_string(),
        bytes,
    })
}

/// Downloads `url` over HTTPS with certificate verification, showing a progress bar when stdout is a
/// terminal.
pub fn download(url: &str) -> Result<Fetched, PullError> {
    let fail = |message: String| PullError::Download {
        url: url.to_string(),
        message,
    };
    // Upstream is always fetched over HTTPS; plain HTTP is allowed only for a mirror on this machine
    // (a local copy served for tests or an air-gapped build).
    let loopback = [
        "http://127.0.0.1:",
        "http://127.0.0.1/",
        "http://localhost:",
        "http://localhost/",
        "http://[::1]",
    ]
    .iter()
    .any(|p| url.starts_with(p));
    if !url.starts_with("https://") && !loopback {
        return Err(fail(
            "only https:// URLs are fetched (plain http only from a loopback mirror)".into(),
        ));
    }
    // reqwest is built without a bundled crypto provider (see the workspace manifest); install ring's. An
    // error only means a provider is already installed, which is as good.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::blocking::Client::builder()
        .user_agent(concat!(
            "mongodb-invitations-xtask/",
            env!("CARGO_PKG_VERSION")
        ))
        .connect_timeout(std::time::Duration::from_secs(15))
        .timeout(std::time::Duration::from_secs(300))
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let mut response = client.get(url).send().map_err(|e| fail(e.to_string()))?;
    if !response.status().is_success() {
        return Err(fail(format!("HTTP status {}", response.status())));
    }
    let total = response.content_length();
    let bar = if std::io::stdout().is_terminal() {
        let bar = match total {
            Some(n) => indicatif::ProgressBar::new(n),
            None => indicatif::ProgressBar::new_spinner(),
        };
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{msg} {bar:30} {bytes}/{total_bytes} {bytes_per_sec}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.set_message(url.rsplit('/').next().unwrap_or(url).to_string());
        Some(bar)
    } else {
        None
    };
    let mut bytes = Vec::with_capacity(total.unwrap_or(0).min(64 << 20) as usize);
    let mut chunk = [0u8; 64 * 1024];
    loop {
        let n = response.read(&mut chunk).map_err(|e| fail(e.to_string()))?;
        if n == 0 {
            break;
        }
        bytes.extend_from_slice(&chunk[..n]);
        if let Some(bar) = &bar {
            bar.inc(n as u64);
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(Fetched {
        origin: url.to_string(),
        bytes,
    })
}

/// Parses a document in the given format and checks that it is OpenAPI 3.0.x.
pub fn parse(fetched: &Fetched, format: Format) -> Result<Value, PullError> {
    let parse_error = |message: String| PullError::Parse {
        origin: fetched.origin.clone(),
        format: format.name().to_string(),
        message,
    };
    let value: Value = match format {
        Format::Json => {
            serde_json::from_slice(&fetched.bytes).map_err(|e| parse_error(e.to_string()))?
        }
        Format::Yaml => {
            serde_yaml_ng::from_slice(&fetched.bytes).map_err(|e| parse_error(e.to_string()))?
        }
    };
    if !value.is_object() {
        return Err(parse_error("the top level is not a mapping".into()));
    }
    check_openapi_version(&value, &fetched.origin)?;
    Ok(value)
}

/// Only OpenAPI 3.0.x is accepted: progenitor rejects 3.1 and 2.0 is another format altogether.
pub fn check_openapi_version(doc: &Value, origin: &str) -> Result<(), PullError> {
    let found = doc.get("openapi").and_then(Value::as_str);
    let ok = found.is_some_and(|v| {
        let mut parts = v.split('.');
        parts.next() == Some("3")
            && parts.next() == Some("0")
            && parts
                .next()
                .is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            && parts.next().is_none()
    });
    if ok {
        Ok(())
    } else {
        Err(PullError::UnsupportedVersion {
            origin: origin.to_string(),
            found: found.unwrap_or("missing").to_string(),
        })
    }
}
