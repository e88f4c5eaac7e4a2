//! The Telegram channel: Bot API updates in, engine events through, HTML
//! messages with inline keyboards out.
//!
//! It only translates. `Telegram::handle_update` turns one update into an
//! `engine::Event` (learner `tg:<user id>`, private or group place, text or
//! button data), answers button presses at once (the spinner stops), and
//! sends what the engine returns. Polling and webhook are two ways to feed
//! it updates (`polling.rs`, `webhook.rs`); both share the dedupe and the
//! retry policy, and both run the outbox sender beside them (`outbox.rs`).
//! No Telegram type leaves this module.

mod api;
mod config;
mod dedupe;
mod outbox;
mod pace;
mod polling;
mod render;
mod retry;
mod split;
mod webhook;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use teloxide::types::{ChatKind, Update, UpdateKind, User};

use crate::app::App;
use crate::core::{Action, Input, Lang, LearnerId, Media, MediaKind, Place, Text};
use crate::engine::Event;

pub use api::{Api, ApiError, Token};
pub use config::{
    ConfigError, ConfigFile, DEFAULT_API_URL, FileSettings, Mode, OutboxFile, OutboxSettings,
    Settings,
};
pub use dedupe::LAST_UPDATE_KEY;
pub use outbox::{CHANNEL, chat_of};
pub use pace::Limits;
pub use render::{Part, Rendered, deep_link, render};
pub use retry::{Decision, RetryPolicy};

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

/// One running bot: the app, the Bot API client and the bot's username.
pub struct Telegram {
    app: Arc<App>,
    api: Api,
    settings: Settings,
    username: String,
    dedupe: dedupe::Dedupe,
    /// One lock per picture, so it is uploaded once (see `send_photo`).
    uploads: std::sync::Mutex<HashMap<PathBuf, Arc<tokio::sync::Mutex<()>>>>,
}

/// Key of the mark left for a chat that blocked the bot.
pub fn blocked_key(chat_id: i64) -> String {
    format!("telegram/blocked/{chat_id}")
}

/// Key of the cached Telegram `file_id` of a picture.
pub fn photo_key(path: &Path) -> String {
    format!("telegram/photo/{}", path.display())
}

