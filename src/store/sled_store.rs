//! The embedded default store, on sled 0.34.
//!
//! One tree holds every record, under prefixed keys, so that a change is one
//! atomic batch or transaction:
//! - `L\0<learner>` the learner with their progress in every lesson, JSON:
//!   one read and one write per event, which is what keeps a button press
//!   cheap (a learner has a few dozen lessons at most)
//! - `Q\0<learner>\0<lesson>\0<question>` the latest answer to a quiz
//!   question (`<question>` a big-endian u32): bounded per learner and lesson
//! - `C\0<learner>\0<lesson>` the learner's latest completion of a lesson
//! - `E\0<seq>` the first completion of a lesson by a learner, in the global,
//!   append-only log that figures are recounted from; a retake updates `C`
//!   and appends nothing, so no learner can grow the store by retaking
//! - `K\0<key>` a channel's own small values (file ids, offsets, tokens)
//! - `O\0<channel>\0<due>\0<seq>` an outbox message, JSON; `<due>` is the
//!   send-after time as a big-endian, sign-flipped integer, so a scan from the
//!   start of a channel's range meets the messages due first
//! - `R\0<learner>` a staff role, JSON
//! - `I\0<code>` a deep-link code (invite, mentor link, group), JSON
//! - `M\0<mentor>\0<learner>` the mentor → mentees index, empty value
//! - `T\0<code>` a certificate, JSON
//! - `A\0<seq>` the audit log, JSON
//! - `S\0<scope>\0<quarter>\0<metric>` a counter, big-endian i64; the
//!   quarter is a big-endian u32 so a period is one range read
//! - `H\0<id>` a question to volunteers, JSON; `N\0<id>` marks it open;
//!   a write must carry the stored version plus one (checked in the
//!   transaction), so two volunteers cannot both take a question
//! - `W\0<due>\0<seq>` a timer, JSON, ordered by due time like the outbox
//! - `F\0facts` the integrity facts (`facts.rs`): a count and checksum per
//!   kind, rewritten in every transaction that changes a tallied record
//!
//! `<seq>` is a big-endian number from the facts, so keys sort in time order.
//!
//! Beside sled's files, `integrity.marker` remembers the last
//! facts known to be on disk. At open the facts are checked against a full
//! read of the store and against the marker; a store that lost records, went
//! back in time or reads as new is refused with a message saying what is
//! missing and how to restore it, and nothing is written.
//!
//! After a write fails (disk full, read-only file system, I/O error) sled
//! refuses every later write until it is reopened: the store answers
//! `Io` (the learner is asked to try again later) and reopens itself, with
//! the same checks, once writing works again.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufReader, BufWriter, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde::de::DeserializeOwned;
use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};

use super::facts::{self, Facts, Marker, MarkerFile, Problem, Scan};
use super::{Change, Record, Store, StoreError, files};
use crate::core::stats::{CounterKey, Quarter};
use crate::core::{
    AuditEntry, Certificate, Completion, HelpThread, Learner, LearnerId, Link, Outgoing, Queued,
    QueuedId, QuizAttempt, Staff, Timer, TimerId, Timestamp,
};

const SCHEMA_KEY: &[u8] = b"schema";
/// 2: bounded attempts and completions, the log of first completions,
/// integrity facts. Version 1 stores are upgraded at open.
const SCHEMA_VERSION: u32 = 2;
const FACTS_KEY: &[u8] = b"F\0facts";
/// Written to find out whether the disk takes writes again.
const PROBE_KEY: &[u8] = b"K\0store/probe";
/// Waits between attempts to reopen after a failed write.
const FIRST_RETRY: Duration = Duration::from_millis(500);
const LAST_RETRY: Duration = Duration::from_secs(30);

pub struct SledStore {
    path: PathBuf,
    /// `None` while the store could not be reopened after a failure. Every
    /// operation holds a read guard; reopening and the two short moments of
    /// a snapshot that must see no write in flight hold the write guard.
    state: RwLock<Option<Open>>,
    /// While a snapshot is taken: every key written since it began.
    tracking: AtomicBool,
    dirty: Mutex<BTreeSet<Vec<u8>>>,
    snapshots: Mutex<()>,
    failing: AtomicBool,
    retry: Mutex<Retry>,
    marker: Mutex<MarkerState>,
    /// The newest facts known to be on disk (written before a flush that
    /// returned).
    flushed: Mutex<Option<Facts>>,
    /// Whether a completion is flushed before `commit` returns. Only bulk
    /// imports (and benchmark set-up) turn this off.
    durable: bool,
}

struct Open {
    db: sled::Db,
    records: sled::Tree,
}

struct Retry {
    next: Instant,
    wait: Duration,
}

struct MarkerState {
    file: MarkerFile,
    /// The generation the marker file says is on disk.
    generation: u64,
}

type TxResult<T> = Result<T, ConflictableTransactionError<StoreError>>;

