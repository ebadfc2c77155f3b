//! The server side of RFC 7616 Digest: challenges, nonce bookkeeping, verification.
//!
//! Written here rather than taken from `digest_auth` or `http-auth`: those crates compute a client's
//! answer to a challenge; a server needs to parse the `Authorization` header, recompute the expected
//! response and track every nonce's age, use count and `nc` values, which neither offers.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use md5::Md5;
use sha2::{Digest as _, Sha256};

use super::{Secret, same};
use crate::counters::lock;

/// The realm every MongoDB admin API challenges with.
pub(crate) const REALM: &str = "MMS Public API";

/// The hash a Digest challenge offers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum DigestAlgorithm {
    /// `algorithm=MD5`, what MongoDB documents.
    #[default]
    Md5,
    /// `algorithm=SHA-256` (RFC 7616).
    Sha256,
}

impl DigestAlgorithm {
    /// The token used in headers: `MD5` or `SHA-256`.
    pub fn token(self) -> &'static str {
        match self {
            DigestAlgorithm::Md5 => "MD5",
            DigestAlgorithm::Sha256 => "SHA-256",
        }
    }

    /// Lowercase hex of the hash of `data`.
    pub(crate) fn hex(self, data: &str) -> String {
        match self {
            DigestAlgorithm::Md5 => hex::encode(Md5::digest(data.as_bytes())),
            DigestAlgorithm::Sha256 => hex::encode(Sha256::digest(data.as_bytes())),
        }
    }
}

/// The `response` value RFC 7616 §3.4.1 defines for `qop=auth`.
#[allow(clippy::too_many_arguments)] // The RFC's inputs, named as it names them.
pub(crate) fn expected_response(
    algorithm: DigestAlgorithm,
    username: &str,
    password: &str,
    method: &str,
    uri: &str,
    nonce: &str,
    nc: &str,
    cnonce: &str,
) -> String {
    let ha1 = algorithm.hex(&format!("{username}:{REALM}:{password}"));
    let ha2 = algorithm.hex(&format!("{method}:{uri}"));
    algorithm.hex(&format!("{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}"))
}

/// How the `nc` values sent with one nonce are checked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum NonceCounting {
    /// RFC 7616's replay protection as strict servers enforce it: a count must be above the highest
    /// one already accepted for that nonce, in the order requests arrive. The default.
    #[default]
    Strict,
    /// Any count not used before with the nonce, in any order: a window as wide as the nonce's life,
    /// as lenient servers allow.
    Window,
}

/// Why a Digest `Authorization` was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Not a well-formed Digest answer to our kind of challenge.
    Malformed,
    /// Unknown user or wrong response.
    WrongCredentials,
    /// A correct response on a nonce that is used up, too old or not ours: retry with the new one.
    Stale,
    /// The `nc` was already used with this nonce.
    Replay,
    /// Strict counting: the `nc` is new but not above the highest one accepted for this nonce.
    OutOfOrder,
}

impl Refusal {
    /// Whether the credentials were right and only the nonce or its count was refused.
    pub(crate) fn is_nonce_reason(self) -> bool {
        matches!(self, Refusal::Stale | Refusal::Replay | Refusal::OutOfOrder)
    }
}

struct NonceState {
    issued: Instant,
    uses: u32,
    seen_nc: HashSet<u32>,
    highest_nc: u32,
}

/// Nonces older than this many `max_age`s are forgotten (a correct digest on one is then answered stale).
const FORGET_AFTER_AGES: u32 = 4;
/// Past this many live nonces, forgotten ones are swept.
const NONCE_SOFT_CAP: usize = 10_000;

/// Accepted key pairs and the nonces handed out.
pub(crate) struct DigestVerifier {
    algorithm: DigestAlgorithm,
    counting: NonceCounting,
    max_uses: u32,
    max_age: Duration,
    keys: HashMap<String, Secret>,
    nonces: Mutex<HashMap<String, NonceState>>,
}

