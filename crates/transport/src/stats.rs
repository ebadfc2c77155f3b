//! Counters a caller can show in a summary (`Transport::stats`).

use std::sync::atomic::{AtomicU64, Ordering};

/// A snapshot of what a transport (and its clones) did so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// HTTP requests put on the wire, probes, re-signs, retries and token requests included.
    pub requests_sent: u64,
    /// Requests repeated by the retry policy (rate limits, 502/503/504, lost connections).
    pub retries: u64,
    /// 401 Digest challenges received.
    pub challenges: u64,
    /// Of those, challenges that said `stale=true`.
    pub stale_nonces: u64,
    /// Body-less first-contact probes sent to learn a nonce.
    pub probes: u64,
    /// OAuth access tokens obtained.
    pub tokens_fetched: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) requests_sent: AtomicU64,
    pub(crate) retries: AtomicU64,
    pub(crate) challenges: AtomicU64,
    pub(crate) stale_nonces: AtomicU64,
    pub(crate) probes: AtomicU64,
    pub(crate) tokens_fetched: AtomicU64,
}

impl Counters {
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> Stats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Stats {
            requests_sent: get(&self.requests_sent),
            retries: get(&self.retries),
            challenges: get(&self.challenges),
            stale_nonces: get(&self.stale_nonces),
            probes: get(&self.probes),
            tokens_fetched: get(&self.tokens_fetched),
        }
    }
}
