//! The embedded default store, on sled 0.34.
//!
//! One tree holds every record, under prefixed keys, so that a change is one
//! atomic batch:
//! - `L\0<learner>` the learner with their progress in every lesson, JSON:
//!   one read and one write per event, which is what keeps a button press
//!   cheap (a learner has a few dozen lessons at most)
//! - `Q\0<learner>\0<seq>` a quiz attempt, JSON
//! - `C\0<learner>\0<seq>` a learner's completion, JSON
//! - `E\0<seq>` the same completion in the global, append-only log
//! - `K\0<key>` a channel's own small values (file ids, offsets, tokens)
//! - `O\0<channel>\0<due>\0<seq>` an outbox message, JSON; `<due>` is the
//!   send-after time as a big-endian, sign-flipped integer, so a scan from the
//!   start of a channel's range meets the messages due first
//!
//! - `R\0<learner>` a staff role, JSON
//! - `I\0<code>` a deep-link code (invite, mentor link, group), JSON
//! - `M\0<mentor>\0<learner>` the mentor → mentees index, empty value
//! - `T\0<code>` a certificate, JSON
//! - `A\0<seq>` the audit log, JSON
//! - `S\0<scope>\0<quarter>\0<metric>` a counter, big-endian i64; the
//!   quarter is a big-endian u32 so a period is one range read
//! - `U\0<channel>\0<update key>` a platform delivery already handled, its
//!   time as a big-endian i64 (written with the change it caused)
//!
//! `<seq>` is a big-endian id from sled, so keys sort in time order.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Change, Store, StoreError};
use crate::core::stats::{CounterKey, Quarter};
use crate::core::{
    AuditEntry, Certificate, Completion, Learner, LearnerId, Link, Outgoing, Queued, QueuedId,
    QuizAttempt, Staff, Timestamp,
};

const SCHEMA_KEY: &[u8] = b"schema";
const SCHEMA_VERSION: u32 = 1;

pub struct SledStore {
    db: sled::Db,
    records: sled::Tree,
    /// Whether a completion is flushed before `commit` returns. Only bulk
    /// imports (and benchmark set-up) turn this off.
    durable: bool,
    /// Flushes asked for at the same time share one fsync.
    flushes: GroupFlush,
}

impl SledStore {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let db = Self::open_db(path)?;
        let records = db.open_tree("records").map_err(io)?;
        let store = SledStore {
            db,
            records,
            durable: true,
            flushes: GroupFlush::default(),
        };
        store.check_schema(path)?;
        Ok(store)
    }

    /// sled releases its file lock from a background thread after the last
    /// handle is dropped, so a store reopened right after closing (a quick
    /// restart, a test) may still look held for a moment: wait up to a
    /// second before calling it "in use by another process".
    fn open_db(path: &Path) -> Result<sled::Db, StoreError> {
        let mut tries = 0;
        loop {
            match sled::Config::new().path(path).open() {
                Ok(db) => return Ok(db),
                Err(e) => match open_error(path, e) {
                    StoreError::Locked { .. } if tries < 20 => {
                        tries += 1;
                        std::thread::sleep(std::time::Duration::from_millis(50));
                    }
                    other => return Err(other),
                },
            }
        }
    }

    fn check_schema(&self, path: &Path) -> Result<(), StoreError> {
        let expected = SCHEMA_VERSION.to_string();
        match self.db.get(SCHEMA_KEY).map_err(io)? {
            None => {
                self.db
                    .insert(SCHEMA_KEY, expected.as_bytes())
                    .map_err(io)?;
                Ok(())
            }
            Some(found) if found.as_ref() == expected.as_bytes() => Ok(()),
            Some(found) => Err(StoreError::Schema {
                path: path.to_path_buf(),
                found: String::from_utf8_lossy(&found).into_owned(),
                expected: SCHEMA_VERSION,
            }),
        }
    }

    fn scan<T: DeserializeOwned>(&self, prefix: &[u8]) -> Result<Vec<T>, StoreError> {
        self.records
            .scan_prefix(prefix)
            .map(|item| {
                let (key, value) = item.map_err(io)?;
                decode(&key, &value)
            })
            .collect()
    }

    /// Turns the per-completion flush off (bulk imports): call `flush` at
    /// the end.
    pub fn set_durable(&mut self, durable: bool) {
        self.durable = durable;
    }

    fn get_json<T: DeserializeOwned>(&self, k: &[u8]) -> Result<Option<T>, StoreError> {
        match self.records.get(k).map_err(io)? {
            Some(v) => decode(k, &v).map(Some),
            None => Ok(None),
        }
    }

    /// Marks a single-use code as used, if nobody did first.
    fn claim(&self, code: &str, links: &[Link]) -> Result<(), StoreError> {
        let conflict = || StoreError::Conflict {
            code: code.to_string(),
        };
        let k = key(&[b"I", code.as_bytes()]);
        let current = self.records.get(&k).map_err(io)?.ok_or_else(conflict)?;
        let link: Link = decode(&k, &current)?;
        if link.used_by.is_some() {
            return Err(conflict());
        }
        let used = links.iter().find(|l| l.code == code).ok_or_else(conflict)?;
        self.records
            .compare_and_swap(&k, Some(current), Some(encode(used)))
            .map_err(io)?
            .map_err(|_| conflict())
    }

    fn next_seq(&self) -> Result<[u8; 8], StoreError> {
        Ok(self.db.generate_id().map_err(io)?.to_be_bytes())
    }
}

