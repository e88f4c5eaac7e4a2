//! Runs the core against the store: load the learner, let the core decide,
//! persist what changed (durably for completions), hand actions back.
//!
//! Channels call only this. It knows the store trait but no concrete store,
//! and no channel.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use crate::core::{
    Action, Context, Core, Input, Lang, Learner, LearnerId, Place, Reply, Timer, TimerId,
    Timestamp, stats,
};
use crate::store::{Change, Forget, Store, StoreDirectory, StoreError};

/// One thing a learner did, as a channel reports it.
#[derive(Debug, Clone)]
pub struct Event {
    pub learner: LearnerId,
    /// `console`, `telegram`…: recorded when a learner is first seen.
    pub channel: &'static str,
    pub display_name: String,
    pub place: Place,
    pub input: Input,
    pub now: Timestamp,
}

/// What a channel sends back: the actions, and the language to render them in.
#[derive(Debug, Clone, PartialEq)]
pub struct Handled {
    pub lang: Lang,
    pub actions: Vec<Action>,
}

/// Events of one learner are handled one at a time; different learners in
/// parallel (a learner's id picks one of these locks).
const LOCK_STRIPES: usize = 64;

pub struct Engine {
    core: Core,
    store: Arc<dyn Store>,
    stripes: Vec<Mutex<()>>,
}

impl Engine {
    pub fn new(core: Core, store: Arc<dyn Store>) -> Self {
        Engine {
            core,
            store,
            stripes: (0..LOCK_STRIPES).map(|_| Mutex::new(())).collect(),
        }
    }

