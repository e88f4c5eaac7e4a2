//! Each webhook event is handled once, even when Zalo delivers it twice
//! (it retries a delivery it thinks failed) or the bot restarts. Event keys
//! (`msg_id`, or a body hash) are remembered in a bounded list, oldest
//! forgotten first, written to the store (`zalo/seen`) every few seconds and
//! at shutdown, not per event: a `channel_put` is a disk flush, too slow for
//! every event. A crash can thus forget the last seconds' keys; Zalo only
//! redelivers what was not answered 200, which the webhook does at once.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use crate::store::{Store, StoreError};

pub const SEEN_KEY: &str = "zalo/seen";

pub struct Dedupe {
    store: Arc<dyn Store>,
    capacity: usize,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    set: HashSet<String>,
    order: VecDeque<String>,
    dirty: bool,
}

impl Dedupe {
    pub fn load(store: Arc<dyn Store>, capacity: usize) -> Result<Self, StoreError> {
        let mut state = State::default();
        if let Some(json) = store.channel_get(SEEN_KEY)? {
            let keys: Vec<String> =
                serde_json::from_str(&json).map_err(|e| StoreError::Corrupt {
                    key: SEEN_KEY.to_string(),
                    reason: e.to_string(),
                })?;
            for key in keys {
                if state.set.insert(key.clone()) {
                    state.order.push_back(key);
                }
            }
        }
        let dedupe = Dedupe {
            store,
            capacity: capacity.max(1),
            state: Mutex::new(state),
        };
        dedupe.trim(&mut dedupe.lock());
        Ok(dedupe)
    }

    /// `true` the first time a key is offered, `false` for a repeat.
    pub fn admit(&self, key: &str) -> bool {
        let mut state = self.lock();
        if !state.set.insert(key.to_string()) {
            return false;
        }
        state.order.push_back(key.to_string());
        state.dirty = true;
        self.trim(&mut state);
        true
    }

    /// Takes a key back (its event could not be queued, so Zalo will retry).
    pub fn forget(&self, key: &str) {
        let mut state = self.lock();
        if state.set.remove(key) {
            state.order.retain(|k| k != key);
            state.dirty = true;
        }
    }

    /// Writes the list if it changed.
    pub fn persist(&self) -> Result<(), StoreError> {
        let json = {
            let mut state = self.lock();
            if !state.dirty {
                return Ok(());
            }
            state.dirty = false;
            serde_json::to_string(&state.order).map_err(|e| StoreError::Io(e.to_string()))?
        };
        self.store.channel_put(SEEN_KEY, &json).inspect_err(|_| {
            self.lock().dirty = true;
        })
    }

    fn trim(&self, state: &mut State) {
        while state.order.len() > self.capacity {
            if let Some(old) = state.order.pop_front() {
                state.set.remove(&old);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;

    #[test]
    fn repeats_are_refused_across_restarts_and_the_list_stays_bounded() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let d = Dedupe::load(store.clone(), 3).unwrap();
        assert!(d.admit("a"));
        assert!(!d.admit("a"));
        for k in ["b", "c", "d"] {
            assert!(d.admit(k));
        }
        d.persist().unwrap();
        let again = Dedupe::load(store, 3).unwrap();
        assert!(!again.admit("d"));
        // "a" was the oldest and has been forgotten.
        assert!(again.admit("a"));
        again.forget("a");
        assert!(again.admit("a"));
    }
}
