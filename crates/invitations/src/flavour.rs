//! The three APIs this crate speaks.

use std::fmt;
use std::str::FromStr;

/// Which MongoDB API a [`Client`](crate::Client) talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Flavour {
    /// Atlas Administration API v2 (`/api/atlas/v2`, versioned media types). The default.
    #[default]
    AtlasV2,
    /// The legacy Atlas Administration API v1.0 (`/api/atlas/v1.0`).
    AtlasV1,
    /// The self-hosted Ops Manager public API v1.0 (`/api/public/v1.0`).
    OpsManager,
}

impl Flavour {
    /// Every flavour, in the order the CLI lists them.
    pub const ALL: [Flavour; 3] = [Flavour::AtlasV2, Flavour::AtlasV1, Flavour::OpsManager];

    /// The name used on the command line and in messages.
    pub fn name(self) -> &'static str {
        match self {
            Flavour::AtlasV2 => "atlas-v2",
            Flavour::AtlasV1 => "atlas-v1",
            Flavour::OpsManager => "ops-manager",
        }
    }

    /// The base URL used when none is given (Ops Manager has none: it is self-hosted).
    pub fn default_base_url(self) -> Option<&'static str> {
        match self {
            Flavour::AtlasV2 | Flavour::AtlasV1 => Some("https://cloud.mongodb.com"),
            Flavour::OpsManager => None,
        }
    }
}

impl fmt::Display for Flavour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The text was not a flavour name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown flavour {0:?}: expected atlas-v2, atlas-v1 or ops-manager")]
pub struct UnknownFlavour(pub String);

impl FromStr for Flavour {
    type Err = UnknownFlavour;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Flavour::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| UnknownFlavour(s.to_string()))
    }
}
