//! Digest nonces cached per origin and realm, each with an atomically increasing `nc`, plus one
//! first-contact gate per origin so that concurrent callers share a single probe.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::digest::DigestChallenge;

/// A server-issued nonce in use, and how many requests have been signed with it.
#[derive(Debug)]
pub(crate) struct NonceSession {
    pub(crate) challenge: DigestChallenge,
    nc: AtomicU32,
}

impl NonceSession {
    pub(crate) fn new(mut challenge: DigestChallenge) -> Self {
        // `stale` describes the answer that brought the nonce, not the nonce itself.
        challenge.stale = false;
        Self {
            challenge,
            nc: AtomicU32::new(0),
        }
    }

    /// The next nonce count: 1, 2, 3, ... unique across concurrent signers of this nonce.
    pub(crate) fn next_nc(&self) -> u32 {
        self.nc.fetch_add(1, Ordering::Relaxed).wrapping_add(1)
    }
}

/// The origin of a URL (`scheme://host:port`), the cache key with the realm.
pub(crate) type Origin = String;

#[derive(Default)]
struct OriginEntry {
    by_realm: HashMap<String, Arc<NonceSession>>,
    /// The realm of the last challenge from this origin: what a request that has not been challenged yet signs for.
    current_realm: Option<String>,
    first_contact: Arc<tokio::sync::Mutex<()>>,
}

/// All nonces this transport holds.
#[derive(Default)]
pub(crate) struct NonceCache {
    origins: Mutex<HashMap<Origin, OriginEntry>>,
}

impl NonceCache {
    fn with_origin<R>(&self, origin: &str, f: impl FnOnce(&mut OriginEntry) -> R) -> R {
        // A panic elsewhere while holding the lock leaves the map consistent (single inserts), so poisoning is ignored.
        let mut origins = self.origins.lock().unwrap_or_else(PoisonError::into_inner);
        f(origins.entry(origin.to_owned()).or_default())
    }

    /// The session to sign the next request to `origin` with, if any challenge was seen.
    pub(crate) fn current(&self, origin: &str) -> Option<Arc<NonceSession>> {
        // The hot path of every signed request: a lookup, no allocation.
        let origins = self.origins.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = origins.get(origin)?;
        entry.by_realm.get(entry.current_realm.as_ref()?).cloned()
    }

    /// The gate a caller holds while making first contact with `origin`.
    pub(crate) fn first_contact_gate(&self, origin: &str) -> Arc<tokio::sync::Mutex<()>> {
        self.with_origin(origin, |entry| Arc::clone(&entry.first_contact))
    }

    /// Stores a fresh challenge and returns the session to sign with.
    ///
    /// `replacing` is the session whose nonce the server refused. If another caller already replaced it
    /// (its own 401 arrived first), that newer session is kept and returned, so a burst of stale answers
    /// under concurrency converges on one nonce instead of each caller overwriting the others.
    pub(crate) fn store(
        &self,
        origin: &str,
        challenge: DigestChallenge,
        replacing: Option<&Arc<NonceSession>>,
    ) -> Arc<NonceSession> {
        self.with_origin(origin, |entry| {
            entry.current_realm = Some(challenge.realm.clone());
            if let (Some(old), Some(now)) = (replacing, entry.by_realm.get(&challenge.realm))
                && !Arc::ptr_eq(old, now)
                && now.challenge.nonce != old.challenge.nonce
            {
                return Arc::clone(now);
            }
            let session = Arc::new(NonceSession::new(challenge));
            entry
                .by_realm
                .insert(session.challenge.realm.clone(), Arc::clone(&session));
            session
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::Algorithm;

    fn challenge(realm: &str, nonce: &str) -> DigestChallenge {
        DigestChallenge {
            realm: realm.into(),
            nonce: nonce.into(),
            opaque: None,
            algorithm: Algorithm::Sha256,
            qop_auth: true,
            userhash: false,
            stale: true,
        }
    }

    #[test]
    fn nc_counts_up_from_one_without_gaps_or_repeats_across_threads() {
        let session = Arc::new(NonceSession::new(challenge("r", "n")));
        let mut all: Vec<u32> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|_| scope.spawn(|| (0..500).map(|_| session.next_nc()).collect::<Vec<_>>()))
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("no panic"))
                .collect()
        });
        all.sort_unstable();
        assert_eq!(all, (1..=4000).collect::<Vec<u32>>());
        assert!(
            !session.challenge.stale,
            "stale belongs to the answer, not the stored nonce"
        );
    }

    #[test]
    fn sessions_are_kept_per_origin_and_realm() {
        let cache = NonceCache::default();
        assert!(cache.current("http://a:1").is_none());
        cache.store("http://a:1", challenge("r1", "n1"), None);
        cache.store("http://b:2", challenge("r1", "other"), None);
        assert_eq!(
            cache.current("http://a:1").expect("a").challenge.nonce,
            "n1"
        );
        cache.store("http://a:1", challenge("r2", "n2"), None);
        assert_eq!(
            cache.current("http://a:1").expect("a").challenge.nonce,
            "n2"
        );
        cache.store("http://a:1", challenge("r1", "n3"), None);
        assert_eq!(
            cache.current("http://a:1").expect("a").challenge.realm,
            "r1"
        );
        assert_eq!(
            cache.current("http://b:2").expect("b").challenge.nonce,
            "other"
        );
    }

    #[test]
    fn a_stale_answer_does_not_overwrite_a_newer_nonce() {
        let cache = NonceCache::default();
        let old = cache.store("o", challenge("r", "old"), None);
        let first = cache.store("o", challenge("r", "new-1"), Some(&old));
        assert_eq!(first.challenge.nonce, "new-1");
        // A second caller that also signed with "old" comes back with its own fresh nonce: keep new-1.
        let second = cache.store("o", challenge("r", "new-2"), Some(&old));
        assert!(Arc::ptr_eq(&first, &second));
        // A caller that signed with new-1 and was refused does replace it.
        let third = cache.store("o", challenge("r", "new-3"), Some(&first));
        assert_eq!(third.challenge.nonce, "new-3");
        assert_eq!(cache.current("o").expect("set").next_nc(), 1);
    }
}