impl SledStore {
    /// Opens (or creates) the store in `path`, checking its integrity; a
    /// damaged store is refused with `StoreError::Damaged`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        files::private_dir(path).map_err(|e| StoreError::Open {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let (open, facts) = Self::open_checked(path)?;
        let cannot_mark = |e: std::io::Error| StoreError::Open {
            path: path.to_path_buf(),
            reason: format!("cannot write {}: {e}", facts::MARKER_FILE),
        };
        let mut file = MarkerFile::open(path).map_err(cannot_mark)?;
        // From now on the store is in use: the marker is no longer "clean".
        file.write(&facts, false).map_err(cannot_mark)?;
        Ok(SledStore {
            path: path.to_path_buf(),
            state: RwLock::new(Some(open)),
            tracking: AtomicBool::new(false),
            dirty: Mutex::new(BTreeSet::new()),
            snapshots: Mutex::new(()),
            failing: AtomicBool::new(false),
            retry: Mutex::new(Retry {
                next: Instant::now(),
                wait: FIRST_RETRY,
            }),
            marker: Mutex::new(MarkerState {
                file,
                generation: facts.generation,
            }),
            flushed: Mutex::new(Some(facts)),
            durable: true,
        })
    }

    /// Opens sled and checks the store against its facts and the marker.
    /// sled 0.34 panics on some damaged files while it recovers them (seen:
    /// "tried to serialize Uninitialized" after a flipped byte deep in
    /// `db`): that is a damaged store too, not a crash.
    fn open_checked(path: &Path) -> Result<(Open, Facts), StoreError> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| Self::open_unguarded(path)))
            .unwrap_or_else(|panic| {
                let what = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                Err(StoreError::Damaged {
                    path: path.to_path_buf(),
                    problems: vec![Problem::Unreadable(format!(
                        "sled failed while reading its files ({what})"
                    ))],
                })
            })
    }

    fn open_unguarded(path: &Path) -> Result<(Open, Facts), StoreError> {
        let damaged = |problems: Vec<Problem>| StoreError::Damaged {
            path: path.to_path_buf(),
            problems,
        };
        let marker = Marker::read(path).map_err(|p| damaged(vec![p]))?;
        let db = Self::open_db(path)?;
        files::restrict_tree(path).map_err(|e| StoreError::Open {
            path: path.to_path_buf(),
            reason: format!("cannot make the store's files private: {e}"),
        })?;
        let records = db.open_tree("records").map_err(|e| sled_error(path, e))?;
        let open = Open { db, records };
        let facts = open.prepare(path, marker.as_ref())?;
        Ok((open, facts))
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
                Err(e) => match sled_error(path, e) {
                    StoreError::Locked { .. } if tries < 20 => {
                        tries += 1;
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    other => return Err(other),
                },
            }
        }
    }

    /// Turns the per-completion flush off (bulk imports): call `flush` at
    /// the end.
    pub fn set_durable(&mut self, durable: bool) {
        self.durable = durable;
    }

    /// Where the store lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the last write failed and the store is waiting to reopen.
    pub fn is_failing(&self) -> bool {
        self.failing.load(Ordering::Relaxed)
    }

    /// The facts as stored now.
    pub fn facts(&self) -> Result<Facts, StoreError> {
        self.with_open(|open| open.facts())
    }

    /// Checks the whole store against its facts now (what `open` does),
    /// without stopping it.
    pub fn verify(&self) -> Result<(Facts, Scan, Vec<Problem>), StoreError> {
        self.with_open(|open| {
            let facts = open.facts()?;
            let scan = open.scan().map_err(|p| StoreError::Damaged {
                path: self.path.clone(),
                problems: vec![p],
            })?;
            let problems = facts::compare(&facts, &scan);
            Ok((facts, scan, problems))
        })
    }

    /// Runs `op` on the open database; an I/O failure marks the store as
    /// failing, and a later call reopens it once that is due.
    fn with_open<T>(
        &self,
        op: impl FnOnce(&Open) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        if self.failing.load(Ordering::Relaxed) {
            self.try_reopen();
        }
        let guard = self.state.read().unwrap_or_else(PoisonError::into_inner);
        let Some(open) = guard.as_ref() else {
            return Err(StoreError::Io(
                "the store is not writable at the moment (disk full, read-only or failing); \
                 retrying"
                    .into(),
            ));
        };
        let result = op(open);
        if let Err(StoreError::Io(e)) = &result
            && !self.failing.swap(true, Ordering::Relaxed)
        {
            tracing::error!(error = %e, path = %self.path.display(),
                "a store write failed: answering \"try again later\" until it works again");
        }
        result
    }

    /// sled refuses every write after one failed until it is reopened: drop
    /// it and open it again, with the same checks as at start, at growing
    /// intervals until that works.
    fn try_reopen(&self) {
        {
            let mut retry = self.retry.lock().unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            if now < retry.next {
                return;
            }
            retry.next = now + retry.wait;
            retry.wait = (retry.wait * 2).min(LAST_RETRY);
        }
        // Until the disk takes a write, the failed database stays open for
        // reads (sled refuses only writes); it must be closed to reopen.
        if let Err(e) = probe_disk(&self.path) {
            tracing::warn!(error = %e, "the store's disk still refuses writes");
            return;
        }
        let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
        if !self.failing.load(Ordering::Relaxed) {
            return; // another thread reopened it meanwhile
        }
        if let Some(old) = state.take() {
            drop(old);
        }
        match Self::open_checked(&self.path) {
            Ok((open, facts)) => {
                // A probe write: sled opens on a full disk, then fails again.
                let probe = open
                    .records
                    .insert(PROBE_KEY, facts::unix_now().to_string().as_bytes())
                    .and_then(|_| open.db.flush())
                    .map_err(io)
                    .and_then(|_| {
                        *self.flushed.lock().unwrap_or_else(PoisonError::into_inner) =
                            Some(facts.clone());
                        self.write_marker(&facts, false)
                            .map_err(|e| StoreError::Io(e.to_string()))
                    });
                match probe {
                    Ok(()) => {
                        *state = Some(open);
                        self.failing.store(false, Ordering::Relaxed);
                        *self.retry.lock().unwrap_or_else(PoisonError::into_inner) = Retry {
                            next: Instant::now(),
                            wait: FIRST_RETRY,
                        };
                        tracing::warn!(path = %self.path.display(), "the store is writable again");
                    }
                    Err(e) => {
                        *state = Some(open);
                        tracing::warn!(error = %e, "the store is still not writable");
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "the store could not be reopened yet"),
        }
    }

    /// Notes keys written while a snapshot is being taken.
    fn touched(&self, keys: impl IntoIterator<Item = Vec<u8>>) {
        if self.tracking.load(Ordering::SeqCst) {
            self.dirty
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend(keys);
        }
    }

    /// Rewrites the marker with `facts` (which must already be on disk).
    fn write_marker(&self, facts: &Facts, clean: bool) -> std::io::Result<()> {
        let mut state = self.marker.lock().unwrap_or_else(PoisonError::into_inner);
        state.file.write(facts, clean)?;
        state.generation = facts.generation;
        Ok(())
    }

    /// After a flush that made `facts` durable: the marker is brought up to
    /// them before the write is acknowledged, so a store that later goes
    /// back in time (a damaged log that sled reads only part of) is noticed
    /// whatever the moment of a crash. Writes waiting together share one
    /// marker write.
    fn after_flush(&self, facts: &Facts) -> Result<(), StoreError> {
        {
            let mut flushed = self.flushed.lock().unwrap_or_else(PoisonError::into_inner);
            if flushed
                .as_ref()
                .is_none_or(|f| f.generation < facts.generation)
            {
                *flushed = Some(facts.clone());
            }
        }
        let mut state = self.marker.lock().unwrap_or_else(PoisonError::into_inner);
        if state.generation >= facts.generation {
            return Ok(());
        }
        let newest = self
            .flushed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .unwrap_or_else(|| facts.clone());
        state
            .file
            .write(&newest, false)
            .map_err(|e| StoreError::Io(format!("cannot update the integrity marker: {e}")))?;
        state.generation = newest.generation;
        Ok(())
    }

    fn scan<T: DeserializeOwned>(&self, prefix: &[u8]) -> Result<Vec<T>, StoreError> {
        self.with_open(|open| {
            open.records
                .scan_prefix(prefix)
                .map(|item| {
                    let (key, value) = item.map_err(io)?;
                    decode(&key, &value)
                })
                .collect()
        })
    }

    fn get_json<T: DeserializeOwned>(&self, k: &[u8]) -> Result<Option<T>, StoreError> {
        self.with_open(|open| match open.records.get(k).map_err(io)? {
            Some(v) => decode(k, &v).map(Some),
            None => Ok(None),
        })
    }
}

impl Open {
    fn facts(&self) -> Result<Facts, StoreError> {
        match self.records.get(FACTS_KEY).map_err(io)? {
            Some(v) => decode(FACTS_KEY, &v),
            None => Err(StoreError::Corrupt {
                key: "F/facts".into(),
                reason: "missing".into(),
            }),
        }
    }

    /// Reads every record once, in the facts' terms.
    /// Reads every record once, in the facts' terms. The key space is read
    /// in three parts at once (the completions, the log, everything else
    /// are about a third each in a busy store): opening a large store is
    /// bound by this read.
    fn scan(&self) -> Result<Scan, Problem> {
        let parts: [(&[u8], Option<&[u8]>); 3] =
            [(b"", Some(b"D")), (b"D", Some(b"F")), (b"F", None)];
        let results: Vec<Result<Scan, Problem>> = std::thread::scope(|scope| {
            let handles: Vec<_> = parts
                .iter()
                .map(|(from, to)| {
                    let records = &self.records;
                    scope.spawn(move || {
                        let mut scan = Scan::default();
                        let range = match to {
                            Some(to) => records.range(*from..*to),
                            None => records.range(*from..),
                        };
                        for item in range {
                            let (k, v) = item.map_err(|e| Problem::Unreadable(e.to_string()))?;
                            if k.as_ref() != FACTS_KEY {
                                scan.add(&k, &v);
                            }
                        }
                        Ok(scan)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(Problem::Unreadable("sled failed while reading".into()))
                    })
                })
                .collect()
        });
        let mut total = Scan::default();
        for part in results {
            total.merge(part?);
        }
        Ok(total)
    }

    /// No record but (perhaps) the facts: a store whose creation was cut
    /// short between writing its facts and its version is still new.
    fn is_empty(&self) -> Result<bool, StoreError> {
        for k in self.records.iter().keys().take(2) {
            if k.map_err(io)?.as_ref() != FACTS_KEY {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Brings the store to the current schema and checks it: a new store
    /// gets fresh facts, a version 1 store is upgraded, anything that does
    /// not add up is refused before a single write.
    fn prepare(&self, path: &Path, marker: Option<&Marker>) -> Result<Facts, StoreError> {
        let damaged = |problems: Vec<Problem>| StoreError::Damaged {
            path: path.to_path_buf(),
            problems,
        };
        let schema = self.db.get(SCHEMA_KEY).map_err(|e| sled_error(path, e))?;
        let stored = self
            .records
            .get(FACTS_KEY)
            .map_err(|e| sled_error(path, e))?;
        let schema = schema.map(|s| String::from_utf8_lossy(&s).into_owned());
        match schema.as_deref() {
            None => {
                if !self
                    .is_empty()
                    .map_err(|e| damaged(vec![Problem::Unreadable(e.to_string())]))?
                {
                    return Err(damaged(vec![Problem::Inconsistent(
                        "the store's version record is missing while records remain".into(),
                    )]));
                }
                if let Some(marker) = marker {
                    return Err(damaged(vec![marker.emptied()]));
                }
                let facts = Facts::new(Facts::fresh_id());
                self.records.insert(FACTS_KEY, encode(&facts)).map_err(io)?;
                self.db
                    .insert(SCHEMA_KEY, SCHEMA_VERSION.to_string().as_bytes())
                    .map_err(io)?;
                self.db.flush().map_err(io)?;
                Ok(facts)
            }
            Some("1") => {
                if marker.is_some() {
                    return Err(damaged(vec![Problem::Inconsistent(
                        "the store's version record went back to version 1".into(),
                    )]));
                }
                self.upgrade_from_v1()
            }
            Some(v) if v == SCHEMA_VERSION.to_string() => {
                let Some(stored) = stored else {
                    let mut problems = vec![Problem::FactsMissing];
                    if let Some(marker) = marker {
                        problems.push(marker.emptied());
                    }
                    return Err(damaged(problems));
                };
                let facts: Facts = serde_json::from_slice(&stored)
                    .map_err(|e| damaged(vec![Problem::FactsUnreadable(e.to_string())]))?;
                let scan = self.scan().map_err(|p| damaged(vec![p]))?;
                let mut problems = facts::compare(&facts, &scan);
                if let Some(marker) = marker {
                    problems.extend(marker.judge(&facts));
                }
                if problems.is_empty() {
                    Ok(facts)
                } else {
                    Err(damaged(problems))
                }
            }
            Some(found) => Err(StoreError::Schema {
                path: path.to_path_buf(),
                found: found.to_string(),
                expected: SCHEMA_VERSION,
            }),
        }
    }

    /// Version 1 appended every attempt and every completion, retakes
    /// included, and kept no facts: key attempts by question and
    /// completions by lesson (the latest wins), keep the first completion of
    /// each lesson in the log, then count what is there. Safe to run again
    /// if it is interrupted.
    fn upgrade_from_v1(&self) -> Result<Facts, StoreError> {
        let mut batch = sled::Batch::default();
        let mut latest: BTreeMap<Vec<u8>, (Timestamp, Vec<u8>)> = BTreeMap::new();
        let mut first_logged: BTreeSet<(String, String)> = BTreeSet::new();
        for item in self.records.scan_prefix(b"C\0") {
            let (k, v) = item.map_err(io)?;
            let c: Completion = decode(&k, &v)?;
            let target = completion_key(&c.learner, &c.lesson);
            if target != k.as_ref() {
                batch.remove(k.as_ref());
            }
            if latest.get(&target).is_none_or(|(at, _)| c.at >= *at) {
                latest.insert(target, (c.at, v.to_vec()));
            }
        }
        for item in self.records.scan_prefix(b"Q\0") {
            let (k, v) = item.map_err(io)?;
            let a: QuizAttempt = decode(&k, &v)?;
            let target = attempt_key(&a.learner, &a.lesson, a.question);
            if target != k.as_ref() {
                batch.remove(k.as_ref());
            }
            if latest.get(&target).is_none_or(|(at, _)| a.at >= *at) {
                latest.insert(target, (a.at, v.to_vec()));
            }
        }
        for (k, (_, v)) in latest {
            batch.insert(k, v);
        }
        for item in self.records.scan_prefix(b"E\0") {
            let (k, v) = item.map_err(io)?;
            let c: Completion = decode(&k, &v)?;
            if !first_logged.insert((c.learner.as_str().to_string(), c.lesson.clone())) {
                batch.remove(k.as_ref());
            }
        }
        self.records.apply_batch(batch).map_err(io)?;
        let scan = self.scan().map_err(|p| StoreError::Io(p.to_string()))?;
        let facts = scan.to_facts(Facts::fresh_id(), 1);
        self.records.insert(FACTS_KEY, encode(&facts)).map_err(io)?;
        self.db.flush().map_err(io)?;
        self.db
            .insert(SCHEMA_KEY, SCHEMA_VERSION.to_string().as_bytes())
            .map_err(io)?;
        self.db.flush().map_err(io)?;
        tracing::warn!("the store was upgraded from version 1 to {SCHEMA_VERSION}");
        Ok(facts)
    }
}

/// Whether `dir` takes a synced write again (a full disk, a read-only
/// mount and a failing device all refuse this).
fn probe_disk(dir: &Path) -> std::io::Result<()> {
    let path = dir.join(".write-probe");
    let _ = std::fs::remove_file(&path);
    let result = (|| {
        let mut file = files::create_private(&path)?;
        file.write_all(&[0u8; 4096])?;
        file.sync_all()
    })();
    let _ = std::fs::remove_file(&path);
    result
}

/// sled's open errors in the store's terms; "Read corrupted data" is damage.
fn sled_error(path: &Path, e: sled::Error) -> StoreError {
    let reason = e.to_string();
    let damaged = |reason: String| StoreError::Damaged {
        path: path.to_path_buf(),
        problems: vec![Problem::Unreadable(reason)],
    };
    match &e {
        // What sled says of a damaged file: its checksums fail, its config
        // no longer reads as the one it was made with, or it trips on itself.
        sled::Error::Corruption { .. } => damaged(reason),
        sled::Error::Unsupported(_) | sled::Error::ReportableBug(_) => damaged(format!(
            "sled cannot read its files: {reason} (the `conf` or `db` file is damaged or \
             from another program)"
        )),
        sled::Error::Io(io)
            if matches!(
                io.kind(),
                std::io::ErrorKind::InvalidData | std::io::ErrorKind::UnexpectedEof
            ) =>
        {
            damaged(reason)
        }
        _ if reason.contains("could not acquire lock") => StoreError::Locked {
            path: path.to_path_buf(),
        },
        _ => StoreError::Open {
            path: path.to_path_buf(),
            reason,
        },
    }
}

fn io(e: sled::Error) -> StoreError {
    StoreError::Io(e.to_string())
}

fn key(parts: &[&[u8]]) -> Vec<u8> {
    parts.join(&0u8)
}

fn learner_key(id: &LearnerId) -> Vec<u8> {
    key(&[b"L", id.as_str().as_bytes()])
}

fn completion_key(id: &LearnerId, lesson: &str) -> Vec<u8> {
    key(&[b"C", id.as_str().as_bytes(), lesson.as_bytes()])
}

fn attempt_key(id: &LearnerId, lesson: &str, question: usize) -> Vec<u8> {
    key(&[
        b"Q",
        id.as_str().as_bytes(),
        lesson.as_bytes(),
        &(question as u32).to_be_bytes(),
    ])
}

fn staff_key(id: &LearnerId) -> Vec<u8> {
    key(&[b"R", id.as_str().as_bytes()])
}

fn link_key(code: &str) -> Vec<u8> {
    key(&[b"I", code.as_bytes()])
}

fn mentee_key(mentor: &LearnerId, learner: &LearnerId) -> Vec<u8> {
    key(&[
        b"M",
        mentor.as_str().as_bytes(),
        learner.as_str().as_bytes(),
    ])
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

/// Writes inside one transaction, keeping the facts and the list of keys
/// written (for a snapshot in progress) as it goes.
struct Tx<'t> {
    tx: &'t TransactionalTree,
    facts: Facts,
    written: Vec<Vec<u8>>,
}

impl<'t> Tx<'t> {
    fn begin(tx: &'t TransactionalTree) -> TxResult<Self> {
        let facts = match tx.get(FACTS_KEY)? {
            Some(v) => decode(FACTS_KEY, &v).map_err(ConflictableTransactionError::Abort)?,
            None => {
                return Err(ConflictableTransactionError::Abort(StoreError::Corrupt {
                    key: "F/facts".into(),
                    reason: "missing".into(),
                }));
            }
        };
        Ok(Tx {
            tx,
            facts,
            written: Vec::new(),
        })
    }

    /// Writes `value` under `key`; returns whether the key was new.
    fn put(&mut self, key: Vec<u8>, value: &[u8]) -> TxResult<bool> {
        let old = self.tx.insert(key.as_slice(), value)?;
        self.facts.account(&key, old.as_deref(), Some(value));
        self.written.push(key);
        Ok(old.is_none())
    }

    fn remove(&mut self, key: Vec<u8>) -> TxResult<()> {
        let old = self.tx.remove(key.as_slice())?;
        if old.is_some() {
            self.facts.account(&key, old.as_deref(), None);
            self.written.push(key);
        }
        Ok(())
    }

    fn finish(mut self) -> TxResult<(Facts, Vec<Vec<u8>>)> {
        self.facts.generation += 1;
        self.tx.insert(FACTS_KEY, encode(&self.facts).as_slice())?;
        self.written.push(FACTS_KEY.to_vec());
        Ok((self.facts, self.written))
    }
}

fn abort<T>(e: StoreError) -> TxResult<T> {
    Err(ConflictableTransactionError::Abort(e))
}

fn tx_error(e: TransactionError<StoreError>) -> StoreError {
    match e {
        TransactionError::Abort(e) => e,
        TransactionError::Storage(e) => io(e),
    }
}

impl SledStore {
    /// A change with records beyond the learner and their answers: one
    /// transaction, the facts included. A single-use code is claimed and
    /// the staff records read are compared inside it, so either all of it
    /// lands or none.
    fn commit_records(&self, open: &Open, change: &Change<'_>) -> Result<Facts, StoreError> {
        let id = &change.learner.id;
        let learner = encode(change.learner);
        let counters: Vec<(Vec<u8>, i64)> = change
            .counters
            .iter()
            .map(|(k, d)| (counter_key(k), *d))
            .collect();
        let (facts, written) = open
            .records
            .transaction(|tx| {
                let mut w = Tx::begin(tx)?;
                if let Some(code) = change.claim {
                    let conflict = || StoreError::Conflict {
                        code: code.to_string(),
                    };
                    let Some(current) = tx.get(link_key(code))? else {
                        return abort(conflict());
                    };
                    let link: Link = decode(&link_key(code), &current)
                        .map_err(ConflictableTransactionError::Abort)?;
                    if link.used_by.is_some() || !change.links.iter().any(|l| l.code == code) {
                        return abort(conflict());
                    }
                }
                for (who, seen) in change.staff_seen {
                    if !change.staff.iter().any(|(w, _)| w == who) {
                        continue;
                    }
                    let k = staff_key(who);
                    let now: Option<Staff> = match tx.get(&k)? {
                        Some(v) => {
                            Some(decode(&k, &v).map_err(ConflictableTransactionError::Abort)?)
                        }
                        None => None,
                    };
                    if now != *seen {
                        return abort(StoreError::Stale {
                            record: format!("role of {}", who.as_str()),
                        });
                    }
                }
                w.put(learner_key(id), &learner)?;
                for a in change.attempts {
                    w.put(attempt_key(&a.learner, &a.lesson, a.question), &encode(a))?;
                }
                for c in change.completions {
                    let value = encode(c);
                    // Only a learner's first completion of a lesson is logged.
                    if w.put(completion_key(&c.learner, &c.lesson), &value)? {
                        let seq = w.facts.take_seq();
                        w.put(key(&[b"E", &seq.to_be_bytes()]), &value)?;
                    }
                }
                for item in change.outbox {
                    let seq = w.facts.take_seq();
                    let qid = QueuedId {
                        channel: item.channel.clone(),
                        due: item.not_before,
                        seq,
                    };
                    w.put(outbox_key(&qid), &encode(item))?;
                }
                for (who, staff) in change.staff {
                    match staff {
                        Some(staff) => {
                            w.put(staff_key(who), &encode(staff))?;
                        }
                        None => w.remove(staff_key(who))?,
                    }
                }
                for link in change.links {
                    w.put(link_key(&link.code), &encode(link))?;
                }
                for cert in change.certificates {
                    w.put(key(&[b"T", cert.code.as_bytes()]), &encode(cert))?;
                }
                for entry in change.audit {
                    let seq = w.facts.take_seq();
                    w.put(key(&[b"A", &seq.to_be_bytes()]), &encode(entry))?;
                }
                if let Some(before) = change.mentor_before {
                    if let Some(old) = before {
                        w.remove(mentee_key(old, id))?;
                    }
                    if let Some(new) = &change.learner.mentor {
                        w.put(mentee_key(&new.id, id), &[])?;
                    }
                }
                for (k, delta) in &counters {
                    let now = tx.get(k)?.map_or(0, |v| counter_value(&v)) + delta;
                    w.put(k.clone(), &now.to_be_bytes())?;
                }
                for thread in change.threads {
                    // Written by someone else since it was read: refuse all.
                    let k = key(&[b"H", thread.id.as_bytes()]);
                    let stored = match tx.get(&k)? {
                        Some(v) => {
                            decode::<HelpThread>(&k, &v)
                                .map_err(ConflictableTransactionError::Abort)?
                                .version
                        }
                        None => 0,
                    };
                    if stored + 1 != thread.version {
                        return abort(StoreError::Conflict {
                            code: thread.id.clone(),
                        });
                    }
                    w.put(k, &encode(thread))?;
                    let open = key(&[b"N", thread.id.as_bytes()]);
                    if thread.is_open() {
                        w.put(open, &[])?;
                    } else {
                        w.remove(open)?;
                    }
                }
                for timer in change.timers {
                    let seq = w.facts.take_seq();
                    w.put(timer_key(timer.due, seq), &encode(timer))?;
                }
                if let Some(done) = change.timer_done {
                    w.remove(timer_key(done.due, done.seq))?;
                }
                w.finish()
            })
            .map_err(tx_error)?;
        self.touched(written);
        Ok(facts)
    }
}

impl Store for SledStore {
    fn load(&self, id: &LearnerId) -> Result<Option<Learner>, StoreError> {
        self.get_json(&learner_key(id))
    }

    fn commit(&self, change: &Change<'_>) -> Result<(), StoreError> {
        self.with_open(|open| {
            let lkey = learner_key(&change.learner.id);
            // The common case, a step, a menu or an answer of a learner the
            // store knows: no tallied record changes, so no transaction.
            if is_light(change) && open.records.contains_key(&lkey).map_err(io)? {
                let learner = encode(change.learner);
                if change.attempts.is_empty() {
                    open.records.insert(lkey.as_slice(), learner).map_err(io)?;
                    self.touched([lkey]);
                } else {
                    let mut batch = sled::Batch::default();
                    let mut keys = vec![lkey.clone()];
                    batch.insert(lkey, learner);
                    for a in change.attempts {
                        let k = attempt_key(&a.learner, &a.lesson, a.question);
                        batch.insert(k.clone(), encode(a));
                        keys.push(k);
                    }
                    open.records.apply_batch(batch).map_err(io)?;
                    self.touched(keys);
                }
                return Ok(());
            }
            let facts = self.commit_records(open, change)?;
            let must_flush = !change.completions.is_empty()
                || !change.outbox.is_empty()
                || !change.threads.is_empty()
                || change.timer_done.is_some()
                || !change.staff.is_empty()
                || !change.certificates.is_empty()
                || change.claim.is_some();
            if must_flush && self.durable {
                open.db.flush().map_err(io)?;
                self.after_flush(&facts)?;
            }
            Ok(())
        })
    }

    fn completions(&self, id: &LearnerId) -> Result<Vec<Completion>, StoreError> {
        let mut found: Vec<Completion> = self.scan(&key(&[b"C", id.as_str().as_bytes(), b""]))?;
        found.sort_by_key(|c| c.at);
        Ok(found)
    }

    fn attempts(&self, id: &LearnerId) -> Result<Vec<QuizAttempt>, StoreError> {
        let mut found: Vec<QuizAttempt> = self.scan(&key(&[b"Q", id.as_str().as_bytes(), b""]))?;
        found.sort_by_key(|a| a.at);
        Ok(found)
    }

    fn completion_log(&self) -> Result<Vec<Completion>, StoreError> {
        self.scan(&key(&[b"E", b""]))
    }

    fn channel_get(&self, name: &str) -> Result<Option<String>, StoreError> {
        let k = key(&[b"K", name.as_bytes()]);
        self.with_open(|open| match open.records.get(&k).map_err(io)? {
            Some(v) => String::from_utf8(v.to_vec())
                .map(Some)
                .map_err(|e| StoreError::Corrupt {
                    key: name.to_string(),
                    reason: e.to_string(),
                }),
            None => Ok(None),
        })
    }

    fn channel_put(&self, name: &str, value: &str) -> Result<(), StoreError> {
        let k = key(&[b"K", name.as_bytes()]);
        self.with_open(|open| {
            open.records
                .insert(k.as_slice(), value.as_bytes())
                .map_err(io)?;
            self.touched([k]);
            open.db.flush().map_err(io)?;
            Ok(())
        })
    }

    fn staff(&self, id: &LearnerId) -> Result<Option<Staff>, StoreError> {
        self.get_json(&staff_key(id))
    }

    fn link(&self, code: &str) -> Result<Option<Link>, StoreError> {
        self.get_json(&link_key(code))
    }

    fn mentees(&self, mentor: &LearnerId) -> Result<Vec<Learner>, StoreError> {
        let prefix = key(&[b"M", mentor.as_str().as_bytes(), b""]);
        let ids = self.with_open(|open| {
            let mut ids = Vec::new();
            for entry in open.records.scan_prefix(&prefix) {
                let (k, _) = entry.map_err(io)?;
                let learner = String::from_utf8_lossy(&k[prefix.len()..]).into_owned();
                ids.extend(LearnerId::new(learner));
            }
            Ok(ids)
        })?;
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
        let prefix = key(&[b"S", scope.as_bytes(), b""]);
        let mut start = prefix.clone();
        start.extend_from_slice(&from.to_be_bytes());
        self.with_open(|open| {
            let mut out: BTreeMap<String, u64> = BTreeMap::new();
            for entry in open.records.range(start..) {
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
                let metric =
                    String::from_utf8_lossy(rest.get(5..).unwrap_or_default()).into_owned();
                let value = counter_value(&v);
                if value > 0 {
                    *out.entry(metric).or_default() += value as u64;
                }
            }
            Ok(out)
        })
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
        self.with_open(|open| {
            open.records
                .range(start..end)
                .take(limit)
                .map(|entry| {
                    let (k, v) = entry.map_err(io)?;
                    let item: Outgoing = decode(&k, &v)?;
                    let seq_bytes: [u8; 8] = k[k.len() - 8..].try_into().expect("8-byte suffix");
                    Ok(Queued {
                        id: QueuedId {
                            channel: channel.to_string(),
                            due: item.not_before,
                            seq: u64::from_be_bytes(seq_bytes),
                        },
                        item,
                    })
                })
                .collect()
        })
    }

    fn outbox_remove(&self, id: &QueuedId) -> Result<(), StoreError> {
        let k = outbox_key(id);
        self.with_open(|open| {
            let done = open
                .records
                .transaction(|tx| {
                    if tx.get(k.as_slice())?.is_none() {
                        return Ok(None);
                    }
                    let mut w = Tx::begin(tx)?;
                    w.remove(k.clone())?;
                    w.finish().map(Some)
                })
                .map_err(tx_error)?;
            if let Some((facts, written)) = &done {
                self.touched(written.iter().cloned());
                open.db.flush().map_err(io)?;
                self.after_flush(facts)?;
            }
            Ok(())
        })
    }

    fn staff_list(&self) -> Result<Vec<(LearnerId, Staff)>, StoreError> {
        let prefix = key(&[b"R", b""]);
        self.with_open(|open| {
            open.records
                .scan_prefix(&prefix)
                .map(|entry| {
                    let (k, v) = entry.map_err(io)?;
                    let id = String::from_utf8_lossy(&k[prefix.len()..]).into_owned();
                    let id = LearnerId::new(id).ok_or_else(|| StoreError::Corrupt {
                        key: String::from_utf8_lossy(&k).into_owned(),
                        reason: "not a learner id".into(),
                    })?;
                    Ok((id, decode(&k, &v)?))
                })
                .collect()
        })
    }

    fn help_thread(&self, id: &str) -> Result<Option<HelpThread>, StoreError> {
        self.get_json(&key(&[b"H", id.as_bytes()]))
    }

    fn open_threads(&self) -> Result<Vec<HelpThread>, StoreError> {
        let prefix = key(&[b"N", b""]);
        let ids = self.with_open(|open| {
            open.records
                .scan_prefix(&prefix)
                .map(|entry| Ok(entry.map_err(io)?.0[prefix.len()..].to_vec()))
                .collect::<Result<Vec<Vec<u8>>, StoreError>>()
        })?;
        let mut found = Vec::new();
        for id in ids {
            found.extend(self.get_json::<HelpThread>(&key(&[b"H", &id]))?);
        }
        Ok(found)
    }

    fn timers_due(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<(TimerId, Timer)>, StoreError> {
        let start = key(&[b"W", b""]);
        let end = key(&[b"W", &due_bytes(now.saturating_add(1))]);
        self.with_open(|open| {
            open.records
                .range(start..end)
                .take(limit)
                .map(|entry| {
                    let (k, v) = entry.map_err(io)?;
                    let timer: Timer = decode(&k, &v)?;
                    let seq_bytes: [u8; 8] = k[k.len() - 8..].try_into().expect("8-byte suffix");
                    let id = TimerId {
                        due: timer.due,
                        seq: u64::from_be_bytes(seq_bytes),
                    };
                    Ok((id, timer))
                })
                .collect()
        })
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.with_open(|open| {
            let facts = open.facts()?;
            open.db.flush().map_err(io)?;
            self.after_flush(&facts)
        })
    }

    fn export(
        &self,
        sink: &mut dyn FnMut(Record) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let _one_at_a_time = self
            .snapshots
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut spool = self.spool()?;
        let overrides = self.end_tracking()?;
        spool.rewind().map_err(|e| StoreError::Io(e.to_string()))?;
        let mut reader = SpoolReader(BufReader::new(spool));
        let mut pending = overrides.into_iter().peekable();
        let mut scan = Scan::default();
        let mut facts: Option<Facts> = None;
        let mut emit = |k: &[u8], v: &[u8], scan: &mut Scan| -> Result<(), StoreError> {
            if k == FACTS_KEY {
                facts = Some(decode(k, v)?);
                return Ok(());
            }
            scan.add(k, v);
            match to_record(k, v)? {
                Some(record) => sink(record),
                None => Ok(()),
            }
        };
        while let Some((k, v)) = reader.next()? {
            while let Some((ok, _)) = pending.peek()
                && ok.as_slice() < k.as_slice()
            {
                let (ok, ov) = pending.next().expect("peeked");
                if let Some(ov) = ov {
                    emit(&ok, &ov, &mut scan)?;
                }
            }
            if pending.peek().is_some_and(|(ok, _)| *ok == k) {
                let (ok, ov) = pending.next().expect("peeked");
                if let Some(ov) = ov {
                    emit(&ok, &ov, &mut scan)?;
                }
            } else {
                emit(&k, &v, &mut scan)?;
            }
        }
        for (ok, ov) in pending {
            if let Some(ov) = ov {
                emit(&ok, &ov, &mut scan)?;
            }
        }
        // A backup of a damaged store must not pass for a good one.
        let facts = facts.ok_or_else(|| StoreError::Damaged {
            path: self.path.clone(),
            problems: vec![Problem::FactsMissing],
        })?;
        let problems = facts::compare(&facts, &scan);
        if !problems.is_empty() {
            return Err(StoreError::Damaged {
                path: self.path.clone(),
                problems,
            });
        }
        Ok(())
    }

    fn import(
        &self,
        records: &mut dyn Iterator<Item = Result<Record, StoreError>>,
    ) -> Result<u64, StoreError> {
        self.with_open(|open| {
            if !open.is_empty()? {
                return Err(StoreError::NotEmpty);
            }
            let facts = open.facts()?;
            let mut batch = sled::Batch::default();
            let mut in_batch = 0;
            let mut count = 0u64;
            // Counted as written (the store is empty, so every key is new);
            // the next open reads it all back and compares.
            let mut scan = Scan::default();
            for record in records {
                for (k, v) in from_record(&record?) {
                    scan.add(&k, &v);
                    batch.insert(k, v);
                    in_batch += 1;
                }
                count += 1;
                if in_batch >= 10_000 {
                    open.records
                        .apply_batch(std::mem::take(&mut batch))
                        .map_err(io)?;
                    in_batch = 0;
                }
            }
            open.records.apply_batch(batch).map_err(io)?;
            let facts = scan.to_facts(facts.store_id, facts.generation + 1);
            open.records.insert(FACTS_KEY, encode(&facts)).map_err(io)?;
            open.db.flush().map_err(io)?;
            self.after_flush(&facts)?;
            Ok(count)
        })
    }
}

impl SledStore {
    /// Phase one of a snapshot: from now on every written key is noted,
    /// then every record is copied to a private spool file, in key order,
    /// while the store keeps serving.
    fn spool(&self) -> Result<std::fs::File, StoreError> {
        {
            // No write is in flight while tracking starts.
            let _quiet = self.state.write().unwrap_or_else(PoisonError::into_inner);
            self.dirty
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clear();
            self.tracking.store(true, Ordering::SeqCst);
        }
        let result = self.with_open(|open| {
            let file =
                tempfile::tempfile_in(&self.path).map_err(|e| StoreError::Io(e.to_string()))?;
            let mut out = BufWriter::new(file);
            for item in open.records.iter() {
                let (k, v) = item.map_err(io)?;
                write_spooled(&mut out, &k, &v).map_err(|e| StoreError::Io(e.to_string()))?;
            }
            out.into_inner().map_err(|e| StoreError::Io(e.to_string()))
        });
        if result.is_err() {
            self.tracking.store(false, Ordering::SeqCst);
        }
        result
    }

    /// Phase two: with no write in flight, the current value of every key
    /// written during phase one. Together they are the store at this instant.
    fn end_tracking(&self) -> Result<BTreeMap<Vec<u8>, Option<Vec<u8>>>, StoreError> {
        let state = self.state.write().unwrap_or_else(PoisonError::into_inner);
        self.tracking.store(false, Ordering::SeqCst);
        let keys = std::mem::take(&mut *self.dirty.lock().unwrap_or_else(PoisonError::into_inner));
        let Some(open) = state.as_ref() else {
            return Err(StoreError::Io("the store closed during a snapshot".into()));
        };
        keys.into_iter()
            .map(|k| {
                let v = open.records.get(&k).map_err(io)?.map(|v| v.to_vec());
                Ok((k, v))
            })
            .collect()
    }
}

fn write_spooled(out: &mut impl Write, k: &[u8], v: &[u8]) -> std::io::Result<()> {
    out.write_all(&(k.len() as u32).to_be_bytes())?;
    out.write_all(k)?;
    out.write_all(&(v.len() as u32).to_be_bytes())?;
    out.write_all(v)
}

/// A key and its value, as copied to the spool.
type Spooled = (Vec<u8>, Vec<u8>);

struct SpoolReader<R>(R);

impl<R: Read> SpoolReader<R> {
    fn next(&mut self) -> Result<Option<Spooled>, StoreError> {
        let fail = |e: std::io::Error| StoreError::Io(e.to_string());
        let mut len = [0u8; 4];
        match self.0.read_exact(&mut len) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(fail(e)),
        }
        let mut k = vec![0; u32::from_be_bytes(len) as usize];
        self.0.read_exact(&mut k).map_err(fail)?;
        self.0.read_exact(&mut len).map_err(fail)?;
        let mut v = vec![0; u32::from_be_bytes(len) as usize];
        self.0.read_exact(&mut v).map_err(fail)?;
        Ok(Some((k, v)))
    }
}

/// A stored key and value as a portable record; `None` for derived data.
fn to_record(k: &[u8], v: &[u8]) -> Result<Option<Record>, StoreError> {
    let rest = k.get(2..).unwrap_or_default();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let id = |b: &[u8]| {
        LearnerId::new(text(b)).ok_or_else(|| StoreError::Corrupt {
            key: text(k).replace('\0', "/"),
            reason: "not a learner id".into(),
        })
    };
    let seq = || facts::seq_suffix(k).unwrap_or_default();
    Ok(Some(match k.first() {
        Some(b'L') => Record::Learner(Box::new(decode(k, v)?)),
        Some(b'Q') => Record::Attempt(decode(k, v)?),
        Some(b'C') => Record::Completion(decode(k, v)?),
        Some(b'E') => Record::Logged {
            seq: seq(),
            completion: decode(k, v)?,
        },
        Some(b'K') => Record::Channel {
            key: text(rest),
            value: String::from_utf8(v.to_vec()).map_err(|e| StoreError::Corrupt {
                key: text(k),
                reason: e.to_string(),
            })?,
        },
        Some(b'O') => {
            let item: Outgoing = decode(k, v)?;
            Record::Outbox {
                channel: item.channel.clone(),
                due: item.not_before,
                seq: seq(),
                item,
            }
        }
        Some(b'R') => Record::Staff {
            id: id(rest)?,
            staff: decode(k, v)?,
        },
        Some(b'I') => Record::Link(decode(k, v)?),
        Some(b'T') => Record::Certificate(decode(k, v)?),
        Some(b'A') => Record::Audit {
            seq: seq(),
            entry: decode(k, v)?,
        },
        Some(b'S') => {
            let corrupt = || StoreError::Corrupt {
                key: text(k).replace('\0', "/"),
                reason: "not a counter key".into(),
            };
            let end = rest.iter().position(|b| *b == 0).ok_or_else(corrupt)?;
            let quarter: [u8; 4] = rest
                .get(end + 1..end + 5)
                .and_then(|b| b.try_into().ok())
                .ok_or_else(corrupt)?;
            Record::Counter {
                scope: text(&rest[..end]),
                quarter: u32::from_be_bytes(quarter),
                metric: text(rest.get(end + 6..).unwrap_or_default()),
                value: counter_value(v),
            }
        }
        Some(b'H') => Record::Thread(decode(k, v)?),
        Some(b'W') => Record::Timer {
            seq: seq(),
            timer: decode(k, v)?,
        },
        // Derived: rebuilt from learners (mentees) and threads (open ones).
        Some(b'M' | b'N') => return Ok(None),
        _ => {
            return Err(StoreError::Corrupt {
                key: text(k).replace('\0', "/"),
                reason: "a key of no known kind".into(),
            });
        }
    }))
}

/// The keys and values a portable record is stored as (a learner with a
/// mentor also gets the mentee index entry).
fn from_record(record: &Record) -> Vec<(Vec<u8>, Vec<u8>)> {
    match record {
        Record::Learner(l) => {
            let mut out = vec![(learner_key(&l.id), encode(l))];
            if let Some(m) = &l.mentor {
                out.push((mentee_key(&m.id, &l.id), Vec::new()));
            }
            out
        }
        Record::Attempt(a) => vec![(attempt_key(&a.learner, &a.lesson, a.question), encode(a))],
        Record::Completion(c) => vec![(completion_key(&c.learner, &c.lesson), encode(c))],
        Record::Logged { seq, completion } => {
            vec![(key(&[b"E", &seq.to_be_bytes()]), encode(completion))]
        }
        Record::Staff { id, staff } => vec![(staff_key(id), encode(staff))],
        Record::Link(link) => vec![(link_key(&link.code), encode(link))],
        Record::Certificate(c) => vec![(key(&[b"T", c.code.as_bytes()]), encode(c))],
        Record::Audit { seq, entry } => vec![(key(&[b"A", &seq.to_be_bytes()]), encode(entry))],
        Record::Outbox {
            channel,
            due,
            seq,
            item,
        } => vec![(
            outbox_key(&QueuedId {
                channel: channel.clone(),
                due: *due,
                seq: *seq,
            }),
            encode(item),
        )],
        Record::Counter {
            scope,
            quarter,
            metric,
            value,
        } => vec![(
            counter_key(&CounterKey {
                scope: scope.clone(),
                quarter: *quarter,
                metric: metric.clone(),
            }),
            value.to_be_bytes().to_vec(),
        )],
        Record::Channel { key: name, value } => {
            vec![(key(&[b"K", name.as_bytes()]), value.as_bytes().to_vec())]
        }
        Record::Thread(thread) => {
            let mut out = vec![(key(&[b"H", thread.id.as_bytes()]), encode(thread))];
            if thread.is_open() {
                out.push((key(&[b"N", thread.id.as_bytes()]), Vec::new()));
            }
            out
        }
        Record::Timer { seq, timer } => vec![(timer_key(timer.due, *seq), encode(timer))],
    }
}

/// Whether a change only rewrites the learner and their answers.
fn is_light(change: &Change<'_>) -> bool {
    change.completions.is_empty()
        && change.outbox.is_empty()
        && change.staff.is_empty()
        && change.links.is_empty()
        && change.claim.is_none()
        && change.certificates.is_empty()
        && change.audit.is_empty()
        && change.counters.is_empty()
        && change.mentor_before.is_none()
        && change.threads.is_empty()
        && change.timers.is_empty()
        && change.timer_done.is_none()
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

fn timer_key(due: Timestamp, seq: u64) -> Vec<u8> {
    key(&[b"W", &due_bytes(due), &seq.to_be_bytes()])
}

fn outbox_key(id: &QueuedId) -> Vec<u8> {
    key(&[
        b"O",
        id.channel.as_bytes(),
        &due_bytes(id.due),
        &id.seq.to_be_bytes(),
    ])
}

/// A timestamp whose bytes sort like the number (negative ones first).
fn due_bytes(at: Timestamp) -> [u8; 8] {
    ((at as u64) ^ (1 << 63)).to_be_bytes()
}

impl Drop for SledStore {
    /// A clean close: everything flushed, and the marker says exactly what
    /// is on disk, so the next open accepts nothing less.
    fn drop(&mut self) {
        if self.failing.load(Ordering::Relaxed) {
            return;
        }
        let state = self.state.get_mut().unwrap_or_else(PoisonError::into_inner);
        let Some(open) = state.as_ref() else {
            return;
        };
        let closed = open
            .facts()
            .and_then(|facts| open.db.flush().map(|_| facts).map_err(io));
        match closed {
            Ok(facts) => {
                let marker = self
                    .marker
                    .get_mut()
                    .unwrap_or_else(PoisonError::into_inner);
                if let Err(e) = marker.file.write(&facts, true) {
                    tracing::warn!(error = %e, "cannot write the integrity marker at close");
                }
            }
            Err(e) => tracing::warn!(error = %e, "the store could not be flushed at close"),
        }
    }
}

impl std::fmt::Debug for SledStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SledStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::facts::Kind;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn passes_the_conformance_suite() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path()).unwrap();
        crate::store::conformance::run(&store);
    }

    #[test]
    fn exports_into_an_empty_store_and_refuses_a_full_one() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let from = SledStore::open(a.path()).unwrap();
        let into = SledStore::open(b.path()).unwrap();
        crate::store::conformance::export_import(&from, &into);
        let (_, _, problems) = into.verify().unwrap();
        assert_eq!(problems, vec![], "the imported store's facts add up");
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

    #[test]
    fn the_store_and_its_marker_are_readable_by_the_owner_only() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("data");
        {
            let store = SledStore::open(&dir).unwrap();
            crate::store::conformance::write_sample(&store);
        }
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        let mut files = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let wanted = if path.is_dir() { 0o700 } else { 0o600 };
            assert_eq!(mode(&path), wanted, "{}", path.display());
            files += 1;
        }
        assert!(files >= 3, "db, conf and the marker at least");
    }

    /// What version 1 wrote: every attempt and completion appended under a
    /// sequence number from sled, retakes included, and no facts.
    #[test]
    fn a_version_1_store_is_upgraded_with_retakes_folded() {
        let dir = tempfile::tempdir().unwrap();
        let lan = LearnerId::new("console:lan").unwrap();
        let completion = |at: i64, score: usize| Completion {
            learner: lan.clone(),
            topic: "safety".into(),
            lesson: "safety-otp".into(),
            version: "v".into(),
            score,
            total: 3,
            at,
        };
        let attempt = |at: i64, option: usize| QuizAttempt {
            learner: lan.clone(),
            lesson: "safety-otp".into(),
            question: 0,
            option,
            correct: option == 1,
            at,
        };
        {
            let db = sled::open(dir.path()).unwrap();
            db.insert(SCHEMA_KEY, b"1".as_slice()).unwrap();
            let t = db.open_tree("records").unwrap();
            let learner = Learner::new(lan.clone(), "console", "Lan", 1);
            t.insert(learner_key(&lan), encode(&learner)).unwrap();
            for (seq, at, score) in [(3u64, 10, 2), (7, 20, 3), (9, 30, 1)] {
                let c = completion(at, score);
                t.insert(key(&[b"C", b"console:lan", &seq.to_be_bytes()]), encode(&c))
                    .unwrap();
                t.insert(key(&[b"E", &seq.to_be_bytes()]), encode(&c))
                    .unwrap();
            }
            for (seq, at, option) in [(2u64, 9, 0), (4, 19, 1)] {
                t.insert(
                    key(&[b"Q", b"console:lan", &seq.to_be_bytes()]),
                    encode(&attempt(at, option)),
                )
                .unwrap();
            }
            t.insert(key(&[b"A", &11u64.to_be_bytes()]), b"{}".as_slice())
                .unwrap();
            db.flush().unwrap();
        }
        let store = SledStore::open(dir.path()).unwrap();
        assert_eq!(store.completions(&lan).unwrap(), vec![completion(30, 1)]);
        assert_eq!(
            store.completion_log().unwrap(),
            vec![completion(10, 2)],
            "the log keeps the first completion only"
        );
        assert_eq!(store.attempts(&lan).unwrap(), vec![attempt(19, 1)]);
        let facts = store.facts().unwrap();
        assert_eq!(facts.next_seq, 12, "above every sequence number in use");
        assert_eq!(facts.tally(Kind::Learners).count, 1);
        drop(store);
        // And it opens again as a version 2 store with matching facts.
        let store = SledStore::open(dir.path()).unwrap();
        assert_eq!(store.verify().unwrap().2, vec![]);
    }

    #[test]
    fn a_store_emptied_behind_the_markers_back_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = SledStore::open(dir.path()).unwrap();
            crate::store::conformance::write_sample(&store);
        }
        // What a damaged `db` that sled reads as new looks like.
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().unwrap() != super::facts::MARKER_FILE {
                if path.is_dir() {
                    std::fs::remove_dir_all(&path).unwrap();
                } else {
                    std::fs::remove_file(&path).unwrap();
                }
            }
        }
        let err = SledStore::open(dir.path()).unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, StoreError::Damaged { .. }), "{text}");
        assert!(text.contains("reads as empty, but on"), "{text}");
        assert!(text.contains("held 1 learners and 1 completions"), "{text}");
        assert!(text.contains("hocvuso store restore"), "{text}");
        // Refused twice: the refusal wrote nothing.
        assert!(matches!(
            SledStore::open(dir.path()).unwrap_err(),
            StoreError::Damaged { .. }
        ));
    }
}
