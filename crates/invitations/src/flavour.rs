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

/// What `spec/operations.toml` says about a flavour, as its generated crate carries it.
macro_rules! from_table {
    ($flavour:expr, $item:ident) => {
        match $flavour {
            Flavour::AtlasV2 => mongodb_atlas_v2_invitations::operations::$item,
            Flavour::AtlasV1 => mongodb_atlas_v1_invitations::operations::$item,
            Flavour::OpsManager => mongodb_ops_manager_v1_invitations::operations::$item,
        }
    };
}

impl Flavour {
    /// Every flavour, in the order the CLI lists them.
    pub const ALL: [Flavour; 3] = [Flavour::AtlasV2, Flavour::AtlasV1, Flavour::OpsManager];

    /// The name in `spec/operations.toml`, used on the command line and in messages: `atlas-v2`,
    /// `atlas-v1`, `ops-manager-v1`.
    pub fn name(self) -> &'static str {
        from_table!(self, FLAVOUR)
    }

    /// What the API is called in prose.
    pub fn title(self) -> &'static str {
        from_table!(self, TITLE)
    }

    /// The base URL used when none is given (Ops Manager has none: it is self-hosted).
    pub fn default_base_url(self) -> Option<&'static str> {
        from_table!(self, DEFAULT_BASE_URL)
    }

    /// The organization roles this flavour's servers accept.
    pub(crate) fn org_roles(self) -> &'static [&'static str] {
        match self {
            Flavour::AtlasV2 => mongodb_atlas_v2_invitations::operations::roles::ORG,
            Flavour::AtlasV1 => mongodb_atlas_v1_invitations::operations::roles::ORG,
            Flavour::OpsManager => mongodb_ops_manager_v1_invitations::operations::roles::ORG,
        }
    }

    /// The project roles this flavour's servers accept.
    pub(crate) fn project_roles(self) -> &'static [&'static str] {
        match self {
            Flavour::AtlasV2 => mongodb_atlas_v2_invitations::operations::roles::PROJECT,
            Flavour::AtlasV1 => mongodb_atlas_v1_invitations::operations::roles::PROJECT,
            Flavour::OpsManager => mongodb_ops_manager_v1_invitations::operations::roles::PROJECT,
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
#[error("unknown flavour {0:?}: expected atlas-v2, atlas-v1 or ops-manager-v1")]
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
