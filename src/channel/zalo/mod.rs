//! The Zalo Official Account channel: signed webhook events in, engine
//! events through, customer-service messages (text, template buttons,
//! images, files) out; group posts (GMF) and learner pushes from the outbox.
//!
//! It only translates. `Zalo::handle` turns one webhook event into an
//! `engine::Event` (learner `zalo:<user id>`, always a private place: OA
//! chats are one-to-one), and sends what the engine returns through the
//! quota plan: free replies first, the "write to continue" notice when they
//! run out. `webhook.rs` receives, `outbox.rs` pushes, `token.rs` keeps the
//! access token fresh, `quota.rs` counts, `render.rs` shapes messages,
//! `api.rs` speaks HTTP. No Zalo type or id leaves this module; the channel
//! writes only its own `channel_put` values, never learner state.

mod api;
mod config;
mod dedupe;
mod event;
mod outbox;
mod quota;
mod render;
mod signature;
mod token;
mod webhook;

use std::future::Future;
use std::path::Path;
use std::sync::Arc;

use serde_json::{Value, json};

use crate::app::App;
use crate::core::{Action, Input, Lang, LearnerId, Outgoing, Place, Timestamp};
use crate::engine::Event;
use crate::store::StoreError;

pub use crate::channel::kit::{RetryPolicy, Secret};
pub use api::{Api, ApiError, TokenPair};
pub use config::{
    DEFAULT_API_URL, DEFAULT_LISTEN, DEFAULT_OAUTH_URL, DEFAULT_WEBHOOK_PATH, Settings,
};
pub use dedupe::SEEN_KEY;
pub use event::{BUTTON_PREFIX, Incoming, Kind};
pub use quota::{Plan, QuotaPolicy, Route, Window, quota_key};
pub use render::{MAX_BUTTONS, MAX_TEXT_CHARS, Part, render, split_text};
pub use signature::{BadSignature, header_value as signature_header};
pub use token::{TOKENS_KEY, TokenError, TokenRecord};

use crate::channel::kit::retry::{Classify, Decision, Tally};
use crate::channel::kit::{self, Outcome, unix_now};
use render::Part as P;

/// Customer-service (`cs`) messages to one user.
const CS_PATH: &str = "/v3.0/oa/message/cs";
/// Messages to a GMF group: `recipient.group_id`, text only here.
const GROUP_PATH: &str = "/v3.0/oa/group/message";
/// Uploads: images (jpg/png, ≤ 1 MB) give an `attachment_id`, files
/// (PDF/DOC/DOCX/CSV, ≤ 5 MB) a `token`.
const UPLOAD_IMAGE_PATH: &str = "/v2.0/oa/upload/image";
const UPLOAD_FILE_PATH: &str = "/v2.0/oa/upload/file";
/// "attachment_id was expired": upload the picture again.
const ATTACHMENT_EXPIRED: i64 = -100;
/// Uploaded pictures are kept by Zalo for a limited time (7 days after
/// sending, per the upload notes): re-upload older ones before they expire.
const IMAGE_CACHE_SECS: i64 = 6 * 86_400;
/// Outbox messages kept per learner while they cannot be reached.
const MAX_DEFERRED: usize = 20;

#[derive(Debug, thiserror::Error)]
pub enum ZaloError {
    #[error("zalo: {0}")]
    Api(#[from] ApiError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error("cannot listen on {addr}: {reason}")]
    Listen { addr: String, reason: String },
}

/// The learner id of a Zalo user.
pub fn learner_id(user: &str) -> Option<LearnerId> {
    LearnerId::new(format!("zalo:{user}"))
}

/// Key of the mark left when a user unfollows the OA (`1`) or comes back (`0`).
pub fn unfollowed_key(user: &str) -> String {
    format!("zalo/unfollowed/{user}")
}

/// Key of the outbox messages waiting until a learner writes again.
pub fn deferred_key(user: &str) -> String {
    format!("zalo/deferred/{user}")
}

/// Key of a picture's uploaded `attachment_id` (`<uploaded at> <id>`).
pub fn image_key(path: &Path) -> String {
    format!("zalo/image/{}", path.display())
}

/// One running OA: the app, the API client, tokens, quotas and dedupe.
pub struct Zalo {
    app: Arc<App>,
    api: Api,
    settings: Settings,
    tokens: token::Tokens,
    quotas: quota::Quotas,
    dedupe: dedupe::Dedupe,
}

impl std::fmt::Debug for Zalo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Zalo")
            .field("app_id", &self.settings.app_id)
            .finish_non_exhaustive()
    }
}

