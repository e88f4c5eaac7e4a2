//! A store in memory: for tests, benchmarks and trying things out. Same
//! contract as the sled store, checked by the same conformance suite.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use super::copy::Record;
use super::forget::{self, Forget, ForgetReport};
use super::{Change, Store, StoreError};
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
            if used {
                return Err(StoreError::Conflict {
                    code: code.to_string(),
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

    fn forget(&self, f: &Forget<'_>) -> Result<ForgetReport, StoreError> {
        let mut inner = self.lock();
        let id = f.learner;
        let mut report = ForgetReport::default();
        let learner = inner.learners.remove(id);
        report.learner = learner.is_some();
        let theirs: Vec<String> = inner
            .threads
            .values()
            .filter(|t| &t.learner == id)
            .map(|t| t.id.clone())
            .collect();
        let needles = forget::needles(learner.as_ref(), id, &theirs);
        let before = inner.progress.len();
        inner.progress.retain(|(owner, _), _| owner != id);
        report.progress = before - inner.progress.len();
        let before = inner.attempts.len();
        inner.attempts.retain(|a| &a.learner != id);
        report.attempts = before - inner.attempts.len();
        let before = inner.completions.len();
        inner.completions.retain(|c| &c.learner != id);
        report.completions = before - inner.completions.len();
        for cert in inner.certificates.values_mut() {
            if &cert.learner == id {
                *cert = forget::withdrawn(cert, f.at);
                report.certificates += 1;
            }
        }
        for thread in &theirs {
            inner.threads.remove(thread);
        }
        report.threads = theirs.len();
        let before = inner.outbox.len();
        inner
            .outbox
            .retain(|_, item| !forget::outbox_mentions(item, &needles));
        report.outbox = before - inner.outbox.len();
        let before = inner.timers.len();
        inner.timers.retain(|_, t| &t.learner != id);
        report.timers = before - inner.timers.len();
        let channel = learner
            .as_ref()
            .map_or("", |l| l.channel.as_str())
            .to_string();
        let before = inner.channel.len();
        inner
            .channel
            .retain(|k, _| !forget::channel_key_is_theirs(k, &channel, id));
        report.channel_values = before - inner.channel.len();
        let before = inner.links.len();
        inner.links.retain(|_, l| {
            let mentor =
                matches!(&l.kind, crate::core::LinkKind::Mentor { mentor, .. } if mentor == id);
            &l.created_by != id && l.used_by.as_ref() != Some(id) && !mentor
        });
        report.links = before - inner.links.len();
        report.staff = inner.staff.remove(id).is_some();
        // Mentees of a former volunteer lose the link to them.
        let mentees: Vec<LearnerId> = inner
            .mentees
            .iter()
            .filter(|(m, _)| m == id)
            .map(|(_, l)| l.clone())
            .collect();
        for mentee in &mentees {
            if let Some(l) = inner.learners.get_mut(mentee) {
                l.mentor = None;
            }
        }
        report.mentees = mentees.len();
        inner.mentees.retain(|(m, l)| m != id && l != id);
        for (key, delta) in f.counters {
            *inner.counters.entry(key.clone()).or_default() += delta;
        }
        for item in f.outbox {
            inner.next_seq += 1;
            let qid = QueuedId {
                channel: item.channel.clone(),
                due: item.not_before,
                seq: inner.next_seq,
            };
            inner.outbox.insert(qid, item.clone());
        }
        Ok(report)
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
        out: &mut dyn FnMut(Record) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        // A snapshot first, so `out` may call back into the store.
        let records: Vec<Record> = {
            let ids: Vec<LearnerId> = self.lock().learners.keys().cloned().collect();
            let mut records = Vec::new();
            for id in ids {
                records.extend(self.load(&id)?.map(Record::Learner));
            }
            let inner = self.lock();
            records.extend(inner.attempts.iter().cloned().map(Record::Attempt));
            records.extend(inner.completions.iter().cloned().map(Record::Completion));
            records.extend(
                inner
                    .staff
                    .iter()
                    .map(|(who, s)| Record::Staff(who.clone(), s.clone())),
            );
            records.extend(inner.links.values().cloned().map(Record::Link));
            records.extend(
                inner
                    .certificates
                    .values()
                    .cloned()
                    .map(Record::Certificate),
            );
            records.extend(inner.audit.iter().cloned().map(Record::Audit));
            records.extend(inner.outbox.values().cloned().map(Record::Outbox));
            records.extend(
                inner
                    .counters
                    .iter()
                    .map(|(k, v)| Record::Counter(k.clone(), *v)),
            );
            records.extend(
                inner
                    .channel
                    .iter()
                    .map(|(k, v)| Record::Channel(k.clone(), v.clone())),
            );
            records.extend(inner.threads.values().cloned().map(Record::Thread));
            records.extend(inner.timers.values().cloned().map(Record::Timer));
            records
        };
        records.into_iter().try_for_each(out)
    }

    fn import(&self, records: &[Record]) -> Result<(), StoreError> {
        let mut inner = self.lock();
        for record in records {
            match record {
                Record::Learner(learner) => {
                    let id = learner.id.clone();
                    for (lesson, p) in &learner.progress {
                        inner
                            .progress
                            .insert((id.clone(), lesson.clone()), p.clone());
                    }
                    if let Some(mentor) = &learner.mentor {
                        inner.mentees.insert((mentor.id.clone(), id.clone()));
                    }
                    let mut bare = learner.clone();
                    bare.progress.clear();
                    inner.learners.insert(id, bare);
                }
                Record::Attempt(a) => inner.attempts.push(a.clone()),
                Record::Completion(c) => inner.completions.push(c.clone()),
                Record::Staff(who, s) => {
                    inner.staff.insert(who.clone(), s.clone());
                }
                Record::Link(l) => {
                    inner.links.insert(l.code.clone(), l.clone());
                }
                Record::Certificate(c) => {
                    inner.certificates.insert(c.code.clone(), c.clone());
                }
                Record::Audit(a) => inner.audit.push(a.clone()),
                Record::Outbox(item) => {
                    inner.next_seq += 1;
                    let id = QueuedId {
                        channel: item.channel.clone(),
                        due: item.not_before,
                        seq: inner.next_seq,
                    };
                    inner.outbox.insert(id, item.clone());
                }
                Record::Counter(k, v) => {
                    *inner.counters.entry(k.clone()).or_default() += v;
                }
                Record::Channel(k, v) => {
                    inner.channel.insert(k.clone(), v.clone());
                }
                Record::Thread(t) => {
                    inner.threads.insert(t.id.clone(), t.clone());
                }
                Record::Timer(t) => {
                    inner.next_seq += 1;
                    let id = TimerId {
                        due: t.due,
                        seq: inner.next_seq,
                    };
                    inner.timers.insert(id, t.clone());
                }
            }
        }
        Ok(())
    }

    fn clear(&self) -> Result<(), StoreError> {
        *self.lock() = Inner::default();
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