impl std::fmt::Debug for DigestVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DigestVerifier")
            .field("algorithm", &self.algorithm)
            .field("counting", &self.counting)
            .field("max_uses", &self.max_uses)
            .field("max_age", &self.max_age)
            .field("public_keys", &self.keys.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl DigestVerifier {
    pub(crate) fn new(
        algorithm: DigestAlgorithm,
        counting: NonceCounting,
        max_uses: u32,
        max_age: Duration,
        keys: HashMap<String, Secret>,
    ) -> Self {
        DigestVerifier {
            algorithm,
            counting,
            max_uses,
            max_age,
            keys,
            nonces: Mutex::new(HashMap::new()),
        }
    }

    /// A `WWW-Authenticate` value with a fresh nonce.
    pub(crate) fn challenge(&self, stale: bool) -> String {
        let nonce = hex::encode(rand::random::<[u8; 16]>());
        let now = Instant::now();
        let mut nonces = lock(&self.nonces);
        if nonces.len() > NONCE_SOFT_CAP {
            let horizon = self.max_age * FORGET_AFTER_AGES;
            nonces.retain(|_, state| now.duration_since(state.issued) <= horizon);
        }
        nonces.insert(
            nonce.clone(),
            NonceState {
                issued: now,
                uses: 0,
                seen_nc: HashSet::new(),
                highest_nc: 0,
            },
        );
        format!(
            "Digest realm=\"{REALM}\", domain=\"\", nonce=\"{nonce}\", algorithm={}, qop=\"auth\", stale={stale}",
            self.algorithm.token()
        )
    }

    /// Checks the parameters of an `Authorization: Digest ...` header against `method` and the
    /// request target, and on success records the nonce use.
    pub(crate) fn verify(&self, params: &str, method: &str, target: &str) -> Result<(), Refusal> {
        let p = parse_params(params).ok_or(Refusal::Malformed)?;
        let get = |k: &str| p.get(k).map(String::as_str);
        let (Some(username), Some(nonce), Some(uri), Some(response), Some(nc), Some(cnonce)) = (
            get("username"),
            get("nonce"),
            get("uri"),
            get("response"),
            get("nc"),
            get("cnonce"),
        ) else {
            return Err(Refusal::Malformed);
        };
        let algorithm_ok = get("algorithm")
            .unwrap_or("MD5")
            .eq_ignore_ascii_case(self.algorithm.token());
        if get("realm") != Some(REALM) || get("qop") != Some("auth") || !algorithm_ok {
            return Err(Refusal::Malformed);
        }
        if uri != target {
            return Err(Refusal::Malformed);
        }
        let count = (nc.len() == 8)
            .then(|| u32::from_str_radix(nc, 16).ok())
            .flatten()
            .ok_or(Refusal::Malformed)?;
        let password = self.keys.get(username).ok_or(Refusal::WrongCredentials)?;
        let expected = expected_response(
            self.algorithm,
            username,
            &password.0,
            method,
            uri,
            nonce,
            nc,
            cnonce,
        );
        if !same(&expected, &response.to_ascii_lowercase()) {
            return Err(Refusal::WrongCredentials);
        }
        let mut nonces = lock(&self.nonces);
        let state = nonces.get_mut(nonce).ok_or(Refusal::Stale)?;
        if state.uses >= self.max_uses || state.issued.elapsed() > self.max_age {
            return Err(Refusal::Stale);
        }
        if state.seen_nc.contains(&count) {
            return Err(Refusal::Replay);
        }
        // Checked in arrival order: the lock is held from here to the bookkeeping below.
        if self.counting == NonceCounting::Strict && count <= state.highest_nc {
            return Err(Refusal::OutOfOrder);
        }
        state.seen_nc.insert(count);
        state.highest_nc = state.highest_nc.max(count);
        state.uses += 1;
        Ok(())
    }
}

/// Parses `k=v, k="quoted \" value", ...` into lowercase keys and unquoted values.
fn parse_params(input: &str) -> Option<HashMap<String, String>> {
    let mut out = HashMap::new();
    let mut rest = input.trim_start();
    while !rest.is_empty() {
        let eq = rest.find('=')?;
        let key = rest[..eq].trim().to_ascii_lowercase();
        if key.is_empty() || key.contains([' ', ',', '"']) {
            return None;
        }
        rest = rest[eq + 1..].trim_start();
        let value;
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut text = String::new();
            let mut chars = quoted.char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => text.push(chars.next()?.1),
                    '"' => {
                        end = Some(i);
                        break;
                    }
                    _ => text.push(c),
                }
            }
            value = text;
            rest = &quoted[end? + 1..];
        } else {
            let stop = rest.find(',').unwrap_or(rest.len());
            value = rest[..stop].trim().to_owned();
            rest = &rest[stop..];
        }
        out.insert(key, value);
        rest = rest.trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    }
    Some(out)
}

