//! The toolkit every chat platform's channel shares, so that each one only
//! encodes its own platform's rules: a secret that never prints, the clock,
//! a pause that ends at shutdown, the engine run off the async workers, the
//! one retry decision (`retry.rs`), work kept in order per chat (`lanes.rs`)
//! and the webhook listener with its limits (`listen.rs`).
//!
//! Not a `Channel` trait: Telegram and Zalo differ in how they render, split,
//! pace, count quotas and refresh tokens, and those stay in their modules.
//! This knows the engine and the app, never a platform's types.

pub mod lanes;
pub mod listen;
pub mod retry;

use std::sync::Arc;
use std::time::Duration;

use crate::app::App;
use crate::core::Timestamp;
use crate::engine::{Event, Handled};

pub use lanes::Lanes;
pub use retry::{Classify, Decision, Failure, RetryPolicy, backoff};

/// A secret (a bot token, an app key, an access token). Its `Debug` never
/// shows it, and nothing logs it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// `None` for an empty value or one with whitespace or control
    /// characters: secrets go into HTTP headers and URLs.
    pub fn new(value: impl Into<String>) -> Option<Self> {
        let value = value.into().trim().to_string();
        let ok = !value.is_empty() && !value.chars().any(|c| c.is_whitespace() || c.is_control());
        ok.then_some(Secret(value))
    }

    /// As `new`, for a secret that becomes a part of a URL path: no `/`, `?`
    /// or `#` either (a Telegram bot token).
    pub fn for_url(value: impl Into<String>) -> Option<Self> {
        Self::new(value).filter(|s| !s.0.contains(['/', '?', '#']))
    }

    /// A fresh random secret of `bytes` random bytes, as hex.
    pub fn random(bytes: usize) -> Self {
        let mut raw = vec![0u8; bytes.max(1)];
        getrandom::fill(&mut raw).expect("the system's random source works");
        Secret(raw.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// The secret itself, to put in a request; never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether `given` is this secret, in time that does not depend on where
    /// they first differ (a guesser learns nothing from the timing).
    pub fn matches(&self, given: &[u8]) -> bool {
        use subtle::ConstantTimeEq;
        self.0.as_bytes().ct_eq(given).into()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Seconds since the Unix epoch, as events and the store count time.
pub fn unix_now() -> Timestamp {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as Timestamp)
}

/// Waits `duration`, or less if shutdown is asked.
pub async fn pause(shutdown: &mut tokio::sync::watch::Receiver<bool>, duration: Duration) {
    tokio::select! {
        _ = tokio::time::sleep(duration) => {}
        _ = shutdown.wait_for(|stop| *stop) => {}
    }
}

/// What became of an event handed to the engine.
#[derive(Debug)]
pub enum Outcome {
    Handled(Handled),
    /// The platform delivered this update before and its effects are stored:
    /// nothing to do, nothing to send.
    Repeat,
    /// The store failed (or the engine panicked); logged here.
    Failed,
}

/// Runs the engine for `event` on a blocking thread (a commit may flush to
/// disk), logging a failure. With `update`, the platform's id of the
/// delivery, the event is handled at most once: the id is stored in the same
/// write as the event's effects, and a repeat changes nothing.
pub async fn handle(app: &Arc<App>, event: Event, update: Option<String>) -> Outcome {
    let app = Arc::clone(app);
    let run = tokio::task::spawn_blocking(move || match &update {
        Some(key) => app.engine.handle_once(&event, key),
        None => app.engine.handle(&event).map(Some),
    });
    match run.await {
        Ok(Ok(Some(handled))) => Outcome::Handled(handled),
        Ok(Ok(None)) => Outcome::Repeat,
        Ok(Err(e)) => {
            tracing::error!(error = %e, "the store failed; the event is dropped");
            Outcome::Failed
        }
        Err(e) => {
            tracing::error!(error = %e, "handling an event panicked");
            Outcome::Failed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_prints_and_rejects_what_cannot_go_in_a_header() {
        let secret = Secret::new(" 123:SECRET ").unwrap();
        assert_eq!(secret.expose(), "123:SECRET");
        assert!(!format!("{secret:?}").contains("SECRET"));
        assert!(Secret::new("").is_none());
        assert!(Secret::new("a b").is_none());
        assert!(Secret::new("a\u{7}").is_none());
        assert!(Secret::new("a/b").is_some());
        assert!(Secret::for_url("a/b").is_none());
        assert!(Secret::for_url("a?b").is_none());
    }

    #[test]
    fn secrets_compare_whole() {
        let secret = Secret::new("s3cret-token").unwrap();
        assert!(secret.matches(b"s3cret-token"));
        assert!(!secret.matches(b"s3cret-tokem"));
        assert!(!secret.matches(b"s3cret"));
        assert!(!secret.matches(b""));
        let (a, b) = (Secret::random(16), Secret::random(16));
        assert_eq!(a.expose().len(), 32);
        assert_ne!(a, b);
    }
}
