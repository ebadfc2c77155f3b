//! The retry policy as a plain value: given what happened, how many attempts were made and how long it
//! took, it says whether to try again and after how long. No HTTP, no clock, no randomness inside, so
//! every rule is unit-tested directly.

use std::time::Duration;

/// When and how often a request is tried again.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (1 = never retry).
    pub max_attempts: u32,
    /// No retry starts once this much time has passed since the first attempt, or would end after it.
    pub max_elapsed: Duration,
    /// Backoff ceiling before the first retry; doubles for each retry after it.
    pub initial_backoff: Duration,
    /// Upper bound of the exponential part.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    /// Six attempts within a minute, backoff from 200 ms up to 10 s: enough to ride out Atlas's
    /// per-minute token buckets without leaving an interactive caller waiting for long.
    fn default() -> Self {
        Self {
            max_attempts: 6,
            max_elapsed: Duration::from_secs(60),
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// A policy that sends every request once.
    pub fn never() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Decides what to do after attempt number `attempt` (1-based) produced `outcome`, `elapsed` after
    /// the first attempt started. `jitter` is a sample from `[0, 1]`: the delay is the `Retry-After`
    /// wait (if any) plus an "equal jitter" backoff, half fixed and half scaled by `jitter`.
    pub fn decide(
        &self,
        attempt: u32,
        elapsed: Duration,
        outcome: &Outcome,
        jitter: f64,
    ) -> Decision {
        let Some(reason) = outcome.retry_reason() else {
            return Decision::Stop(StopReason::NotRetryable);
        };
        if attempt >= self.max_attempts {
            return Decision::Stop(StopReason::AttemptsExhausted);
        }
        let ceiling = self
            .initial_backoff
            .saturating_mul(
                1u32.checked_shl(attempt.saturating_sub(1))
                    .unwrap_or(u32::MAX),
            )
            .min(self.max_backoff);
        let half = ceiling / 2;
        let backoff = half + half.mul_f64(jitter.clamp(0.0, 1.0));
        let delay = outcome
            .retry_after()
            .unwrap_or_default()
            .saturating_add(backoff);
        if elapsed.saturating_add(delay) > self.max_elapsed {
            return Decision::Stop(StopReason::OutOfTime);
        }
        Decision::Retry { delay, reason }
    }
}

/// What one attempt produced, as far as the policy cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A response arrived.
    Response {
        /// Its status code.
        status: u16,
        /// Its `Retry-After`, parsed.
        retry_after: Option<Duration>,
        /// `errorCode` of a JSON error body, when the status made it worth reading.
        error_code: Option<String>,
    },
    /// The connection could not be made: nothing reached the server.
    ConnectFailed,
    /// The connection closed after the request went out and before any response.
    ClosedBeforeResponse,
    /// Any other failure (timeout, TLS, body): the server may have acted, so it is not repeated.
    OtherError,
}

/// The `errorCode` Atlas answers with a 400 when it caps invitations per IP: rate limiting, not a bad request.
pub const INVITATIONS_RATE_LIMITED_IP: &str = "INVITATIONS_RATE_LIMITED_IP";

