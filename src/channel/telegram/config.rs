//! Settings for `hocvuso serve`: a TOML file, the environment and flags,
//! merged by `main.rs`. The token is kept in a `Token`, which never prints.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::api::Token;
use super::pace::Limits;
use super::retry::RetryPolicy;

pub const DEFAULT_API_URL: &str = "https://api.telegram.org";

/// How updates arrive.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Polling,
    /// Telegram posts updates to `url`; the bot listens on `listen` (usually
    /// behind an HTTPS reverse proxy). `secret` is checked on every request.
    Webhook {
        url: String,
        listen: SocketAddr,
        secret: String,
    },
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub token: Token,
    pub api_url: String,
    /// Long-polling wait per `getUpdates`.
    pub poll_timeout: Duration,
    /// Bound on every other call.
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
    /// Remove the buttons of a message once one of them is pressed.
    pub remove_pressed_keyboard: bool,
    pub outbox: OutboxSettings,
}

/// How the outbox sender paces and polls (`outbox.rs`).
#[derive(Debug, Clone)]
pub struct OutboxSettings {
    /// Telegram's rate limits; defaults are Telegram's published ones.
    pub limits: Limits,
    /// How often the store is asked for due messages.
    pub poll_interval: Duration,
    /// Messages taken from the store per poll.
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

impl Settings {
    pub fn new(token: Token) -> Self {
        Settings {
            token,
            api_url: DEFAULT_API_URL.to_string(),
            poll_timeout: Duration::from_secs(25),
            request_timeout: Duration::from_secs(15),
            retry: RetryPolicy::default(),
            remove_pressed_keyboard: true,
            outbox: OutboxSettings::default(),
        }
    }
}

/// The `[telegram]` table of the config file; every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    pub token: Option<String>,
    pub api_url: Option<String>,
    pub webhook_url: Option<String>,
    pub listen: Option<SocketAddr>,
    pub webhook_secret: Option<String>,
    pub poll_timeout_secs: Option<u64>,
    #[serde(default)]
    pub outbox: OutboxFile,
}

/// The `[telegram.outbox]` table: rate limits of the outbox sender.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboxFile {
    pub per_second: Option<f64>,
    pub group_per_minute: Option<f64>,
    pub chat_per_second: Option<f64>,
    pub max_in_flight: Option<usize>,
}

impl OutboxFile {
    /// Applies the values given; a rate must be a positive number.
    pub fn apply(&self, settings: &mut OutboxSettings) -> Result<(), ConfigError> {
        let rates = [
            (
                "per_second",
                self.per_second,
                &mut settings.limits.per_second,
            ),
            (
                "group_per_minute",
                self.group_per_minute,
                &mut settings.limits.group_per_minute,
            ),
            (
                "chat_per_second",
                self.chat_per_second,
                &mut settings.limits.chat_per_second,
            ),
        ];
        for (name, value, slot) in rates {
            match value {
                Some(v) if v.is_finite() && v > 0.0 => *slot = v,
                Some(v) => {
                    return Err(ConfigError::Value(format!(
                        "outbox.{name} = {v}: must be a positive number"
                    )));
                }
                None => {}
            }
        }
        if let Some(n) = self.max_in_flight {
            settings.max_in_flight = n.max(1);
        }
        Ok(())
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub data: Option<PathBuf>,
    /// The area tree file (`areas.toml`).
    pub areas: Option<PathBuf>,
    /// Admins by user id (`tg:123`, `zalo:456`), beside `--admins`.
    #[serde(default)]
    pub admins: Vec<String>,
    /// How often the running bot writes a backup (`daily`, `6h`, `off`…),
    /// where, and how many are kept: see `store::backup::BackupSettings`.
    pub backup_every: Option<String>,
    pub backup_dir: Option<PathBuf>,
    pub backup_keep: Option<usize>,
    #[serde(default)]
    pub telegram: FileSettings,
    /// The `[zalo]` table, read by the Zalo channel.
    #[serde(default)]
    pub zalo: crate::channel::zalo::FileSettings,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("bad setting under [telegram]: {0}")]
    Value(String),
}

impl ConfigFile {
    pub fn read(path: &Path) -> Result<Self, ConfigError> {
        let fail = |reason: String| ConfigError::Read {
            path: path.to_path_buf(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
        toml::from_str(&text).map_err(|e| fail(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_config_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("hocvuso.example.toml");
        let config = ConfigFile::read(&path).unwrap();
        assert!(config.telegram.token.is_some());
        assert!(config.telegram.listen.is_some());
        let mut outbox = OutboxSettings::default();
        config.telegram.outbox.apply(&mut outbox).unwrap();
        assert_eq!(outbox.limits, Limits::default());
    }

    #[test]
    fn outbox_rates_come_from_the_file_and_must_be_positive() {
        let file: ConfigFile =
            toml::from_str("[telegram.outbox]\nper_second = 300\nchat_per_second = 0.5\n").unwrap();
        let mut outbox = OutboxSettings::default();
        file.telegram.outbox.apply(&mut outbox).unwrap();
        assert_eq!(outbox.limits.per_second, 300.0);
        assert_eq!(outbox.limits.chat_per_second, 0.5);
        assert_eq!(outbox.limits.group_per_minute, 20.0);
        let bad: ConfigFile = toml::from_str("[telegram.outbox]\nper_second = 0\n").unwrap();
        assert!(bad.telegram.outbox.apply(&mut outbox).is_err());
    }
}