fn open_error(path: &Path, e: sled::Error) -> StoreError {
    let reason = e.to_string();
    if reason.contains("could not acquire lock") {
        StoreError::Locked {
            path: path.to_path_buf(),
        }
    } else {
        StoreError::Open {
            path: path.to_path_buf(),
            reason,
        }
    }
}

fn io(e: sled::Error) -> StoreError {
    StoreError::Io(e.to_string())
}

fn key(parts: &[&[u8]]) -> Vec<u8> {
    parts.join(&0u8)
}

fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("core records always serialise")
}

fn decode<T: DeserializeOwned>(key: &[u8], value: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(value).map_err(|e| StoreError::Corrupt {
        key: String::from_utf8_lossy(key).replace('\0', "/"),
        reason: e.to_string(),
    })
}

impl Store for SledStore {
    fn load(&self, id: &LearnerId) -> Result<Option<Learner>, StoreError> {
        let id_bytes = id.as_str().as_bytes();
        let learner_key = key(&[b"L", id_bytes]);
        let Some(value) = self.records.get(&learner_key).map_err(io)? else {
            return Ok(None);
        };
        decode(&learner_key, &value).map(Some)
    }

    fn commit(&self, change: &Change<'_>) -> Result<(), StoreError> {
        let id = change.learner.id.as_str().as_bytes();
        let learner = key(&[b"L", id]);
        if is_plain(change) {
            // The common case, a step or a menu: one write, no batch needed.
            // Not a batch even with a delivery id: a sled batch takes a
            // global write lock that waits for every flush in progress, so
            // each step would wait for others' completions to reach the
            // disk. The id is written right after, in log order; a crash
            // between the two can only mean the step is answered again.
            self.records
                .insert(learner, encode(change.learner))
                .map_err(io)?;
            if let Some(update) = change.update {
                self.records
                    .insert(
                        update_key(update.channel, update.key),
                        &update.at.to_be_bytes()[..],
                    )
                    .map_err(io)?;
            }
            return Ok(());
        }
        if let Some(code) = change.claim {
            self.claim(code, change.links)?;
        }
        let mut batch = sled::Batch::default();
        batch.insert(learner, encode(change.learner));
        for attempt in change.attempts {
            batch.insert(key(&[b"Q", id, &self.next_seq()?]), encode(attempt));
        }
        for completion in change.completions {
            let seq = self.next_seq()?;
            let value = encode(completion);
            batch.insert(key(&[b"C", id, &seq]), value.clone());
            batch.insert(key(&[b"E", &seq]), value);
        }
        for item in change.outbox {
            let seq = self.db.generate_id().map_err(io)?;
            let qid = QueuedId {
                channel: item.channel.clone(),
                due: item.not_before,
                seq,
            };
            batch.insert(outbox_key(&qid), encode(item));
        }
        for (who, staff) in change.staff {
            let k = key(&[b"R", who.as_str().as_bytes()]);
            match staff {
                Some(staff) => batch.insert(k, encode(staff)),
                None => batch.remove(k),
            }
        }
        for link in change.links {
            batch.insert(key(&[b"I", link.code.as_bytes()]), encode(link));
        }
        for cert in change.certificates {
            batch.insert(key(&[b"T", cert.code.as_bytes()]), encode(cert));
        }
        for entry in change.audit {
            batch.insert(key(&[b"A", &self.next_seq()?]), encode(entry));
        }
        if let Some(before) = change.mentor_before {
            if let Some(old) = before {
                batch.remove(key(&[b"M", old.as_str().as_bytes(), id]));
            }
            if let Some(new) = &change.learner.mentor {
                batch.insert(key(&[b"M", new.id.as_str().as_bytes(), id]), &[][..]);
            }
        }
        if let Some(update) = change.update {
            batch.insert(
                update_key(update.channel, update.key),
                &update.at.to_be_bytes()[..],
            );
        }
        if change.counters.is_empty() {
            self.records.apply_batch(batch).map_err(io)?;
        } else {
            self.apply_with_counters(&batch, change.counters)?;
        }
        let must_flush = !change.completions.is_empty()
            || !change.outbox.is_empty()
            || !change.staff.is_empty()
            || !change.certificates.is_empty()
            || change.claim.is_some();
        if must_flush && self.durable {
            self.flush()?;
        }
        Ok(())
    }

