//! Settings of the Zalo Official Account channel: the `[zalo]` table of the
//! config file and `ZALO_*` environment variables (the environment wins),
//! resolved into `Settings`. Secrets live in `Secret`, which never prints.

use std::net::SocketAddr;
use std::time::Duration;

use serde::Deserialize;

use super::quota::QuotaPolicy;
use super::retry::RetryPolicy;

/// Zalo's Open API for OA calls (messages, uploads, groups).
pub const DEFAULT_API_URL: &str = "https://openapi.zalo.me";
/// Zalo's OAuth server, which refreshes OA access tokens.
pub const DEFAULT_OAUTH_URL: &str = "https://oauth.zaloapp.com";
/// Telegram's webhook listens on 8080 by default; Zalo's stays clear of it.
pub const DEFAULT_LISTEN: ([u8; 4], u16) = ([127, 0, 0, 1], 8081);
pub const DEFAULT_WEBHOOK_PATH: &str = "/zalo";

/// A secret (key or token). Its `Debug` never shows it, and it is never logged.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// `None` for an empty value or one with whitespace or control characters
    /// (it goes into an HTTP header).
    pub fn new(value: impl Into<String>) -> Option<Self> {
        let value = value.into().trim().to_string();
        let ok = !value.is_empty() && !value.chars().any(|c| c.is_whitespace() || c.is_control());
        ok.then_some(Secret(value))
    }

    /// The secret itself, to put in a request; never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub app_id: String,
    /// The app's secret key: the `secret_key` header of token refreshes.
    pub app_secret: Secret,
    /// The OA secret key: signs every webhook request (`X-ZEvent-Signature`).
    pub oa_secret: Secret,
    /// Tokens that seed an empty store; once the store holds a pair, these
    /// are ignored (a refresh token is single-use).
    pub access_token: Option<Secret>,
    pub refresh_token: Option<Secret>,
    pub api_url: String,
    pub oauth_url: String,
    pub listen: SocketAddr,
    pub webhook_path: String,
    /// A link that opens the OA's chat (`https://zalo.me/<oa id>`), added to
    /// group posts, which cannot carry buttons.
    pub oa_link: Option<String>,
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
    /// Refresh the access token this long before it expires.
    pub refresh_margin: Duration,
    pub quota: QuotaPolicy,
    /// Parallel workers for webhook events; one learner's events always go to
    /// the same worker, so they are handled in order.
    pub workers: usize,
    /// Events waiting per worker before the webhook answers 503.
    pub queue: usize,
    /// How often the outbox is looked at when it is empty.
    pub outbox_poll: Duration,
    /// The pause between two outbox sends (a modest rate limit).
    pub outbox_pause: Duration,
    /// How often the dedupe list and the quota windows are written.
    pub persist_every: Duration,
    /// Event ids remembered against redelivery.
    pub dedupe_capacity: usize,
}

impl Settings {
    pub fn new(app_id: impl Into<String>, app_secret: Secret, oa_secret: Secret) -> Self {
        Settings {
            app_id: app_id.into(),
            app_secret,
            oa_secret,
            access_token: None,
            refresh_token: None,
            api_url: DEFAULT_API_URL.to_string(),
            oauth_url: DEFAULT_OAUTH_URL.to_string(),
            listen: DEFAULT_LISTEN.into(),
            webhook_path: DEFAULT_WEBHOOK_PATH.to_string(),
            oa_link: None,
            request_timeout: Duration::from_secs(15),
            retry: RetryPolicy::default(),
            refresh_margin: Duration::from_secs(3600),
            quota: QuotaPolicy::default(),
            workers: 64,
            queue: 1024,
            outbox_poll: Duration::from_secs(1),
            outbox_pause: Duration::from_millis(100),
            persist_every: Duration::from_secs(2),
            dedupe_capacity: 5000,
        }
    }

