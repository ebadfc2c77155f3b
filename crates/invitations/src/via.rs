//! Which API serves the invitation calls on Atlas v2: the deprecated invitation endpoints, their successor
//! (the MongoDB Cloud Users API), or the first until it is gone and then the second.

use std::fmt;
use std::future::Future;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::NaiveDate;

use crate::Flavour;
use crate::client::Client;
use crate::error::{Error, ValidationError};

/// Where the invitation calls of an Atlas v2 client go ([`ClientBuilder::invitations_via`](crate::ClientBuilder::invitations_via)).
///
/// Atlas v1.0 and Ops Manager have only their invitation endpoints: `Deprecated` is all they take, and
/// `Auto` means it there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Via {
    /// The invitation endpoints, always (after their sunset they answer 410, which the caller gets).
    Deprecated,
    /// The MongoDB Cloud Users API, always.
    Successor,
    /// The invitation endpoints until their sunset date or their first 410 `VERSION_GONE`, then the
    /// successor, from within the call that met the 410 on. The default.
    #[default]
    Auto,
}

impl Via {
    /// All three, in the CLI's order.
    pub const ALL: [Via; 3] = [Via::Deprecated, Via::Successor, Via::Auto];

    /// The name the CLI takes (`deprecated`, `successor`, `auto`).
    pub fn name(self) -> &'static str {
        match self {
            Via::Deprecated => "deprecated",
            Via::Successor => "successor",
            Via::Auto => "auto",
        }
    }
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Not one of `deprecated`, `successor`, `auto`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown --via {0:?}: expected deprecated, successor or auto")]
pub struct UnknownVia(pub String);

impl FromStr for Via {
    type Err = UnknownVia;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Via::ALL
            .into_iter()
            .find(|v| v.name() == s)
            .ok_or_else(|| UnknownVia(s.to_string()))
    }
}

/// A client's choice and what it has learnt: shared by its clones, so one 410 switches them all.
#[derive(Debug)]
pub(crate) struct Routing {
    pub(crate) via: Via,
    gone: AtomicBool,
    /// The date the sunset is compared with; `None` is today (UTC).
    today: Option<NaiveDate>,
}

impl Routing {
    pub(crate) fn new(
        flavour: Flavour,
        via: Via,
        today: Option<NaiveDate>,
    ) -> Result<Arc<Self>, Error> {
        if flavour != Flavour::AtlasV2 && via == Via::Successor {
            return Err(ValidationError::Unsupported {
                flavour,
                what: "invitations via the successor",
                why: "the MongoDB Cloud Users API exists only in the Atlas Administration API v2",
            }
            .into());
        }
        Ok(Arc::new(Routing {
            via,
            gone: AtomicBool::new(false),
            today,
        }))
    }

    /// Whether a call of the deprecated operation `name` goes to the successor instead.
    fn successor_serves(&self, flavour: Flavour, name: &str) -> bool {
        if flavour != Flavour::AtlasV2 {
            return false;
        }
        match self.via {
            Via::Deprecated => false,
            Via::Successor => true,
            Via::Auto => self.gone.load(Ordering::Relaxed) || self.past_sunset(name),
        }
    }

    fn past_sunset(&self, name: &str) -> bool {
        let Some(sunset) = mongodb_atlas_v2_invitations::operations::find(name)
            .and_then(|op| op.sunset)
            .and_then(iso_date)
        else {
            return false;
        };
        let today = self
            .today
            .unwrap_or_else(|| chrono::Utc::now().date_naive());
        today >= sunset
    }
}

/// A `YYYY-MM-DD` date, as the table writes sunsets. Read by hand because it is read on every routed call,
/// where chrono's format-driven parser showed in the per-update profile of `invitations apply`.
fn iso_date(text: &str) -> Option<NaiveDate> {
    let mut parts = text.splitn(3, '-');
    let mut next = || parts.next().and_then(|p| p.parse::<u32>().ok());
    let (year, month, day) = (next()?, next()?, next()?);
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

impl Client {
    /// Runs an invitation call on the endpoint its routing picks: `deprecated` (the invitation endpoint
    /// `name`) or `successor`. Under [`Via::Auto`], a 410 from the deprecated endpoint switches this client
    /// and its clones to the successor and the same call goes on there.
    pub(crate) async fn routed<T, D, S>(
        &self,
        name: &'static str,
        deprecated: impl FnOnce() -> D,
        successor: impl FnOnce() -> S,
    ) -> Result<T, Error>
    where
        D: Future<Output = Result<T, Error>>,
        S: Future<Output = Result<T, Error>>,
    {
        // The successor's future is boxed: inline, its pages and lookups would grow every call's future,
        // which each layer above moves by value when it starts.
        if self.routing.successor_serves(self.flavour, name) {
            return Box::pin(successor()).await;
        }
        match deprecated().await {
            Err(Error::VersionGone { .. })
                if self.routing.via == Via::Auto && self.flavour == Flavour::AtlasV2 =>
            {
                if !self.routing.gone.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        operation = name,
                        "the invitation endpoints answered 410 VERSION_GONE; using the MongoDB Cloud Users API from now on"
                    );
                }
                Box::pin(successor()).await
            }
            other => other,
        }
    }

    /// Which API this client's invitation calls go to now.
    pub fn invitations_via(&self) -> Via {
        self.routing.via
    }

    /// Whether this client (or a clone) has met the invitation endpoints' 410 and moved to the successor.
    pub fn invitations_moved(&self) -> bool {
        self.routing.gone.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sunset_dates_read_as_chrono_reads_them() {
        for text in ["2027-07-01", "2026-12-31", "2024-02-29"] {
            assert_eq!(
                iso_date(text),
                NaiveDate::parse_from_str(text, "%Y-%m-%d").ok(),
                "{text}"
            );
        }
        for bad in [
            "2027-13-01",
            "2025-02-29",
            "2027-07",
            "",
            "soon",
            "2027-07-01-x",
        ] {
            assert_eq!(iso_date(bad), None, "{bad}");
        }
    }
}