impl Outcome {
    fn retry_reason(&self) -> Option<RetryReason> {
        match self {
            Self::Response { status: 429, .. } => Some(RetryReason::RateLimited),
            Self::Response {
                status: 400,
                error_code: Some(code),
                ..
            } if code == INVITATIONS_RATE_LIMITED_IP => Some(RetryReason::RateLimited),
            Self::Response {
                status: 502..=504, ..
            } => Some(RetryReason::Unavailable),
            Self::Response { .. } | Self::OtherError => None,
            Self::ConnectFailed | Self::ClosedBeforeResponse => Some(RetryReason::ConnectionLost),
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Response { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// The policy's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Send again after `delay`.
    Retry {
        /// How long to wait first.
        delay: Duration,
        /// Why.
        reason: RetryReason,
    },
    /// Hand the outcome to the caller as it is.
    Stop(StopReason),
}

/// Why a retry is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryReason {
    /// 429, or 400 `INVITATIONS_RATE_LIMITED_IP`.
    RateLimited,
    /// 502, 503 or 504.
    Unavailable,
    /// No response: the connection failed or closed first.
    ConnectionLost,
}

/// Why no (further) retry is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// Success, or a failure that repeating would not fix.
    NotRetryable,
    /// `max_attempts` reached.
    AttemptsExhausted,
    /// The next wait would pass `max_elapsed`.
    OutOfTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16) -> Outcome {
        Outcome::Response {
            status,
            retry_after: None,
            error_code: None,
        }
    }

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 5,
            max_elapsed: Duration::from_secs(30),
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(1000),
        }
    }

    fn delay(decision: Decision) -> Duration {
        match decision {
            Decision::Retry { delay, .. } => delay,
            Decision::Stop(reason) => panic!("expected a retry, got {reason:?}"),
        }
    }

    #[test]
    fn retries_rate_limits_gateways_and_lost_connections() {
        let p = policy();
        for (outcome, reason) in [
            (response(429), RetryReason::RateLimited),
            (response(502), RetryReason::Unavailable),
            (response(503), RetryReason::Unavailable),
            (response(504), RetryReason::Unavailable),
            (Outcome::ConnectFailed, RetryReason::ConnectionLost),
            (Outcome::ClosedBeforeResponse, RetryReason::ConnectionLost),
        ] {
            let decision = p.decide(1, Duration::ZERO, &outcome, 0.0);
            assert_eq!(
                decision,
                Decision::Retry {
                    delay: Duration::from_millis(50),
                    reason
                },
                "{outcome:?}"
            );
        }
    }

    #[test]
    fn never_retries_requests_that_were_wrong_or_succeeded() {
        let p = policy();
        for status in [
            200, 201, 204, 400, 401, 403, 404, 406, 409, 410, 422, 500, 501,
        ] {
            assert_eq!(
                p.decide(1, Duration::ZERO, &response(status), 0.5),
                Decision::Stop(StopReason::NotRetryable)
            );
        }
        let other_400 = Outcome::Response {
            status: 400,
            retry_after: None,
            error_code: Some("VALIDATION_ERROR".into()),
        };
        assert_eq!(
            p.decide(1, Duration::ZERO, &other_400, 0.5),
            Decision::Stop(StopReason::NotRetryable)
        );
        assert_eq!(
            p.decide(1, Duration::ZERO, &Outcome::OtherError, 0.5),
            Decision::Stop(StopReason::NotRetryable)
        );
    }

    #[test]
    fn invitations_rate_limited_ip_is_rate_limiting() {
        let outcome = Outcome::Response {
            status: 400,
            retry_after: Some(Duration::from_secs(2)),
            error_code: Some(INVITATIONS_RATE_LIMITED_IP.into()),
        };
        let decision = policy().decide(1, Duration::ZERO, &outcome, 1.0);
        assert_eq!(
            decision,
            Decision::Retry {
                delay: Duration::from_millis(2100),
                reason: RetryReason::RateLimited
            }
        );
    }

    #[test]
    fn waits_at_least_retry_after() {
        let outcome = Outcome::Response {
            status: 429,
            retry_after: Some(Duration::from_secs(3)),
            error_code: None,
        };
        for jitter in [0.0, 0.3, 1.0] {
            assert!(
                delay(policy().decide(1, Duration::ZERO, &outcome, jitter))
                    >= Duration::from_secs(3)
            );
        }
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let p = policy();
        let at = |attempt, jitter| delay(p.decide(attempt, Duration::ZERO, &response(503), jitter));
        assert_eq!(
            (at(1, 0.0), at(1, 1.0)),
            (Duration::from_millis(50), Duration::from_millis(100))
        );
        assert_eq!(
            (at(2, 0.0), at(2, 1.0)),
            (Duration::from_millis(100), Duration::from_millis(200))
        );
        assert_eq!(
            (at(3, 0.0), at(3, 0.5)),
            (Duration::from_millis(200), Duration::from_millis(300))
        );
        assert_eq!(at(4, 1.0), Duration::from_millis(800));
        let far = RetryPolicy {
            max_attempts: 100,
            ..p
        };
        let capped = delay(far.decide(60, Duration::ZERO, &response(503), 1.0));
        assert_eq!(capped, Duration::from_millis(1000));
        // Out-of-range jitter samples are clamped, not trusted.
        assert_eq!(
            delay(far.decide(1, Duration::ZERO, &response(503), 7.0)),
            Duration::from_millis(100)
        );
    }

    #[test]
    fn bounded_by_attempts_and_by_total_time() {
        let p = policy();
        assert!(matches!(
            p.decide(4, Duration::ZERO, &response(429), 0.0),
            Decision::Retry { .. }
        ));
        assert_eq!(
            p.decide(5, Duration::ZERO, &response(429), 0.0),
            Decision::Stop(StopReason::AttemptsExhausted)
        );
        assert_eq!(
            p.decide(1, Duration::from_millis(29_960), &response(429), 0.0),
            Decision::Stop(StopReason::OutOfTime)
        );
        let long_wait = Outcome::Response {
            status: 429,
            retry_after: Some(Duration::from_secs(3600)),
            error_code: None,
        };
        assert_eq!(
            p.decide(1, Duration::ZERO, &long_wait, 0.0),
            Decision::Stop(StopReason::OutOfTime)
        );
        assert_eq!(
            RetryPolicy::never().decide(1, Duration::ZERO, &response(503), 0.0),
            Decision::Stop(StopReason::AttemptsExhausted)
        );
    }
}
