//! Sending one rendered message to a chat, call by call (`Rendered::parts`):
//! texts, pictures by cached file id or uploaded, drawn certificates and
//! charts, documents.
//!
//! Live replies are paced here (`Pace::Live`): each call waits for its chat's
//! slot in the pacer it shares with the outbox, and is retried as the live
//! policy says; a 429 pauses that chat only. The outbox paces and retries
//! its messages itself and makes single calls (`Pace::Outbox`).
//!
//! Pictures: a lesson picture, and a certificate drawn in one language, is
//! uploaded once and then sent by the `file_id` kept in the store (a file id
//! Telegram refuses is uploaded again). Uploads of one picture are
//! single-flight. A lesson picture that cannot be read (removed while the
//! bot runs) is logged and the step goes without it, buttons included.

use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use serde_json::{Value, json};

use super::api::ApiError;
use super::render::{Part, Rendered};
use super::{Telegram, certificate_key, photo_key};
use crate::channel::kit::retry::{Classify, Decision, RetryPolicy, Tally};
use crate::core::{Attachment, Lang};

/// How a call is paced and retried.
#[derive(Debug, Clone, Copy)]
pub(super) enum Pace<'a> {
    /// An answer to someone's tap or message: paced per chat, retried.
    Live { group: bool, retry: &'a RetryPolicy },
    /// An outbox message: one call, the outbox paces and retries.
    Outbox,
}

/// A picture to send: a lesson's file, or one drawn for this message.
enum Picture<'a> {
    File(&'a Path),
    Drawn {
        attachment: &'a Attachment,
        lang: &'a Lang,
    },
}

