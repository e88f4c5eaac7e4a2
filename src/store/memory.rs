//! A store in memory: for tests, benchmarks and trying things out. Same
//! contract as the sled store, checked by the same conformance suite.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use super::{Change, Record, Store, StoreError};
use crate::core::stats::{CounterKey, Quarter};
use crate::core::{
    AuditEntry, Certificate, Completion, HelpThread, Learner, LearnerId, LessonProgress, Link,
    Outgoing, Queued, QueuedId, QuizAttempt, Staff, Timer, TimerId, Timestamp,
};

#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    learners: BTreeMap<LearnerId, Learner>,
    progress: BTreeMap<(LearnerId, String), LessonProgress>,
    /// The latest answer per learner, lesson and question.
    attempts: BTreeMap<(LearnerId, String, usize), QuizAttempt>,
    /// The latest completion per learner and lesson.
    completions: BTreeMap<(LearnerId, String), Completion>,
    /// First completions, by sequence number.
    log: BTreeMap<u64, Completion>,
    channel: BTreeMap<String, String>,
    outbox: BTreeMap<QueuedId, Outgoing>,
    next_seq: u64,
    staff: BTreeMap<LearnerId, Staff>,
    links: BTreeMap<String, Link>,
    certificates: BTreeMap<String, Certificate>,
    audit: BTreeMap<u64, AuditEntry>,
    counters: BTreeMap<CounterKey, i64>,
    mentees: BTreeSet<(LearnerId, LearnerId)>,
    threads: BTreeMap<String, HelpThread>,
    timers: BTreeMap<TimerId, Timer>,
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
            if used || !change.links.iter().any(|l| l.code == code) {
                return Err(StoreError::Conflict {
                    code: code.to_string(),
                });
            }
        }
        for (who, seen) in change.staff_seen {
            if change.staff.iter().any(|(w, _)| w == who) && inner.staff.get(who) != seen.as_ref() {
                return Err(StoreError::Stale {
                    record: format!("role of {}", who.as_str()),
                });
            }
        }
        for thread in change.threads {
            let stored = inner.threads.get(&thread.id).map_or(0, |t| t.version);
            if stored + 1 != thread.version {
                return Err(StoreError::Conflict {
                    code: thread.id.clone(),
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
        for a in change.attempts {
            let key = (a.learner.clone(), a.lesson.clone(), a.question);
            inner.attempts.insert(key, a.clone());
        }
        for c in change.completions {
            let key = (c.learner.clone(), c.lesson.clone());
            if inner.completions.insert(key, c.clone()).is_none() {
                inner.next_seq += 1;
                let seq = inner.next_seq;
                inner.log.insert(seq, c.clone());
            }
        }
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
        for entry in change.audit {
            inner.next_seq += 1;
            let seq = inner.next_seq;
            inner.audit.insert(seq, entry.clone());
        }
        for thread in change.threads {
            inner.threads.insert(thread.id.clone(), thread.clone());
        }
        for timer in change.timers {
            inner.next_seq += 1;
            let id = TimerId {
                due: timer.due,
                seq: inner.next_seq,
            };
            inner.timers.insert(id, timer.clone());
        }
        if let Some(done) = change.timer_done {
            inner.timers.remove(done);
        }
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
        Ok(())
    }

    fn completions(&self, id: &LearnerId) -> Result<Vec<Completion>, StoreError> {
        let mut found: Vec<Completion> = self
            .lock()
            .completions
            .values()
            .filter(|c| &c.learner == id)
            .cloned()
            .collect();
        found.sort_by_key(|c| c.at);
        Ok(found)
    }

    fn attempts(&self, id: &LearnerId) -> Result<Vec<QuizAttempt>, StoreError> {
        let mut found: Vec<QuizAttempt> = self
            .lock()
            .attempts
            .values()
            .filter(|a| &a.learner == id)
            .cloned()
            .collect();
        found.sort_by_key(|a| a.at);
        Ok(found)
    }

    fn completion_log(&self) -> Result<Vec<Completion>, StoreError> {
        Ok(self.lock().log.values().cloned().collect())
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
        Ok(self.lock().audit.values().cloned().collect())
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

    fn staff_list(&self) -> Result<Vec<(LearnerId, Staff)>, StoreError> {
        let inner = self.lock();
        Ok(inner
            .staff
            .iter()
            .map(|(id, s)| (id.clone(), s.clone()))
            .collect())
    }

    fn help_thread(&self, id: &str) -> Result<Option<HelpThread>, StoreError> {
        Ok(self.lock().threads.get(id).cloned())
    }

    fn open_threads(&self) -> Result<Vec<HelpThread>, StoreError> {
        let inner = self.lock();
        Ok(inner
            .threads
            .values()
            .filter(|t| t.is_open())
            .cloned()
            .collect())
    }

    fn timers_due(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<(TimerId, Timer)>, StoreError> {
        let inner = self.lock();
        Ok(inner
            .timers
            .iter()
            .take_while(|(id, _)| id.due <= now)
            .take(limit)
            .map(|(id, t)| (id.clone(), t.clone()))
            .collect())
    }

    fn flush(&self) -> Result<(), StoreError> {
        Ok(())
    }

    fn export(
        &self,
        sink: &mut dyn FnMut(Record) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        // Copied under the lock (one instant), handed out after it.
        let records: Vec<Record> = {
            let inner = self.lock();
            let mut out = Vec::new();
            for (id, learner) in &inner.learners {
                let mut learner = learner.clone();
                learner.progress = inner
                    .progress
                    .range((id.clone(), String::new())..)
                    .take_while(|((owner, _), _)| owner == id)
                    .map(|((_, lesson), p)| (lesson.clone(), p.clone()))
                    .collect();
                out.push(Record::Learner(Box::new(learner)));
            }
            out.extend(inner.attempts.values().cloned().map(Record::Attempt));
            out.extend(inner.completions.values().cloned().map(Record::Completion));
            out.extend(inner.log.iter().map(|(seq, c)| Record::Logged {
                seq: *seq,
                completion: c.clone(),
            }));
            out.extend(inner.staff.iter().map(|(id, staff)| Record::Staff {
                id: id.clone(),
                staff: staff.clone(),
            }));
            out.extend(inner.links.values().cloned().map(Record::Link));
            out.extend(
                inner
                    .certificates
                    .values()
                    .cloned()
                    .map(Record::Certificate),
            );
            out.extend(inner.audit.iter().map(|(seq, entry)| Record::Audit {
                seq: *seq,
                entry: entry.clone(),
            }));
            out.extend(inner.outbox.iter().map(|(id, item)| Record::Outbox {
                channel: id.channel.clone(),
                due: id.due,
                seq: id.seq,
                item: item.clone(),
            }));
            out.extend(inner.counters.iter().map(|(k, v)| Record::Counter {
                scope: k.scope.clone(),
                quarter: k.quarter,
                metric: k.metric.clone(),
                value: *v,
            }));
            out.extend(inner.channel.iter().map(|(k, v)| Record::Channel {
                key: k.clone(),
                value: v.clone(),
            }));
            out.extend(inner.threads.values().cloned().map(Record::Thread));
            out.extend(inner.timers.iter().map(|(id, timer)| Record::Timer {
                seq: id.seq,
                timer: timer.clone(),
            }));
            out
        };
        records.into_iter().try_for_each(sink)
    }

    fn import(
        &self,
        records: &mut dyn Iterator<Item = Result<Record, StoreError>>,
    ) -> Result<u64, StoreError> {
        let mut inner = self.lock();
        let empty = inner.learners.is_empty()
            && inner.attempts.is_empty()
            && inner.completions.is_empty()
            && inner.log.is_empty()
            && inner.channel.is_empty()
            && inner.outbox.is_empty()
            && inner.staff.is_empty()
            && inner.links.is_empty()
            && inner.certificates.is_empty()
            && inner.audit.is_empty()
            && inner.counters.is_empty()
            && inner.threads.is_empty()
            && inner.timers.is_empty();
        if !empty {
            return Err(StoreError::NotEmpty);
        }
        let mut count = 0;
        for record in records {
            let inner = &mut *inner;
            match record? {
                Record::Learner(mut learner) => {
                    let id = learner.id.clone();
                    for (lesson, p) in std::mem::take(&mut learner.progress) {
                        inner.progress.insert((id.clone(), lesson), p);
                    }
                    if let Some(m) = &learner.mentor {
                        inner.mentees.insert((m.id.clone(), id.clone()));
                    }
                    inner.learners.insert(id, *learner);
                }
                Record::Attempt(a) => {
                    let key = (a.learner.clone(), a.lesson.clone(), a.question);
                    inner.attempts.insert(key, a);
                }
                Record::Completion(c) => {
                    inner
                        .completions
                        .insert((c.learner.clone(), c.lesson.clone()), c);
                }
                Record::Logged { seq, completion } => {
                    inner.next_seq = inner.next_seq.max(seq);
                    inner.log.insert(seq, completion);
                }
                Record::Staff { id, staff } => {
                    inner.staff.insert(id, staff);
                }
                Record::Link(link) => {
                    inner.links.insert(link.code.clone(), link);
                }
                Record::Certificate(c) => {
                    inner.certificates.insert(c.code.clone(), c);
                }
                Record::Audit { seq, entry } => {
                    inner.next_seq = inner.next_seq.max(seq);
                    inner.audit.insert(seq, entry);
                }
                Record::Outbox {
                    channel,
                    due,
                    seq,
                    item,
                } => {
                    inner.next_seq = inner.next_seq.max(seq);
                    inner.outbox.insert(QueuedId { channel, due, seq }, item);
                }
                Record::Counter {
                    scope,
                    quarter,
                    metric,
                    value,
                } => {
                    inner.counters.insert(
                        CounterKey {
                            scope,
                            quarter,
                            metric,
                        },
                        value,
                    );
                }
                Record::Channel { key, value } => {
                    inner.channel.insert(key, value);
                }
                Record::Thread(thread) => {
                    inner.threads.insert(thread.id.clone(), thread);
                }
                Record::Timer { seq, timer } => {
                    inner.next_seq = inner.next_seq.max(seq);
                    let id = TimerId {
                        due: timer.due,
                        seq,
                    };
                    inner.timers.insert(id, timer);
                }
            }
            count += 1;
        }
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passes_the_conformance_suite() {
        crate::store::conformance::run(&super::MemoryStore::new());
    }

    #[test]
    fn exports_into_an_empty_store_and_refuses_a_full_one() {
        crate::store::conformance::export_import(
            &super::MemoryStore::new(),
            &super::MemoryStore::new(),
        );
    }
}
