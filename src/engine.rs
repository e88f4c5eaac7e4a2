//! Runs the core against the store: load the learner, let the core decide,
//! persist what changed (durably for completions), hand actions back.
//!
//! Channels call only this. It knows the store trait but no concrete store,
//! and no channel. When the store fails (disk full, read-only, I/O error),
//! `answer` gives the learner a kind "try again later" and nothing is
//! half-written: each event is one atomic commit.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, OnceLock};

use crate::core::stats::Quarter;
use crate::core::{
    Action, Button, Callback, Certificate, Context, Core, Directory, HelpThread, Input, Lang,
    Learner, LearnerId, Link, Message, Place, Reply, Staff, Text, Timer, TimerId, Timestamp,
    Unavailable, stats,
};
use crate::store::backup::{BackupError, Backups, Written};
use crate::store::{Change, Store, StoreDirectory, StoreError};

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
    backups: OnceLock<Arc<Backups>>,
}

impl Engine {
    pub fn new(core: Core, store: Arc<dyn Store>) -> Self {
        Engine {
            core,
            store,
            stripes: (0..LOCK_STRIPES).map(|_| Mutex::new(())).collect(),
            backups: OnceLock::new(),
        }
    }

    /// Lets `backup_now` write to these backups (`serve` sets it at start).
    pub fn set_backups(&self, backups: Arc<Backups>) {
        let _ = self.backups.set(backups);
    }

    /// Writes a backup of the whole store now, while events keep being
    /// handled: what an admin's `/backup` runs (blocking, seconds for a
    /// large store: call it off the async workers).
    pub fn backup_now(&self) -> Result<Written, BackupError> {
        match self.backups.get() {
            Some(backups) => backups.make_now(),
            None => Err(BackupError::Setting(
                "backups are not set up in this process".into(),
            )),
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
        match self.handle_locked(event) {
            // Someone used the same single-use code a moment earlier, or
            // changed a staff record this event read: run the event again,
            // and the core now sees the code as used or the record as it is.
            Err(StoreError::Conflict { code }) => {
                tracing::info!(code, "single-use code taken concurrently, handling again");
                self.handle_locked(event)
            }
            Err(StoreError::Stale { record }) => {
                tracing::info!(record, "a record changed concurrently, handling again");
                self.handle_locked(event)
            }
            other => other,
        }
    }

    /// Handles an event as `handle` does, but a store failure becomes a kind
    /// "try again later" for the learner (logged here), so a channel always
    /// has something to send and keeps running. Nothing of a failed event
    /// is stored: the learner can simply press again.
    pub fn answer(&self, event: &Event) -> Handled {
        match self.handle(event) {
            Ok(handled) => handled,
            Err(e) => {
                tracing::error!(error = %e, "the store failed: the learner is asked to try again later");
                let lang = self
                    .store
                    .load(&event.learner)
                    .ok()
                    .flatten()
                    .map_or_else(Lang::base, |l| l.lang());
                Handled {
                    lang,
                    actions: vec![Action::Send(try_later())],
                }
            }
        }
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
        let directory = Seen::new(self.store.as_ref());
        let ctx = Context {
            now: event.now,
            directory: &directory,
            random: &fresh_random,
        };
        if let Place::Group { chat } = &event.place {
            let before = learner.clone();
            let reply = self
                .core
                .handle_group(&mut learner, &event.input, chat, &ctx);
            // Most group talk changes nothing and writes nothing.
            if has_records(&reply) || learner != before {
                self.commit(&learner, None, &reply, &directory.staff_seen(), None)?;
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
        self.commit(
            &learner,
            Some(&before),
            &reply,
            &directory.staff_seen(),
            None,
        )?;
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
        staff_seen: &[(LearnerId, Option<Staff>)],
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
            staff_seen,
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
                Err(StoreError::Conflict { code: record } | StoreError::Stale { record }) => {
                    tracing::info!(record, "timer raced another write, handling again");
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
        let directory = Seen::new(self.store.as_ref());
        let ctx = Context {
            now,
            directory: &directory,
            random: &fresh_random,
        };
        let before = learner.clone();
        let reply = self.core.handle_timer(&mut learner, timer, &ctx);
        self.commit(
            &learner,
            Some(&before),
            &reply,
            &directory.staff_seen(),
            Some(id),
        )
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

/// The store as the core's directory, remembering the staff records the
/// turn read: a change to one of them is committed only if it still holds
/// what was read (a revoke in between makes the commit `Stale`).
struct Seen<'a> {
    store: StoreDirectory<'a>,
    staff: RefCell<Vec<(LearnerId, Option<Staff>)>>,
}

impl<'a> Seen<'a> {
    fn new(store: &'a dyn Store) -> Self {
        Seen {
            store: StoreDirectory(store),
            staff: RefCell::new(Vec::new()),
        }
    }

    fn staff_seen(&self) -> Vec<(LearnerId, Option<Staff>)> {
        self.staff.borrow().clone()
    }
}

impl Directory for Seen<'_> {
    fn staff(&self, id: &LearnerId) -> Result<Option<Staff>, Unavailable> {
        let found = self.store.staff(id)?;
        let mut seen = self.staff.borrow_mut();
        // The first read is what the turn's decisions rest on.
        if !seen.iter().any(|(who, _)| who == id) {
            seen.push((id.clone(), found.clone()));
        }
        Ok(found)
    }
    fn learner(&self, id: &LearnerId) -> Result<Option<Learner>, Unavailable> {
        self.store.learner(id)
    }
    fn link(&self, code: &str) -> Result<Option<Link>, Unavailable> {
        self.store.link(code)
    }
    fn mentees(&self, mentor: &LearnerId) -> Result<Vec<Learner>, Unavailable> {
        self.store.mentees(mentor)
    }
    fn counts(
        &self,
        scope: &str,
        quarters: (Quarter, Quarter),
    ) -> Result<BTreeMap<String, u64>, Unavailable> {
        self.store.counts(scope, quarters)
    }
    fn certificate(&self, code: &str) -> Result<Option<Certificate>, Unavailable> {
        self.store.certificate(code)
    }
    fn staff_list(&self) -> Result<Vec<(LearnerId, Staff)>, Unavailable> {
        self.store.staff_list()
    }
    fn help_thread(&self, id: &str) -> Result<Option<HelpThread>, Unavailable> {
        self.store.help_thread(id)
    }
    fn open_threads(&self) -> Result<Vec<HelpThread>, Unavailable> {
        self.store.open_threads()
    }
}

/// The message a learner gets when the store cannot save: the same words
/// the core uses when a lookup fails.
fn try_later() -> Message {
    Message::default()
        .para(Text::new("try-later"))
        .row(vec![Button::new(Text::new("button-menu"), Callback::Menu)])
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
