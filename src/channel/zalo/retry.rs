//! What to do when a Zalo call fails: back off on server errors, timeouts
//! and rate limits, give up on refusals. Zalo sends no `retry_after`, so the
//! rate limit (-32) backs off like a server error. A refused access token is
//! not retried here: the caller refreshes the token once and calls again.

use std::time::Duration;

use super::api::ApiError;

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Calls in all, the first one included.
    pub attempts: u32,
    /// First backoff; doubled each time.
    pub base: Duration,
    /// Longest backoff.
    pub max: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 5,
            base: Duration::from_millis(500),
            max: Duration::from_secs(30),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Retry(Duration),
    GiveUp,
}

impl RetryPolicy {
    /// The decision after the `failures`-th failed call (1 for the first).
    pub fn decide(&self, error: &ApiError, failures: u32) -> Decision {
        if failures >= self.attempts {
            return Decision::GiveUp;
        }
        match error {
            ApiError::Server { .. }
            | ApiError::Network(_)
            | ApiError::RateLimited(_)
            | ApiError::Invalid(_) => {
                Decision::Retry(crate::channel::backoff(self.base, self.max, failures))
            }
            _ => Decision::GiveUp,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_errors_back_off_and_refusals_give_up() {
        let p = RetryPolicy {
            attempts: 3,
            base: Duration::from_millis(100),
            max: Duration::from_millis(150),
        };
        let e = ApiError::Server { status: 502 };
        assert_eq!(p.decide(&e, 1), Decision::Retry(Duration::from_millis(100)));
        assert_eq!(p.decide(&e, 2), Decision::Retry(Duration::from_millis(150)));
        assert_eq!(p.decide(&e, 3), Decision::GiveUp);
        assert_eq!(
            p.decide(&ApiError::RateLimited(-32), 1),
            Decision::Retry(Duration::from_millis(100))
        );
        for refused in [
            ApiError::Token(-216),
            ApiError::NoQuota(-230, String::new()),
            ApiError::Unreachable(-213, String::new()),
            ApiError::Rejected {
                code: -201,
                message: String::new(),
            },
        ] {
            assert_eq!(p.decide(&refused, 1), Decision::GiveUp, "{refused:?}");
        }
    }
}
