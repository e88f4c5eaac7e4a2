//! Long polling: `getUpdates` in a loop. Each batch is split by chat; chats
//! run in parallel, a chat's updates in order. The batch is finished before
//! its last id is persisted and before a shutdown is honoured, so nothing in
//! flight is lost and nothing is handled twice.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use teloxide::types::Update;
use tokio::sync::watch;

use super::api::ApiError;
use super::outbox::OutboxTask;
use super::retry::Decision;
use super::{Telegram, TelegramError, pause};

/// Updates asked for per `getUpdates`.
const BATCH: u32 = 100;

/// Polling is one instance's job (Telegram answers one `getUpdates` at a
/// time): instances sharing a store (PostgreSQL) take it through a lease,
/// renewed after every batch; a second instance stands by and takes over
/// when the first stops or has been silent this long.
const POLL_LEASE: &str = "telegram/polling";
const POLL_LEASE_TTL: Duration = Duration::from_secs(90);

impl Telegram {
    async fn hold_polling_lease(&self) -> Result<bool, TelegramError> {
        let store = Arc::clone(self.app.engine.store());
        match tokio::task::spawn_blocking(move || store.lease(POLL_LEASE, POLL_LEASE_TTL)).await {
            Ok(held) => Ok(held?),
            Err(e) => Err(TelegramError::Store(crate::store::StoreError::Io(
                e.to_string(),
            ))),
        }
    }

    /// Waits until this instance may poll; `false` if asked to stop first.
    async fn stand_by(&self, shutdown: &mut watch::Receiver<bool>) -> Result<bool, TelegramError> {
        let mut said = false;
        while !self.hold_polling_lease().await? {
            if !said {
                tracing::warn!(
                    "another hocvuso instance is polling this bot on the same store: standing by \
                     until it stops (run several instances with --webhook instead)"
                );
                eprintln!(
                    "another hocvuso instance is polling this bot on the same store; \
                     standing by until it stops (several instances need --webhook)"
                );
                said = true;
            }
            pause(shutdown, Duration::from_secs(5)).await;
            if *shutdown.borrow() {
                return Ok(false);
            }
        }
        if said {
            tracing::warn!("the other instance stopped polling: polling now");
            eprintln!("the other instance stopped polling: polling now");
        }
        Ok(true)
    }

    /// Polls until `shutdown` turns true, then finishes the batch in hand,
    /// persists the last update id and flushes the store.
    pub async fn run_polling(
        self: Arc<Self>,
        mut shutdown: watch::Receiver<bool>,
    ) -> Result<(), TelegramError> {
        if !self.stand_by(&mut shutdown).await? {
            return Ok(());
        }
        // getUpdates is refused while a webhook is set.
        self.call("deleteWebhook", &json!({"drop_pending_updates": false}))
            .await?;
        let outbox = OutboxTask::start(&self, shutdown.clone());
        let mut failures = 0;
        while !*shutdown.borrow() {
            let body = json!({
                "offset": self.dedupe.next_offset(),
                "limit": BATCH,
                "timeout": self.settings.poll_timeout.as_secs(),
                "allowed_updates": ["message", "callback_query"],
            });
            let timeout = self.settings.poll_timeout + self.settings.request_timeout;
            let result = tokio::select! {
                r = self.api.call_with_timeout("getUpdates", &body, timeout) => r,
                _ = shutdown.wait_for(|stop| *stop) => break,
            };
            let raw = match result {
                Ok(raw) => {
                    failures = 0;
                    raw
                }
                Err(e) => {
                    failures += 1;
                    let wait = match self.settings.retry.decide(&e, failures.min(2)) {
                        Decision::Retry(wait) => wait,
                        // A wrong token or a second bot polling: stop loudly.
                        _ if matches!(e, ApiError::Rejected { .. }) => return Err(e.into()),
                        _ => self.settings.retry.max,
                    };
                    tracing::warn!(error = %e, ?wait, "getUpdates failed");
                    pause(&mut shutdown, wait).await;
                    continue;
                }
            };
            self.handle_batch(raw).await;
            self.dedupe.persist()?;
            if !self.hold_polling_lease().await? {
                return Err(TelegramError::Store(crate::store::StoreError::Io(
                    "another hocvuso instance took over polling this bot".into(),
                )));
            }
        }
        outbox.finish().await;
        self.finish()?;
        // Confirm the handled updates to Telegram; harmless if it fails,
        // since the persisted id skips them after a restart anyway.
        let confirm = json!({"offset": self.dedupe.next_offset(), "limit": 1, "timeout": 0});
        let _ = self
            .api
            .call_with_timeout("getUpdates", &confirm, Duration::from_secs(2))
            .await;
        tracing::info!("telegram polling stopped");
        Ok(())
    }

    async fn handle_batch(self: &Arc<Self>, raw: Value) {
        let Value::Array(items) = raw else {
            tracing::warn!("getUpdates answered with something else than a list");
            return;
        };
        let mut by_chat: HashMap<i64, Vec<Update>> = HashMap::new();
        for item in items {
            let Some(id) = item["update_id"].as_i64() else {
                continue;
            };
            if !self.dedupe.admit(id) {
                tracing::debug!(id, "update already handled, skipped");
                continue;
            }
            // From text: teloxide's flattened update kinds do not read from a `Value`.
            match serde_json::from_str::<Update>(&item.to_string()) {
                Ok(update) => {
                    let chat = update.chat().map_or(0, |c| c.id.0);
                    by_chat.entry(chat).or_default().push(update);
                }
                Err(e) => tracing::warn!(id, error = %e, "unreadable update skipped"),
            }
        }
        let mut tasks = tokio::task::JoinSet::new();
        for (_, updates) in by_chat {
            let bot = Arc::clone(self);
            tasks.spawn(async move {
                for update in updates {
                    bot.handle_update(update).await;
                }
            });
        }
        while let Some(done) = tasks.join_next().await {
            if let Err(e) = done {
                tracing::error!(error = %e, "a chat's updates failed");
            }
        }
    }
}
