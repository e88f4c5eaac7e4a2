//! The configuration of `hocvuso serve`, in one place: the TOML file's
//! types, then resolution in two stages, as ripgrep's flags are:
//!
//! 1. `Raw::gather` takes each value from where it was given — a flag (or
//!    its environment variable, as clap reads them), a variable only the
//!    environment carries (the Telegram token, `ZALO_*`), the file — with
//!    flags winning over the environment and the environment over the file.
//!    Nothing is checked yet.
//! 2. `Raw::resolve` checks every value and builds what each part takes:
//!    the app's paths and staffing, Telegram's and Zalo's settings. Each
//!    problem names its setting.
//!
//! Secrets go straight into `Secret`, which never prints. `main.rs` parses
//! the command line and hands the flags over; it resolves nothing itself.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::app::{Paths, Staffing};
use crate::channel::kit::Secret;
use crate::channel::{telegram, zalo};
use crate::core::LearnerId;

pub const DEFAULT_DATA: &str = "data";
pub const DEFAULT_AREAS: &str = "areas.toml";

/// The config file (see `hocvuso.example.toml`); every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub data: Option<PathBuf>,
    /// The area tree file (`areas.toml`).
    pub areas: Option<PathBuf>,
    /// Admins by user id (`tg:123`, `zalo:456`), beside `--admins`.
    #[serde(default)]
    pub admins: Vec<String>,
    #[serde(default)]
    pub telegram: TelegramTable,
    #[serde(default)]
    pub zalo: ZaloTable,
}

/// The `[telegram]` table.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelegramTable {
    pub token: Option<String>,
    pub api_url: Option<String>,
    pub webhook_url: Option<String>,
    pub listen: Option<SocketAddr>,
    pub webhook_secret: Option<String>,
    pub poll_timeout_secs: Option<u64>,
    #[serde(default)]
    pub outbox: OutboxTable,
}

/// The `[telegram.outbox]` table: the limits every send keeps.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboxTable {
    pub per_second: Option<f64>,
    pub group_per_minute: Option<f64>,
    pub chat_per_second: Option<f64>,
    pub max_in_flight: Option<usize>,
}

/// The `[zalo]` table.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZaloTable {
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
pub enum ConfigError {
    #[error("cannot read the config file {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("setting {setting}: {reason}")]
    Value {
        setting: &'static str,
        reason: String,
    },
    #[error("zalo is partly configured: {0} is missing")]
    ZaloMissing(&'static str),
    #[error(
        "nothing to serve: configure Telegram (TELEGRAM_BOT_TOKEN, or `token` under [telegram]) \
         and/or Zalo (app_id, app_secret, oa_secret_key and the tokens under [zalo], \
         or the ZALO_* variables); see hocvuso.example.toml"
    )]
    NothingToServe,
}

