//! The outbox sender: group posts, scheduled lesson cards and notifications
//! that other parts of the bot left in the store (`Store::outbox_due`), sent
//! to Telegram within its rate limits.
//!
//! It owns the delivery loop and nothing else: what to send was decided (and
//! made durable) elsewhere. A message is rendered and sent like a live reply
//! (`Telegram::send_part`, one call per part, pictures by cached file id),
//! then removed from the store, which is durable on return. So a crash at
//! any moment loses nothing, and resends at most the messages whose send had
//! succeeded but whose removal had not yet landed (one per send in flight).
//!
//! Pacing is `pace::Pacer`'s; each chat's messages go in order, one call in
//! flight per chat, while other chats go on. Failures: a 429 pauses the chat
//! (or everything) for `retry_after`; a chat that blocked the bot is marked
//! and its message dropped; another refusal (4xx) drops the message with a
//! log line; a server error or timeout keeps it and retries with backoff.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::JoinSet;

use super::api::ApiError;
use super::pace::Pacer;
use super::render::{Part, render};
use super::retry::RetryPolicy;
use super::{Telegram, blocked_key, unix_now};
use crate::core::{Queued, QueuedId, Recipient};
use crate::store::StoreError;

/// The channel name outbox items carry for Telegram.
pub const CHANNEL: &str = "telegram";
/// At most this many messages are held in memory (pending and in flight).
const MAX_HELD_BATCHES: usize = 20;

/// An outbox message on its way: the chat, its calls, how far it got.
struct Pending {
    id: QueuedId,
    group: bool,
    parts: Vec<Part>,
    /// Parts already sent (a retry resumes after them).
    done: usize,
    failures: u32,
    /// Not retried before this (after a server error or timeout).
    not_before: Instant,
}

/// What became of one call.
enum Outcome {
    /// The part went; if it was the last, the message is removed.
    Sent {
        removed: Result<bool, StoreError>,
    },
    Failed(ApiError),
}

struct Sender {
    bot: Arc<Telegram>,
    pacer: Pacer,
    /// Each chat's messages in outbox order; the head may be in flight.
    queues: HashMap<i64, VecDeque<Pending>>,
    /// Chats with a call in flight.
    busy: HashSet<i64>,
    /// Every message held, so a poll does not take it twice.
    held: HashSet<QueuedId>,
    tasks: JoinSet<(i64, Outcome)>,
    next_poll: Instant,
}

/// The sender running beside an update source: stopped with it by the
/// shutdown signal (`finish` waits for it), aborted if dropped early.
pub(super) struct OutboxTask(Option<tokio::task::JoinHandle<()>>);

impl OutboxTask {
    pub(super) fn start(bot: &Arc<Telegram>, shutdown: watch::Receiver<bool>) -> Self {
        OutboxTask(Some(tokio::spawn(Arc::clone(bot).run_outbox(shutdown))))
    }

    /// Waits until the sender has finished its calls in flight.
    pub(super) async fn finish(mut self) {
        if let Some(handle) = self.0.take()
            && let Err(e) = handle.await
        {
            tracing::error!(error = %e, "the outbox sender failed");
        }
    }
}

impl Drop for OutboxTask {
    fn drop(&mut self) {
        if let Some(handle) = &self.0 {
            handle.abort();
        }
    }
}

impl Telegram {
    /// Sends due outbox messages until `shutdown` turns true, then finishes
    /// the calls in flight (and removes what they sent) before returning.
    pub async fn run_outbox(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let now = Instant::now();
        let mut sender = Sender {
            pacer: Pacer::new(self.settings.outbox.limits, now),
            bot: self,
            queues: HashMap::new(),
            busy: HashSet::new(),
            held: HashSet::new(),
            tasks: JoinSet::new(),
            next_poll: now,
        };
        while !*shutdown.borrow() {
            let now = Instant::now();
            if now >= sender.next_poll {
                sender.poll().await;
                sender.pacer.prune(now);
                sender.next_poll = now + sender.bot.settings.outbox.poll_interval;
            }
            sender.dispatch(Instant::now());
            let wake = sender.next_wake(Instant::now());
            tokio::select! {
                _ = tokio::time::sleep_until(wake.into()) => {}
                Some(done) = sender.tasks.join_next(), if !sender.tasks.is_empty() => {
                    sender.finished(done);
                }
                _ = shutdown.wait_for(|stop| *stop) => {}
            }
        }
        while let Some(done) = sender.tasks.join_next().await {
            sender.finished(done);
        }
        tracing::info!(held = sender.held.len(), "telegram outbox stopped");
    }
}

