//! What to do when a Bot API call fails: wait `retry_after` on flood
//! control, back off on server errors and timeouts, stop at once for a
//! blocked learner or a refused request. The decision is a pure function.
//!
//! A request that got no answer after it was sent (`ApiError::Uncertain`)
//! may already have been delivered, and Telegram has no idempotency key: it
//! is repeated at most `uncertain_retries` times, so a learner sees at most
//! that many copies rather than being left without the step and its buttons
//! (see ARCHITECTURE.md, "Timeouts and duplicates").

use std::future::Future;
use std::time::Duration;

use serde_json::Value;

use super::api::ApiError;

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Calls in all, the first one included.
    pub attempts: u32,
    /// First backoff after a server error or timeout; doubled each time.
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
    /// The learner blocked the bot (or left): mark them, do not retry.
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

    /// The decision after the `failures`-th failed call (1 for the first).
    pub fn decide(&self, error: &ApiError, failures: u32) -> Decision {
        self.decide_after(error, failures, 0)
    }

    /// As `decide`, when `uncertain` of the failures so far (this one
    /// included) may have delivered the request.
    pub fn decide_after(&self, error: &ApiError, failures: u32, uncertain: u32) -> Decision {
        if let ApiError::Blocked(_) = error {
            return Decision::Blocked;
        }
        if failures >= self.attempts || uncertain > self.uncertain_retries {
            return Decision::GiveUp;
        }
        match error {
            ApiError::RetryAfter(wait) if *wait <= self.max_retry_after => Decision::Retry(*wait),
            ApiError::Server { .. }
            | ApiError::Network(_)
            | ApiError::Uncertain(_)
            | ApiError::Invalid(_) => {
                Decision::Retry(crate::channel::backoff(self.base, self.max, failures))
            }
            _ => Decision::GiveUp,
        }
    }

    /// Runs `call` until it succeeds or the policy says stop; returns the last error.
    pub async fn run<F, Fut>(&self, what: &str, mut call: F) -> Result<Value, ApiError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Value, ApiError>>,
    {
        let (mut failures, mut uncertain) = (0, 0);
        loop {
            let error = match call().await {
                Ok(value) => return Ok(value),
                Err(e) => e,
            };
            failures += 1;
            if matches!(error, ApiError::Uncertain(_)) {
                uncertain += 1;
            }
            match self.decide_after(&error, failures, uncertain) {
                Decision::Retry(wait) => {
                    tracing::warn!(what, %error, ?wait, "telegram call failed, retrying");
                    tokio::time::sleep(wait).await;
                }
                Decision::Blocked | Decision::GiveUp => return Err(error),
            }
        }
    }
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

    #[test]
    fn flood_control_waits_exactly_retry_after() {
        let e = ApiError::RetryAfter(Duration::from_secs(7));
        assert_eq!(
            policy().decide(&e, 1),
            Decision::Retry(Duration::from_secs(7))
        );
        let long = ApiError::RetryAfter(Duration::from_secs(3600));
        assert_eq!(policy().decide(&long, 1), Decision::GiveUp);
    }

    #[test]
    fn server_errors_and_timeouts_back_off_then_give_up() {
        let e = ApiError::Server {
            status: 502,
            description: String::new(),
        };
        let p = policy();
        assert_eq!(p.decide(&e, 1), Decision::Retry(Duration::from_millis(100)));
        assert_eq!(p.decide(&e, 2), Decision::Retry(Duration::from_millis(200)));
        assert_eq!(p.decide(&e, 3), Decision::Retry(Duration::from_millis(250)));
        assert_eq!(p.decide(&e, 4), Decision::GiveUp);
        let t = ApiError::Network("connection refused".into());
        assert_eq!(p.decide(&t, 1), Decision::Retry(Duration::from_millis(100)));
    }

    #[test]
    fn a_send_that_may_have_been_delivered_is_repeated_only_once() {
        let p = policy();
        let t = ApiError::Uncertain("timed out".into());
        assert_eq!(
            p.decide_after(&t, 1, 1),
            Decision::Retry(Duration::from_millis(100))
        );
        assert_eq!(p.decide_after(&t, 2, 2), Decision::GiveUp);
        // Unsent failures in between do not use up the one repeat.
        let refused = ApiError::Network("connection refused".into());
        assert_eq!(
            p.decide_after(&refused, 2, 1),
            Decision::Retry(Duration::from_millis(200))
        );
        assert_eq!(RetryPolicy::once().decide(&refused, 1), Decision::GiveUp);
    }

    #[test]
    fn blocked_and_refused_are_never_retried() {
        assert_eq!(
            policy().decide(&ApiError::Blocked("x".into()), 1),
            Decision::Blocked
        );
        let refused = ApiError::Rejected {
            code: 400,
            description: "Bad Request".into(),
        };
        assert_eq!(policy().decide(&refused, 1), Decision::GiveUp);
    }
}
