//! Settings for `hocvuso serve`: a TOML file, the environment and flags,
//! merged by `main.rs`. The token is kept in a `Token`, which never prints.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::api::Token;
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
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub data: Option<PathBuf>,
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
    }
}
