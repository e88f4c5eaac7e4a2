//! Settings of the Zalo Official Account channel, validated: what `config`
//! resolves from the `[zalo]` table and the `ZALO_*` variables, and what
//! tests set directly. Secrets live in `Secret`, which never prints.

use std::net::SocketAddr;
use std::time::Duration;

use super::quota::QuotaPolicy;
use crate::channel::kit::{RetryPolicy, Secret, listen};

/// Zalo's Open API for OA calls (messages, uploads, groups).
pub const DEFAULT_API_URL: &str = "https://openapi.zalo.me";
/// Zalo's OAuth server, which refreshes OA access tokens.
pub const DEFAULT_OAUTH_URL: &str = "https://oauth.zaloapp.com";
/// Telegram's webhook listens on 8080 by default; Zalo's stays clear of it.
pub const DEFAULT_LISTEN: ([u8; 4], u16) = ([127, 0, 0, 1], 8081);
pub const DEFAULT_WEBHOOK_PATH: &str = "/zalo";

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
    /// The webhook listener's limits.
    pub listener: listen::Limits,
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
            listener: listen::Limits::default(),
        }
    }
}
