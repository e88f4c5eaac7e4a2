//! Runs the core against the store: load the learner, let the core decide,
//! persist what changed (durably for completions), hand actions back.
//!
//! Channels call only this. It knows the store trait but no concrete store,
//! and no channel.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use crate::core::{
    Action, Context, Core, Input, Lang, Learner, LearnerId, Place, Reply, Timestamp, stats,
};
use crate::store::{Change, Store, StoreDirectory, StoreError, UpdateKey};

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
        self.handle_retrying(event, None)
    }

    /// Handles an event the platform may deliver more than once: `update`
    /// (its id for the delivery) is stored in the same write as the event's
    /// effects, and a delivery already stored changes nothing and answers
    /// nothing (`None`). Two deliveries at once are serialised by the
    /// learner's lock, so the second sees the first's record.
    pub fn handle_once(&self, event: &Event, update: &str) -> Result<Option<Handled>, StoreError> {
        let _guard = self.lock_for(&event.learner);
        if self.store.seen_update(event.channel, update)? {
            tracing::debug!(
                channel = event.channel,
                update,
                "delivered again; already handled"
            );
            return Ok(None);
        }
        let key = UpdateKey {
            channel: event.channel,
            key: update,
            at: event.now,
        };
        self.handle_retrying(event, Some(key)).map(Some)
    }

    fn handle_retrying(
        &self,
        event: &Event,
        update: Option<UpdateKey<'_>>,
    ) -> Result<Handled, StoreError> {
        match self.handle_locked(event, update) {
            // Someone used the same single-use code a moment earlier: run the
            // event again, and the core now sees the code as used.
            Err(StoreError::Conflict { code }) => {
                tracing::info!(code, "single-use code taken concurrently, handling again");
                self.handle_locked(event, update)
            }
            other => other,
        }
    }

    fn handle_locked(
        &self,
        event: &Event,
        update: Option<UpdateKey<'_>>,
    ) -> Result<Handled, StoreError> {
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
        if let Place::Group { chat } = &event.place {
            let before = learner.clone();
            let reply = self
                .core
                .handle_group(&mut learner, &event.input, chat, &ctx);
            // Most group talk changes nothing and writes nothing (so a
            // repeat of it is answered again, harmlessly).
            if has_records(&reply) || learner != before {
                self.commit(&learner, None, &reply, update)?;
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
        self.commit(&learner, Some(&before), &reply, update)?;
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
        update: Option<UpdateKey<'_>>,
    ) -> Result<(), StoreError> {
        let changed: Vec<(&str, _)> = learner
            .progress
            .iter()
            .filter(|(lesson, progress)| {
                before.is_none_or(|b| b.progress.get(*lesson) != Some(progress))
            })
            .map(|(lesson, progress)| (lesson.as_str(), progress))
            .collect();
        let counters = match before {
            Some(before) if stats::may_change_counts(before, learner) => stats::counter_deltas(
                &stats::contributions(before, self.core.areas()),
                &stats::contributions(learner, self.core.areas()),
            ),
            _ => Vec::new(),
        };
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
            update,
        })
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::core::{Callback, Lang};
    use crate::store::MemoryStore;

    fn engine() -> Engine {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let lessons = crate::lesson::load_tree(&root.join("tests/fixtures/good")).unwrap();
        let languages = vec![(Lang::new("vi"), "Tiếng Việt".to_string())];
        Engine::new(
            Core::new(Arc::new(lessons), languages),
            Arc::new(MemoryStore::new()),
        )
    }

    fn press(callback: Callback) -> Event {
        Event {
            learner: LearnerId::new("tg:1").unwrap(),
            channel: "telegram",
            display_name: "Lan".into(),
            place: Place::Private,
            input: Input::Button(callback.encode()),
            now: 1_700_000_000,
        }
    }

    #[test]
    fn a_delivery_seen_before_changes_nothing_and_answers_nothing() {
        let engine = engine();
        let lang = press(Callback::SetLang(Lang::new("vi")));
        assert!(engine.handle_once(&lang, "7").unwrap().is_some());
        let step = press(Callback::Lesson("basics-phone".into()));
        let first = engine.handle_once(&step, "8").unwrap().expect("handled");
        assert!(!first.actions.is_empty());
        let after = engine.store().load(&step.learner).unwrap();
        // Delivered again (after a crash, or twice at once): no effect.
        assert_eq!(engine.handle_once(&step, "8").unwrap(), None);
        assert_eq!(engine.store().load(&step.learner).unwrap(), after);
        assert!(engine.store().seen_update("telegram", "8").unwrap());
        assert!(!engine.store().seen_update("zalo", "8").unwrap());
        // Another delivery with the same input is a new event.
        assert!(engine.handle_once(&step, "9").unwrap().is_some());
    }
}