    pub fn core(&self) -> &Core {
        &self.core
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Handles an event; the actions are safe to send once this returns.
    pub fn handle(&self, event: &Event) -> Result<Handled, StoreError> {
        let _guard = self.lock_for(&event.learner);
        let mut result = None;
        // Other processes on the same store wait for this learner too.
        self.store.exclusive(&event.learner, &mut || {
            result = Some(match self.handle_locked(event) {
                // Someone used the same single-use code a moment earlier: run
                // the event again, and the core now sees the code as used.
                Err(StoreError::Conflict { code }) => {
                    tracing::info!(code, "single-use code taken concurrently, handling again");
                    self.handle_locked(event)
                }
                other => other,
            });
        })?;
        result.expect("exclusive runs the work once it returns Ok")
    }

    fn handle_locked(&self, event: &Event) -> Result<Handled, StoreError> {
        let mut learner = match self.store.load(&event.learner)? {
            Some(learner) => learner,
            None => Learner::new(
                event.learner.clone(),
                event.channel,
                &event.display_name,
                event.now,
            ),
        };
        let directory = StoreDirectory(self.store.as_ref());
        let ctx = Context {
            now: event.now,
            directory: &directory,
            random: &fresh_random,
        };
        if let Place::Group { chat, chat_title } = &event.place {
            let before = learner.clone();
            let reply = self.core.handle_group(
                &mut learner,
                &event.input,
                chat,
                chat_title.as_deref(),
                &ctx,
            );
            // Most group talk changes nothing and writes nothing.
            if has_records(&reply) || learner != before {
                self.commit(&learner, None, &reply, None)?;
            }
            return Ok(Handled {
                lang: learner.lang(),
                actions: reply.actions,
            });
        }
        if !event.display_name.is_empty() && learner.display_name != event.display_name {
            learner.display_name = event.display_name.clone();
        }
        let before = learner.clone();
        let reply = self.core.handle_with(&mut learner, &event.input, &ctx);
        if reply.forget {
            self.forget(&before, &reply, event.now)?;
        } else {
            self.commit(&learner, Some(&before), &reply, None)?;
        }
        Ok(Handled {
            lang: learner.lang(),
            actions: reply.actions,
        })
    }

    /// Writes the learner as changed from `before`, with everything the
    /// reply records and the counter changes that follow.
    fn commit(
        &self,
        learner: &Learner,
        before: Option<&Learner>,
        reply: &Reply,
        timer_done: Option<&TimerId>,
    ) -> Result<(), StoreError> {
        let changed: Vec<(&str, _)> = learner
            .progress
            .iter()
            .filter(|(lesson, progress)| {
                before.is_none_or(|b| b.progress.get(*lesson) != Some(progress))
            })
            .map(|(lesson, progress)| (lesson.as_str(), progress))
            .collect();
        let mut counters = match before {
            Some(before) if stats::may_change_counts(before, learner) => stats::counter_deltas(
                &stats::contributions(before, self.core.areas()),
                &stats::contributions(learner, self.core.areas()),
            ),
            _ => Vec::new(),
        };
        counters.extend(reply.counts.iter().cloned());
        let mentor_id = |l: &Learner| l.mentor.as_ref().map(|m| m.id.clone());
        let old_mentor = before.map(mentor_id);
        let mentor_before = match &old_mentor {
            Some(old) if *old != mentor_id(learner) => Some(old.as_ref()),
            _ => None,
        };
        self.store.commit(&Change {
            learner,
            progress: &changed,
            attempts: &reply.attempts,
            completions: &reply.completions,
            outbox: &reply.outbox,
            staff: &reply.staff,
            links: &reply.links,
            claim: reply.claim.as_deref(),
            certificates: &reply.certificates,
            audit: &reply.audit,
            counters: &counters,
            mentor_before,
            threads: &reply.threads,
            timers: &reply.timers,
            timer_done,
        })
    }

    /// Deletes the learner's personal data. Their contributions to the
    /// figures stay in the counters and are added to the anonymous tally of
    /// forgotten learners in the same write, so the counters still equal a
    /// recount of the learners left plus that tally.
    fn forget(&self, learner: &Learner, reply: &Reply, now: Timestamp) -> Result<(), StoreError> {
        let mut counters: Vec<_> = stats::contributions(learner, self.core.areas())
            .into_iter()
            .map(|mut key| {
                key.scope = stats::forgotten_scope(&key.scope);
                (key, 1)
            })
            .collect();
        counters.extend(reply.counts.iter().cloned());
        let report = self.store.forget(&Forget {
            learner: &learner.id,
            counters: &counters,
            outbox: &reply.outbox,
            at: now,
        })?;
        tracing::info!(
            ?report,
            "a learner's personal data was deleted at their request"
        );
        Ok(())
    }

    /// Handles every timer due at `now` (at most `limit`), each with its
    /// learner's lock held, and returns how many were handled. What they
    /// decide goes out through the outbox; each timer is removed in the same
    /// commit as its effects, so none is handled twice.
    pub fn tick(&self, now: Timestamp, limit: usize) -> Result<usize, StoreError> {
        let due = self.store.timers_due(now, limit)?;
        let count = due.len();
        for (id, timer) in due {
            let _guard = self.lock_for(&timer.learner);
            match self.fire(&id, &timer, now) {
                Err(StoreError::Conflict { code }) => {
                    tracing::info!(code, "timer raced another write, handling again");
                    self.fire(&id, &timer, now)?;
                }
                other => other?,
            }
        }
        Ok(count)
    }

    fn fire(&self, id: &TimerId, timer: &Timer, now: Timestamp) -> Result<(), StoreError> {
        let Some(mut learner) = self.store.load(&timer.learner)? else {
            // The learner is gone: nothing to remind, the timer goes too.
            let ghost = Learner::new(timer.learner.clone(), "", "", now);
            return self.store.commit(&Change {
                timer_done: Some(id),
                ..Change::of(&ghost)
            });
        };
        let directory = StoreDirectory(self.store.as_ref());
        let ctx = Context {
            now,
            directory: &directory,
            random: &fresh_random,
        };
        let before = learner.clone();
        let reply = self.core.handle_timer(&mut learner, timer, &ctx);
        self.commit(&learner, Some(&before), &reply, Some(id))
    }

    fn lock_for(&self, id: &LearnerId) -> std::sync::MutexGuard<'_, ()> {
        let mut hasher = DefaultHasher::new();
        id.hash(&mut hasher);
        let stripe = &self.stripes[(hasher.finish() as usize) % LOCK_STRIPES];
        stripe
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Whether a group reply has anything to store (a staff member's push).
fn has_records(reply: &Reply) -> bool {
    !reply.outbox.is_empty()
        || !reply.threads.is_empty()
        || !reply.timers.is_empty()
        || !reply.links.is_empty()
        || !reply.staff.is_empty()
        || !reply.audit.is_empty()
}

/// Randomness for codes. If the system source fails (it practically never
/// does), fall back to the clock and a per-process counter rather than stop.
fn fresh_random() -> u64 {
    getrandom::u64().unwrap_or_else(|_| {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        nanos ^ COUNTER.fetch_add(1, Ordering::Relaxed).rotate_left(32)
    })
}
