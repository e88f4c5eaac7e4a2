//! A store in memory: for tests, benchmarks and trying things out. Same
//! contract as the sled store, checked by the same conformance suite.

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::{Change, Store, StoreError};
use crate::core::{
    Completion, Learner, LearnerId, LessonProgress, Outgoing, Queued, QueuedId, QuizAttempt,
    Timestamp,
};

#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    learners: BTreeMap<LearnerId, Learner>,
    progress: BTreeMap<(LearnerId, String), LessonProgress>,
    attempts: Vec<QuizAttempt>,
    completions: Vec<Completion>,
    channel: BTreeMap<String, String>,
    outbox: BTreeMap<QueuedId, Outgoing>,
    next_seq: u64,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave a half-applied change:
        // every change is applied after all its parts are built.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Store for MemoryStore {
    fn load(&self, id: &LearnerId) -> Result<Option<Learner>, StoreError> {
        let inner = self.lock();
        Ok(inner.learners.get(id).map(|learner| {
            let mut learner = learner.clone();
            learner.progress = inner
                .progress
                .range((id.clone(), String::new())..)
                .take_while(|((owner, _), _)| owner == id)
                .map(|((_, lesson), p)| (lesson.clone(), p.clone()))
                .collect();
            learner
        }))
    }

    fn commit(&self, change: &Change<'_>) -> Result<(), StoreError> {
        let mut inner = self.lock();
        let id = change.learner.id.clone();
        let mut learner = change.learner.clone();
        // Progress lives in its own map, as a server database would keep it.
        learner.progress.clear();
        inner.learners.insert(id.clone(), learner);
        for (lesson, progress) in change.progress {
            inner
                .progress
                .insert((id.clone(), lesson.to_string()), (*progress).clone());
        }
        inner.attempts.extend_from_slice(change.attempts);
        inner.completions.extend_from_slice(change.completions);
        for item in change.outbox {
            inner.next_seq += 1;
            let id = QueuedId {
                channel: item.channel.clone(),
                due: item.not_before,
                seq: inner.next_seq,
            };
            inner.outbox.insert(id, item.clone());
        }
        Ok(())
    }

    fn completions(&self, id: &LearnerId) -> Result<Vec<Completion>, StoreError> {
        Ok(self
            .lock()
            .completions
            .iter()
            .filter(|c| &c.learner == id)
            .cloned()
            .collect())
    }

    fn attempts(&self, id: &LearnerId) -> Result<Vec<QuizAttempt>, StoreError> {
        Ok(self
            .lock()
            .attempts
            .iter()
            .filter(|a| &a.learner == id)
            .cloned()
            .collect())
    }

    fn completion_log(&self) -> Result<Vec<Completion>, StoreError> {
        Ok(self.lock().completions.clone())
    }

    fn channel_get(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self.lock().channel.get(key).cloned())
    }

    fn channel_put(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.lock()
            .channel
            .insert(key.to_string(), value.to_string());
        Ok(())
    }

    fn outbox_due(
        &self,
        channel: &str,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<Queued>, StoreError> {
        Ok(self
            .lock()
            .outbox
            .iter()
            .filter(|(id, _)| id.channel == channel && id.due <= now)
            .take(limit)
            .map(|(id, item)| Queued {
                id: id.clone(),
                item: item.clone(),
            })
            .collect())
    }

    fn outbox_remove(&self, id: &QueuedId) -> Result<(), StoreError> {
        self.lock().outbox.remove(id);
        Ok(())
    }

    fn flush(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passes_the_conformance_suite() {
        crate::store::conformance::run(&super::MemoryStore::new());
    }
}
