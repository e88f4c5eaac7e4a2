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

/// Runs the engine for `event` off the async workers (a commit may wait
/// for the disk), logging a failure. With `update`, the platform's id of the
/// delivery, the event is handled at most once: the id is stored in the same
/// write as the event's effects, and a repeat changes nothing.
pub async fn handle(app: &Arc<App>, event: Event, update: Option<String>) -> Outcome {
    let app = Arc::clone(app);
    let run = engine_threads::run(move || match &update {
        Some(key) => app.engine.handle_once(&event, key),
        None => app.engine.handle(&event).map(Some),
    });
    match run.await {
        Some(Ok(Some(handled))) => Outcome::Handled(handled),
        Some(Ok(None)) => Outcome::Repeat,
        Some(Err(e)) => {
            tracing::error!(error = %e, "the store failed; the event is dropped");
            Outcome::Failed
        }
        None => {
            tracing::error!("handling an event panicked");
            Outcome::Failed
        }
    }
}

/// The threads the engine runs on, shared by every channel: a fixed few,
/// each taking the next event as soon as it is done with one. Under load a
/// thread goes from event to event without sleeping, where a blocking task
/// per event (`spawn_blocking`) costs a thread handoff each and, with many
/// events waiting on the disk at once, hundreds of threads (and as many
/// malloc arenas). Enough threads that events keep going while some wait
/// for a flush (which they then share, see the store's group commit). In
/// the Telegram bench this took a fifth off the bot's CPU per update.
mod engine_threads {
    use std::panic::AssertUnwindSafe;
    use std::sync::mpsc::{Receiver, Sender, channel};
    use std::sync::{Arc, Mutex, OnceLock};

    const THREADS: usize = 8;

    type Job = Box<dyn FnOnce() + Send>;

    static JOBS: OnceLock<Sender<Job>> = OnceLock::new();

    fn jobs() -> &'static Sender<Job> {
        JOBS.get_or_init(|| {
            let (send, receive) = channel::<Job>();
            let receive = Arc::new(Mutex::new(receive));
            for n in 0..THREADS {
                let receive = Arc::clone(&receive);
                std::thread::Builder::new()
                    .name(format!("engine-{n}"))
                    .spawn(move || work(&receive))
                    .expect("an engine thread starts");
            }
            send
        })
    }

    fn work(receive: &Mutex<Receiver<Job>>) {
        loop {
            let job = match receive.lock().unwrap_or_else(|p| p.into_inner()).recv() {
                Ok(job) => job,
                Err(_) => return,
            };
            // A panicking event is reported to its caller (its answer
            // channel is dropped); the thread goes on.
            let _ = std::panic::catch_unwind(AssertUnwindSafe(job));
        }
    }

    /// Runs `f` on an engine thread; `None` if it panicked.
    pub async fn run<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(f());
        });
        jobs().send(job).ok()?;
        result.await.ok()
    }

    #[cfg(test)]
    mod tests {
        #[tokio::test]
        async fn a_panicking_job_is_reported_and_the_threads_go_on() {
            assert_eq!(super::run(|| 2 + 2).await, Some(4));
            let boom = super::run(|| -> u32 { panic!("an event that fails") }).await;
            assert_eq!(boom, None);
            let many: Vec<_> = (0..100).map(|n| super::run(move || n * 2)).collect();
            for (n, job) in many.into_iter().enumerate() {
                assert_eq!(job.await, Some(n * 2));
            }
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
