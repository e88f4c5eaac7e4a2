//! Runs the core against the store: load the learner, let the core decide,
//! persist what changed (durably for completions), hand actions back.
//!
//! Channels call only this. It knows the store trait but no concrete store,
//! and no channel.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use crate::core::{Action, Core, Input, Lang, Learner, LearnerId, Place, Timestamp};
use crate::store::{Change, Store, StoreError};

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
        if event.place.is_group() {
            // Nothing personal happens in a group: read the language, write nothing.
            let lang = self
                .store
                .load(&event.learner)?
                .map_or_else(Lang::base, |l| l.lang());
            let reply = self.core.handle_in_group(&event.input);
            return Ok(Handled {
                lang,
                actions: reply.actions,
            });
        }
        let _guard = self.lock_for(&event.learner);
        let mut learner = match self.store.load(&event.learner)? {
            Some(learner) => learner,
            None => Learner::new(
                event.learner.clone(),
                event.channel,
                &event.display_name,
                event.now,
            ),
        };
        if !event.display_name.is_empty() && learner.display_name != event.display_name {
            learner.display_name = event.display_name.clone();
        }
        let before = learner.progress.clone();
        let reply = self.core.handle(&mut learner, &event.input, event.now);
        let changed: Vec<(&str, _)> = learner
            .progress
            .iter()
            .filter(|(lesson, progress)| before.get(*lesson) != Some(progress))
            .map(|(lesson, progress)| (lesson.as_str(), progress))
            .collect();
        self.store.commit(&Change {
            learner: &learner,
            progress: &changed,
            attempts: &reply.attempts,
            completions: &reply.completions,
            outbox: &reply.outbox,
        })?;
        Ok(Handled {
            lang: learner.lang(),
            actions: reply.actions,
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
