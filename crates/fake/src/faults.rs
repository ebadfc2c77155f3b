//! Misbehaviour on request: which faults, how often, and the seeded draw that picks them.

use std::collections::VecDeque;
use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;

use crate::counters::lock;

/// One way the server can misbehave on a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// 429 `RATE_LIMITED` `ApiError` with `Retry-After` (whole seconds, [`Faults::retry_after`]).
    RateLimited,
    /// 503 `SERVICE_UNAVAILABLE` `ApiError`.
    Unavailable,
    /// 500 with an HTML body (`text/html`), as a proxy in front of the API would answer.
    ServerErrorHtml,
    /// 200 with the operation's JSON media type and a body that is not JSON.
    NotJson,
    /// The connection is closed before any response byte is written.
    Drop,
    /// The answer is delayed by [`Faults::slow_delay`], then served normally.
    Slow,
    /// 410 `VERSION_GONE` `ApiError`.
    VersionGone,
    /// 400 `INVITATIONS_RATE_LIMITED_IP` `ApiError` (a 400, not a 429: invitations are capped per IP).
    InvitationsRateLimitedIp,
}

impl Fault {
    /// Every fault, in the order the plan's probabilities are laid out.
    pub const ALL: [Fault; 8] = [
        Fault::RateLimited,
        Fault::Unavailable,
        Fault::ServerErrorHtml,
        Fault::NotJson,
        Fault::Drop,
        Fault::Slow,
        Fault::VersionGone,
        Fault::InvitationsRateLimitedIp,
    ];

    /// The key naming this fault in the [`Faults`] string form.
    pub fn key(self) -> &'static str {
        match self {
            Fault::RateLimited => "429",
            Fault::Unavailable => "503",
            Fault::ServerErrorHtml => "500",
            Fault::NotJson => "notjson",
            Fault::Drop => "drop",
            Fault::Slow => "slow",
            Fault::VersionGone => "410",
            Fault::InvitationsRateLimitedIp => "400",
        }
    }
}

/// A per-run fault plan: the probability of each [`Fault`] on one authenticated API request.
///
/// The string form (for a command line) is a comma-separated list of `KEY=PROBABILITY[:DURATION]`, with
/// keys `429` (rate limited, the duration is `Retry-After`), `503`, `500` (HTML body), `notjson`, `drop`,
/// `slow` (the duration is the delay), `410` (`VERSION_GONE`) and `400` (`INVITATIONS_RATE_LIMITED_IP`);
/// durations are `NNNms` or `NNNs`. `none` or an empty string is the empty plan.
///
/// ```
/// let plan: fake::Faults = "429=0.1:2s,503=0.05,drop=0.02,slow=0.01:500ms".parse().unwrap();
/// assert_eq!(plan.rate_limited, 0.1);
/// assert_eq!(plan.retry_after, std::time::Duration::from_secs(2));
/// assert_eq!(plan.to_string().parse::<fake::Faults>().unwrap(), plan);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Faults {
    /// Probability of [`Fault::RateLimited`].
    pub rate_limited: f64,
    /// `Retry-After` sent with a 429 (rounded up to whole seconds); 1 s by default.
    pub retry_after: Duration,
    /// Probability of [`Fault::Unavailable`].
    pub unavailable: f64,
    /// Probability of [`Fault::ServerErrorHtml`].
    pub server_error_html: f64,
    /// Probability of [`Fault::NotJson`].
    pub not_json: f64,
    /// Probability of [`Fault::Drop`].
    pub drop_connection: f64,
    /// Probability of [`Fault::Slow`].
    pub slow: f64,
    /// How long a slow answer waits; 500 ms by default.
    pub slow_delay: Duration,
    /// Probability of [`Fault::VersionGone`].
    pub version_gone: f64,
    /// Probability of [`Fault::InvitationsRateLimitedIp`].
    pub invitations_rate_limited_ip: f64,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            rate_limited: 0.0,
            retry_after: Duration::from_secs(1),
            unavailable: 0.0,
            server_error_html: 0.0,
            not_json: 0.0,
            drop_connection: 0.0,
            slow: 0.0,
            slow_delay: Duration::from_millis(500),
            version_gone: 0.0,
            invitations_rate_limited_ip: 0.0,
        }
    }
}