impl Sender {
    /// Takes newly due messages from the store.
    async fn poll(&mut self) {
        let batch = self.bot.settings.outbox.batch;
        if self.held.len() >= batch * MAX_HELD_BATCHES {
            return;
        }
        let store = Arc::clone(self.bot.app.engine.store());
        let limit = self.held.len() + batch;
        let due =
            tokio::task::spawn_blocking(move || store.outbox_due(CHANNEL, unix_now(), limit)).await;
        let items = match due {
            Ok(Ok(items)) => items,
            Ok(Err(e)) => return tracing::error!(error = %e, "cannot read the outbox"),
            Err(e) => return tracing::error!(error = %e, "reading the outbox panicked"),
        };
        for queued in items {
            if !self.held.contains(&queued.id) {
                self.admit(queued);
            }
        }
    }

    /// Renders a message and queues it behind its chat's earlier ones.
    fn admit(&mut self, queued: Queued) {
        let Some((chat, group)) = chat_of(&queued.item.to) else {
            tracing::error!(to = ?queued.item.to, "outbox message with an unusable recipient dropped");
            self.remove_now(&queued.id);
            return;
        };
        let bot = &self.bot;
        let rendered = render(
            &bot.app.localizer,
            &queued.item.lang,
            &queued.item.message,
            &bot.username,
        );
        self.held.insert(queued.id.clone());
        self.queues.entry(chat).or_default().push_back(Pending {
            id: queued.id,
            group,
            parts: rendered.parts(),
            done: 0,
            failures: 0,
            not_before: Instant::now(),
        });
    }

    /// Starts every call the limits allow now.
    fn dispatch(&mut self, now: Instant) {
        while self.tasks.len() < self.bot.settings.outbox.max_in_flight {
            let Some(chat) = self.next_chat(now) else {
                return;
            };
            if self.skip_blocked(chat) {
                continue;
            }
            let Some(head) = self.queues.get(&chat).and_then(VecDeque::front) else {
                continue;
            };
            let Some(part) = head.parts.get(head.done).cloned() else {
                // Nothing to send (an empty message): done with it.
                self.drop_head(chat);
                continue;
            };
            let last = head.done + 1 == head.parts.len();
            let id = head.id.clone();
            self.pacer.sent(chat, head.group, now);
            self.busy.insert(chat);
            let bot = Arc::clone(&self.bot);
            self.tasks.spawn(async move {
                let outcome = match bot.send_part(chat, &part, &RetryPolicy::once()).await {
                    Err(e) => Outcome::Failed(e),
                    Ok(()) if !last => Outcome::Sent { removed: Ok(false) },
                    Ok(()) => Outcome::Sent {
                        removed: remove(&bot, id).await.map(|()| true),
                    },
                };
                (chat, outcome)
            });
        }
    }

    /// The ready chat whose head message is oldest in the outbox.
    fn next_chat(&self, now: Instant) -> Option<i64> {
        if self.pacer.global_ready_at() > now {
            return None;
        }
        self.queues
            .iter()
            .filter(|(chat, _)| !self.busy.contains(chat))
            .filter_map(|(chat, queue)| Some((*chat, queue.front()?)))
            .filter(|(chat, head)| head.not_before <= now && self.pacer.ready_at(*chat) <= now)
            .min_by(|a, b| a.1.id.cmp(&b.1.id))
            .map(|(chat, _)| chat)
    }

    /// When the loop should look again: the earliest time a waiting chat may
    /// send, or the next poll; never in the past, so the loop never spins.
    fn next_wake(&self, now: Instant) -> Instant {
        let floor = now + Duration::from_millis(1);
        if self.tasks.len() >= self.bot.settings.outbox.max_in_flight {
            return self.next_poll.max(floor);
        }
        self.queues
            .iter()
            .filter(|(chat, _)| !self.busy.contains(chat))
            .filter_map(|(chat, queue)| {
                let head = queue.front()?;
                Some(head.not_before.max(self.pacer.ready_at(*chat)))
            })
            .min()
            .map_or(self.next_poll, |t| t.min(self.next_poll))
            .max(floor)
    }

    /// Handles the end of one call.
    fn finished(&mut self, done: Result<(i64, Outcome), tokio::task::JoinError>) {
        let (chat, outcome) = match done {
            Ok(done) => done,
            Err(e) => {
                // Only a panic gets here; its chat stays busy and its message
                // held until a restart sends it again.
                return tracing::error!(error = %e, "an outbox send panicked");
            }
        };
        self.busy.remove(&chat);
        let now = Instant::now();
        match outcome {
            Outcome::Sent { removed: Ok(false) } => {
                if let Some(head) = self.head(chat) {
                    head.done += 1;
                }
            }
            Outcome::Sent { removed } => self.complete_head(chat, removed),
            Outcome::Failed(ApiError::RetryAfter(wait)) => {
                tracing::warn!(chat, ?wait, "telegram flood control: pausing");
                self.pacer.flood(chat, wait, now);
            }
            Outcome::Failed(ApiError::Blocked(reason)) => {
                tracing::info!(chat, %reason, "chat blocked the bot; its outbox message is dropped");
                self.mark_blocked(chat);
                self.drop_head(chat);
            }
            Outcome::Failed(e @ ApiError::Rejected { .. }) => {
                tracing::error!(chat, error = %e, "telegram refused an outbox message; dropped");
                self.drop_head(chat);
            }
            Outcome::Failed(e) => self.back_off(chat, &e, now),
        }
    }

