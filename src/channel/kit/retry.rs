//! What to do when a platform call fails, for every channel: one
//! classification of failures and one pure decision.
//!
//! Each platform's client maps its own errors onto `Failure` (`Classify`);
//! the decision only sees that. Flood control waits the time the platform
//! asks for; a passing failure (a server error, a refused connection) backs
//! off; a blocked chat and a refused request stop at once.
//!
//! A request that got no answer after it was sent (`Failure::Uncertain`) may
//! already have been delivered, and neither Telegram nor Zalo takes an
//! idempotency key: it is repeated at most `uncertain_retries` times, so a
//! learner sees at most that many extra copies rather than being left
//! without the step and its buttons.

use std::future::Future;
use std::time::Duration;

/// Why a call failed, in the terms the decision is made on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Flood control: the platform asked to wait this long.
    RetryAfter(Duration),
    /// Nothing was delivered and trying again may work: a server error, a
    /// connection that was never made, a rate limit without a wait.
    Transient,
    /// Sent, but no answer came back: it may have been delivered.
    Uncertain,
    /// The request itself was refused: repeating it gives the same answer.
    Refused,
    /// The person cannot receive messages from the bot (blocked it, left).
    Blocked,
}

/// A platform error that knows its `Failure`.
pub trait Classify {
    fn failure(&self) -> Failure;
}

#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Calls in all, the first one included.
    pub attempts: u32,
    /// First backoff after a passing failure; doubled each time.
    pub base: Duration,
    /// Longest backoff.
    pub max: Duration,
    /// A `retry_after` longer than this is not waited for: the call gives up.
    pub max_retry_after: Duration,
    /// Repeats of a request that may have been delivered already.
    pub uncertain_retries: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 5,
            base: Duration::from_millis(500),
            max: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(120),
            uncertain_retries: 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Retry(Duration),
    /// The person blocked the bot (or left): mark them, do not retry.
    Blocked,
    GiveUp,
}

impl RetryPolicy {
    /// One call, no repeat: for callers that schedule their own retries.
    pub fn once() -> Self {
        RetryPolicy {
            attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The decision after the `failures`-th failed call (1 for the first),
    /// when `uncertain` of them (this one included) may have delivered it.
    pub fn decide(&self, failure: Failure, failures: u32, uncertain: u32) -> Decision {
        if failure == Failure::Blocked {
            return Decision::Blocked;
        }
        if failures >= self.attempts || uncertain > self.uncertain_retries {
            return Decision::GiveUp;
        }
        match failure {
            Failure::RetryAfter(wait) if wait <= self.max_retry_after => Decision::Retry(wait),
            Failure::Transient | Failure::Uncertain => {
                Decision::Retry(backoff(self.base, self.max, failures))
            }
            _ => Decision::GiveUp,
        }
    }

    /// Runs `call` until it succeeds or the policy says stop; returns the
    /// last error. `what` names the call in the log.
    pub async fn run<T, E, F, Fut>(&self, what: &str, mut call: F) -> Result<T, E>
    where
        E: Classify + std::fmt::Display,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let mut tally = Tally::default();
        loop {
            let error = match call().await {
                Ok(value) => return Ok(value),
                Err(e) => e,
            };
            match tally.decide(self, error.failure()) {
                Decision::Retry(wait) => {
                    tracing::warn!(what, %error, ?wait, "call failed, retrying");
                    tokio::time::sleep(wait).await;
                }
                Decision::Blocked | Decision::GiveUp => return Err(error),
            }
        }
    }
}

/// The failures of one call so far, for callers that run their own loop.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    failures: u32,
    uncertain: u32,
}

impl Tally {
    /// Counts one more failure and decides.
    pub fn decide(&mut self, policy: &RetryPolicy, failure: Failure) -> Decision {
        self.failures += 1;
        if failure == Failure::Uncertain {
            self.uncertain += 1;
        }
        policy.decide(failure, self.failures, self.uncertain)
    }

    pub fn failures(&self) -> u32 {
        self.failures
    }
}

/// Exponential backoff: `base` after the first failure, doubling after each
/// further one, never more than `max`.
pub fn backoff(base: Duration, max: Duration, failures: u32) -> Duration {
    let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(16));
    base.saturating_mul(factor).min(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            attempts: 4,
            base: Duration::from_millis(100),
            max: Duration::from_millis(250),
            max_retry_after: Duration::from_secs(60),
            uncertain_retries: 1,
        }
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let (base, max) = (ms(100), Duration::from_secs(1));
        let waits: Vec<u128> = (1..=6).map(|f| backoff(base, max, f).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(backoff(base, max, u32::MAX), max);
    }

    #[test]
    fn flood_control_waits_exactly_retry_after() {
        let p = policy();
        let wait = Failure::RetryAfter(Duration::from_secs(7));
        assert_eq!(
            p.decide(wait, 1, 0),
            Decision::Retry(Duration::from_secs(7))
        );
        let long = Failure::RetryAfter(Duration::from_secs(3600));
        assert_eq!(p.decide(long, 1, 0), Decision::GiveUp);
    }

    #[test]
    fn passing_failures_back_off_then_give_up() {
        let p = policy();
        assert_eq!(p.decide(Failure::Transient, 1, 0), Decision::Retry(ms(100)));
        assert_eq!(p.decide(Failure::Transient, 2, 0), Decision::Retry(ms(200)));
        assert_eq!(p.decide(Failure::Transient, 3, 0), Decision::Retry(ms(250)));
        assert_eq!(p.decide(Failure::Transient, 4, 0), Decision::GiveUp);
        assert_eq!(
            RetryPolicy::once().decide(Failure::Transient, 1, 0),
            Decision::GiveUp
        );
    }

    #[test]
    fn a_send_that_may_have_been_delivered_is_repeated_only_once() {
        let p = policy();
        let mut tally = Tally::default();
        assert_eq!(
            tally.decide(&p, Failure::Uncertain),
            Decision::Retry(ms(100))
        );
        // A failure that delivered nothing does not use up the one repeat…
        assert_eq!(
            tally.decide(&p, Failure::Transient),
            Decision::Retry(ms(200))
        );
        // …but a second possible delivery ends it, attempts left or not.
        assert_eq!(tally.decide(&p, Failure::Uncertain), Decision::GiveUp);
        let generous = RetryPolicy {
            attempts: 100,
            ..policy()
        };
        assert_eq!(generous.decide(Failure::Uncertain, 2, 2), Decision::GiveUp);
    }

    #[test]
    fn blocked_and_refused_are_never_retried() {
        let p = policy();
        assert_eq!(p.decide(Failure::Blocked, 1, 0), Decision::Blocked);
        assert_eq!(p.decide(Failure::Refused, 1, 0), Decision::GiveUp);
    }

    #[derive(Debug)]
    struct Fake(Failure);
    impl Classify for Fake {
        fn failure(&self) -> Failure {
            self.0
        }
    }
    impl std::fmt::Display for Fake {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "{:?}", self.0)
        }
    }

    #[tokio::test]
    async fn the_loop_stops_after_two_possible_deliveries() {
        let calls = std::cell::Cell::new(0);
        let quick = RetryPolicy {
            base: ms(1),
            ..policy()
        };
        let result: Result<(), Fake> = quick
            .run("send", || {
                calls.set(calls.get() + 1);
                async { Err(Fake(Failure::Uncertain)) }
            })
            .await;
        assert!(result.is_err());
        assert_eq!(calls.get(), 2, "the call and one repeat");
    }
}