/// The nonce in a challenge this module wrote (for tests and the benchmark's client side).
#[cfg(test)]
fn nonce_of(challenge: &str) -> String {
    parse_params(challenge.trim_start_matches("Digest "))
        .and_then(|p| p.get("nonce").cloned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verifier(max_uses: u32, max_age: Duration) -> DigestVerifier {
        counting_verifier(NonceCounting::Strict, max_uses, max_age)
    }

    fn counting_verifier(
        counting: NonceCounting,
        max_uses: u32,
        max_age: Duration,
    ) -> DigestVerifier {
        let keys = HashMap::from([("PUBLIC".to_owned(), Secret("private".to_owned()))]);
        DigestVerifier::new(DigestAlgorithm::Md5, counting, max_uses, max_age, keys)
    }

    fn answer(user: &str, password: &str, nonce: &str, nc: &str, uri: &str) -> String {
        let response = expected_response(
            DigestAlgorithm::Md5,
            user,
            password,
            "PATCH",
            uri,
            nonce,
            nc,
            "c0ffee",
        );
        format!(
            r#"username="{user}", realm="MMS Public API", nonce="{nonce}", uri="{uri}", algorithm=MD5, qop=auth, nc={nc}, cnonce="c0ffee", response="{response}""#
        )
    }

    #[test]
    fn rfc_7616_md5_and_sha256_examples() {
        // RFC 7616 §3.9.1 uses realm "http-auth@example.org"; recompute with its inputs by hand.
        let ha1 = DigestAlgorithm::Md5.hex("Mufasa:http-auth@example.org:Circle of Life");
        let ha2 = DigestAlgorithm::Md5.hex("GET:/dir/index.html");
        let response = DigestAlgorithm::Md5.hex(&format!(
            "{ha1}:7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v:00000001:f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ:auth:{ha2}"
        ));
        assert_eq!(response, "8ca523f5e9506fed4657c9700eebdbec");
        let ha1 = DigestAlgorithm::Sha256.hex("Mufasa:http-auth@example.org:Circle of Life");
        let ha2 = DigestAlgorithm::Sha256.hex("GET:/dir/index.html");
        let response = DigestAlgorithm::Sha256.hex(&format!(
            "{ha1}:7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v:00000001:f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ:auth:{ha2}"
        ));
        assert_eq!(
            response,
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
        );
    }

    #[test]
    fn a_correct_answer_passes_once_per_nc() {
        let digest = verifier(10, Duration::from_secs(60));
        let nonce = nonce_of(&digest.challenge(false));
        let uri = "/api/atlas/v2/orgs/x/invites";
        let first = answer("PUBLIC", "private", &nonce, "00000001", uri);
        assert_eq!(digest.verify(&first, "PATCH", uri), Ok(()));
        assert_eq!(digest.verify(&first, "PATCH", uri), Err(Refusal::Replay));
        let second = answer("PUBLIC", "private", &nonce, "00000002", uri);
        assert_eq!(digest.verify(&second, "PATCH", uri), Ok(()));
    }

    #[test]
    fn strict_counting_refuses_a_count_below_the_highest_accepted_window_takes_it() {
        let uri = "/a";
        for (counting, late) in [
            (NonceCounting::Strict, Err(Refusal::OutOfOrder)),
            (NonceCounting::Window, Ok(())),
        ] {
            let digest = counting_verifier(counting, 10, Duration::from_secs(60));
            let nonce = nonce_of(&digest.challenge(false));
            let third = answer("PUBLIC", "private", &nonce, "00000003", uri);
            assert_eq!(digest.verify(&third, "PATCH", uri), Ok(()), "{counting:?}");
            // Count 2 was never used, but arrives after 3 was accepted.
            let second = answer("PUBLIC", "private", &nonce, "00000002", uri);
            assert_eq!(digest.verify(&second, "PATCH", uri), late, "{counting:?}");
            assert_eq!(
                digest.verify(&third, "PATCH", uri),
                Err(Refusal::Replay),
                "{counting:?}"
            );
            let fourth = answer("PUBLIC", "private", &nonce, "00000004", uri);
            assert_eq!(digest.verify(&fourth, "PATCH", uri), Ok(()), "{counting:?}");
        }
        assert!(Refusal::OutOfOrder.is_nonce_reason() && Refusal::Stale.is_nonce_reason());
        assert!(!Refusal::WrongCredentials.is_nonce_reason());
    }

    #[test]
    fn wrong_keys_uris_and_methods_are_refused() {
        let digest = verifier(10, Duration::from_secs(60));
        let nonce = nonce_of(&digest.challenge(false));
        let uri = "/a";
        let wrong = answer("PUBLIC", "guess", &nonce, "00000001", uri);
        assert_eq!(
            digest.verify(&wrong, "PATCH", uri),
            Err(Refusal::WrongCredentials)
        );
        let stranger = answer("OTHER", "private", &nonce, "00000001", uri);
        assert_eq!(
            digest.verify(&stranger, "PATCH", uri),
            Err(Refusal::WrongCredentials)
        );
        let good = answer("PUBLIC", "private", &nonce, "00000001", uri);
        assert_eq!(digest.verify(&good, "PATCH", "/b"), Err(Refusal::Malformed));
        assert_eq!(
            digest.verify(&good, "GET", uri),
            Err(Refusal::WrongCredentials)
        );
        assert_eq!(
            digest.verify("username=PUBLIC", "PATCH", uri),
            Err(Refusal::Malformed)
        );
    }

    #[test]
    fn nonces_go_stale_by_count_by_age_and_when_unknown() {
        let digest = verifier(1, Duration::from_secs(60));
        let nonce = nonce_of(&digest.challenge(false));
        let uri = "/a";
        let one = answer("PUBLIC", "private", &nonce, "00000001", uri);
        assert_eq!(digest.verify(&one, "PATCH", uri), Ok(()));
        let two = answer("PUBLIC", "private", &nonce, "00000002", uri);
        assert_eq!(digest.verify(&two, "PATCH", uri), Err(Refusal::Stale));

        let young = verifier(10, Duration::ZERO);
        let nonce = nonce_of(&young.challenge(false));
        std::thread::sleep(Duration::from_millis(2));
        let late = answer("PUBLIC", "private", &nonce, "00000001", uri);
        assert_eq!(young.verify(&late, "PATCH", uri), Err(Refusal::Stale));

        let unknown = answer("PUBLIC", "private", "feedface", "00000001", uri);
        assert_eq!(digest.verify(&unknown, "PATCH", uri), Err(Refusal::Stale));
    }

    #[test]
    fn parameters_parse_with_quotes_escapes_and_tokens() {
        let p = parse_params(r#"username="a\"b", nc=00000001 ,qop=auth,uri="/x?y=1,2""#)
            .expect("parses");
        assert_eq!(p["username"], "a\"b");
        assert_eq!(p["nc"], "00000001");
        assert_eq!(p["qop"], "auth");
        assert_eq!(p["uri"], "/x?y=1,2");
        assert!(parse_params(r#"username="open"#).is_none());
    }
}
