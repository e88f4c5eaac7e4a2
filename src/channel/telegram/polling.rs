//! Long polling: `getUpdates` in a loop, while the updates already received
//! are handled (`updates.rs`: one lane per chat, in order within a chat).
//!
//! The offset asked for is the lowest update not yet committed
//! (`offsets.rs`), so Telegram is never told to forget an update before its
//! effects are stored; the next poll waits a moment for the last batch to be
//! committed (normally milliseconds) so it is not fetched twice, but never
//! for its answers to be sent. Shutdown stops polling, finishes the updates
//! in hand, confirms them, and flushes the store.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use serde_json::value::RawValue;
use teloxide::types::Update;
use tokio::sync::watch;

use super::offsets::{LAST_UPDATE_KEY, Offsets};
use super::outbox::OutboxTask;
use super::updates::{Done, Job, Pipeline};
use super::{Telegram, TelegramError};
use crate::channel::kit::{Classify, Decision, Failure, pause};

/// Updates asked for per `getUpdates`.
const BATCH: u32 = 100;
/// How long the next poll waits for the last batch to be committed.
const SETTLE: Duration = Duration::from_millis(50);
/// Polling pauses while this many answers wait to be sent (a Bot API that
/// has become slow): memory stays bounded, updates wait at Telegram.
const MAX_ANSWERS_IN_HAND: usize = 5_000;
/// How often the confirmed offset is written to the store.
const PERSIST_EVERY: Duration = Duration::from_secs(5);
/// At shutdown, answers in hand get this long to go out.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

impl Telegram {
    /// Polls until `shutdown` turns true, then finishes the updates in hand,
    /// confirms them and flushes the store.
    pub async fn run_polling(
        self: Arc<Self>,
        mut shutdown: watch::Receiver<bool>,
    ) -> Result<(), TelegramError> {
        // getUpdates is refused while a webhook is set.
        self.call("deleteWebhook", &json!({"drop_pending_updates": false}))
            .await?;
        let last = self
            .app
            .engine
            .store()
            .channel_get(LAST_UPDATE_KEY)?
            .and_then(|v| v.parse().ok());
        let offsets = Arc::new(Offsets::new(last));
        let pipeline = Pipeline::new(&self);
        let outbox = OutboxTask::start(&self, shutdown.clone());
        let mut failures = 0;
        let mut persisted = (offsets.last_confirmed(), Instant::now());
        while !*shutdown.borrow() {
            offsets.settled(SETTLE).await;
            while pipeline.answers_pending() >= MAX_ANSWERS_IN_HAND && !*shutdown.borrow() {
                pause(&mut shutdown, Duration::from_millis(20)).await;
            }
            let offset = offsets.offset();
            let body = json!({
                "offset": offset,
                "limit": BATCH,
                "timeout": self.settings.poll_timeout.as_secs(),
                "allowed_updates": ["message", "callback_query"],
            });
            let timeout = self.settings.poll_timeout + self.settings.request_timeout;
            let result = tokio::select! {
                r = self.api.get_updates(&body, timeout) => r,
                _ = shutdown.wait_for(|stop| *stop) => break,
            };
            match result {
                Ok(items) => {
                    failures = 0;
                    offsets.confirmed(offset);
                    self.dispatch(&pipeline, &offsets, items);
                }
                Err(e) => {
                    failures += 1;
                    let wait = match self.settings.retry.decide(e.failure(), failures.min(2), 0) {
                        Decision::Retry(wait) => wait,
                        // A wrong token or a second bot polling: stop loudly.
                        _ if e.failure() == Failure::Refused => return Err(e.into()),
                        _ => self.settings.retry.max,
                    };
                    tracing::warn!(error = %e, ?wait, "getUpdates failed");
                    pause(&mut shutdown, wait).await;
                }
            }
            if persisted.1.elapsed() >= PERSIST_EVERY {
                persisted = (self.persist_offset(&offsets, persisted.0), Instant::now());
            }
        }
        pipeline.finish(SHUTDOWN_GRACE).await;
        outbox.finish().await;
        // Confirm the handled updates to Telegram, then remember where it
        // stands; if this fails, the store knows them on their way back.
        let offset = offsets.offset();
        let confirm = json!({"offset": offset, "limit": 1, "timeout": 0});
        if self
            .api
            .call_with_timeout("getUpdates", &confirm, Duration::from_secs(2))
            .await
            .is_ok()
        {
            offsets.confirmed(offset);
        }
        self.persist_offset(&offsets, None);
        self.finish()?;
        tracing::info!("telegram polling stopped");
        Ok(())
    }

    /// Hands each new update of a batch to its chat's lane.
    fn dispatch(&self, pipeline: &Pipeline, offsets: &Arc<Offsets>, items: Vec<Box<RawValue>>) {
        #[derive(serde::Deserialize)]
        struct Id {
            update_id: i64,
        }
        for raw in items {
            let update = serde_json::from_str::<Update>(raw.get());
            let id = match &update {
                Ok(update) => i64::from(update.id.0),
                Err(_) => match serde_json::from_str::<Id>(raw.get()) {
                    Ok(id) => id.update_id,
                    Err(e) => {
                        tracing::warn!(error = %e, "an update without an id skipped");
                        continue;
                    }
                },
            };
            if !offsets.admit(id) {
                tracing::debug!(id, "update already in hand, skipped");
                continue;
            }
            match update {
                Ok(update) => {
                    let offsets = Arc::clone(offsets);
                    pipeline.push(Job {
                        id,
                        update,
                        done: Done::new(move |_| offsets.finish(id)),
                    });
                }
                Err(e) => {
                    tracing::warn!(id, error = %e, "unreadable update skipped");
                    offsets.finish(id);
                }
            }
        }
    }

    /// Writes the last confirmed id if it moved since `written`.
    fn persist_offset(&self, offsets: &Offsets, written: Option<i64>) -> Option<i64> {
        let last = offsets.last_confirmed();
        if last.is_some() && last != written {
            let value = last.unwrap_or_default().to_string();
            if let Err(e) = self.app.engine.store().channel_put(LAST_UPDATE_KEY, &value) {
                tracing::error!(error = %e, "could not persist the last update id");
                return written;
            }
        }
        last
    }
}
