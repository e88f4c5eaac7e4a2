//! Each update is handled once, even when Telegram delivers it twice or the
//! bot restarts before confirming it: a persisted high-water mark (the last
//! update id handled) plus the ids seen since it was last written.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use crate::store::{Store, StoreError};

pub const LAST_UPDATE_KEY: &str = "telegram/last_update_id";

pub struct Dedupe {
    store: Arc<dyn Store>,
    state: Mutex<State>,
}

struct State {
    /// Every id up to this one is done (persisted).
    floor: i64,
    /// Ids above the floor admitted since.
    seen: BTreeSet<i64>,
}

impl Dedupe {
    pub fn load(store: Arc<dyn Store>) -> Result<Self, StoreError> {
        let floor = store
            .channel_get(LAST_UPDATE_KEY)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(-1);
        Ok(Dedupe {
            store,
            state: Mutex::new(State {
                floor,
                seen: BTreeSet::new(),
            }),
        })
    }

    /// The offset to ask `getUpdates` for.
    pub fn next_offset(&self) -> i64 {
        let state = self.lock();
        state.seen.last().copied().unwrap_or(state.floor) + 1
    }

    /// `true` the first time an id is offered, `false` for a repeat.
    pub fn admit(&self, id: i64) -> bool {
        let mut state = self.lock();
        id > state.floor && state.seen.insert(id)
    }

    /// Persists the highest id admitted so far (call once those are handled).
    pub fn persist(&self) -> Result<(), StoreError> {
        let mut state = self.lock();
        let Some(&high) = state.seen.last() else {
            return Ok(());
        };
        self.store.channel_put(LAST_UPDATE_KEY, &high.to_string())?;
        state.floor = high;
        state.seen.clear();
        Ok(())
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
    fn repeats_and_old_ids_are_refused_across_restarts() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let d = Dedupe::load(store.clone()).unwrap();
        assert_eq!(d.next_offset(), 0);
        assert!(d.admit(10));
        assert!(!d.admit(10));
        assert!(d.admit(11));
        d.persist().unwrap();
        let again = Dedupe::load(store).unwrap();
        assert_eq!(again.next_offset(), 12);
        assert!(!again.admit(11));
        assert!(again.admit(12));
    }
}
