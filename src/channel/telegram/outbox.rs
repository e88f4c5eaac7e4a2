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
//! Pacing is `pace::Pacer`'s, shared with live replies (which go first);
//! each chat's messages go in order, one call in flight per chat, while
//! other chats go on. Failures, by the shared retry decision: a 429 pauses
//! the chat (or everything) for `retry_after`; a chat that blocked the bot
//! is marked and its message dropped; another refusal (4xx) drops the
//! message with a log line; a server error keeps it and retries with
//! backoff; a send that may have arrived is repeated once, then dropped.
//!
//! Fair to every chat: at most `PER_CHAT_HELD` messages of one chat are held
//! at a time, and the store is read on past the rest (`outbox_due_after`),
//! so a group with thousands of queued cards (20 a minute) never keeps a
//! mentor's notice or another group's post waiting behind it.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::JoinSet;

use super::Telegram;
use super::api::ApiError;
use super::render::{Part, render};
use super::send::Pace;
use crate::channel::kit::retry::{Classify, Decision, RetryPolicy, Tally};
use crate::channel::kit::unix_now;
use crate::core::{Queued, QueuedId, Recipient};
use crate::store::StoreError;

/// The channel name outbox items carry for Telegram.
pub const CHANNEL: &str = "telegram";
/// At most this many messages are held in memory (pending and in flight).
const MAX_HELD_BATCHES: usize = 20;
/// At most this many messages of one chat are held at a time.
const PER_CHAT_HELD: usize = 10;
/// Store reads per poll at most, while reading on past full chats.
const MAX_PAGES: usize = 20;

/// An outbox message on its way: the chat, its calls, how far it got.
struct Pending {
    id: QueuedId,
    group: bool,
    parts: Vec<Part>,
    /// Parts already sent (a retry resumes after them).
    done: usize,
    /// Failures of the current part.
    tally: Tally,
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
    retry: RetryPolicy,
    /// Each chat's messages in outbox order; the head may be in flight.
    queues: HashMap<i64, VecDeque<Pending>>,
    /// Chats with a call in flight.
    busy: HashSet<i64>,
    /// Every message held, so a poll does not take it twice.
    held: HashSet<QueuedId>,
    tasks: JoinSet<(i64, Outcome)>,
    next_poll: Instant,
    /// Where the next read goes on from (`None`: from the first due).
    cursor: Option<QueuedId>,
    /// Chats that had messages left unread in this sweep of the outbox: no
    /// later message of theirs is taken before the sweep starts again, so
    /// each chat's messages stay in order.
    full: HashSet<i64>,
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
            retry: self.settings.outbox.retry(),
            bot: self,
            queues: HashMap::new(),
            busy: HashSet::new(),
            held: HashSet::new(),
            tasks: JoinSet::new(),
            next_poll: now,
            cursor: None,
            full: HashSet::new(),
        };
        while !*shutdown.borrow() {
            let now = Instant::now();
            if now >= sender.next_poll {
                sender.poll().await;
                sender.bot.pacer().prune(now);
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
    /// Takes newly due messages from the store, reading on past chats that
    /// already have their share held.
    async fn poll(&mut self) {
        let batch = self.bot.settings.outbox.batch.max(1);
        let cap = batch * MAX_HELD_BATCHES;
        for _ in 0..MAX_PAGES {
            if self.held.len() >= cap {
                return;
            }
            let store = Arc::clone(self.bot.app.engine.store());
            let after = self.cursor.clone();
            let read = tokio::task::spawn_blocking(move || match after {
                None => store.outbox_due(CHANNEL, unix_now(), batch),
                Some(after) => store.outbox_due_after(CHANNEL, unix_now(), &after, batch),
            })
            .await;
            let items = match read {
                Ok(Ok(items)) => items,
                Ok(Err(e)) => return tracing::error!(error = %e, "cannot read the outbox"),
                Err(e) => return tracing::error!(error = %e, "reading the outbox panicked"),
            };
            let end = items.len() < batch;
            for queued in items {
                self.cursor = Some(queued.id.clone());
                self.offer(queued);
            }
            if end {
                // The whole outbox was seen: the next sweep starts over.
                self.cursor = None;
                self.full.clear();
                return;
            }
        }
    }

    /// Takes one message read from the store, unless its chat has its share.
    fn offer(&mut self, queued: Queued) {
        if self.held.contains(&queued.id) {
            return;
        }
        let Some((chat, _)) = chat_of(&queued.item.to) else {
            return self.admit(queued);
        };
        let held = self.queues.get(&chat).map_or(0, VecDeque::len);
        if held >= PER_CHAT_HELD || self.full.contains(&chat) {
            self.full.insert(chat);
            return;
        }
        self.admit(queued);
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
            tally: Tally::default(),
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
            self.bot.pacer().sent(chat, head.group, now);
            self.busy.insert(chat);
            let bot = Arc::clone(&self.bot);
            self.tasks.spawn(async move {
                let outcome = match bot.send_part(chat, &part, Pace::Outbox).await {
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

    /// The ready chat whose head message is oldest in the outbox; a chat a
    /// live reply waits for is not ready (the reply goes first).
    fn next_chat(&self, now: Instant) -> Option<i64> {
        let pacer = self.bot.pacer();
        if pacer.global_ready_at() > now {
            return None;
        }
        self.queues
            .iter()
            .filter(|(chat, _)| !self.busy.contains(chat) && !pacer.live_waiting(**chat))
            .filter_map(|(chat, queue)| Some((*chat, queue.front()?)))
            .filter(|(chat, head)| head.not_before <= now && pacer.ready_at(*chat) <= now)
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
        let pacer = self.bot.pacer();
        self.queues
            .iter()
            .filter(|(chat, _)| !self.busy.contains(chat))
            .filter_map(|(chat, queue)| {
                let head = queue.front()?;
                // A chat a live reply waits for is looked at again after it.
                let live = if pacer.live_waiting(*chat) {
                    now + Duration::from_millis(50)
                } else {
                    now
                };
                Some(head.not_before.max(pacer.ready_at(*chat)).max(live))
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
                    head.tally = Tally::default();
                }
            }
            Outcome::Sent { removed } => self.complete_head(chat, removed),
            Outcome::Failed(error) => self.failed(chat, &error, now),
        }
    }

    /// A call failed: the shared retry decision says what becomes of it.
    fn failed(&mut self, chat: i64, error: &ApiError, now: Instant) {
        if let ApiError::RetryAfter(wait) = error {
            tracing::warn!(chat, ?wait, "telegram flood control: pausing");
            self.bot.pacer().flood(chat, *wait, now);
        }
        let retry = self.retry.clone();
        let Some(head) = self.head(chat) else {
            return;
        };
        match head.tally.decide(&retry, error.failure()) {
            // The pacer holds the chat for a 429's wait.
            Decision::Retry(_) if matches!(error, ApiError::RetryAfter(_)) => {}
            Decision::Retry(wait) => {
                head.not_before = now + wait;
                let failures = head.tally.failures();
                tracing::warn!(chat, %error, ?wait, failures, "outbox send failed; will retry");
            }
            Decision::Blocked => {
                tracing::info!(chat, %error, "chat blocked the bot; its outbox message is dropped");
                self.bot.mark_blocked(chat);
                self.drop_head(chat);
            }
            Decision::GiveUp => {
                tracing::error!(chat, %error, "an outbox message is given up and dropped");
                self.drop_head(chat);
            }
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
