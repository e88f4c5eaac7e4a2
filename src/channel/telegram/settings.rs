//! The Telegram channel's settings, validated: what `config` resolves from
//! the file, the environment and flags, and what tests set directly.

use std::net::SocketAddr;
use std::time::Duration;

use super::pace::Limits;
use crate::channel::kit::{RetryPolicy, Secret, listen};

pub const DEFAULT_API_URL: &str = "https://api.telegram.org";
/// Where the webhook listener binds when nothing says otherwise.
pub const DEFAULT_LISTEN: ([u8; 4], u16) = ([127, 0, 0, 1], 8080);

/// How updates arrive.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Polling,
    /// Telegram posts updates to `url`; the bot listens on `listen` (usually
    /// behind an HTTPS reverse proxy). `secret` is checked on every request;
    /// without one, a fresh random secret is registered at each start.
    Webhook {
        url: String,
        listen: SocketAddr,
        secret: Option<Secret>,
    },
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub token: Secret,
    pub api_url: String,
    pub mode: Mode,
    /// Long-polling wait per `getUpdates`.
    pub poll_timeout: Duration,
    /// Bound on every other call.
    pub request_timeout: Duration,
    /// Live replies: how often and how long to retry.
    pub retry: RetryPolicy,
    /// Remove the buttons of a message once one of them is pressed.
    pub remove_pressed_keyboard: bool,
    pub outbox: OutboxSettings,
    /// The webhook listener's limits.
    pub listener: listen::Limits,
}

/// How the outbox sender paces and polls (`outbox.rs`).
#[derive(Debug, Clone)]
pub struct OutboxSettings {
    /// Telegram's rate limits; defaults are Telegram's published ones. Live
    /// replies share the per-chat and per-group budgets.
    pub limits: Limits,
    /// How often the store is asked for due messages.
    pub poll_interval: Duration,
    /// Messages taken from the store per read.
    pub batch: usize,
    /// Sends in flight at once (different chats).
    pub max_in_flight: usize,
    /// First wait after a server error or timeout; doubled each time.
    pub backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for OutboxSettings {
    fn default() -> Self {
        OutboxSettings {
            limits: Limits::default(),
            poll_interval: Duration::from_millis(300),
            batch: 100,
            max_in_flight: 16,
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(300),
        }
    }
}

impl OutboxSettings {
    /// The outbox's retry decision: a passing failure is retried for as long
    /// as it takes (the message waits in the store), a send that may have
    /// arrived is repeated once, like a live reply.
    pub fn retry(&self) -> RetryPolicy {
        RetryPolicy {
            attempts: u32::MAX,
            base: self.backoff,
            max: self.max_backoff,
            max_retry_after: Duration::MAX,
            uncertain_retries: 1,
        }
    }
}

impl Settings {
    pub fn new(token: Secret) -> Self {
        Settings {
            token,
            api_url: DEFAULT_API_URL.to_string(),
            mode: Mode::Polling,
            poll_timeout: Duration::from_secs(25),
            request_timeout: Duration::from_secs(15),
            retry: RetryPolicy::default(),
            remove_pressed_keyboard: true,
            outbox: OutboxSettings::default(),
            listener: listen::Limits::default(),
        }
    }
}
