//! What the server has seen, for tests to read.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::faults::Fault;

/// A copy of the counters at one moment ([`FakeServer::counters`](crate::FakeServer::counters)).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CountersSnapshot {
    /// Every request that reached the server, answered or not (dropped connections included).
    pub total_requests: u64,
    /// Answers by HTTP status. A dropped connection has no status and is not here.
    pub requests_by_status: BTreeMap<u16, u64>,
    /// 401 answers that carried a `WWW-Authenticate: Digest` challenge.
    pub challenges: u64,
    /// Of those, challenges with `stale=true` (a correct digest on a used-up, expired or unknown nonce).
    pub stale_challenges: u64,
    /// Digest requests refused because their `nc` repeated one already used with the nonce.
    pub replays_refused: u64,
    /// Digest requests refused under [`NonceCounting::Strict`](crate::NonceCounting::Strict) because their
    /// `nc`, though unused, was not above the highest one already accepted for the nonce.
    pub counts_out_of_order: u64,
    /// Requests that carried a body and correct credentials but were refused for a nonce reason (stale
    /// or unknown nonce, repeated or out-of-order `nc`): a body that crossed the wire for nothing.
    pub bodies_refused_for_nonce: u64,
    /// Requests that carried a body but no `Authorization` header: a client that sends its body before
    /// it has credentials pays for the body twice.
    pub bodies_without_credentials: u64,
    /// Authenticated requests whose method, target and non-empty body equal those of an earlier
    /// authenticated request within the retry window ([`FakeServerBuilder::retry_window`](crate::FakeServerBuilder::retry_window),
    /// 10 s by default). The unauthenticated first leg of a Digest exchange is not counted.
    pub retries_seen: u64,
    /// Access tokens issued by `POST /api/oauth/token`.
    pub tokens_issued: u64,
    /// Faults injected, by kind.
    pub faults_injected: BTreeMap<Fault, u64>,
    /// Requests that reached an operation, by the operation's stable name in `spec/operations.toml`
    /// (`"list_org_users"`), whatever the answer: refusals of the media type, the body or the id, 404s
    /// and the 410s of [`FakeServer::set_sunset_passed`](crate::FakeServer::set_sunset_passed) count.
    /// Requests refused before routing (authentication, injected faults) and paths no operation has do
    /// not.
    pub requests_by_operation: BTreeMap<String, u64>,
}

impl CountersSnapshot {
    /// How many answers had `status`.
    pub fn status(&self, status: u16) -> u64 {
        self.requests_by_status.get(&status).copied().unwrap_or(0)
    }

    /// How many requests reached the operation with this stable name (see
    /// [`requests_by_operation`](Self::requests_by_operation)).
    pub fn operation(&self, name: &str) -> u64 {
        self.requests_by_operation.get(name).copied().unwrap_or(0)
    }
}

/// The live counters, shared by every connection.
#[derive(Debug)]
pub(crate) struct Counters {
    total: AtomicU64,
    challenges: AtomicU64,
    stale_challenges: AtomicU64,
    replays_refused: AtomicU64,
    counts_out_of_order: AtomicU64,
    bodies_refused_for_nonce: AtomicU64,
    bodies_without_credentials: AtomicU64,
    retries_seen: AtomicU64,
    tokens_issued: AtomicU64,
    by_status: Mutex<BTreeMap<u16, u64>>,
    faults: Mutex<BTreeMap<Fault, u64>>,
    by_operation: Mutex<BTreeMap<&'static str, u64>>,
    recent_bodies: Mutex<HashMap<u64, Instant>>,
    retry_window: Duration,
}

/// Past this many remembered bodies, entries older than the window are forgotten.
const RECENT_BODIES_SOFT_CAP: usize = 4096;

impl Counters {
    pub(crate) fn new(retry_window: Duration) -> Self {
        Counters {
            total: AtomicU64::new(0),
            challenges: AtomicU64::new(0),
            stale_challenges: AtomicU64::new(0),
            replays_refused: AtomicU64::new(0),
            counts_out_of_order: AtomicU64::new(0),
            bodies_refused_for_nonce: AtomicU64::new(0),
            bodies_without_credentials: AtomicU64::new(0),
            retries_seen: AtomicU64::new(0),
            tokens_issued: AtomicU64::new(0),
            by_status: Mutex::new(BTreeMap::new()),
            faults: Mutex::new(BTreeMap::new()),
            by_operation: Mutex::new(BTreeMap::new()),
            recent_bodies: Mutex::new(HashMap::new()),
            retry_window,
        }
    }