    fn completions(&self, id: &LearnerId) -> Result<Vec<Completion>, StoreError> {
        self.scan(&key(&[b"C", id.as_str().as_bytes(), b""]))
    }

    fn attempts(&self, id: &LearnerId) -> Result<Vec<QuizAttempt>, StoreError> {
        self.scan(&key(&[b"Q", id.as_str().as_bytes(), b""]))
    }

    fn completion_log(&self) -> Result<Vec<Completion>, StoreError> {
        self.scan(&key(&[b"E", b""]))
    }

    fn channel_get(&self, name: &str) -> Result<Option<String>, StoreError> {
        let k = key(&[b"K", name.as_bytes()]);
        match self.records.get(&k).map_err(io)? {
            Some(v) => String::from_utf8(v.to_vec())
                .map(Some)
                .map_err(|e| StoreError::Corrupt {
                    key: name.to_string(),
                    reason: e.to_string(),
                }),
            None => Ok(None),
        }
    }

    fn channel_put(&self, name: &str, value: &str) -> Result<(), StoreError> {
        self.records
            .insert(key(&[b"K", name.as_bytes()]), value.as_bytes())
            .map_err(io)?;
        self.flush()
    }

    fn staff(&self, id: &LearnerId) -> Result<Option<Staff>, StoreError> {
        self.get_json(&key(&[b"R", id.as_str().as_bytes()]))
    }

    fn link(&self, code: &str) -> Result<Option<Link>, StoreError> {
        self.get_json(&key(&[b"I", code.as_bytes()]))
    }

    fn mentees(&self, mentor: &LearnerId) -> Result<Vec<Learner>, StoreError> {
        let prefix = key(&[b"M", mentor.as_str().as_bytes(), b""]);
        let mut out = Vec::new();
        for entry in self.records.scan_prefix(&prefix) {
            let (k, _) = entry.map_err(io)?;
            let learner = String::from_utf8_lossy(&k[prefix.len()..]).into_owned();
            if let Some(id) = LearnerId::new(learner)
                && let Some(found) = self.load(&id)?
            {
                out.push(found);
            }
        }
        Ok(out)
    }

    fn counts(
        &self,
        scope: &str,
        (from, to): (Quarter, Quarter),
    ) -> Result<BTreeMap<String, u64>, StoreError> {
        let prefix = key(&[b"S", scope.as_bytes(), b""]);
        let mut start = prefix.clone();
        start.extend_from_slice(&from.to_be_bytes());
        let mut out: BTreeMap<String, u64> = BTreeMap::new();
        for entry in self.records.range(start..) {
            let (k, v) = entry.map_err(io)?;
            if !k.starts_with(&prefix) {
                break;
            }
            let rest = &k[prefix.len()..];
            let Some(quarter) = rest
                .get(..4)
                .map(|b| u32::from_be_bytes(b.try_into().expect("4")))
            else {
                continue;
            };
            if quarter > to {
                break;
            }
            let metric = String::from_utf8_lossy(rest.get(5..).unwrap_or_default()).into_owned();
            let value = counter_value(&v);
            if value > 0 {
                *out.entry(metric).or_default() += value as u64;
            }
        }
        Ok(out)
    }

    fn certificate(&self, code: &str) -> Result<Option<Certificate>, StoreError> {
        self.get_json(&key(&[b"T", code.as_bytes()]))
    }

    fn audit_log(&self) -> Result<Vec<AuditEntry>, StoreError> {
        self.scan(&key(&[b"A", b""]))
    }