impl Zalo {
    /// Loads the tokens (seeding an empty store from the settings), the
    /// dedupe list and the quota windows. Makes no network call.
    pub fn new(app: Arc<App>, settings: Settings) -> Result<Arc<Self>, ZaloError> {
        let api = Api::new(
            &settings.api_url,
            &settings.oauth_url,
            settings.request_timeout,
        )?;
        let store = app.engine.store().clone();
        let seed = settings
            .access_token
            .clone()
            .zip(settings.refresh_token.clone());
        let tokens = token::Tokens::load(
            store.clone(),
            api.clone(),
            &settings.app_id,
            settings.app_secret.clone(),
            seed,
            settings.refresh_margin,
        )?;
        let quotas = quota::Quotas::new(store.clone(), settings.quota.clone());
        let dedupe = dedupe::Dedupe::load(store, settings.dedupe_capacity)?;
        if settings.oa_link.is_none() {
            tracing::warn!("no zalo oa_link: group posts will carry no link to the OA");
        }
        Ok(Arc::new(Zalo {
            app,
            api,
            settings,
            tokens,
            quotas,
            dedupe,
        }))
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Handles one (signature-checked, deduplicated) event from start to the
    /// last message sent. Failures are logged: one learner's trouble never
    /// stops the bot.
    pub async fn handle(self: &Arc<Self>, incoming: Incoming) {
        let now = unix_now();
        let (user, input, place) = match incoming.kind {
            Kind::Message {
                user,
                msg_id,
                input,
            } => {
                self.quotas.on_message(&user, &msg_id, now);
                (user, input, Place::Private)
            }
            // A follow greets the learner as `/start` would.
            Kind::Follow { user } => {
                self.quotas.on_follow(&user, now);
                (user, Input::Text("/start".to_string()), Place::Private)
            }
            // Only commands matter in a group: other chatter is not answered.
            Kind::GroupMessage { user, group, input } => {
                if !matches!(&input, Input::Text(t) if t.trim_start().starts_with('/')) {
                    return;
                }
                (user, input, Place::Group { chat: group })
            }
            Kind::Unfollow { user } => {
                tracing::info!(user, "a user unfollowed the oa");
                self.put(&unfollowed_key(&user), "1");
                return;
            }
            Kind::Other(name) => {
                tracing::debug!(name, "zalo event ignored");
                return;
            }
        };
        let Some(learner) = learner_id(&user) else {
            return;
        };
        if matches!(self.get(&unfollowed_key(&user)).as_deref(), Some("1")) {
            self.put(&unfollowed_key(&user), "0");
        }
        let event = Event {
            learner,
            channel: "zalo",
            // Webhook events carry no name; the profile API is not asked.
            display_name: String::new(),
            place: place.clone(),
            input,
            now,
        };
        // The event key goes with the commit: an event Zalo delivers again
        // (after a crash, past the dedupe list) changes nothing.
        let Outcome::Handled(handled) = kit::handle(&self.app, event, Some(incoming.key)).await
        else {
            return;
        };
        if let Place::Group { chat } = &place {
            for action in &handled.actions {
                let Action::Send(message) = action;
                if let Err(e) = self.send_group(chat, &handled.lang, message).await {
                    tracing::error!(error = %e, "a group answer could not be sent");
                }
            }
            return;
        }
        let mut parts: Vec<(Lang, P)> = Vec::new();
        for action in &handled.actions {
            let Action::Send(message) = action;
            parts.extend(
                render(&self.app.localizer, &handled.lang, message)
                    .into_iter()
                    .map(|p| (handled.lang.clone(), p)),
            );
        }
        // Pushes that waited for the learner to write go after the answer.
        let deferred = self.deferred(&user);
        let mut ends = Vec::new();
        for item in &deferred {
            parts.extend(
                render(&self.app.localizer, &item.lang, &item.message)
                    .into_iter()
                    .map(|p| (item.lang.clone(), p)),
            );
            ends.push(parts.len());
        }
        let sent = match self.deliver(&user, &handled.lang, &parts, now).await {
            Ok(sent) => sent,
            Err((sent, e)) => {
                tracing::error!(user, error = %e, "a message could not be sent");
                sent
            }
        };
        if !deferred.is_empty() {
            let left: Vec<Outgoing> = deferred
                .into_iter()
                .zip(ends)
                .filter(|(_, end)| *end > sent)
                .map(|(item, _)| item)
                .collect();
            self.set_deferred(&user, &left);
        }
    }

    /// Sends parts to a user as the quota plan allows; the number sent, or
    /// that number with the error that stopped the rest.
    async fn deliver(
        &self,
        user: &str,
        lang: &Lang,
        parts: &[(Lang, P)],
        now: Timestamp,
    ) -> Result<usize, (usize, ApiError)> {
        let plan = self.quotas.plan(user, parts.len(), now);
        let mut sent = 0;
        for ((_, part), route) in parts.iter().zip(&plan.routes) {
            if let Err(e) = self.send_part(user, route, part).await {
                return Err((sent, e));
            }
            self.quotas.spent(user, route);
            sent += 1;
        }
        if let Some(route) = plan.notice {
            tracing::info!(user, "free replies used up; the learner is asked to write");
            let notice = render::write_to_continue(&self.app.localizer, lang);
            if let Err(e) = self.send_part(user, &route, &notice).await {
                return Err((sent, e));
            }
            self.quotas.spent(user, &route);
        }
        Ok(sent)
    }

    async fn send_part(&self, user: &str, route: &Route, part: &P) -> Result<(), ApiError> {
        let recipient = match route {
            Route::Reply(message_id) => json!({"message_id": message_id}),
            Route::Direct { .. } => json!({"user_id": user}),
        };
        let message = match part {
            P::Text { text, buttons } => text_message(text, buttons),
            P::Image(path) => match self.image_message(path).await? {
                Some(message) => message,
                None => return Ok(()),
            },
            P::Drawn(attachment, lang) => match self.drawn_message(lang, attachment).await? {
                Some(message) => message,
                None => return Ok(()),
            },
            P::File(doc) => match self.upload_file(&doc.name, &doc.content).await {
                Ok(file_token) => {
                    json!({"attachment": {"type": "file", "payload": {"token": file_token}}})
                }
                Err(ApiError::Rejected { code, message }) => {
                    tracing::warn!(
                        code,
                        message,
                        "zalo refused a document; sending a note instead"
                    );
                    let lang = self.learner_lang(user);
                    match render::document_unavailable(&self.app.localizer, &lang, &doc.name) {
                        P::Text { text, buttons } => text_message(&text, &buttons),
                        _ => return Ok(()),
                    }
                }
                Err(e) => return Err(e),
            },
        };
        let body = json!({"recipient": recipient, "message": message});
        match self.send_cs(&body).await {
            // The cached picture expired at Zalo: upload it again, once.
            Err(ApiError::Rejected {
                code: ATTACHMENT_EXPIRED,
                ..
            }) if matches!(part, P::Image(_)) => {
                let P::Image(path) = part else { return Ok(()) };
                self.put(&image_key(path), "");
                let Some(message) = self.image_message(path).await? else {
                    return Ok(());
                };
                self.send_cs(&json!({"recipient": body["recipient"], "message": message}))
                    .await
                    .map(|_| ())
            }
            other => other.map(|_| ()),
        }
    }

    async fn send_cs(&self, body: &Value) -> Result<Value, ApiError> {
        let api = &self.api;
        self.call("message/cs", |token| async move {
            api.post(CS_PATH, &token, body).await
        })
        .await
    }

    /// A certificate or chart drawn in the learner's language and uploaded
    /// (never cached: each is made for one message). `None` if it cannot be
    /// drawn or Zalo refuses it: the text still goes.
    async fn drawn_message(
        &self,
        lang: &Lang,
        attachment: &crate::core::Attachment,
    ) -> Result<Option<Value>, ApiError> {
        let Some((name, png)) = self.app.presenter.draw(lang, attachment).await else {
            return Ok(None);
        };
        Ok(self
            .upload_image(&name, png)
            .await?
            .map(|id| image_attachment(&id)))
    }

    /// Uploads a picture; `None` when Zalo refuses it.
    async fn upload_image(&self, name: &str, bytes: Vec<u8>) -> Result<Option<String>, ApiError> {
        let mime = if name.to_ascii_lowercase().ends_with(".png") {
            "image/png"
        } else {
            "image/jpeg"
        };
        let api = &self.api;
        let uploaded = self
            .call("upload/image", |token| {
                let bytes = bytes.clone();
                let name = name.to_string();
                async move {
                    api.upload(UPLOAD_IMAGE_PATH, &token, &name, mime, bytes)
                        .await
                }
            })
            .await;
        let data = match uploaded {
            Ok(data) => data,
            Err(ApiError::Rejected { code, message }) => {
                tracing::warn!(code, message, name, "zalo refused a picture");
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        match data["attachment_id"].as_str() {
            Some(id) => Ok(Some(id.to_string())),
            None => Err(ApiError::Invalid(
                "upload answer without attachment_id".into(),
            )),
        }
    }

    /// The image attachment for a picture (uploaded once, then cached), or
    /// `None` when Zalo will not take the file (the text still goes).
    async fn image_message(&self, path: &Path) -> Result<Option<Value>, ApiError> {
        let key = image_key(path);
        let now = unix_now();
        let cached = self.get(&key).and_then(|v| {
            let (at, id) = v.split_once(' ')?;
            let fresh = now - at.parse::<i64>().ok()? < IMAGE_CACHE_SECS;
            (fresh && !id.is_empty()).then(|| id.to_string())
        });
        let id = match cached {
            Some(id) => id,
            None => {
                let bytes = match tokio::fs::read(path).await {
                    Ok(bytes) => bytes,
                    Err(e) => {
                        tracing::error!(path = %path.display(), error = %e, "cannot read a picture");
                        return Ok(None);
                    }
                };
                let Some(id) = self.upload_image(&file_name(path), bytes).await? else {
                    tracing::warn!(path = %path.display(), "zalo refused a lesson picture");
                    return Ok(None);
                };
                self.put(&key, &format!("{now} {id}"));
                id
            }
        };
        Ok(Some(image_attachment(&id)))
    }

    async fn upload_file(&self, name: &str, content: &[u8]) -> Result<String, ApiError> {
        let mime = match name
            .rsplit('.')
            .next()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("csv") => "text/csv",
            Some("pdf") => "application/pdf",
            Some("doc") => "application/msword",
            Some("docx") => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            _ => "application/octet-stream",
        };
        let api = &self.api;
        let data = self
            .call("upload/file", |token| {
                let bytes = content.to_vec();
                async move {
                    api.upload(UPLOAD_FILE_PATH, &token, name, mime, bytes)
                        .await
                }
            })
            .await?;
        data["token"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| ApiError::Invalid("upload answer without token".into()))
    }

    /// Runs `call` with the current access token until it succeeds or the
    /// retry policy says stop. A refused token is refreshed once, then the
    /// call is made again with the new one.
    async fn call<F, Fut>(&self, what: &str, mut call: F) -> Result<Value, ApiError>
    where
        F: FnMut(Secret) -> Fut,
        Fut: Future<Output = Result<Value, ApiError>>,
    {
        let mut tally = Tally::default();
        let mut refreshed = false;
        loop {
            let token = self.tokens.access().await;
            let error = match call(token.clone()).await {
                Ok(value) => return Ok(value),
                Err(e) => e,
            };
            if let ApiError::Token(_) = error {
                if refreshed {
                    return Err(error);
                }
                refreshed = true;
                tracing::info!(what, "zalo refused the access token; refreshing it");
                self.tokens.refused(&token).await?;
                continue;
            }
            match tally.decide(&self.settings.retry, error.failure()) {
                Decision::Retry(wait) => {
                    tracing::warn!(what, %error, ?wait, "zalo call failed, retrying");
                    tokio::time::sleep(wait).await;
                }
                Decision::Blocked | Decision::GiveUp => return Err(error),
            }
        }
    }

    /// Outbox messages waiting for `user` to write.
    fn deferred(&self, user: &str) -> Vec<Outgoing> {
        self.get(&deferred_key(user))
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default()
    }

    fn set_deferred(&self, user: &str, items: &[Outgoing]) {
        let start = items.len().saturating_sub(MAX_DEFERRED);
        if start > 0 {
            tracing::warn!(
                user,
                dropped = start,
                "too many messages waiting; the oldest dropped"
            );
        }
        match serde_json::to_string(&items[start..]) {
            Ok(json) => self.put(&deferred_key(user), &json),
            Err(e) => tracing::error!(error = %e, "cannot encode waiting messages"),
        }
    }

    fn learner_lang(&self, user: &str) -> Lang {
        learner_id(user)
            .and_then(|id| self.app.engine.store().load(&id).ok().flatten())
            .map_or_else(Lang::base, |l| l.lang())
    }

    fn get(&self, key: &str) -> Option<String> {
        match self.app.engine.store().channel_get(key) {
            Ok(value) => value,
            Err(e) => {
                tracing::warn!(key, error = %e, "could not read a channel value");
                None
            }
        }
    }

    fn put(&self, key: &str, value: &str) {
        if let Err(e) = self.app.engine.store().channel_put(key, value) {
            tracing::error!(key, error = %e, "could not write a channel value");
        }
    }

    /// Writes the dedupe list and the changed quota windows.
    fn persist(&self) {
        if let Err(e) = self.dedupe.persist() {
            tracing::error!(error = %e, "could not persist the zalo dedupe list");
        }
        if let Err(e) = self.quotas.persist(unix_now()) {
            tracing::error!(error = %e, "could not persist the zalo quota windows");
        }
    }

    /// Persists and flushes the store (at shutdown).
    fn finish(&self) -> Result<(), ZaloError> {
        self.persist();
        self.app.engine.store().flush()?;
        Ok(())
    }
}

fn text_message(text: &str, buttons: &[Value]) -> Value {
    if buttons.is_empty() {
        json!({"text": text})
    } else {
        // Text with a template of buttons, the form of Zalo's "tin tư vấn
        // đính kèm nút" examples.
        json!({"text": text, "attachment": {"type": "template", "payload": {"buttons": buttons}}})
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || "picture.png".to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn image_attachment(id: &str) -> Value {
    json!({"attachment": {"type": "template", "payload": {
        "template_type": "media",
        "elements": [{"media_type": "image", "attachment_id": id}]
    }}})
}
