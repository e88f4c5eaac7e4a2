//! The outbox sender: takes the store's `zalo` outbox messages when due,
//! sends each, then removes it (durably), at a modest pace.
//!
//! - A group post (`Recipient::Group`, a GMF group id) goes to
//!   `/v3.0/oa/group/message` as text with the OA link: group messages carry
//!   no buttons [GMF text-message docs,
//!   developers.zalo.me/docs/official-account/nhom-chat-gmf/tin-nhan/text_message,
//!   as quoted by open-source senders: `{recipient: {group_id}, message: {text}}`].
//! - A learner push goes by the quota plan. When it cannot go now (no free
//!   reply left, proactive messages off or refused) it waits in the store
//!   (`zalo/deferred/<user>`) and goes after the answer to the learner's next
//!   message; if a last free reply is left, it tells the learner to write.
//!
//! A message that fails for a passing reason (server errors, network) stays
//! in the outbox and is tried again later; one Zalo refuses is dropped, logged.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::sync::watch;

use super::api::ApiError;
use super::render::{self, Part};
use super::{GROUP_PATH, Zalo};
use crate::channel::kit::{Classify, Failure, pause, unix_now};
use crate::core::{Lang, Message, Outgoing, Recipient};

/// Outbox messages taken per look.
const BATCH: usize = 20;
/// The wait after a passing failure before the outbox is tried again.
const BACKOFF: Duration = Duration::from_secs(30);

enum Outcome {
    /// Sent, deferred or dropped: remove it from the outbox.
    Done,
    /// Try again later.
    Later,
}

impl Zalo {
    pub(super) async fn run_outbox(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        while !*shutdown.borrow() {
            let store = self.app.engine.store().clone();
            let due =
                tokio::task::spawn_blocking(move || store.outbox_due("zalo", unix_now(), BATCH))
                    .await;
            let due = match due {
                Ok(Ok(due)) => due,
                Ok(Err(e)) => {
                    tracing::error!(error = %e, "could not read the outbox");
                    pause(&mut shutdown, self.settings.outbox_poll).await;
                    continue;
                }
                Err(e) => {
                    tracing::error!(error = %e, "reading the outbox panicked");
                    return;
                }
            };
            if due.is_empty() {
                pause(&mut shutdown, self.settings.outbox_poll).await;
                continue;
            }
            for queued in due {
                if *shutdown.borrow() {
                    break;
                }
                match self.send_outgoing(&queued.item).await {
                    Outcome::Done => {
                        if let Err(e) = self.app.engine.store().outbox_remove(&queued.id) {
                            tracing::error!(error = %e, "could not remove a sent outbox message");
                        }
                    }
                    Outcome::Later => {
                        pause(&mut shutdown, BACKOFF).await;
                        break;
                    }
                }
                pause(&mut shutdown, self.settings.outbox_pause).await;
            }
        }
    }

    async fn send_outgoing(&self, item: &Outgoing) -> Outcome {
        let result = match &item.to {
            Recipient::Group { chat } => self.send_group(chat, &item.lang, &item.message).await,
            Recipient::Learner { id } => match id.as_str().strip_prefix("zalo:") {
                Some(user) => self.send_learner(user, item).await,
                None => {
                    tracing::warn!(
                        learner = id.as_str(),
                        "not a zalo learner; outbox message dropped"
                    );
                    return Outcome::Done;
                }
            },
        };
        match result {
            Ok(()) => Outcome::Done,
            Err(e) => match e.failure() {
                Failure::Transient | Failure::RetryAfter(_) => {
                    tracing::warn!(error = %e, "an outbox message will be tried again");
                    Outcome::Later
                }
                // Sent and repeated once already, without an answer: it has
                // most likely arrived; sending it again could make a third copy.
                Failure::Uncertain => {
                    tracing::error!(error = %e, "an outbox message may not have arrived; not sent again");
                    Outcome::Done
                }
                Failure::Refused | Failure::Blocked => {
                    tracing::error!(error = %e, "zalo refused an outbox message; dropped");
                    Outcome::Done
                }
            },
        }
    }

    /// A message to a GMF group: text chunks and the OA link, no buttons.
    pub(super) async fn send_group(
        &self,
        group: &str,
        lang: &Lang,
        message: &Message,
    ) -> Result<(), ApiError> {
        let texts = render::render_group(
            &self.app.localizer,
            lang,
            message,
            self.settings.oa_link.as_deref(),
        );
        let api = &self.api;
        for text in texts {
            let body = json!({"recipient": {"group_id": group}, "message": {"text": text}});
            let body = &body;
            self.call("group/message", |token| async move {
                api.post(GROUP_PATH, &token, body).await
            })
            .await?;
        }
        Ok(())
    }

    async fn send_learner(&self, user: &str, item: &Outgoing) -> Result<(), ApiError> {
        let parts: Vec<_> = render::render(&self.app.localizer, &item.lang, &item.message)
            .into_iter()
            .map(|p| (item.lang.clone(), p))
            .collect();
        let now = unix_now();
        let plan = self.quotas.plan(user, parts.len(), now);
        if plan.routes.len() < parts.len() {
            // Not all of it can go now: keep it whole for the learner's next message.
            self.defer(user, item);
            if let Some(route) = plan.notice {
                let notice: Part = render::write_to_continue(&self.app.localizer, &item.lang);
                self.send_part(user, &route, &notice).await?;
                self.quotas.spent(user, &route);
            }
            return Ok(());
        }
        match self.deliver(user, &item.lang, &parts, now).await {
            Ok(_) => Ok(()),
            // Proactive messages refused (outside the window, no quota): wait.
            Err((0, ApiError::NoQuota(code, _))) => {
                tracing::info!(user, code, "a push waits for the learner to write");
                self.defer(user, item);
                Ok(())
            }
            Err((_, e)) => Err(e),
        }
    }

    fn defer(&self, user: &str, item: &Outgoing) {
        let mut waiting = self.deferred(user);
        waiting.push(item.clone());
        self.set_deferred(user, &waiting);
    }
}