    fn outbox_due(
        &self,
        channel: &str,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<Queued>, StoreError> {
        let start = key(&[b"O", channel.as_bytes(), b""]);
        let end = key(&[b"O", channel.as_bytes(), &due_bytes(now.saturating_add(1))]);
        self.records
            .range(start..end)
            .take(limit)
            .map(|entry| {
                let (k, v) = entry.map_err(io)?;
                queued(channel, &k, &v)
            })
            .collect()
    }

    fn outbox_remove(&self, id: &QueuedId) -> Result<(), StoreError> {
        self.records.remove(outbox_key(id)).map_err(io)?;
        self.flush()
    }

    fn outbox_due_after(
        &self,
        channel: &str,
        now: Timestamp,
        after: &QueuedId,
        limit: usize,
    ) -> Result<Vec<Queued>, StoreError> {
        use std::ops::Bound::Excluded;
        if after.channel != channel {
            return self.outbox_due(channel, now, limit);
        }
        let end = key(&[b"O", channel.as_bytes(), &due_bytes(now.saturating_add(1))]);
        self.records
            .range((Excluded(outbox_key(after)), Excluded(end)))
            .take(limit)
            .map(|entry| {
                let (k, v) = entry.map_err(io)?;
                queued(channel, &k, &v)
            })
            .collect()
    }

    fn seen_update(&self, channel: &str, key: &str) -> Result<bool, StoreError> {
        self.records
            .contains_key(update_key(channel, key))
            .map_err(io)
    }

    fn forget_updates(&self, before: Timestamp) -> Result<usize, StoreError> {
        let mut forgotten = 0;
        for entry in self.records.scan_prefix(key(&[b"U", b""])) {
            let (k, v) = entry.map_err(io)?;
            let at = v
                .as_ref()
                .try_into()
                .map_or(Timestamp::MIN, Timestamp::from_be_bytes);
            if at < before {
                self.records.remove(k).map_err(io)?;
                forgotten += 1;
            }
        }
        Ok(forgotten)
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.flushes.run(|| self.db.flush().map(|_| ()).map_err(io))
    }
}

/// An outbox entry as the store hands it out.
fn queued(channel: &str, k: &[u8], v: &[u8]) -> Result<Queued, StoreError> {
    let item: Outgoing = decode(k, v)?;
    let seq_bytes: [u8; 8] = k[k.len() - 8..].try_into().expect("8-byte suffix");
    Ok(Queued {
        id: QueuedId {
            channel: channel.to_string(),
            due: item.not_before,
            seq: u64::from_be_bytes(seq_bytes),
        },
        item,
    })
}

fn update_key(channel: &str, update: &str) -> Vec<u8> {
    key(&[b"U", channel.as_bytes(), update.as_bytes()])
}

/// Whether a change only rewrites the learner.
fn is_plain(change: &Change<'_>) -> bool {
    change.attempts.is_empty()
        && change.completions.is_empty()
        && change.outbox.is_empty()
        && change.staff.is_empty()
        && change.links.is_empty()
        && change.claim.is_none()
        && change.certificates.is_empty()
        && change.audit.is_empty()
        && change.counters.is_empty()
        && change.mentor_before.is_none()
}

fn counter_key(k: &CounterKey) -> Vec<u8> {
    key(&[
        b"S",
        k.scope.as_bytes(),
        &k.quarter.to_be_bytes(),
        k.metric.as_bytes(),
    ])
}

fn counter_value(bytes: &[u8]) -> i64 {
    bytes.try_into().map(i64::from_be_bytes).unwrap_or_default()
}

impl SledStore {
    /// The batch and the counter changes in one transaction: figures never
    /// disagree with the records, even after a crash, and concurrent
    /// increments of one counter are serialised by sled (it retries).
    fn apply_with_counters(
        &self,
        batch: &sled::Batch,
        counters: &[(CounterKey, i64)],
    ) -> Result<(), StoreError> {
        let keys: Vec<(Vec<u8>, i64)> =
            counters.iter().map(|(k, d)| (counter_key(k), *d)).collect();
        self.records
            .transaction(|tx| {
                for (k, delta) in &keys {
                    let now = tx.get(k)?.map_or(0, |v| counter_value(&v)) + delta;
                    tx.insert(k.as_slice(), &now.to_be_bytes()[..])?;
                }
                tx.apply_batch(batch)?;
                Ok::<(), sled::transaction::ConflictableTransactionError<()>>(())
            })
            .map_err(|e| StoreError::Io(format!("{e:?}")))
    }
}

fn outbox_key(id: &QueuedId) -> Vec<u8> {
    key(&[
        b"O",
        id.channel.as_bytes(),
        &due_bytes(id.due),
        &id.seq.to_be_bytes(),
    ])
}

/// Group commit: sled gives each `flush` call its own write and fsync, one
/// after another, so completions arriving together (a class finishing a
/// lesson) would wait for each other's fsyncs. A caller that arrives while
/// a flush runs waits for it, then one of those waiting runs a single flush
/// for all of them: everything each had written is durable when it returns.
#[derive(Default)]
struct GroupFlush {
    state: std::sync::Mutex<Flushing>,
    done: std::sync::Condvar,
}

#[derive(Default)]
struct Flushing {
    /// Flushes asked for so far (a ticket each).
    asked: u64,
    /// Every ticket up to this one is covered by a finished flush.
    covered: u64,
    running: bool,
}

impl GroupFlush {
    fn lock(&self) -> std::sync::MutexGuard<'_, Flushing> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn run(&self, flush: impl Fn() -> Result<(), StoreError>) -> Result<(), StoreError> {
        let mut state = self.lock();
        state.asked += 1;
        let ticket = state.asked;
        loop {
            if state.covered >= ticket {
                return Ok(());
            }
            if !state.running {
                // Everything asked for so far was written before this flush starts.
                let upto = state.asked;
                state.running = true;
                drop(state);
                let result = flush();
                state = self.lock();
                state.running = false;
                if result.is_ok() {
                    state.covered = state.covered.max(upto);
                }
                self.done.notify_all();
                // A failure is this caller's; the others try again themselves.
                return result;
            }
            state = self.done.wait(state).unwrap_or_else(|p| p.into_inner());
        }
    }
}