/// An update as the engine needs it, plus where to answer.
struct Incoming {
    event: Event,
    chat_id: i64,
    /// A button press: its query id and the message that carried the button.
    press: Option<(String, Option<i32>)>,
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
        let dedupe = dedupe::Dedupe::load(app.engine.store().clone())?;
        let bot = Telegram {
            app,
            api,
            settings,
            username,
            dedupe,
            uploads: Default::default(),
        };
        bot.register_commands().await?;
        tracing::info!(username = %bot.username, "connected to telegram");
        Ok(Arc::new(bot))
    }

    pub fn username(&self) -> &str {
        &self.username
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

    async fn call(&self, method: &str, body: &Value) -> Result<Value, ApiError> {
        self.settings
            .retry
            .run(method, || self.api.call(method, body))
            .await
    }

    /// Handles one update from start to the last message sent. Failures are
    /// logged: one learner's trouble never stops the bot.
    pub async fn handle_update(self: &Arc<Self>, update: Update) {
        let Some(incoming) = self.translate(update) else {
            return;
        };
        if let Some((query_id, _)) = &incoming.press {
            // Stop the spinner first, whatever happens next.
            if let Err(e) = self
                .call(
                    "answerCallbackQuery",
                    &json!({"callback_query_id": query_id}),
                )
                .await
            {
                tracing::warn!(error = %e, "could not answer a button press");
            }
        }
        let chat_id = incoming.chat_id;
        if incoming.event.place == Place::Private {
            self.unmark_blocked(chat_id);
        }
        let bot = Arc::clone(self);
        let event = incoming.event;
        // A store failure is answered with "try again later" by the engine.
        let handled = match tokio::task::spawn_blocking(move || bot.app.engine.answer(&event)).await
        {
            Ok(handled) => handled,
            Err(e) => {
                tracing::error!(error = %e, "handling an update panicked");
                return;
            }
        };
        if let (Some((_, Some(message_id))), true) =
            (&incoming.press, self.settings.remove_pressed_keyboard)
        {
            // Best effort: the learner keeps the text, loses the stale buttons.
            let body = json!({"chat_id": chat_id, "message_id": message_id,
                              "reply_markup": {"inline_keyboard": []}});
            if let Err(e) = self.api.call("editMessageReplyMarkup", &body).await {
                tracing::debug!(error = %e, "could not remove the pressed keyboard");
            }
        }
        for action in &handled.actions {
            let Action::Send(message) = action;
            let rendered = render(&self.app.localizer, &handled.lang, message, &self.username);
            match self.send(chat_id, &rendered, &self.settings.retry).await {
                Ok(()) => {}
                Err(ApiError::Blocked(reason)) => {
                    tracing::info!(chat_id, %reason, "chat blocked the bot; marked");
                    if let Err(e) = self
                        .app
                        .engine
                        .store()
                        .channel_put(&blocked_key(chat_id), "1")
                    {
                        tracing::error!(error = %e, "could not mark a blocked chat");
                    }
                    return;
                }
                Err(e) => {
                    tracing::error!(chat_id, error = %e, "a message could not be sent");
                    return;
                }
            }
        }
    }

    /// Whether a chat is marked as having blocked the bot.
    pub fn is_blocked(&self, chat_id: i64) -> bool {
        matches!(self.app.engine.store().channel_get(&blocked_key(chat_id)), Ok(Some(v)) if v == "1")
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

    fn translate(&self, update: Update) -> Option<Incoming> {
        let now = unix_now();
        let (from, chat, input, press): (User, _, Input, _) = match update.kind {
            UpdateKind::Message(message) => {
                let from = message.from.clone()?;
                let input = media_input(&message).unwrap_or_else(|| {
                    let text = message
                        .text()
                        .or_else(|| message.caption())
                        .unwrap_or_default();
                    Input::Text(text.to_string())
                });
                (from, message.chat, input, None)
            }
            UpdateKind::CallbackQuery(query) => {
                let message = query.message.as_ref()?;
                let chat = message.chat().clone();
                let press = Some((query.id.0.clone(), Some(message.id().0)));
                (
                    query.from,
                    chat,
                    Input::Button(query.data.unwrap_or_default()),
                    press,
                )
            }
            _ => return None,
        };
        let place = match chat.kind {
            ChatKind::Private(_) => Place::Private,
            ChatKind::Public(ref public) => match public.kind {
                teloxide::types::PublicChatKind::Channel(_) => return None,
                _ => Place::Group {
                    chat: chat.id.0.to_string(),
                },
            },
        };
        let learner = LearnerId::new(format!("tg:{}", from.id.0))?;
        Some(Incoming {
            event: Event {
                learner,
                channel: "telegram",
                display_name: from.first_name,
                place,
                input,
                now,
            },
            chat_id: chat.id.0,
            press,
        })
    }

    /// Sends one rendered message, call by call (`Rendered::parts`).
    async fn send(
        &self,
        chat_id: i64,
        rendered: &Rendered,
        retry: &RetryPolicy,
    ) -> Result<(), ApiError> {
        for part in rendered.parts() {
            self.send_part(chat_id, &part, retry).await?;
        }
        Ok(())
    }

    /// One call of a message, repeated as `retry` allows.
    async fn send_part(
        &self,
        chat_id: i64,
        part: &Part,
        retry: &RetryPolicy,
    ) -> Result<(), ApiError> {
        match part {
            Part::Text { html, keyboard } => {
                let mut body = json!({"chat_id": chat_id, "text": html, "parse_mode": "HTML",
                                      "link_preview_options": {"is_disabled": true}});
                if let Some(keyboard) = keyboard {
                    body["reply_markup"] = keyboard.clone();
                }
                retry
                    .run("sendMessage", || self.api.call("sendMessage", &body))
                    .await?;
            }
            Part::Photo {
                path,
                caption,
                keyboard,
            } => {
                let caption = Caption::new(caption, keyboard);
                self.send_photo(chat_id, path, &caption, retry).await?;
            }
            Part::Drawn {
                attachment,
                lang,
                caption,
                keyboard,
            } => {
                let Some((name, png)) = self.app.presenter.draw(lang, attachment).await else {
                    // The text still goes: a picture that cannot be drawn is
                    // logged, not a reason to lose the message.
                    if let Some(html) = caption {
                        let text = Part::Text {
                            html: html.clone(),
                            keyboard: keyboard.clone(),
                        };
                        return Box::pin(self.send_part(chat_id, &text, retry)).await;
                    }
                    return Ok(());
                };
                let file = Upload {
                    field: "photo",
                    name: &name,
                    bytes: &png,
                };
                let caption = Caption::new(caption, keyboard);
                self.upload("sendPhoto", chat_id, &file, &caption, retry)
                    .await?;
            }
            Part::Forward {
                file_id,
                caption,
                keyboard,
                ..
            } => {
                let method = part.method();
                let field = match method {
                    "sendPhoto" => "photo",
                    "sendVoice" => "voice",
                    _ => "document",
                };
                let mut body = json!({"chat_id": chat_id, field: file_id});
                if let Some(text) = caption {
                    body["caption"] = json!(text);
                    body["parse_mode"] = json!("HTML");
                }
                if let Some(keyboard) = keyboard {
                    body["reply_markup"] = keyboard.clone();
                }
                retry.run(method, || self.api.call(method, &body)).await?;
            }
            Part::Document {
                document,
                caption,
                keyboard,
            } => {
                let file = Upload {
                    field: "document",
                    name: &document.name,
                    bytes: &document.content,
                };
                let caption = Caption::new(caption, keyboard);
                self.upload("sendDocument", chat_id, &file, &caption, retry)
                    .await?;
            }
        }
        Ok(())
    }

    /// A picture by its cached `file_id`, else uploaded. Uploads of one
    /// picture are single-flight: learners who reach it together wait for
    /// the first upload and then send its file id.
    async fn send_photo(
        &self,
        chat_id: i64,
        path: &Path,
        caption: &Caption<'_>,
        retry: &RetryPolicy,
    ) -> Result<(), ApiError> {
        let key = photo_key(path);
        let mut refused = None;
        if let Some(file_id) = self.cached(&key) {
            match self
                .send_photo_by_id(chat_id, &file_id, caption, retry)
                .await
            {
                // A file id Telegram no longer knows: upload again below.
                Err(ApiError::Rejected { code: 400, .. }) => refused = Some(file_id),
                other => return other,
            }
        }
        let lock = self.upload_lock(path);
        let _one_upload_at_a_time = lock.lock().await;
        // Someone else may have uploaded it while we waited.
        if let Some(file_id) = self.cached(&key).filter(|id| Some(id) != refused.as_ref()) {
            return self
                .send_photo_by_id(chat_id, &file_id, caption, retry)
                .await;
        }
        let bytes = tokio::fs::read(path)
            .await
            .map_err(|e| ApiError::Invalid(format!("cannot read {}: {e}", path.display())))?;
        let name = path
            .file_name()
            .map_or_else(|| "picture".into(), |n| n.to_string_lossy());
        let file = Upload {
            field: "photo",
            name: &name,
            bytes: &bytes,
        };
        let result = self
            .upload("sendPhoto", chat_id, &file, caption, retry)
            .await?;
        // The largest size comes last; any of them names the same upload.
        if let Some(file_id) = result["photo"]
            .as_array()
            .and_then(|sizes| sizes.last())
            .and_then(|size| size["file_id"].as_str())
            && let Err(e) = self.app.engine.store().channel_put(&key, file_id)
        {
            tracing::warn!(error = %e, "could not remember a picture's file id");
        }
        Ok(())
    }

    async fn send_photo_by_id(
        &self,
        chat_id: i64,
        file_id: &str,
        caption: &Caption<'_>,
        retry: &RetryPolicy,
    ) -> Result<(), ApiError> {
        let mut body = json!({"chat_id": chat_id, "photo": file_id});
        if let Some(text) = caption.html {
            body["caption"] = json!(text);
            body["parse_mode"] = json!("HTML");
        }
        if let Some(keyboard) = caption.keyboard {
            body["reply_markup"] = keyboard.clone();
        }
        retry
            .run("sendPhoto", || self.api.call("sendPhoto", &body))
            .await
            .map(|_| ())
    }

    /// A multipart upload of one file with its caption and buttons.
    async fn upload(
        &self,
        method: &str,
        chat_id: i64,
        file: &Upload<'_>,
        caption: &Caption<'_>,
        retry: &RetryPolicy,
    ) -> Result<Value, ApiError> {
        retry
            .run(method, || {
                let part = reqwest::multipart::Part::bytes(file.bytes.to_vec())
                    .file_name(file.name.to_string());
                let mut form = reqwest::multipart::Form::new()
                    .text("chat_id", chat_id.to_string())
                    .part(file.field, part);
                if let Some(text) = caption.html {
                    form = form
                        .text("caption", text.to_string())
                        .text("parse_mode", "HTML");
                }
                if let Some(keyboard) = caption.keyboard {
                    form = form.text("reply_markup", keyboard.to_string());
                }
                self.api.call_multipart(method, form)
            })
            .await
    }

    fn cached(&self, key: &str) -> Option<String> {
        self.app.engine.store().channel_get(key).ok().flatten()
    }

    /// The lock that serialises uploads of one picture.
    fn upload_lock(&self, path: &Path) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.uploads.lock().unwrap_or_else(|p| p.into_inner());
        Arc::clone(locks.entry(path.to_path_buf()).or_default())
    }

    /// Writes the dedupe mark and flushes the store (at shutdown).
    fn finish(&self) -> Result<(), TelegramError> {
        self.dedupe.persist()?;
        self.app.engine.store().flush()?;
        Ok(())
    }
}