    pub(crate) fn request(&self, has_body: bool, has_credentials: bool) {
        self.total.fetch_add(1, Ordering::Relaxed);
        if has_body && !has_credentials {
            self.bodies_without_credentials
                .fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn status(&self, status: u16) {
        *lock(&self.by_status).entry(status).or_insert(0) += 1;
    }

    pub(crate) fn challenge(&self, stale: bool) {
        self.challenges.fetch_add(1, Ordering::Relaxed);
        if stale {
            self.stale_challenges.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn replay(&self) {
        self.replays_refused.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn out_of_order(&self) {
        self.counts_out_of_order.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn body_refused_for_nonce(&self) {
        self.bodies_refused_for_nonce
            .fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn token_issued(&self) {
        self.tokens_issued.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn fault(&self, fault: Fault) {
        *lock(&self.faults).entry(fault).or_insert(0) += 1;
    }

    /// Notes a request routed to the operation with this stable name.
    pub(crate) fn operation(&self, name: &'static str) {
        *lock(&self.by_operation).entry(name).or_insert(0) += 1;
    }

    /// Notes an authenticated request with a body, identified by a hash of method, target and body.
    pub(crate) fn authenticated_body(&self, fingerprint: u64) {
        let now = Instant::now();
        let mut recent = lock(&self.recent_bodies);
        if let Some(seen) = recent.insert(fingerprint, now)
            && now.duration_since(seen) <= self.retry_window
        {
            self.retries_seen.fetch_add(1, Ordering::Relaxed);
        }
        if recent.len() > RECENT_BODIES_SOFT_CAP {
            recent.retain(|_, seen| now.duration_since(*seen) <= self.retry_window);
        }
    }

    pub(crate) fn snapshot(&self) -> CountersSnapshot {
        CountersSnapshot {
            total_requests: self.total.load(Ordering::Relaxed),
            requests_by_status: lock(&self.by_status).clone(),
            challenges: self.challenges.load(Ordering::Relaxed),
            stale_challenges: self.stale_challenges.load(Ordering::Relaxed),
            replays_refused: self.replays_refused.load(Ordering::Relaxed),
            counts_out_of_order: self.counts_out_of_order.load(Ordering::Relaxed),
            bodies_refused_for_nonce: self.bodies_refused_for_nonce.load(Ordering::Relaxed),
            bodies_without_credentials: self.bodies_without_credentials.load(Ordering::Relaxed),
            retries_seen: self.retries_seen.load(Ordering::Relaxed),
            tokens_issued: self.tokens_issued.load(Ordering::Relaxed),
            faults_injected: lock(&self.faults).clone(),
            requests_by_operation: lock(&self.by_operation)
                .iter()
                .map(|(name, count)| ((*name).to_owned(), *count))
                .collect(),
        }
    }

    pub(crate) fn reset(&self) {
        for counter in [
            &self.total,
            &self.challenges,
            &self.stale_challenges,
            &self.replays_refused,
            &self.counts_out_of_order,
            &self.bodies_refused_for_nonce,
            &self.bodies_without_credentials,
            &self.retries_seen,
            &self.tokens_issued,
        ] {
            counter.store(0, Ordering::Relaxed);
        }
        lock(&self.by_status).clear();
        lock(&self.faults).clear();
        lock(&self.by_operation).clear();
        lock(&self.recent_bodies).clear();
    }
}

/// Locks a mutex, carrying on with the data if a holder panicked: counters stay readable after a
/// failed test.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_body_inside_the_window_is_a_retry() {
        let counters = Counters::new(Duration::from_secs(10));
        counters.authenticated_body(1);
        counters.authenticated_body(2);
        counters.authenticated_body(1);
        assert_eq!(counters.snapshot().retries_seen, 1);
        let instant = Counters::new(Duration::ZERO);
        instant.authenticated_body(7);
        std::thread::sleep(Duration::from_millis(2));
        instant.authenticated_body(7);
        assert_eq!(instant.snapshot().retries_seen, 0);
    }

    #[test]
    fn bodies_without_credentials_are_counted_apart() {
        let counters = Counters::new(Duration::from_secs(1));
        counters.request(true, false);
        counters.request(true, true);
        counters.request(false, false);
        counters.status(401);
        counters.status(401);
        counters.operation("list_org_users");
        counters.operation("list_org_users");
        let seen = counters.snapshot();
        assert_eq!(seen.operation("list_org_users"), 2);
        assert_eq!(seen.operation("get_org_user"), 0);
        assert_eq!(seen.total_requests, 3);
        assert_eq!(seen.bodies_without_credentials, 1);
        assert_eq!(seen.status(401), 2);
        assert_eq!(seen.status(200), 0);
        counters.reset();
        assert_eq!(counters.snapshot(), CountersSnapshot::default());
    }
}
