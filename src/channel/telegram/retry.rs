//! What to do when a Bot API call fails: wait `retry_after` on flood
//! control, back off on server errors and timeouts, stop at once for a
//! blocked learner or a refused request. The decision is a pure function.

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
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 5,
            base: Duration::from_millis(500),
            max: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(120),
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
    /// The decision after the `failures`-th failed call (1 for the first).
    pub fn decide(&self, error: &ApiError, failures: u32) -> Decision {
        if let ApiError::Blocked(_) = error {
            return Decision::Blocked;
        }
        if failures >= self.attempts {
            return Decision::GiveUp;
        }
        match error {
            ApiError::RetryAfter(wait) if *wait <= self.max_retry_after => Decision::Retry(*wait),
            ApiError::Server { .. } | ApiError::Network(_) | ApiError::Invalid(_) => {
                let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(16));
                Decision::Retry(self.base.saturating_mul(factor).min(self.max))
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
        let mut failures = 0;
        loop {
            let error = match call().await {
                Ok(value) => return Ok(value),
                Err(e) => e,
            };
            failures += 1;
            match self.decide(&error, failures) {
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
        let t = ApiError::Network("timed out".into());
        assert_eq!(p.decide(&t, 1), Decision::Retry(Duration::from_millis(100)));
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
