//! Digest nonces, leased: each request in flight holds one nonce exclusively and returns it once its
//! answer has arrived, so the counts of one nonce reach the server one after the other, in increasing
//! order, whatever the concurrency. Strict RFC 7616 servers refuse a count that is not above the
//! highest one they already accepted for that nonce, in arrival order; a nonce shared by requests on
//! several connections breaks that as soon as one overtakes another.
//!
//! The pool of an origin grows on demand (a caller that finds it empty learns a fresh nonce with a
//! body-less probe) and so never holds more nonces than requests were in flight at once. HA1 is computed
//! once per realm and algorithm and shared by every nonce of that realm.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use secrecy::{ExposeSecret, SecretString};

use crate::digest::{Algorithm, DigestChallenge, base_ha1};

/// A server-issued nonce held by one request at a time, and how many requests it has signed.
#[derive(Debug)]
pub(crate) struct NonceSession {
    pub(crate) challenge: DigestChallenge,
    /// `H(username:realm:password)` for this challenge's realm and algorithm.
    pub(crate) ha1: Arc<SecretString>,
    nc: u32,
    /// Whether a request signed with this nonce was accepted: a later refusal without `stale` is then
    /// about the count, not the credentials.
    pub(crate) proven: bool,
}

impl NonceSession {
    /// The next nonce count: 1, 2, 3, ... Only the lease holder signs, so no two requests share one.
    pub(crate) fn next_nc(&mut self) -> u32 {
        self.nc = self.nc.wrapping_add(1);
        self.nc
    }
}

/// The origin of a URL (`scheme://host:port`), the key of the pool.
pub(crate) type Origin = String;

/// All nonces this transport holds, idle ones per origin.
#[derive(Default)]
pub(crate) struct NonceCache {
    idle: Mutex<HashMap<Origin, Vec<NonceSession>>>,
    /// Base HA1 by realm and algorithm: the credentials are fixed for the transport's life.
    ha1: Mutex<HashMap<(String, Algorithm), Arc<SecretString>>>,
}

/// Past this many idle nonces for one origin, returned ones are dropped instead of kept.
const MAX_IDLE_PER_ORIGIN: usize = 1024;

impl NonceCache {
    /// An idle nonce for `origin`, taken exclusively; `None` when every known nonce is in use.
    pub(crate) fn lease(&self, origin: &str) -> Option<NonceSession> {
        // The hot path of every signed request: a lookup and a pop, no allocation.
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        idle.get_mut(origin)?.pop()
    }

    /// Gives a nonce back after its request was answered. A nonce whose request failed without an
    /// answer is dropped instead (that request may still reach the server after a later one).
    pub(crate) fn give_back(&self, origin: &str, session: NonceSession) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        let sessions = match idle.get_mut(origin) {
            Some(sessions) => sessions,
            None => idle.entry(origin.to_owned()).or_default(),
        };
        if sessions.len() < MAX_IDLE_PER_ORIGIN {
            sessions.push(session);
        }
    }

    /// A session for a challenge just received, not yet in the pool: the caller holds it.
    pub(crate) fn session(
        &self,
        mut challenge: DigestChallenge,
        username: &str,
        password: &SecretString,
    ) -> NonceSession {
        // `stale` describes the answer that brought the nonce, not the nonce itself.
        challenge.stale = false;
        let ha1 = {
            let mut cache = self.ha1.lock().unwrap_or_else(PoisonError::into_inner);
            let key = (challenge.realm.clone(), challenge.algorithm);
            Arc::clone(cache.entry(key).or_insert_with(|| {
                Arc::new(SecretString::from(base_ha1(
                    challenge.algorithm,
                    username,
                    &challenge.realm,
                    password.expose_secret(),
                )))
            }))
        };
        NonceSession {
            challenge,
            ha1,
            nc: 0,
            proven: false,
        }
    }

    /// Idle nonces held for `origin` (for tests).
    #[cfg(test)]
    fn idle(&self, origin: &str) -> usize {
        let idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        idle.get(origin).map_or(0, Vec::len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn password() -> SecretString {
        SecretString::from("pw".to_owned())
    }

    #[test]
    fn a_leased_nonce_is_held_by_one_caller_and_counts_on_after_return() {
        let cache = NonceCache::default();
        assert!(cache.lease("http://a:1").is_none());
        let mut first = cache.session(challenge("r", "n1"), "u", &password());
        assert!(!first.challenge.stale, "stale belongs to the answer");
        assert_eq!((first.next_nc(), first.next_nc()), (1, 2));
        cache.give_back("http://a:1", first);
        let mut again = cache.lease("http://a:1").expect("returned nonce");
        // Nobody else can take it while it is out.
        assert!(cache.lease("http://a:1").is_none());
        assert_eq!(again.next_nc(), 3);
        let mut second = cache.session(challenge("r", "n2"), "u", &password());
        assert_eq!(second.next_nc(), 1);
        cache.give_back("http://a:1", again);
        cache.give_back("http://a:1", second);
        assert_eq!(cache.idle("http://a:1"), 2);
        assert_eq!(cache.idle("http://b:2"), 0);
        let nonces: Vec<String> = std::iter::from_fn(|| cache.lease("http://a:1"))
            .map(|s| s.challenge.nonce)
            .collect();
        assert_eq!(nonces, ["n2", "n1"]);
    }

    #[test]
    fn ha1_is_computed_once_per_realm_and_algorithm() {
        let cache = NonceCache::default();
        let a = cache.session(challenge("r1", "x"), "u", &password());
        let b = cache.session(challenge("r1", "y"), "u", &password());
        let c = cache.session(challenge("r2", "z"), "u", &password());
        assert!(Arc::ptr_eq(&a.ha1, &b.ha1));
        assert!(!Arc::ptr_eq(&a.ha1, &c.ha1));
        assert_eq!(
            a.ha1.expose_secret(),
            base_ha1(Algorithm::Sha256, "u", "r1", "pw")
        );
        let mut md5 = challenge("r1", "w");
        md5.algorithm = Algorithm::Md5;
        let d = cache.session(md5, "u", &password());
        assert_eq!(d.ha1.expose_secret().len(), 32);
        assert!(!format!("{a:?}").contains(a.ha1.expose_secret()));
    }
}