fn bad(setting: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Value {
        setting,
        reason: reason.into(),
    }
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

/// What the command line gave `serve` (each flag may also have come from
/// its environment variable).
#[derive(Debug, Default, Clone)]
pub struct Flags {
    pub config: Option<PathBuf>,
    pub lessons: PathBuf,
    pub locales: PathBuf,
    pub data: Option<PathBuf>,
    pub areas: Option<PathBuf>,
    pub admins: Vec<String>,
    pub api_url: Option<String>,
    pub webhook: Option<String>,
    pub listen: Option<SocketAddr>,
}

/// Stage one: every value picked from its source, unchecked.
#[derive(Debug, Default, Clone)]
pub struct Raw {
    pub lessons: PathBuf,
    pub locales: PathBuf,
    pub data: Option<PathBuf>,
    pub areas: Option<PathBuf>,
    /// With where each came from, for the error message.
    pub admins: Vec<(String, &'static str)>,
    pub telegram: TelegramTable,
    pub zalo: ZaloTable,
    /// `ZALO_LISTEN`, which is text until checked.
    pub zalo_listen: Option<String>,
}

/// Stage two: what `serve` runs with.
#[derive(Debug, Clone)]
pub struct Serve {
    pub paths: Paths,
    pub staffing: Staffing,
    pub telegram: Option<telegram::Settings>,
    pub zalo: Option<zalo::Settings>,
}

impl Raw {
    /// Reads the config file the flags name (if any) and picks each value:
    /// flag, then environment (`env` looks a variable up), then file.
    pub fn gather(flags: Flags, env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let file = match &flags.config {
            Some(path) => ConfigFile::read(path)?,
            None => ConfigFile::default(),
        };
        Ok(Self::pick(flags, file, env))
    }

    /// `gather` for a file already read.
    pub fn pick(flags: Flags, file: ConfigFile, env: impl Fn(&str) -> Option<String>) -> Self {
        let env = |var: &str| env(var).filter(|v| !v.trim().is_empty());
        let admins = flags
            .admins
            .into_iter()
            .map(|a| (a, "--admins"))
            .chain(file.admins.into_iter().map(|a| (a, "the config file")))
            .collect();
        let tg = file.telegram;
        let telegram = TelegramTable {
            token: env("TELEGRAM_BOT_TOKEN").or(tg.token),
            api_url: flags.api_url.or(tg.api_url),
            webhook_url: flags.webhook.or(tg.webhook_url),
            listen: flags.listen.or(tg.listen),
            ..tg
        };
        let z = file.zalo;
        let zalo = ZaloTable {
            app_id: env("ZALO_APP_ID").or(z.app_id),
            app_secret: env("ZALO_APP_SECRET").or(z.app_secret),
            oa_secret_key: env("ZALO_OA_SECRET_KEY").or(z.oa_secret_key),
            access_token: env("ZALO_ACCESS_TOKEN").or(z.access_token),
            refresh_token: env("ZALO_REFRESH_TOKEN").or(z.refresh_token),
            api_url: env("ZALO_API_URL").or(z.api_url),
            oauth_url: env("ZALO_OAUTH_URL").or(z.oauth_url),
            oa_link: env("ZALO_OA_LINK").or(z.oa_link),
            ..z
        };
        Raw {
            lessons: flags.lessons,
            locales: flags.locales,
            data: flags.data.or(file.data),
            areas: flags.areas.or(file.areas),
            admins,
            telegram,
            zalo,
            zalo_listen: env("ZALO_LISTEN"),
        }
    }

    /// Checks every value; at least one channel must be configured.
    pub fn resolve(self) -> Result<Serve, ConfigError> {
        let mut admins = Vec::new();
        for (admin, from) in &self.admins {
            let admin = admin.trim();
            if admin.is_empty() {
                continue;
            }
            let id = LearnerId::new(admin).ok_or_else(|| {
                bad(
                    "admins",
                    format!("admin id `{admin}` from {from} is not valid"),
                )
            })?;
            admins.push(id);
        }
        let telegram = resolve_telegram(&self.telegram)?;
        let zalo = resolve_zalo(&self.zalo, self.zalo_listen.as_deref())?;
        if telegram.is_none() && zalo.is_none() {
            return Err(ConfigError::NothingToServe);
        }
        Ok(Serve {
            paths: Paths {
                lessons: self.lessons,
                locales: self.locales,
                data: self.data.unwrap_or_else(|| PathBuf::from(DEFAULT_DATA)),
                areas: self.areas.unwrap_or_else(|| PathBuf::from(DEFAULT_AREAS)),
            },
            staffing: Staffing { admins },
            telegram,
            zalo,
        })
    }
}

/// Telegram's settings; `None` without a token.
fn resolve_telegram(t: &TelegramTable) -> Result<Option<telegram::Settings>, ConfigError> {
    let Some(token) = &t.token else {
        return Ok(None);
    };
    let token = Secret::for_url(token.as_str())
        .ok_or_else(|| bad("telegram token", "malformed (it contains spaces or / ? #)"))?;
    let mut s = telegram::Settings::new(token);
    if let Some(url) = &t.api_url {
        s.api_url = url.trim_end_matches('/').to_string();
    }
    if let Some(secs) = t.poll_timeout_secs {
        s.poll_timeout = Duration::from_secs(secs.clamp(1, 50));
    }
    apply_outbox(&t.outbox, &mut s.outbox)?;
    if let Some(url) = &t.webhook_url {
        let secret = match &t.webhook_secret {
            None => None,
            Some(secret) => Some(webhook_secret(secret)?),
        };
        s.mode = telegram::Mode::Webhook {
            url: url.clone(),
            listen: t.listen.unwrap_or_else(|| telegram::DEFAULT_LISTEN.into()),
            secret,
        };
    }
    Ok(Some(s))
}

/// Telegram accepts 1-256 characters of `A-Z a-z 0-9 _ -`.
fn webhook_secret(secret: &str) -> Result<Secret, ConfigError> {
    let ok = (1..=256).contains(&secret.len())
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    ok.then(|| Secret::new(secret))
        .flatten()
        .ok_or_else(|| bad("telegram webhook_secret", "use 1-256 of A-Z a-z 0-9 _ -"))
}

fn apply_outbox(
    table: &OutboxTable,
    settings: &mut telegram::OutboxSettings,
) -> Result<(), ConfigError> {
    let rates = [
        (
            "telegram.outbox.per_second",
            table.per_second,
            &mut settings.limits.per_second,
        ),
        (
            "telegram.outbox.group_per_minute",
            table.group_per_minute,
            &mut settings.limits.group_per_minute,
        ),
        (
            "telegram.outbox.chat_per_second",
            table.chat_per_second,
            &mut settings.limits.chat_per_second,
        ),
    ];
    for (name, value, slot) in rates {
        match value {
            Some(v) if v.is_finite() && v > 0.0 => *slot = v,
            Some(v) => return Err(bad(name, format!("{v}: must be a positive number"))),
            None => {}
        }
    }
    if let Some(n) = table.max_in_flight {
        settings.max_in_flight = n.max(1);
    }
    Ok(())
}

/// Zalo's settings; `None` when none of its keys is given at all.
fn resolve_zalo(
    z: &ZaloTable,
    listen_var: Option<&str>,
) -> Result<Option<zalo::Settings>, ConfigError> {
    if z.app_id.is_none() && z.app_secret.is_none() && z.oa_secret_key.is_none() {
        return Ok(None);
    }
    let required = |value: &Option<String>, what: &'static str| {
        value.clone().ok_or(ConfigError::ZaloMissing(what))
    };
    let secret = |value: String, what: &'static str| {
        Secret::new(value).ok_or_else(|| bad(what, "malformed (empty, or with spaces)"))
    };
    let app_id = required(&z.app_id, "app_id (ZALO_APP_ID)")?;
    let app_secret = secret(
        required(&z.app_secret, "app_secret (ZALO_APP_SECRET)")?,
        "zalo app_secret",
    )?;
    let oa_secret = secret(
        required(&z.oa_secret_key, "oa_secret_key (ZALO_OA_SECRET_KEY)")?,
        "zalo oa_secret_key",
    )?;
    let mut s = zalo::Settings::new(app_id.trim(), app_secret, oa_secret);
    s.access_token = z
        .access_token
        .clone()
        .map(|v| secret(v, "zalo access_token"))
        .transpose()?;
    s.refresh_token = z
        .refresh_token
        .clone()
        .map(|v| secret(v, "zalo refresh_token"))
        .transpose()?;
    if let Some(url) = &z.api_url {
        s.api_url = url.trim_end_matches('/').to_string();
    }
    if let Some(url) = &z.oauth_url {
        s.oauth_url = url.trim_end_matches('/').to_string();
    }
    match (listen_var, z.listen) {
        (Some(listen), _) => {
            s.listen = listen
                .parse()
                .map_err(|_| bad("ZALO_LISTEN", format!("`{listen}` is not an address:port")))?;
        }
        (None, Some(listen)) => s.listen = listen,
        (None, None) => {}
    }
    if let Some(path) = &z.webhook_path {
        if !path.starts_with('/') {
            return Err(bad("zalo webhook_path", "must start with /"));
        }
        s.webhook_path = path.clone();
    }
    s.oa_link = z.oa_link.clone();
    if let Some(hours) = z.reply_window_hours {
        s.quota.reply_window = hours.clamp(1, 24 * 30) as i64 * 3600;
    }
    if let Some(n) = z.replies_per_message {
        s.quota.replies_per_message = n.clamp(1, 100);
    }
    if let Some(proactive) = z.proactive {
        s.quota.proactive = proactive;
    }
    if let Some(days) = z.proactive_window_days {
        s.quota.proactive_window = days.clamp(1, 365) as i64 * 86_400;
    }
    if let Some(ms) = z.outbox_pause_ms {
        s.outbox_pause = Duration::from_millis(ms.min(60_000));
    }
    Ok(Some(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::telegram::{Limits, Mode};

    fn example() -> ConfigFile {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("hocvuso.example.toml");
        ConfigFile::read(&path).unwrap()
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn resolve(
        file: &str,
        flags: Flags,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Serve, ConfigError> {
        Raw::pick(flags, toml::from_str(file).unwrap(), env).resolve()
    }

    #[test]
    fn the_example_config_resolves_both_channels() {
        let serve = Raw::pick(Flags::default(), example(), no_env)
            .resolve()
            .unwrap();
        let telegram = serve.telegram.unwrap();
        assert_eq!(telegram.mode, Mode::Polling);
        assert_eq!(telegram.outbox.limits, Limits::default());
        let zalo = serve.zalo.unwrap();
        assert_eq!(zalo.api_url, zalo::DEFAULT_API_URL);
        assert_eq!(zalo.listen, SocketAddr::from(zalo::DEFAULT_LISTEN));
        assert!(zalo.access_token.is_some() && zalo.refresh_token.is_some());
        assert_eq!(zalo.quota, zalo::QuotaPolicy::default());
        assert_eq!(serve.paths.data, PathBuf::from("data"));
    }

    #[test]
    fn flags_win_over_the_environment_and_the_environment_over_the_file() {
        let file = "data = \"from-file\"\n[telegram]\ntoken = \"1:FILE\"\napi_url = \"http://file\"\n\
                    [zalo]\napp_id = \"file\"\napp_secret = \"S\"\noa_secret_key = \"K\"\n";
        let flags = Flags {
            data: Some("from-flag".into()),
            api_url: Some("http://flag/".into()),
            webhook: Some("https://bot.example.org/tg".into()),
            ..Flags::default()
        };
        let env = |var: &str| match var {
            "TELEGRAM_BOT_TOKEN" => Some("1:ENV".to_string()),
            "ZALO_APP_ID" => Some("from-env".to_string()),
            "ZALO_LISTEN" => Some("127.0.0.1:9999".to_string()),
            _ => None,
        };
        let serve = resolve(file, flags, env).unwrap();
        assert_eq!(serve.paths.data, PathBuf::from("from-flag"));
        let telegram = serve.telegram.unwrap();
        assert_eq!(telegram.token.expose(), "1:ENV");
        assert_eq!(telegram.api_url, "http://flag");
        let Mode::Webhook {
            url,
            listen,
            secret,
        } = telegram.mode
        else {
            panic!("a webhook URL means webhook mode")
        };
        assert_eq!(url, "https://bot.example.org/tg");
        assert_eq!(listen, SocketAddr::from(telegram::DEFAULT_LISTEN));
        assert!(secret.is_none(), "none configured: a random one at start");
        let zalo = serve.zalo.unwrap();
        assert_eq!(zalo.app_id, "from-env");
        assert_eq!(zalo.listen.port(), 9999);
    }

    #[test]
    fn every_bad_value_names_its_setting() {
        let cases = [
            ("[telegram]\ntoken = \"a/b\"\n", "telegram token"),
            (
                "[telegram]\ntoken = \"1:T\"\n[telegram.outbox]\nper_second = 0\n",
                "per_second",
            ),
            (
                "[telegram]\ntoken = \"1:T\"\nwebhook_url = \"https://x/y\"\nwebhook_secret = \"no spaces!\"\n",
                "webhook_secret",
            ),
            (
                "admins = [\"tg:\\u0007\"]\n[telegram]\ntoken = \"1:T\"\n",
                "admins",
            ),
            ("[zalo]\napp_id = \"1\"\n", "app_secret"),
            (
                "[zalo]\napp_id = \"1\"\napp_secret = \"S\"\noa_secret_key = \"K\"\nwebhook_path = \"zalo\"\n",
                "webhook_path",
            ),
        ];
        for (file, setting) in cases {
            let error = resolve(file, Flags::default(), no_env)
                .unwrap_err()
                .to_string();
            assert!(error.contains(setting), "{file}: {error}");
        }
        assert!(matches!(
            resolve("", Flags::default(), no_env),
            Err(ConfigError::NothingToServe)
        ));
    }

    #[test]
    fn outbox_rates_come_from_the_file() {
        let file = "[telegram]\ntoken = \"1:T\"\n[telegram.outbox]\nper_second = 300\nchat_per_second = 0.5\nmax_in_flight = 0\n";
        let outbox = resolve(file, Flags::default(), no_env)
            .unwrap()
            .telegram
            .unwrap()
            .outbox;
        assert_eq!(outbox.limits.per_second, 300.0);
        assert_eq!(outbox.limits.chat_per_second, 0.5);
        assert_eq!(outbox.limits.group_per_minute, 20.0);
        assert_eq!(outbox.max_in_flight, 1);
    }

    #[test]
    fn secrets_never_print() {
        let file = "[telegram]\ntoken = \"1:TGSECRET\"\n[zalo]\napp_id = \"1\"\napp_secret = \"APPSECRET\"\n\
                    oa_secret_key = \"OASECRET\"\nrefresh_token = \"REFRESH\"\n";
        let shown = format!("{:?}", resolve(file, Flags::default(), no_env).unwrap());
        for secret in ["TGSECRET", "APPSECRET", "OASECRET", "REFRESH"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
}