impl Picture<'_> {
    /// Where its file id is kept, if it may be reused: charts change with
    /// the figures, so they are drawn each time.
    fn cache_key(&self) -> Option<String> {
        match self {
            Picture::File(path) => Some(photo_key(path)),
            Picture::Drawn {
                attachment: Attachment::Certificate(spec),
                lang,
            } => Some(certificate_key(&spec.code, lang)),
            Picture::Drawn { .. } => None,
        }
    }

    /// Its name and bytes; `None` (logged) when it cannot be had.
    async fn load(&self, bot: &Telegram) -> Option<(String, Vec<u8>)> {
        match self {
            Picture::File(path) => match tokio::fs::read(path).await {
                Ok(bytes) => {
                    let name = path
                        .file_name()
                        .map_or_else(|| "picture".into(), |n| n.to_string_lossy().into_owned());
                    Some((name, bytes))
                }
                Err(e) => {
                    tracing::error!(path = %path.display(), error = %e,
                                    "a lesson picture cannot be read; the step goes without it");
                    None
                }
            },
            Picture::Drawn { attachment, lang } => bot.app.presenter.draw(lang, attachment).await,
        }
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

impl Telegram {
    /// Sends one rendered message, call by call.
    pub(super) async fn send(
        &self,
        chat_id: i64,
        rendered: &Rendered,
        pace: Pace<'_>,
    ) -> Result<(), ApiError> {
        for part in rendered.parts() {
            self.send_part(chat_id, &part, pace).await?;
        }
        Ok(())
    }

    /// One call of a message.
    pub(super) async fn send_part(
        &self,
        chat_id: i64,
        part: &Part,
        pace: Pace<'_>,
    ) -> Result<(), ApiError> {
        match part {
            Part::Text { html, keyboard } => {
                self.send_text(chat_id, html, keyboard.as_ref(), pace).await
            }
            Part::Photo {
                path,
                caption,
                keyboard,
            } => {
                let caption = Caption::new(caption, keyboard);
                self.send_picture(chat_id, Picture::File(path), &caption, pace)
                    .await
            }
            Part::Drawn {
                attachment,
                lang,
                caption,
                keyboard,
            } => {
                let caption = Caption::new(caption, keyboard);
                let picture = Picture::Drawn { attachment, lang };
                self.send_picture(chat_id, picture, &caption, pace).await
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
                self.upload("sendDocument", chat_id, &file, &caption, pace)
                    .await
                    .map(|_| ())
            }
        }
    }

    async fn send_text(
        &self,
        chat_id: i64,
        html: &str,
        keyboard: Option<&Value>,
        pace: Pace<'_>,
    ) -> Result<(), ApiError> {
        let mut body = json!({"chat_id": chat_id, "text": html, "parse_mode": "HTML",
                              "link_preview_options": {"is_disabled": true}});
        if let Some(keyboard) = keyboard {
            body["reply_markup"] = keyboard.clone();
        }
        self.deliver(chat_id, pace, "sendMessage", || {
            self.api.call_ignoring("sendMessage", &body)
        })
        .await
    }

    /// A picture by its cached `file_id`, else uploaded (one upload at a
    /// time per picture: who reaches it meanwhile waits and uses the file
    /// id). Without the picture, its text and buttons still go.
    async fn send_picture(
        &self,
        chat_id: i64,
        picture: Picture<'_>,
        caption: &Caption<'_>,
        pace: Pace<'_>,
    ) -> Result<(), ApiError> {
        let key = picture.cache_key();
        let mut refused = None;
        if let Some(file_id) = key.as_deref().and_then(|k| self.cached(k)) {
            match self
                .send_photo_by_id(chat_id, &file_id, caption, pace)
                .await
            {
                // A file id Telegram no longer knows: upload again below.
                Err(ApiError::Rejected { code: 400, .. }) => refused = Some(file_id),
                other => return other,
            }
        }
        let lock = key.as_deref().map(|k| self.upload_lock(k));
        let _one_upload_at_a_time = match &lock {
            Some(lock) => Some(lock.lock().await),
            None => None,
        };
        // Someone else may have uploaded it while we waited.
        if let Some(file_id) = key
            .as_deref()
            .and_then(|k| self.cached(k))
            .filter(|id| Some(id) != refused.as_ref())
        {
            return self
                .send_photo_by_id(chat_id, &file_id, caption, pace)
                .await;
        }
        let Some((name, bytes)) = picture.load(self).await else {
            return match caption.html {
                Some(html) => self.send_text(chat_id, html, caption.keyboard, pace).await,
                None => Ok(()),
            };
        };
        let file = Upload {
            field: "photo",
            name: &name,
            bytes: &bytes,
        };
        let result = self
            .upload("sendPhoto", chat_id, &file, caption, pace)
            .await?;
        // The largest size comes last; any of them names the same upload.
        if let Some(key) = key
            && let Some(file_id) = result["photo"]
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
        pace: Pace<'_>,
    ) -> Result<(), ApiError> {
        let mut body = json!({"chat_id": chat_id, "photo": file_id});
        if let Some(text) = caption.html {
            body["caption"] = json!(text);
            body["parse_mode"] = json!("HTML");
        }
        if let Some(keyboard) = caption.keyboard {
            body["reply_markup"] = keyboard.clone();
        }
        self.deliver(chat_id, pace, "sendPhoto", || {
            self.api.call_ignoring("sendPhoto", &body)
        })
        .await
    }

    /// A multipart upload of one file with its caption and buttons.
    async fn upload(
        &self,
        method: &str,
        chat_id: i64,
        file: &Upload<'_>,
        caption: &Caption<'_>,
        pace: Pace<'_>,
    ) -> Result<Value, ApiError> {
        self.deliver(chat_id, pace, method, || {
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

    /// Makes a call to a chat as `pace` says: live calls wait for their
    /// chat's slot and are retried by the live policy (a 429 pauses this
    /// chat, for the outbox too); outbox calls are made once.
    async fn deliver<T, F, Fut>(
        &self,
        chat_id: i64,
        pace: Pace<'_>,
        method: &str,
        mut call: F,
    ) -> Result<T, ApiError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let Pace::Live { group, retry } = pace else {
            return call().await;
        };
        let mut tally = Tally::default();
        loop {
            self.live_slot(chat_id, group).await;
            let error = match call().await {
                Ok(value) => return Ok(value),
                Err(e) => e,
            };
            if let ApiError::RetryAfter(wait) = &error {
                self.pacer().flood(chat_id, *wait, Instant::now());
            }
            match tally.decide(retry, error.failure()) {
                Decision::Retry(wait) => {
                    tracing::warn!(method, chat_id, %error, ?wait, "telegram call failed, retrying");
                    tokio::time::sleep(wait).await;
                }
                Decision::Blocked | Decision::GiveUp => return Err(error),
            }
        }
    }

    /// Waits until a live reply may go to `chat_id` and takes the slot.
    /// While it waits, the outbox sends nothing to that chat.
    async fn live_slot(&self, chat_id: i64, group: bool) {
        /// Ends the wait if the send is abandoned (the task dropped).
        struct Waiting<'a>(&'a Telegram, i64);
        impl Drop for Waiting<'_> {
            fn drop(&mut self) {
                self.0.pacer().live_wait(self.1, false, Instant::now());
            }
        }
        let mut waiting: Option<Waiting<'_>> = None;
        loop {
            let at = {
                let mut pacer = self.pacer();
                let now = Instant::now();
                let at = pacer.live_ready_at(chat_id, group, now);
                if at <= now {
                    if let Some(w) = waiting.take() {
                        // Released here, under the lock already held.
                        std::mem::forget(w);
                        pacer.live_wait(chat_id, false, now);
                    }
                    pacer.live_sent(chat_id, group, now);
                    return;
                }
                if waiting.is_none() {
                    pacer.live_wait(chat_id, true, now);
                }
                at
            };
            if waiting.is_none() {
                waiting = Some(Waiting(self, chat_id));
            }
            tokio::time::sleep_until(at.into()).await;
        }
    }

    fn cached(&self, key: &str) -> Option<String> {
        self.app.engine.store().channel_get(key).ok().flatten()
    }

    /// The lock that serialises uploads of one picture.
    fn upload_lock(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.uploads.lock().unwrap_or_else(|p| p.into_inner());
        if locks.len() >= 1024 {
            // Forget locks nobody holds: memory follows uploads in flight.
            locks.retain(|_, lock| Arc::strong_count(lock) > 1);
        }
        Arc::clone(locks.entry(key.to_string()).or_default())
    }
}
