//! The Telegram channel: Bot API updates in, engine events through, HTML
//! messages with inline keyboards out.
//!
//! It only translates. `updates.rs` turns one update into an
//! `engine::Event` (learner `tg:<user id>`, private or group place, text or
//! button data) and hands what the engine returns to the chat's send lane;
//! `send.rs` sends it, paced with the outbox (`pace.rs`). Polling and webhook
//! are two ways to feed updates in (`polling.rs`, `webhook.rs`); both run the
//! outbox sender beside them (`outbox.rs`). No Telegram type leaves this
//! module.

mod api;
mod offsets;
mod outbox;
mod pace;
mod polling;
mod render;
mod send;
mod settings;
mod split;
mod updates;
mod webhook;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::{Value, json};

use crate::app::App;
use crate::core::{Lang, Text};

pub use crate::channel::kit::{RetryPolicy, Secret};
pub use api::{Api, ApiError};
pub use offsets::LAST_UPDATE_KEY;
pub use outbox::{CHANNEL, chat_of};
pub use pace::Limits;
pub use render::{Part, Rendered, deep_link, render};
pub use settings::{DEFAULT_API_URL, DEFAULT_LISTEN, Mode, OutboxSettings, Settings};

/// The commands shown in Telegram's menu, with their description keys.
const COMMANDS: [(&str, &str); 6] = [
    ("start", "command-start"),
    ("menu", "command-menu"),
    ("progress", "command-progress"),
    ("summary", "command-summary"),
    ("lang", "command-lang"),
    ("help", "command-help"),
];

/// The menu in group chats, where volunteers post lesson cards.
const GROUP_COMMANDS: [(&str, &str); 2] = [("push", "command-push"), ("help", "command-help")];

#[derive(Debug, thiserror::Error)]
pub enum TelegramError {
    #[error("telegram: {0}")]
    Api(#[from] ApiError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("cannot listen on {addr}: {reason}")]
    Listen { addr: String, reason: String },
}

/// One running bot: the app, the Bot API client, the bot's username and the
/// pacing every send to a chat shares.
pub struct Telegram {
    app: Arc<App>,
    api: Api,
    settings: Settings,
    username: String,
    pacer: Mutex<pace::Pacer>,
    /// One lock per picture, so it is uploaded once (see `send.rs`).
    uploads: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// Key of the mark left for a chat that blocked the bot.
pub fn blocked_key(chat_id: i64) -> String {
    format!("telegram/blocked/{chat_id}")
}

/// Key of the cached Telegram `file_id` of a picture.
pub fn photo_key(path: &Path) -> String {
    format!("telegram/photo/{}", path.display())
}

/// Key of the cached `file_id` of a certificate drawn in `lang`: a
/// certificate never changes, so it is drawn and uploaded once.
pub fn certificate_key(code: &str, lang: &Lang) -> String {
    format!("telegram/certificate/{code}/{}", lang.as_str())
}

impl Telegram {
    /// Asks Telegram who the bot is and registers the command menu.
    pub async fn connect(app: Arc<App>, settings: Settings) -> Result<Arc<Self>, TelegramError> {
        let api = Api::new(&settings.api_url, &settings.token, settings.request_timeout)?;
        let empty = json!({});
        let me = settings
            .retry
            .run("getMe", || api.call("getMe", &empty))
            .await?;
        let username = me["username"].as_str().unwrap_or_default().to_string();
        let bot = Telegram {
            pacer: Mutex::new(pace::Pacer::new(settings.outbox.limits, Instant::now())),
            app,
            api,
            settings,
            username,
            uploads: Default::default(),
        };
        bot.register_commands().await?;
        tracing::info!(username = %bot.username, "connected to telegram");
        Ok(Arc::new(bot))
    }

    pub fn username(&self) -> &str {
        &self.username
    }

    /// Runs the configured update source until `shutdown` turns true.
    pub async fn run(
        self: Arc<Self>,
        shutdown: tokio::sync::watch::Receiver<bool>,
    ) -> Result<(), TelegramError> {
        match self.settings.mode.clone() {
            Mode::Polling => self.run_polling(shutdown).await,
            Mode::Webhook {
                url,
                listen,
                secret,
            } => {
                // Registered afresh at every start, so a random one works.
                let secret = secret.unwrap_or_else(|| Secret::random(24));
                self.run_webhook(&url, listen, &secret, shutdown).await
            }
        }
    }

    /// `setMyCommands` once per language (by `language_code`), and once
    /// without a language code in the base language for everyone else; the
    /// same again for group chats, with the group commands.
    async fn register_commands(&self) -> Result<(), TelegramError> {
        let localizer = &self.app.localizer;
        let commands = |list: &[(&str, &'static str)], lang: &Lang| -> Value {
            list.iter()
                .map(|(command, key)| {
                    json!({"command": command, "description": localizer.text(lang, &Text::new(key))})
                })
                .collect()
        };
        let mut calls = vec![json!({"commands": commands(&COMMANDS, &Lang::base())})];
        for (lang, _) in localizer.languages() {
            calls.push(
                json!({"commands": commands(&COMMANDS, &lang), "language_code": lang.as_str()}),
            );
        }
        let groups = json!({"type": "all_group_chats"});
        calls.push(json!({"commands": commands(&GROUP_COMMANDS, &Lang::base()), "scope": groups}));
        for (lang, _) in localizer.languages() {
            calls.push(json!({"commands": commands(&GROUP_COMMANDS, &lang),
                              "language_code": lang.as_str(), "scope": groups}));
        }
        for body in calls {
            self.call("setMyCommands", &body).await?;
        }
        Ok(())
    }

    /// A call that is not a message to a chat, with the live retry policy.
    async fn call(&self, method: &str, body: &Value) -> Result<Value, ApiError> {
        self.settings
            .retry
            .run(method, || self.api.call(method, body))
            .await
    }

    /// Whether a chat is marked as having blocked the bot.
    pub fn is_blocked(&self, chat_id: i64) -> bool {
        matches!(self.app.engine.store().channel_get(&blocked_key(chat_id)), Ok(Some(v)) if v == "1")
    }

    fn mark_blocked(&self, chat_id: i64) {
        if let Err(e) = self
            .app
            .engine
            .store()
            .channel_put(&blocked_key(chat_id), "1")
        {
            tracing::error!(error = %e, "could not mark a blocked chat");
        }
    }

    /// A learner who writes again has unblocked the bot.
    fn unmark_blocked(&self, chat_id: i64) {
        if self.is_blocked(chat_id)
            && let Err(e) = self
                .app
                .engine
                .store()
                .channel_put(&blocked_key(chat_id), "0")
        {
            tracing::error!(error = %e, "could not unmark a chat");
        }
    }

    fn pacer(&self) -> std::sync::MutexGuard<'_, pace::Pacer> {
        self.pacer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Flushes the store (at shutdown).
    fn finish(&self) -> Result<(), TelegramError> {
        self.app.engine.store().flush()?;
        Ok(())
    }
}
