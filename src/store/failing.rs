//! A store that fails on demand, wrapped around any other: what the bot does
//! when the disk is full, the file system read-only or a write fails, tested
//! without filling a disk. Writes (or reads) fail with `StoreError::Io` while
//! switched on, and change nothing, as a failed atomic write does. It can
//! also run something right after the next staff lookup, to put a
//! concurrent change (a revoke) between an event's read and its write.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::{Change, Record, Store, StoreError};
use crate::core::stats::Quarter;
use crate::core::{
    AuditEntry, Certificate, Completion, HelpThread, Learner, LearnerId, Link, Queued, QueuedId,
    QuizAttempt, Staff, Timer, TimerId, Timestamp,
};

type Hook = Box<dyn FnOnce(&dyn Store) + Send>;

pub struct FailingStore {
    inner: Arc<dyn Store>,
    writes: AtomicBool,
    reads: AtomicBool,
    refused: AtomicU64,
    after_staff_read: Mutex<Option<Hook>>,
}

impl FailingStore {
    pub fn new(inner: Arc<dyn Store>) -> Self {
        FailingStore {
            inner,
            writes: AtomicBool::new(false),
            reads: AtomicBool::new(false),
            refused: AtomicU64::new(0),
            after_staff_read: Mutex::new(None),
        }
    }

    /// Runs `then` on the inner store once, right after the next staff
    /// lookup returns its answer (as another event landing in between).
    pub fn after_next_staff_read(&self, then: impl FnOnce(&dyn Store) + Send + 'static) {
        *self
            .after_staff_read
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Box::new(then));
    }

    /// From now on every write fails (`true`) or works again (`false`).
    pub fn fail_writes(&self, fail: bool) {
        self.writes.store(fail, Ordering::SeqCst);
    }

    pub fn fail_reads(&self, fail: bool) {
        self.reads.store(fail, Ordering::SeqCst);
    }

    /// How many calls were refused so far.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::SeqCst)
    }

    pub fn inner(&self) -> &Arc<dyn Store> {
        &self.inner
    }

    fn write(&self) -> Result<(), StoreError> {
        self.check(
            &self.writes,
            "No space left on device (os error 28), injected",
        )
    }

    fn read(&self) -> Result<(), StoreError> {
        self.check(&self.reads, "Input/output error (os error 5), injected")
    }

    fn check(&self, flag: &AtomicBool, what: &str) -> Result<(), StoreError> {
        if flag.load(Ordering::SeqCst) {
            self.refused.fetch_add(1, Ordering::SeqCst);
            return Err(StoreError::Io(what.to_string()));
        }
        Ok(())
    }
}

impl Store for FailingStore {
    fn load(&self, id: &LearnerId) -> Result<Option<Learner>, StoreError> {
        self.read()?;
        self.inner.load(id)
    }
    fn commit(&self, change: &Change<'_>) -> Result<(), StoreError> {
        self.write()?;
        self.inner.commit(change)
    }
    fn completions(&self, id: &LearnerId) -> Result<Vec<Completion>, StoreError> {
        self.read()?;
        self.inner.completions(id)
    }
    fn attempts(&self, id: &LearnerId) -> Result<Vec<QuizAttempt>, StoreError> {
        self.read()?;
        self.inner.attempts(id)
    }
    fn completion_log(&self) -> Result<Vec<Completion>, StoreError> {
        self.read()?;
        self.inner.completion_log()
    }
    fn channel_get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.read()?;
        self.inner.channel_get(key)
    }
    fn channel_put(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.write()?;
        self.inner.channel_put(key, value)
    }
    fn staff(&self, id: &LearnerId) -> Result<Option<Staff>, StoreError> {
        self.read()?;
        let found = self.inner.staff(id);
        let hook = self
            .after_staff_read
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(hook) = hook {
            hook(self.inner.as_ref());
        }
        found
    }
    fn link(&self, code: &str) -> Result<Option<Link>, StoreError> {
        self.read()?;
        self.inner.link(code)
    }
    fn mentees(&self, mentor: &LearnerId) -> Result<Vec<Learner>, StoreError> {
        self.read()?;
        self.inner.mentees(mentor)
    }
    fn counts(
        &self,
        scope: &str,
        quarters: (Quarter, Quarter),
    ) -> Result<BTreeMap<String, u64>, StoreError> {
        self.read()?;
        self.inner.counts(scope, quarters)
    }
    fn certificate(&self, code: &str) -> Result<Option<Certificate>, StoreError> {
        self.read()?;
        self.inner.certificate(code)
    }
    fn audit_log(&self) -> Result<Vec<AuditEntry>, StoreError> {
        self.read()?;
        self.inner.audit_log()
    }
    fn outbox_due(
        &self,
        channel: &str,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<Queued>, StoreError> {
        self.read()?;
        self.inner.outbox_due(channel, now, limit)
    }
    fn outbox_remove(&self, id: &QueuedId) -> Result<(), StoreError> {
        self.write()?;
        self.inner.outbox_remove(id)
    }
    fn staff_list(&self) -> Result<Vec<(LearnerId, Staff)>, StoreError> {
        self.read()?;
        self.inner.staff_list()
    }
    fn help_thread(&self, id: &str) -> Result<Option<HelpThread>, StoreError> {
        self.read()?;
        self.inner.help_thread(id)
    }
    fn open_threads(&self) -> Result<Vec<HelpThread>, StoreError> {
        self.read()?;
        self.inner.open_threads()
    }
    fn timers_due(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<(TimerId, Timer)>, StoreError> {
        self.read()?;
        self.inner.timers_due(now, limit)
    }
    fn flush(&self) -> Result<(), StoreError> {
        self.write()?;
        self.inner.flush()
    }
    fn export(
        &self,
        sink: &mut dyn FnMut(Record) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.read()?;
        self.inner.export(sink)
    }
    fn import(
        &self,
        records: &mut dyn Iterator<Item = Result<Record, StoreError>>,
    ) -> Result<u64, StoreError> {
        self.write()?;
        self.inner.import(records)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;

    #[test]
    fn fails_while_switched_on_and_changes_nothing() {
        let store = FailingStore::new(Arc::new(MemoryStore::new()));
        crate::store::conformance::run(&store);
        let learner = Learner::new(LearnerId::new("tg:99").unwrap(), "telegram", "X", 1);
        store.fail_writes(true);
        let err = store.commit(&Change::of(&learner)).unwrap_err();
        assert!(err.to_string().contains("No space left"), "{err}");
        assert_eq!(store.load(&learner.id).unwrap(), None, "reads still work");
        store.fail_writes(false);
        store.commit(&Change::of(&learner)).unwrap();
        store.fail_reads(true);
        assert!(store.load(&learner.id).is_err());
        assert_eq!(store.refused(), 2);
    }
}