/// Why a fault plan was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FaultsError {
    /// A key that names no fault.
    #[error("unknown fault `{0}` (known: 429, 503, 500, notjson, drop, slow, 410, 400)")]
    UnknownKey(String),
    /// An entry that is not `KEY=PROBABILITY[:DURATION]`.
    #[error("fault entry `{0}` is not KEY=PROBABILITY[:DURATION]")]
    Syntax(String),
    /// A probability outside 0..=1.
    #[error("probability of `{key}` must be between 0 and 1, got {value}")]
    Probability {
        /// The fault's key.
        key: &'static str,
        /// What was given.
        value: f64,
    },
    /// The probabilities add up to more than 1.
    #[error("fault probabilities add up to {0}, more than 1")]
    TooLikely(f64),
    /// A duration that is not `NNNms` or `NNNs`.
    #[error("duration `{0}` is not NNNms or NNNs")]
    Duration(String),
    /// A duration on a fault that takes none.
    #[error("fault `{0}` takes no duration")]
    UnexpectedDuration(&'static str),
}

impl Faults {
    /// The empty plan: no faults.
    pub fn none() -> Self {
        Faults::default()
    }

    /// The probability this plan gives `fault`.
    pub fn probability(&self, fault: Fault) -> f64 {
        match fault {
            Fault::RateLimited => self.rate_limited,
            Fault::Unavailable => self.unavailable,
            Fault::ServerErrorHtml => self.server_error_html,
            Fault::NotJson => self.not_json,
            Fault::Drop => self.drop_connection,
            Fault::Slow => self.slow,
            Fault::VersionGone => self.version_gone,
            Fault::InvitationsRateLimitedIp => self.invitations_rate_limited_ip,
        }
    }

    fn probability_mut(&mut self, fault: Fault) -> &mut f64 {
        match fault {
            Fault::RateLimited => &mut self.rate_limited,
            Fault::Unavailable => &mut self.unavailable,
            Fault::ServerErrorHtml => &mut self.server_error_html,
            Fault::NotJson => &mut self.not_json,
            Fault::Drop => &mut self.drop_connection,
            Fault::Slow => &mut self.slow,
            Fault::VersionGone => &mut self.version_gone,
            Fault::InvitationsRateLimitedIp => &mut self.invitations_rate_limited_ip,
        }
    }

    /// Checks every probability is within 0..=1 and that they add up to at most 1.
    pub fn validate(&self) -> Result<(), FaultsError> {
        let mut sum = 0.0;
        for fault in Fault::ALL {
            let value = self.probability(fault);
            if !(0.0..=1.0).contains(&value) {
                return Err(FaultsError::Probability {
                    key: fault.key(),
                    value,
                });
            }
            sum += value;
        }
        if sum > 1.0 + 1e-9 {
            return Err(FaultsError::TooLikely(sum));
        }
        Ok(())
    }

    /// The fault a uniform draw `u` in `0..1` lands on, if any.
    fn pick(&self, u: f64) -> Option<Fault> {
        let mut edge = 0.0;
        for fault in Fault::ALL {
            edge += self.probability(fault);
            if u < edge {
                return Some(fault);
            }
        }
        None
    }

    fn is_empty(&self) -> bool {
        Fault::ALL.iter().all(|f| self.probability(*f) == 0.0)
    }
}

impl FromStr for Faults {
    type Err = FaultsError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut plan = Faults::none();
        let s = s.trim();
        if s.is_empty() || s.eq_ignore_ascii_case("none") {
            return Ok(plan);
        }
        for entry in s.split(',').map(str::trim) {
            let (key, rest) = entry
                .split_once('=')
                .ok_or_else(|| FaultsError::Syntax(entry.to_owned()))?;
            let fault = Fault::ALL
                .into_iter()
                .find(|f| f.key().eq_ignore_ascii_case(key.trim()))
                .ok_or_else(|| FaultsError::UnknownKey(key.trim().to_owned()))?;
            let (probability, duration) = match rest.split_once(':') {
                Some((p, d)) => (p, Some(parse_duration(d.trim())?)),
                None => (rest, None),
            };
            let probability: f64 = probability
                .trim()
                .parse()
                .map_err(|_| FaultsError::Syntax(entry.to_owned()))?;
            *plan.probability_mut(fault) = probability;
            match (fault, duration) {
                (Fault::RateLimited, Some(d)) => plan.retry_after = d,
                (Fault::Slow, Some(d)) => plan.slow_delay = d,
                (_, Some(_)) => return Err(FaultsError::UnexpectedDuration(fault.key())),
                (_, None) => {}
            }
        }
        plan.validate()?;
        Ok(plan)
    }
}

impl fmt::Display for Faults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for fault in Fault::ALL {
            let p = self.probability(fault);
            if p == 0.0 {
                continue;
            }
            if !first {
                f.write_str(",")?;
            }
            first = false;
            write!(f, "{}={p}", fault.key())?;
            match fault {
                Fault::RateLimited => write!(f, ":{}ms", self.retry_after.as_millis())?,
                Fault::Slow => write!(f, ":{}ms", self.slow_delay.as_millis())?,
                _ => {}
            }
        }
        if first {
            f.write_str("none")?;
        }
        Ok(())
    }
}