    /// Settings from the file's `[zalo]` table and the environment (`env`
    /// looks a variable up). `Ok(None)` when Zalo is not configured at all.
    pub fn resolve(
        file: &FileSettings,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, ZaloConfigError> {
        let pick = |var: &str, value: &Option<String>| {
            env(var)
                .filter(|v| !v.trim().is_empty())
                .or_else(|| value.clone())
        };
        let app_id = pick("ZALO_APP_ID", &file.app_id);
        let app_secret = pick("ZALO_APP_SECRET", &file.app_secret);
        let oa_secret = pick("ZALO_OA_SECRET_KEY", &file.oa_secret_key);
        if app_id.is_none() && app_secret.is_none() && oa_secret.is_none() {
            return Ok(None);
        }
        let required =
            |value: Option<String>, what: &'static str| value.ok_or(ZaloConfigError::Missing(what));
        let app_id = required(app_id, "app_id (ZALO_APP_ID)")?;
        let app_secret = Secret::new(required(app_secret, "app_secret (ZALO_APP_SECRET)")?)
            .ok_or(ZaloConfigError::Malformed("app_secret"))?;
        let oa_secret = Secret::new(required(oa_secret, "oa_secret_key (ZALO_OA_SECRET_KEY)")?)
            .ok_or(ZaloConfigError::Malformed("oa_secret_key"))?;
        let mut s = Settings::new(app_id.trim(), app_secret, oa_secret);
        let secret = |value: Option<String>, what: &'static str| {
            value
                .map(|v| Secret::new(v).ok_or(ZaloConfigError::Malformed(what)))
                .transpose()
        };
        s.access_token = secret(
            pick("ZALO_ACCESS_TOKEN", &file.access_token),
            "access_token",
        )?;
        s.refresh_token = secret(
            pick("ZALO_REFRESH_TOKEN", &file.refresh_token),
            "refresh_token",
        )?;
        if let Some(url) = pick("ZALO_API_URL", &file.api_url) {
            s.api_url = url.trim_end_matches('/').to_string();
        }
        if let Some(url) = pick("ZALO_OAUTH_URL", &file.oauth_url) {
            s.oauth_url = url.trim_end_matches('/').to_string();
        }
        if let Some(listen) = env("ZALO_LISTEN") {
            s.listen = listen
                .parse()
                .map_err(|_| ZaloConfigError::Malformed("ZALO_LISTEN"))?;
        } else if let Some(listen) = file.listen {
            s.listen = listen;
        }
        if let Some(path) = &file.webhook_path {
            if !path.starts_with('/') {
                return Err(ZaloConfigError::Malformed(
                    "webhook_path (must start with /)",
                ));
            }
            s.webhook_path = path.clone();
        }
        s.oa_link = pick("ZALO_OA_LINK", &file.oa_link);
        if let Some(hours) = file.reply_window_hours {
            s.quota.reply_window = hours.clamp(1, 24 * 30) as i64 * 3600;
        }
        if let Some(n) = file.replies_per_message {
            s.quota.replies_per_message = n.clamp(1, 100);
        }
        if let Some(proactive) = file.proactive {
            s.quota.proactive = proactive;
        }
        if let Some(days) = file.proactive_window_days {
            s.quota.proactive_window = days.clamp(1, 365) as i64 * 86_400;
        }
        if let Some(ms) = file.outbox_pause_ms {
            s.outbox_pause = Duration::from_millis(ms.min(60_000));
        }
        Ok(Some(s))
    }
}

/// The `[zalo]` table of the config file; every field optional.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    pub app_id: Option<String>,
    pub app_secret: Option<String>,
    pub oa_secret_key: Option<String>,
    pub access_token: Option<String>,
    pub refresh_token: Option<String>,
    pub api_url: Option<String>,
    pub oauth_url: Option<String>,
    pub listen: Option<SocketAddr>,
    pub webhook_path: Option<String>,
    pub oa_link: Option<String>,
    pub reply_window_hours: Option<u64>,
    pub replies_per_message: Option<u32>,
    pub proactive: Option<bool>,
    pub proactive_window_days: Option<u64>,
    pub outbox_pause_ms: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ZaloConfigError {
    #[error("zalo is partly configured: {0} is missing")]
    Missing(&'static str),
    #[error("zalo setting {0} is malformed")]
    Malformed(&'static str),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_configured_is_not_an_error_and_a_half_configuration_is() {
        let none = Settings::resolve(&FileSettings::default(), |_| None).unwrap();
        assert!(none.is_none());
        let half = FileSettings {
            app_id: Some("123".into()),
            ..FileSettings::default()
        };
        assert!(matches!(
            Settings::resolve(&half, |_| None),
            Err(ZaloConfigError::Missing(_))
        ));
    }

    #[test]
    fn the_environment_wins_and_secrets_never_print() {
        let file = FileSettings {
            app_id: Some("from-file".into()),
            app_secret: Some("APPSECRET".into()),
            oa_secret_key: Some("OASECRET".into()),
            refresh_token: Some("REFRESH".into()),
            ..FileSettings::default()
        };
        let s = Settings::resolve(&file, |var| {
            (var == "ZALO_APP_ID").then(|| "from-env".to_string())
        })
        .unwrap()
        .unwrap();
        assert_eq!(s.app_id, "from-env");
        let shown = format!("{s:?}");
        for secret in ["APPSECRET", "OASECRET", "REFRESH"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
}

#[cfg(test)]
mod example {
    use std::path::Path;

    use super::*;
    use crate::channel::telegram::ConfigFile;

    #[test]
    fn the_example_config_has_a_complete_zalo_table() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("hocvuso.example.toml");
        let file = ConfigFile::read(&path).unwrap();
        let s = Settings::resolve(&file.zalo, |_| None).unwrap().unwrap();
        assert_eq!(s.api_url, DEFAULT_API_URL);
        assert_eq!(s.listen, SocketAddr::from(DEFAULT_LISTEN));
        assert!(s.access_token.is_some() && s.refresh_token.is_some());
        assert_eq!(s.quota, QuotaPolicy::default());
    }
}