/// A timestamp whose bytes sort like the number (negative ones first).
fn due_bytes(at: Timestamp) -> [u8; 8] {
    ((at as u64) ^ (1 << 63)).to_be_bytes()
}

impl std::fmt::Debug for SledStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SledStore").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn flushes_asked_for_together_share_one() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let group = std::sync::Arc::new(GroupFlush::default());
        let runs = std::sync::Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (group, runs) = (group.clone(), runs.clone());
                std::thread::spawn(move || {
                    group
                        .run(|| {
                            runs.fetch_add(1, Ordering::SeqCst);
                            std::thread::sleep(std::time::Duration::from_millis(50));
                            Ok(())
                        })
                        .unwrap()
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        // The first runs alone; the seven that came meanwhile share one more.
        let runs = runs.load(Ordering::SeqCst);
        assert!((1..=3).contains(&runs), "{runs} flushes for 8 callers");
        // A failure reaches the caller whose flush failed.
        let failing = GroupFlush::default();
        assert!(failing.run(|| Err(StoreError::Io("disk".into()))).is_err());
        assert!(failing.run(|| Ok(())).is_ok());
    }
    use super::*;

    #[test]
    fn passes_the_conformance_suite() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path()).unwrap();
        crate::store::conformance::run(&store);
    }

    #[test]
    fn data_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let written = {
            let store = SledStore::open(dir.path()).unwrap();
            crate::store::conformance::write_sample(&store)
        };
        let store = SledStore::open(dir.path()).unwrap();
        crate::store::conformance::check_sample(&store, &written);
    }

    #[test]
    fn the_outbox_survives_reopening_and_removals_stick() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = SledStore::open(dir.path()).unwrap();
            crate::store::conformance::outbox(&store);
            let learner = Learner::new(LearnerId::new("tg:1").unwrap(), "telegram", "A", 1);
            let item = crate::store::conformance::card("telegram", "-9", 10);
            store
                .commit(&Change {
                    outbox: std::slice::from_ref(&item),
                    ..Change::of(&learner)
                })
                .unwrap();
        }
        let store = SledStore::open(dir.path()).unwrap();
        let due = store.outbox_due("telegram", 1000, 10).unwrap();
        // Two left by the suite, plus the one written last.
        assert_eq!(due.len(), 3);
        assert!(due.iter().any(|q| q.item.not_before == 10));
    }

    #[test]
    fn a_second_open_reports_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let _first = SledStore::open(dir.path()).unwrap();
        let err = SledStore::open(dir.path()).unwrap_err();
        assert!(matches!(err, StoreError::Locked { .. }), "{err}");
        assert!(err.to_string().contains("in use by another process"));
    }

    #[test]
    fn an_unreadable_path_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-dir");
        std::fs::write(&file, b"x").unwrap();
        let err = SledStore::open(&file).unwrap_err();
        assert!(matches!(err, StoreError::Open { .. }), "{err}");
    }

    #[test]
    fn a_store_from_another_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        {
            let db = sled::open(dir.path()).unwrap();
            db.insert(SCHEMA_KEY, b"99".as_slice()).unwrap();
            db.flush().unwrap();
        }
        let err = SledStore::open(dir.path()).unwrap_err();
        assert!(matches!(err, StoreError::Schema { .. }), "{err}");
    }
}
