//! A store in memory: for tests, benchmarks and trying things out. Same
//! contract as the sled store, checked by the same conformance suite.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use super::{Change, Store, StoreError};
use crate::core::stats::{CounterKey, Quarter};
use crate::core::{
    AuditEntry, Certificate, Completion, Learner, LearnerId, LessonProgress, Link, Outgoing,
    Queued, QueuedId, QuizAttempt, Staff, Timestamp,
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
    staff: BTreeMap<LearnerId, Staff>,
    links: BTreeMap<String, Link>,
    certificates: BTreeMap<String, Certificate>,
    audit: Vec<AuditEntry>,
    counters: BTreeMap<CounterKey, i64>,
    mentees: BTreeSet<(LearnerId, LearnerId)>,
    updates: BTreeMap<(String, String), Timestamp>,
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
        if let Some(code) = change.claim {
            let used = inner.links.get(code).is_none_or(|l| l.used_by.is_some());
            if used {
                return Err(StoreError::Conflict {
                    code: code.to_string(),
                });
            }
        }
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
        for (who, staff) in change.staff {
            match staff {
                Some(staff) => inner.staff.insert(who.clone(), staff.clone()),
                None => inner.staff.remove(who),
            };
        }
        for link in change.links {
            inner.links.insert(link.code.clone(), link.clone());
        }
        for cert in change.certificates {
            inner.certificates.insert(cert.code.clone(), cert.clone());
        }
        inner.audit.extend_from_slice(change.audit);
        for (key, delta) in change.counters {
            *inner.counters.entry(key.clone()).or_default() += delta;
        }
        if let Some(before) = change.mentor_before {
            if let Some(old) = before {
                inner.mentees.remove(&(old.clone(), id.clone()));
            }
            if let Some(new) = &change.learner.mentor {
                inner.mentees.insert((new.id.clone(), id.clone()));
            }
        }
        if let Some(update) = change.update {
            inner
                .updates
                .insert((update.channel.into(), update.key.into()), update.at);
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

    fn staff(&self, id: &LearnerId) -> Result<Option<Staff>, StoreError> {
        Ok(self.lock().staff.get(id).cloned())
    }

    fn link(&self, code: &str) -> Result<Option<Link>, StoreError> {
        Ok(self.lock().links.get(code).cloned())
    }

    fn mentees(&self, mentor: &LearnerId) -> Result<Vec<Learner>, StoreError> {
        let ids: Vec<LearnerId> = self
            .lock()
            .mentees
            .iter()
            .filter(|(m, _)| m == mentor)
            .map(|(_, l)| l.clone())
            .collect();
        let mut out = Vec::new();
        for id in ids {
            out.extend(self.load(&id)?);
        }
        Ok(out)
    }

    fn counts(
        &self,
        scope: &str,
        (from, to): (Quarter, Quarter),
    ) -> Result<BTreeMap<String, u64>, StoreError> {
        let mut out: BTreeMap<String, u64> = BTreeMap::new();
        for (key, value) in &self.lock().counters {
            if key.scope == scope && (from..=to).contains(&key.quarter) && *value > 0 {
                *out.entry(key.metric.clone()).or_default() += *value as u64;
            }
        }
        Ok(out)
    }

    fn certificate(&self, code: &str) -> Result<Option<Certificate>, StoreError> {
        Ok(self.lock().certificates.get(code).cloned())
    }

    fn audit_log(&self) -> Result<Vec<AuditEntry>, StoreError> {
        Ok(self.lock().audit.clone())
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

    fn outbox_due_after(
        &self,
        channel: &str,
        now: Timestamp,
        after: &QueuedId,
        limit: usize,
    ) -> Result<Vec<Queued>, StoreError> {
        use std::ops::Bound::{Excluded, Unbounded};
        Ok(self
            .lock()
            .outbox
            .range((Excluded(after.clone()), Unbounded))
            .filter(|(id, _)| id.channel == channel && id.due <= now)
            .take(limit)
            .map(|(id, item)| Queued {
                id: id.clone(),
                item: item.clone(),
            })
            .collect())
    }

    fn seen_update(&self, channel: &str, key: &str) -> Result<bool, StoreError> {
        Ok(self
            .lock()
            .updates
            .contains_key(&(channel.to_string(), key.to_string())))
    }

    fn forget_updates(&self, before: Timestamp) -> Result<usize, StoreError> {
        let mut inner = self.lock();
        let was = inner.updates.len();
        inner.updates.retain(|_, at| *at >= before);
        Ok(was - inner.updates.len())
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