    /// A server error, timeout or unreadable answer: try again later.
    fn back_off(&mut self, chat: i64, error: &ApiError, now: Instant) {
        let settings = &self.bot.settings.outbox;
        let (base, max) = (settings.backoff, settings.max_backoff);
        if let Some(head) = self.head(chat) {
            head.failures += 1;
            let wait = crate::channel::backoff(base, max, head.failures);
            head.not_before = now + wait;
            tracing::warn!(chat, %error, ?wait, failures = head.failures, "outbox send failed; will retry");
        }
    }

    fn head(&mut self, chat: i64) -> Option<&mut Pending> {
        self.queues.get_mut(&chat).and_then(VecDeque::front_mut)
    }

    /// The head message of `chat` is sent and (if `removed` says so) out of
    /// the store.
    fn complete_head(&mut self, chat: i64, removed: Result<bool, StoreError>) {
        let Some(head) = self.pop_head(chat) else {
            return;
        };
        match removed {
            Ok(_) => {
                self.held.remove(&head.id);
            }
            // Still in the store: kept as held so it is not sent again now;
            // a restart will send it once more.
            Err(e) => tracing::error!(error = %e, "a sent outbox message could not be removed"),
        }
    }

    /// Drops the head message of `chat` for good.
    fn drop_head(&mut self, chat: i64) {
        if let Some(head) = self.pop_head(chat) {
            self.remove_now(&head.id);
        }
    }

    fn pop_head(&mut self, chat: i64) -> Option<Pending> {
        let queue = self.queues.get_mut(&chat)?;
        let head = queue.pop_front();
        if queue.is_empty() {
            self.queues.remove(&chat);
        }
        head
    }

    /// Messages to a chat already marked blocked are dropped unsent.
    fn skip_blocked(&mut self, chat: i64) -> bool {
        if !self.bot.is_blocked(chat) {
            return false;
        }
        tracing::info!(
            chat,
            "outbox message to a chat that blocked the bot dropped"
        );
        self.drop_head(chat);
        true
    }

    fn mark_blocked(&self, chat: i64) {
        if let Err(e) = self
            .bot
            .app
            .engine
            .store()
            .channel_put(&blocked_key(chat), "1")
        {
            tracing::error!(error = %e, "could not mark a blocked chat");
        }
    }

    /// Removes a message that will never be sent (rare: a short blocking write).
    fn remove_now(&mut self, id: &QueuedId) {
        match self.bot.app.engine.store().outbox_remove(id) {
            Ok(()) => {
                self.held.remove(id);
            }
            Err(e) => tracing::error!(error = %e, "could not remove an outbox message"),
        }
    }
}

/// Removes a sent message, off the async threads (it flushes to disk).
async fn remove(bot: &Telegram, id: QueuedId) -> Result<(), StoreError> {
    let store = Arc::clone(bot.app.engine.store());
    tokio::task::spawn_blocking(move || store.outbox_remove(&id))
        .await
        .unwrap_or_else(|e| Err(StoreError::Io(format!("removing panicked: {e}"))))
}

/// The chat an outbox message goes to, and whether it is a group: groups by
/// their chat id, learners `tg:<user id>` in their private chat (same id).
pub fn chat_of(to: &Recipient) -> Option<(i64, bool)> {
    match to {
        Recipient::Group { chat } => Some((chat.parse().ok()?, true)),
        Recipient::Learner { id } => {
            let user = id.as_str().strip_prefix("tg:")?.parse().ok()?;
            Some((user, false))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::LearnerId;

    #[test]
    fn recipients_map_to_telegram_chats() {
        let group = Recipient::Group {
            chat: "-100123".into(),
        };
        assert_eq!(chat_of(&group), Some((-100123, true)));
        let learner = Recipient::Learner {
            id: LearnerId::new("tg:5001").unwrap(),
        };
        assert_eq!(chat_of(&learner), Some((5001, false)));
        let other = Recipient::Learner {
            id: LearnerId::new("zalo:77").unwrap(),
        };
        assert_eq!(chat_of(&other), None);
        assert_eq!(chat_of(&Recipient::Group { chat: "x".into() }), None);
    }
}
