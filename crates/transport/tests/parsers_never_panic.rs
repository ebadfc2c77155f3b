//! Arbitrary bytes into every parser that reads server-controlled input: no panic, and what comes out
//! is consistent with what went in.

use std::time::{Duration, SystemTime};

use proptest::prelude::*;
use transport::challenge::parse_challenges;
use transport::digest::DigestChallenge;
use transport::response_parsing::{error_code, parse_retry_after};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 10_000,
        ..ProptestConfig::default()
    }
}

/// Bytes drawn mostly from the characters that matter to the grammar, so cases reach deep paths.
fn header_bytes() -> impl Strategy<Value = Vec<u8>> {
    let interesting = prop_oneof![
        4 => prop::sample::select(b"\"\\,= \tDigestBasicrealmnoncestaleqopauthalgorithm=MD5-sessSHA-256".to_vec()),
        1 => any::<u8>(),
    ];
    prop::collection::vec(interesting, 0..200)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn challenge_parser_is_total(bytes in header_bytes()) {
        let challenges = parse_challenges(&bytes);
        for challenge in &challenges {
            prop_assert!(!challenge.scheme.is_empty());
            prop_assert!(challenge.params.iter().all(|(name, _)| !name.is_empty() && name.to_ascii_lowercase() == *name));
        }
        if let Some(digest) = DigestChallenge::select(&challenges) {
            prop_assert!(!digest.nonce.is_empty());
        }
    }

    #[test]
    fn challenge_parser_takes_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = DigestChallenge::select(&parse_challenges(&bytes));
    }

    #[test]
    fn retry_after_parser_is_total(bytes in prop::collection::vec(any::<u8>(), 0..64), now_s in 0u64..4_000_000_000) {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(now_s);
        if let Some(wait) = parse_retry_after(&bytes, now)
            && bytes.iter().all(u8::is_ascii_digit)
        {
            let text = std::str::from_utf8(&bytes).unwrap_or_default();
            prop_assert_eq!(wait.as_secs(), text.parse::<u64>().unwrap_or(u64::MAX));
        }
    }

    #[test]
    fn retry_after_round_trips_seconds(seconds in any::<u64>()) {
        let wait = parse_retry_after(seconds.to_string().as_bytes(), SystemTime::now());
        prop_assert_eq!(wait, Some(Duration::from_secs(seconds)));
    }

    #[test]
    fn error_body_parser_is_total(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = error_code(&bytes);
        let _ = transport::Error::from_parts(
            reqwest::StatusCode::UNAUTHORIZED,
            &reqwest::header::HeaderMap::new(),
            &bytes,
        );
    }
}