/// The text and buttons that go with a file.
struct Caption<'a> {
    html: Option<&'a str>,
    keyboard: Option<&'a Value>,
}

impl<'a> Caption<'a> {
    fn new(html: &'a Option<String>, keyboard: &'a Option<Value>) -> Self {
        Caption {
            html: html.as_deref(),
            keyboard: keyboard.as_ref(),
        }
    }
}

/// A file to upload: the form field it goes in, its name and content.
struct Upload<'a> {
    field: &'static str,
    name: &'a str,
    bytes: &'a [u8],
}

/// Waits `duration`, or less if shutdown is asked.
async fn pause(shutdown: &mut tokio::sync::watch::Receiver<bool>, duration: Duration) {
    tokio::select! {
        _ = tokio::time::sleep(duration) => {}
        _ = shutdown.wait_for(|stop| *stop) => {}
    }
}

/// A photo, voice message or other file (its caption is not read: a
/// person should see it), with Telegram's `file_id` to pass it on.
fn media_input(message: &teloxide::types::Message) -> Option<Input> {
    let (kind, file) = if let Some(sizes) = message.photo() {
        (MediaKind::Photo, sizes.last().map(|p| p.file.id.0.clone()))
    } else if let Some(voice) = message.voice() {
        (MediaKind::Voice, Some(voice.file.id.0.clone()))
    } else if let Some(audio) = message.audio() {
        (MediaKind::Voice, Some(audio.file.id.0.clone()))
    } else if let Some(video) = message.video() {
        (MediaKind::Other, Some(video.file.id.0.clone()))
    } else if let Some(note) = message.video_note() {
        (MediaKind::Other, Some(note.file.id.0.clone()))
    } else if let Some(document) = message.document() {
        (MediaKind::Other, Some(document.file.id.0.clone()))
    } else if message.sticker().is_some() {
        (MediaKind::Other, None)
    } else {
        return None;
    };
    Some(Input::Media(Media {
        kind,
        file: file.map(|id| format!("{}{id}", render::FILE_PREFIX)),
    }))
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