fn parse_duration(text: &str) -> Result<Duration, FaultsError> {
    let bad = || FaultsError::Duration(text.to_owned());
    if let Some(ms) = text.strip_suffix("ms") {
        return ms.parse().map(Duration::from_millis).map_err(|_| bad());
    }
    if let Some(s) = text.strip_suffix('s') {
        return s.parse().map(Duration::from_secs).map_err(|_| bad());
    }
    Err(bad())
}

/// The running plan: a queue of one-shot faults, then the seeded draw.
#[derive(Debug)]
pub(crate) struct FaultPlan {
    plan: Mutex<Faults>,
    queue: Mutex<VecDeque<Fault>>,
    rng: Mutex<StdRng>,
}

impl FaultPlan {
    pub(crate) fn new(plan: Faults, seed: u64) -> Self {
        FaultPlan {
            plan: Mutex::new(plan),
            queue: Mutex::new(VecDeque::new()),
            // A distinct stream from the store's, so adding seeded data does not shift the faults.
            rng: Mutex::new(StdRng::seed_from_u64(seed ^ 0xfa17_fa17_fa17_fa17)),
        }
    }

    pub(crate) fn inject(&self, faults: impl IntoIterator<Item = Fault>) {
        lock(&self.queue).extend(faults);
    }

    pub(crate) fn set(&self, plan: Faults) {
        *lock(&self.plan) = plan;
    }

    pub(crate) fn plan(&self) -> Faults {
        lock(&self.plan).clone()
    }

    /// The fault for the next authenticated request, if any.
    pub(crate) fn next(&self) -> Option<Fault> {
        if let Some(fault) = lock(&self.queue).pop_front() {
            return Some(fault);
        }
        let plan = lock(&self.plan);
        if plan.is_empty() {
            return None;
        }
        let u: f64 = lock(&self.rng).random();
        plan.pick(u)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_string_form_reads_every_key_and_round_trips() {
        let plan: Faults =
            "429=0.1,503=0.05,500=0.01,notjson=0.01,drop=0.02,slow=0.01:250ms,410=0.01,400=0.02"
                .parse()
                .expect("valid plan");
        assert_eq!(plan.rate_limited, 0.1);
        assert_eq!(plan.retry_after, Duration::from_secs(1));
        assert_eq!(plan.drop_connection, 0.02);
        assert_eq!(plan.slow_delay, Duration::from_millis(250));
        assert_eq!(plan.invitations_rate_limited_ip, 0.02);
        assert_eq!(plan.to_string().parse::<Faults>(), Ok(plan));
        assert_eq!("none".parse::<Faults>(), Ok(Faults::none()));
        assert_eq!(Faults::none().to_string(), "none");
    }

    #[test]
    fn bad_plans_are_refused_with_the_reason() {
        assert_eq!(
            "teapot=0.1".parse::<Faults>(),
            Err(FaultsError::UnknownKey("teapot".into()))
        );
        assert_eq!(
            "429".parse::<Faults>(),
            Err(FaultsError::Syntax("429".into()))
        );
        assert_eq!(
            "503=1.5".parse::<Faults>(),
            Err(FaultsError::Probability {
                key: "503",
                value: 1.5
            })
        );
        assert!(matches!(
            "503=0.6,429=0.6".parse::<Faults>(),
            Err(FaultsError::TooLikely(_))
        ));
        assert_eq!(
            "slow=0.1:5m".parse::<Faults>(),
            Err(FaultsError::Duration("5m".into()))
        );
        assert_eq!(
            "drop=0.1:5s".parse::<Faults>(),
            Err(FaultsError::UnexpectedDuration("drop"))
        );
    }

    #[test]
    fn the_draw_is_reproducible_from_the_seed_and_queued_faults_come_first() {
        let plan: Faults = "429=0.3,503=0.3".parse().expect("plan");
        let draws = |seed| {
            let running = FaultPlan::new(plan.clone(), seed);
            (0..200).map(|_| running.next()).collect::<Vec<_>>()
        };
        let first = draws(7);
        assert_eq!(first, draws(7));
        assert_ne!(first, draws(8));
        let limited = first
            .iter()
            .filter(|f| **f == Some(Fault::RateLimited))
            .count();
        assert!((30..=90).contains(&limited), "{limited} of 200 at p=0.3");

        let running = FaultPlan::new(Faults::none(), 1);
        running.inject([Fault::Drop, Fault::Slow]);
        assert_eq!(running.next(), Some(Fault::Drop));
        assert_eq!(running.next(), Some(Fault::Slow));
        assert_eq!(running.next(), None);
    }
}
