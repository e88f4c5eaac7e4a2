//! Which updates polling has in hand, and so the offset to ask `getUpdates`
//! for: the lowest update not yet committed. Telegram forgets every update
//! below the offset it is sent, so an update is never confirmed before its
//! effects are stored, and a crash loses none; one being redelivered after
//! a crash is recognised by the store (`Engine::handle_once`).
//!
//! While earlier updates are still being handled, `getUpdates` may return
//! them again: `admit` lets each id through once. Ids at or above the offset
//! are remembered until the offset passes them, so memory is bounded by the
//! updates in flight.
//!
//! The last confirmed offset is kept in the store (`telegram/last_update_id`
//! holds the offset minus one) so a restart starts where Telegram stands.

use std::collections::BTreeSet;
use std::sync::Mutex;

use tokio::sync::Notify;

pub const LAST_UPDATE_KEY: &str = "telegram/last_update_id";

pub struct Offsets {
    state: Mutex<State>,
    /// Woken when an update is finished.
    finished: Notify,
}

#[derive(Default)]
struct State {
    /// Admitted and not yet committed (or dropped).
    unfinished: BTreeSet<i64>,
    /// Every id admitted at or above `floor`.
    admitted: BTreeSet<i64>,
    /// Ids below this were confirmed to Telegram (or skipped at start).
    floor: i64,
    /// One past the highest id admitted.
    next: i64,
}

impl Offsets {
    /// `last` is the persisted last update id (all ids up to it confirmed).
    pub fn new(last: Option<i64>) -> Self {
        let floor = last.map_or(0, |l| l + 1);
        Offsets {
            state: Mutex::new(State {
                floor,
                next: floor,
                ..State::default()
            }),
            finished: Notify::new(),
        }
    }

    /// The offset to poll with.
    pub fn offset(&self) -> i64 {
        let state = self.lock();
        state.unfinished.first().copied().unwrap_or(state.next)
    }

    /// `true` the first time an id is offered at or above the floor.
    pub fn admit(&self, id: i64) -> bool {
        let mut state = self.lock();
        if id < state.floor || !state.admitted.insert(id) {
            return false;
        }
        state.unfinished.insert(id);
        state.next = state.next.max(id + 1);
        true
    }

    /// Its effects are stored (or it was dropped): it may be confirmed.
    pub fn finish(&self, id: i64) {
        self.lock().unfinished.remove(&id);
        self.finished.notify_waiters();
    }

    /// Updates admitted and not finished.
    pub fn unfinished(&self) -> usize {
        self.lock().unfinished.len()
    }

    /// Telegram was sent `offset` and answered: ids below it are gone there.
    pub fn confirmed(&self, offset: i64) {
        let mut state = self.lock();
        if offset > state.floor {
            state.floor = offset;
            state.admitted = state.admitted.split_off(&offset);
        }
    }

    /// The last id Telegram was told it may forget, to persist.
    pub fn last_confirmed(&self) -> Option<i64> {
        let floor = self.lock().floor;
        (floor > 0).then(|| floor - 1)
    }

    /// Waits until nothing is unfinished, or `limit` passes.
    pub async fn settled(&self, limit: std::time::Duration) {
        let wait = async {
            loop {
                let notified = self.finished.notified();
                if self.unfinished() == 0 {
                    return;
                }
                notified.await;
            }
        };
        let _ = tokio::time::timeout(limit, wait).await;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_offset_is_the_lowest_unfinished_update() {
        let offsets = Offsets::new(None);
        assert_eq!(offsets.offset(), 0);
        for id in [10, 11, 12] {
            assert!(offsets.admit(id));
        }
        assert_eq!(offsets.offset(), 10);
        // 11 and 12 are done, 10 is not (a slow chat): 10 is not confirmed.
        offsets.finish(11);
        offsets.finish(12);
        assert_eq!(offsets.offset(), 10);
        // Fetched again meanwhile: each is let through only once.
        assert!(!offsets.admit(10) && !offsets.admit(11) && !offsets.admit(12));
        assert!(offsets.admit(13));
        offsets.finish(10);
        assert_eq!(offsets.offset(), 13);
        offsets.finish(13);
        assert_eq!(offsets.offset(), 14);
        offsets.confirmed(14);
        assert_eq!(offsets.last_confirmed(), Some(13));
        // Below the confirmed offset: never again.
        assert!(!offsets.admit(12));
    }

    #[test]
    fn a_restart_starts_after_the_last_confirmed_id() {
        let offsets = Offsets::new(Some(41));
        assert_eq!(offsets.offset(), 42);
        assert!(!offsets.admit(41));
        assert!(offsets.admit(42));
        assert_eq!(offsets.last_confirmed(), Some(41));
    }

    #[tokio::test]
    async fn settled_waits_for_the_updates_in_hand() {
        let offsets = std::sync::Arc::new(Offsets::new(None));
        offsets.admit(1);
        let o = std::sync::Arc::clone(&offsets);
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            o.finish(1);
        });
        offsets.settled(std::time::Duration::from_secs(5)).await;
        assert_eq!(offsets.unfinished(), 0);
    }
}
