//! Backups while the bot runs, and restores from them.
//!
//! A backup is a snapshot of the whole store at one instant
//! (`Store::export`), written as a portable text file any backend can be
//! rebuilt from (documented in README, "Backups"):
//!
//! ```text
//! {"format":"hocvuso-snapshot","version":1,"created":1795417200,"generator":"hocvuso 0.1.0"}
//! {"record":"learner","data":{"id":"tg:1",…}}
//! …one JSON record per line…
//! {"end":{"records":1234,"kinds":{"learner":10,…},"sha256":"…"}}
//! ```
//!
//! The trailer counts the records and holds the SHA-256 of every byte before
//! it, so a truncated or altered file is refused as a whole. Files are named
//! `hocvuso-YYYYMMDD-HHMMSS.snapshot` (Vietnam time), written through a
//! private temporary file renamed into place, 0600 in a 0700 folder; the
//! newest `keep` are kept, older ones removed only after a new one is
//! written. A restore reads the file twice: once to check it and recount
//! the figures from its learners, once to rebuild the store in a new folder
//! that replaces the target only when it passes every check.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::facts::{self, BackupNote, unix_now};
use super::integrity::{CounterDifference, Recount, RuleCheck, compare_counters, recountable};
use super::{Record, SledStore, Store, StoreError, files};
use crate::area::AreaTree;
use crate::core::stats::CounterKey;

pub const FORMAT: &str = "hocvuso-snapshot";
pub const VERSION: u32 = 1;
const SUFFIX: &str = ".snapshot";

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("backup folder {path}: {reason}")]
    Folder { path: PathBuf, reason: String },
    #[error("cannot write the backup {path}: {reason}")]
    Write { path: PathBuf, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot read the backup {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("{path} is not a usable backup: {reason}")]
    Invalid { path: PathBuf, reason: String },
    #[error(
        "{path} already holds a store: restore into an empty folder, or add --force to put \
         the store there aside (it is renamed, not deleted) and restore in its place"
    )]
    TargetNotEmpty { path: PathBuf },
    #[error("the restored store did not pass its checks (left in {path} for a look): {reason}")]
    RestoredBadly { path: PathBuf, reason: String },
    #[error("bad backup setting: {0}")]
    Setting(String),
}

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format: String,
    version: u32,
    created: i64,
    generator: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Trailer {
    end: Summary,
}

/// What a snapshot's trailer says about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub records: u64,
    pub kinds: BTreeMap<String, u64>,
    pub sha256: String,
}

impl Summary {
    pub fn learners(&self) -> u64 {
        self.kinds.get("learner").copied().unwrap_or(0)
    }
}

/// A snapshot written.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    pub path: PathBuf,
    pub created: i64,
    pub summary: Summary,
    pub bytes: u64,
    pub took: Duration,
}

impl Written {
    pub fn note(&self) -> BackupNote {
        BackupNote {
            path: self.path.clone(),
            created: self.created,
            learners: self.summary.learners(),
            records: self.summary.records,
        }
    }
}

/// Writes a snapshot of `store` to `path` (which must not exist).
pub fn write_snapshot(store: &dyn Store, path: &Path) -> Result<Written, BackupError> {
    let started = Instant::now();
    let created = unix_now();
    let fail = |e: std::io::Error| BackupError::Write {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let temp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id()
    ));
    let _ = std::fs::remove_file(&temp);
    let result = (|| {
        let file = files::create_private(&temp).map_err(fail)?;
        let mut out = Hashing::new(BufWriter::new(file));
        let header = Header {
            format: FORMAT.into(),
            version: VERSION,
            created,
            generator: format!("hocvuso {}", env!("CARGO_PKG_VERSION")),
        };
        out.line(&serde_json::to_vec(&header).expect("a header serialises"))
            .map_err(fail)?;
        let mut kinds: BTreeMap<String, u64> = BTreeMap::new();
        let mut records = 0u64;
        store.export(&mut |record| {
            let line = serde_json::to_vec(&record).expect("records serialise");
            out.line(&line).map_err(|e| StoreError::Io(e.to_string()))?;
            *kinds.entry(record.kind().to_string()).or_default() += 1;
            records += 1;
            Ok(())
        })?;
        let summary = Summary {
            records,
            kinds,
            sha256: out.hex(),
        };
        let trailer = serde_json::to_vec(&Trailer {
            end: summary.clone(),
        })
        .expect("a trailer serialises");
        out.line(&trailer).map_err(fail)?;
        let (file, bytes) = out.finish().map_err(fail)?;
        file.sync_all().map_err(fail)?;
        // A hard link, not a rename: it fails rather than replace a file.
        std::fs::hard_link(&temp, path).map_err(fail)?;
        std::fs::remove_file(&temp).map_err(fail)?;
        files::sync_dir(dir).map_err(fail)?;
        Ok(Written {
            path: path.to_path_buf(),
            created,
            summary,
            bytes,
            took: started.elapsed(),
        })
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// A writer that hashes what passes through it, line by line.
struct Hashing<W: Write> {
    out: W,
    hash: Sha256,
    bytes: u64,
}

impl<W: Write> Hashing<W> {
    fn new(out: W) -> Self {
        Hashing {
            out,
            hash: Sha256::new(),
            bytes: 0,
        }
    }

    fn line(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.hash.update(bytes);
        self.hash.update(b"\n");
        self.out.write_all(bytes)?;
        self.out.write_all(b"\n")?;
        self.bytes += bytes.len() as u64 + 1;
        Ok(())
    }

    fn hex(&self) -> String {
        hex(&self.hash.clone().finalize())
    }
}

impl Hashing<BufWriter<std::fs::File>> {
    fn finish(self) -> std::io::Result<(std::fs::File, u64)> {
        let file = self.out.into_inner().map_err(|e| e.into_error())?;
        Ok((file, self.bytes))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads a snapshot, handing each record to `each`, and checks its header,
/// trailer, counts and checksum. Records are handed out before the trailer
/// is read: check a file with `verify` before acting on what it holds.
pub fn read_snapshot(
    path: &Path,
    each: &mut dyn FnMut(Record) -> Result<(), BackupError>,
) -> Result<(i64, Summary), BackupError> {
    read_lines(path, Some(each))
}

/// Checks a snapshot's header, length and checksum without decoding its
/// records: what a backup just written gets (the bytes reached the disk).
pub fn check_file(path: &Path) -> Result<(i64, Summary), BackupError> {
    read_lines(path, None)
}

fn read_lines(
    path: &Path,
    mut each: Option<&mut dyn FnMut(Record) -> Result<(), BackupError>>,
) -> Result<(i64, Summary), BackupError> {
    let invalid = |reason: String| BackupError::Invalid {
        path: path.to_path_buf(),
        reason,
    };
    let read_fail = |e: std::io::Error| BackupError::Read {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(read_fail)?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut hash = Sha256::new();
    let mut line = Vec::new();
    let mut number = 0u64;
    let mut next = |line: &mut Vec<u8>| -> Result<bool, BackupError> {
        line.clear();
        let n = reader.read_until(b'\n', line).map_err(read_fail)?;
        Ok(n > 0)
    };
    if !next(&mut line)? {
        return Err(invalid("the file is empty".into()));
    }
    number += 1;
    let header: Header = serde_json::from_slice(&line)
        .map_err(|e| invalid(format!("line 1 is not a snapshot header: {e}")))?;
    if header.format != FORMAT {
        return Err(invalid(format!("format {:?}, not {FORMAT}", header.format)));
    }
    if header.version != VERSION {
        return Err(invalid(format!(
            "version {} (this build reads version {VERSION})",
            header.version
        )));
    }
    hash.update(&line);
    let mut kinds: BTreeMap<String, u64> = BTreeMap::new();
    let mut records = 0u64;
    loop {
        if !next(&mut line)? {
            return Err(invalid(format!(
                "it ends after line {number} without its closing line: the file was cut short"
            )));
        }
        number += 1;
        if !line.ends_with(b"\n") {
            return Err(invalid(format!("line {number} is cut short")));
        }
        if line.starts_with(br#"{"end":"#) {
            let trailer: Trailer = serde_json::from_slice(&line)
                .map_err(|e| invalid(format!("line {number}, the closing line: {e}")))?;
            let sum = hex(&hash.finalize());
            if trailer.end.sha256 != sum {
                return Err(invalid(
                    "its checksum does not match: the file was changed or damaged".into(),
                ));
            }
            let kinds_differ = each.is_some() && trailer.end.kinds != kinds;
            if trailer.end.records != records || kinds_differ {
                return Err(invalid(format!(
                    "it holds {records} records, its closing line says {}",
                    trailer.end.records
                )));
            }
            if next(&mut line)? {
                return Err(invalid(format!(
                    "there is more after the closing line {number}"
                )));
            }
            return Ok((header.created, trailer.end));
        }
        hash.update(&line);
        records += 1;
        if let Some(each) = each.as_mut() {
            let record: Record = serde_json::from_slice(&line)
                .map_err(|e| invalid(format!("line {number}: {e}")))?;
            *kinds.entry(record.kind().to_string()).or_default() += 1;
            each(record)?;
        }
    }
}

/// Checks a snapshot from end to end without using it.
pub fn verify(path: &Path) -> Result<(i64, Summary), BackupError> {
    read_snapshot(path, &mut |_| Ok(()))
}

/// When and where the running bot makes backups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSettings {
    /// `None`: no scheduled backups (an admin's `/backup` still works).
    pub every: Option<Duration>,
    pub dir: PathBuf,
    /// How many snapshots are kept.
    pub keep: usize,
}

impl BackupSettings {
    pub const DEFAULT_KEEP: usize = 7;

    /// Settings from the config file's `backup_every`, `backup_dir` and
    /// `backup_keep`; the defaults are daily, `<data>-backups` beside the
    /// store, and seven snapshots.
    pub fn resolve(
        data: &Path,
        every: Option<&str>,
        dir: Option<&Path>,
        keep: Option<usize>,
    ) -> Result<Self, BackupError> {
        let every = match every {
            None => Some(Duration::from_secs(86_400)),
            Some(text) => parse_every(text)?,
        };
        let keep = keep.unwrap_or(Self::DEFAULT_KEEP);
        if keep == 0 {
            return Err(BackupError::Setting(
                "backup_keep must be at least 1".into(),
            ));
        }
        Ok(BackupSettings {
            every,
            dir: dir.map_or_else(|| default_dir(data), Path::to_path_buf),
            keep,
        })
    }
}

/// `data` → `data-backups`, beside it: deleting the store's folder never
/// takes its backups along.
pub fn default_dir(data: &Path) -> PathBuf {
    sibling_dir(data, "backups")
}

/// `data` → `data-<what>`, beside the store (`data` itself when it has no
/// name, e.g. `.`, gets `data-<what>` in the current folder).
pub fn sibling_dir(data: &Path, what: &str) -> PathBuf {
    match data.file_name() {
        Some(name) => data.with_file_name(format!("{}-{what}", name.to_string_lossy())),
        None => PathBuf::from(format!("data-{what}")),
    }
}

/// `daily`, `hourly`, `weekly`, `off`, or a number with `m`, `h` or `d`.
pub fn parse_every(text: &str) -> Result<Option<Duration>, BackupError> {
    let t = text.trim().to_lowercase();
    let bad = || {
        BackupError::Setting(format!(
            "backup_every = {text:?}: use daily, hourly, weekly, off, or a number with m, h or d (e.g. 6h)"
        ))
    };
    let secs = match t.as_str() {
        "off" | "never" => return Ok(None),
        "daily" => 86_400,
        "hourly" => 3_600,
        "weekly" => 7 * 86_400,
        _ => {
            let (number, unit) = t.split_at(t.len().saturating_sub(1));
            let n: u64 = number.trim().parse().map_err(|_| bad())?;
            let unit = match unit {
                "m" => 60,
                "h" => 3_600,
                "d" => 86_400,
                _ => return Err(bad()),
            };
            n.checked_mul(unit).filter(|s| *s >= 60).ok_or_else(bad)?
        }
    };
    Ok(Some(Duration::from_secs(secs)))
}

/// The snapshots in `dir`, oldest first (names sort by time).
pub fn list(dir: &Path) -> Result<Vec<PathBuf>, BackupError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(BackupError::Folder {
                path: dir.to_path_buf(),
                reason: e.to_string(),
            });
        }
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .map(|n| n.to_string_lossy())
                .is_some_and(|n| n.starts_with("hocvuso-") && n.ends_with(SUFFIX))
        })
        .collect();
    // `x` before `x-2`: by name without the suffix.
    found.sort_by_key(|p| {
        let name = p
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        name.strip_suffix(SUFFIX).unwrap_or(&name).to_string()
    });
    Ok(found)
}

/// The newest snapshot in `dir` that passes its checks.
pub fn latest_good(dir: &Path) -> Option<BackupNote> {
    for path in list(dir).ok()?.into_iter().rev() {
        match verify(&path) {
            Ok((created, summary)) => {
                return Some(BackupNote {
                    path,
                    created,
                    learners: summary.learners(),
                    records: summary.records,
                });
            }
            Err(e) => tracing::warn!(error = %e, "a backup did not pass its checks"),
        }
    }
    None
}

fn snapshot_name(at: i64) -> String {
    let t = crate::core::stats::vietnam_time(at);
    format!(
        "hocvuso-{:04}{:02}{:02}-{:02}{:02}{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// The running bot's backups: on a schedule, and now when an admin asks.
pub struct Backups {
    store: Arc<dyn Store>,
    settings: BackupSettings,
    /// One backup at a time; holds the last one written.
    running: Mutex<Option<Written>>,
    wake: Mutex<Wake>,
    signal: Condvar,
}

#[derive(Default)]
struct Wake {
    requested: bool,
    stop: bool,
}

impl Backups {
    pub fn new(store: Arc<dyn Store>, settings: BackupSettings) -> Arc<Self> {
        Arc::new(Backups {
            store,
            settings,
            running: Mutex::new(None),
            wake: Mutex::new(Wake::default()),
            signal: Condvar::new(),
        })
    }

    pub fn settings(&self) -> &BackupSettings {
        &self.settings
    }

    /// Makes a backup now (blocking: call it off the async workers), then
    /// removes snapshots beyond the newest `keep`. What an admin's
    /// `/backup` runs.
    pub fn make_now(&self) -> Result<Written, BackupError> {
        let mut last = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        files::private_dir(&self.settings.dir).map_err(|e| BackupError::Folder {
            path: self.settings.dir.clone(),
            reason: e.to_string(),
        })?;
        let now = unix_now();
        let base = snapshot_name(now);
        let mut path = self.settings.dir.join(format!("{base}{SUFFIX}"));
        let mut n = 2;
        while path.exists() {
            path = self.settings.dir.join(format!("{base}-{n}{SUFFIX}"));
            n += 1;
        }
        let written = write_snapshot(self.store.as_ref(), &path)?;
        // Read back from the disk (length and checksum) before older ones go.
        check_file(&written.path)?;
        self.prune();
        tracing::info!(
            path = %written.path.display(),
            records = written.summary.records,
            bytes = written.bytes,
            took_ms = written.took.as_millis() as u64,
            "backup written"
        );
        *last = Some(written.clone());
        Ok(written)
    }

    fn prune(&self) {
        let Ok(all) = list(&self.settings.dir) else {
            return;
        };
        let excess = all.len().saturating_sub(self.settings.keep);
        for old in &all[..excess] {
            if let Err(e) = std::fs::remove_file(old) {
                tracing::warn!(path = %old.display(), error = %e, "cannot remove an old backup");
            }
        }
    }

    /// The last backup this process wrote.
    pub fn last(&self) -> Option<Written> {
        self.running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Asks the schedule's thread for a backup soon, without waiting.
    pub fn request(&self) {
        self.wake
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .requested = true;
        self.signal.notify_all();
    }

    pub fn stop(&self) {
        self.wake
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .stop = true;
        self.signal.notify_all();
    }

    /// Runs the schedule on its own thread until `stop`: the first backup
    /// is due `every` after the newest one in the folder (a minute after
    /// start when there is none), so restarts do not skip or repeat one.
    pub fn spawn(self: &Arc<Self>) -> std::thread::JoinHandle<()> {
        let me = Arc::clone(self);
        std::thread::Builder::new()
            .name("backups".into())
            .spawn(move || me.run())
            .expect("a thread starts")
    }

    fn run(&self) {
        let newest = list(&self.settings.dir)
            .ok()
            .and_then(|all| all.last().cloned())
            .and_then(|p| std::fs::metadata(p).ok()?.modified().ok());
        let mut due = self.settings.every.map(|every| {
            let since = newest
                .and_then(|m| m.elapsed().ok())
                .unwrap_or(Duration::MAX);
            Instant::now() + every.saturating_sub(since).max(Duration::from_secs(60))
        });
        loop {
            {
                let mut wake = self.wake.lock().unwrap_or_else(PoisonError::into_inner);
                loop {
                    if wake.stop {
                        return;
                    }
                    if wake.requested {
                        wake.requested = false;
                        break;
                    }
                    let wait = match due {
                        Some(at) => match at.checked_duration_since(Instant::now()) {
                            Some(wait) if !wait.is_zero() => wait,
                            _ => break,
                        },
                        None => Duration::from_secs(3600),
                    };
                    wake = self
                        .signal
                        .wait_timeout(wake, wait)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0;
                }
            }
            if let Err(e) = self.make_now() {
                tracing::error!(error = %e, "the scheduled backup failed; the next try is in 10 minutes");
                due = Some(Instant::now() + Duration::from_secs(600));
                continue;
            }
            due = self.settings.every.map(|every| Instant::now() + every);
        }
    }
}

/// What a restore did.
#[derive(Debug, Clone)]
pub struct Restored {
    pub records: u64,
    pub learners: u64,
    pub created: i64,
    /// Counters of the snapshot that a recount from its learners corrected.
    pub corrected: Vec<CounterDifference>,
    /// Rules the snapshot's records break (restored as they are).
    pub warnings: Vec<facts::Problem>,
    pub counters: u64,
    /// Where a store that was in the way was put aside (`--force`).
    pub set_aside: Option<PathBuf>,
    pub took: Duration,
}

/// Rebuilds the sled store in `data` from `snapshot`: checks the file,
/// recounts the figures from its learners (the recount wins where the
/// snapshot's counters differ, and each difference is reported), builds the
/// store in a new folder beside `data`, reopens it with every check, and
/// only then moves it into place. A store already in `data` is refused, or
/// with `force` renamed aside, never deleted.
pub fn restore(
    snapshot: &Path,
    data: &Path,
    areas: &AreaTree,
    force: bool,
) -> Result<Restored, BackupError> {
    let started = Instant::now();
    let occupied = std::fs::read_dir(data).is_ok_and(|mut d| d.next().is_some());
    if occupied && !force {
        return Err(BackupError::TargetNotEmpty {
            path: data.to_path_buf(),
        });
    }
    // Pass one: the file is whole, every rule holds in it, and what its
    // figures should be.
    let mut rules = RuleCheck::new(None);
    let mut recount = Recount::new(Some(areas));
    let mut stored: BTreeMap<CounterKey, i64> = BTreeMap::new();
    let (created, summary) = read_snapshot(snapshot, &mut |record| {
        rules.add(&record);
        match &record {
            Record::Learner(learner) => recount.add(learner),
            Record::Counter {
                scope,
                quarter,
                metric,
                value,
            } if *value != 0 && recountable(metric) => {
                stored.insert(
                    CounterKey {
                        scope: scope.clone(),
                        quarter: *quarter,
                        metric: metric.clone(),
                    },
                    *value,
                );
            }
            _ => {}
        }
        Ok(())
    })?;
    let warnings = rules.finish(None).problems;
    let recounted = recount.finish().unwrap_or_default();
    let corrected = compare_counters(&stored, &recounted);

    // Pass two: build the store beside the target.
    let building = sibling(data, "restoring");
    if building.exists() {
        std::fs::remove_dir_all(&building).map_err(|e| BackupError::Folder {
            path: building.clone(),
            reason: e.to_string(),
        })?;
    }
    let imported = {
        let store = SledStore::open(&building)?;
        let (tx, rx) = std::sync::mpsc::sync_channel::<Record>(4096);
        let reader = {
            let snapshot = snapshot.to_path_buf();
            std::thread::spawn(move || {
                read_snapshot(&snapshot, &mut |record| {
                    if matches!(&record, Record::Counter { metric, .. } if recountable(metric)) {
                        return Ok(()); // replaced by the recount below
                    }
                    tx.send(record).map_err(|_| BackupError::Invalid {
                        path: PathBuf::new(),
                        reason: "the restore stopped".into(),
                    })
                })
            })
        };
        let counters = recounted.iter().map(|(k, v)| Record::Counter {
            scope: k.scope.clone(),
            quarter: k.quarter,
            metric: k.metric.clone(),
            value: *v,
        });
        let mut records = rx.into_iter().chain(counters).map(Ok);
        let imported = store.import(&mut records).map_err(BackupError::from);
        drop(records);
        let read = match reader.join() {
            Ok(read) => read.map(|_| ()),
            Err(_) => Err(BackupError::Read {
                path: snapshot.to_path_buf(),
                reason: "the reader stopped unexpectedly".into(),
            }),
        };
        let imported = imported?;
        read?;
        imported
    };
    // Reopened with every check the bot makes at start: what was written
    // is what was read from the file, record for record.
    let store = SledStore::open(&building).map_err(|e| BackupError::RestoredBadly {
        path: building.clone(),
        reason: e.to_string(),
    })?;
    drop(store);
    let set_aside = if occupied {
        let aside = sibling(data, &format!("replaced-{}", snapshot_name(unix_now())));
        std::fs::rename(data, &aside).map_err(|e| BackupError::Folder {
            path: data.to_path_buf(),
            reason: format!("cannot move it aside: {e}"),
        })?;
        Some(aside)
    } else {
        if data.exists() {
            let _ = std::fs::remove_dir(data); // empty: in the way of the rename
        }
        None
    };
    std::fs::rename(&building, data).map_err(|e| BackupError::Folder {
        path: data.to_path_buf(),
        reason: format!("cannot move the restored store into place: {e}"),
    })?;
    if let Some(parent) = data.parent() {
        let _ = files::sync_dir(if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        });
    }
    Ok(Restored {
        records: imported,
        learners: summary.learners(),
        created,
        counters: recounted.len() as u64,
        corrected,
        warnings,
        set_aside,
        took: started.elapsed(),
    })
}

/// `data` → `data.<what>`, beside it.
fn sibling(data: &Path, what: &str) -> PathBuf {
    let name = data
        .file_name()
        .map_or("data".into(), |n| n.to_string_lossy().into_owned());
    data.with_file_name(format!("{name}.{what}"))
}

impl Restored {
    pub fn render(&self, snapshot: &Path, data: &Path) -> String {
        let mut out = format!(
            "restored {} from {} (written {}): {} records, {} learners, in {:.1?}\n",
            data.display(),
            snapshot.display(),
            facts::when_text(self.created),
            facts::thousands(self.records),
            facts::thousands(self.learners),
            self.took
        );
        if self.corrected.is_empty() {
            out.push_str(&format!(
                "  counters: all {} equal a recount from the learners\n",
                facts::thousands(self.counters)
            ));
        } else {
            out.push_str(&format!(
                "  counters: {} differed from a recount from the learners and were recounted:\n",
                self.corrected.len()
            ));
            for d in self.corrected.iter().take(20) {
                out.push_str(&format!("    {d}\n"));
            }
        }
        for w in &self.warnings {
            out.push_str(&format!(
                "  warning: the backup itself breaks a rule: {w}\n"
            ));
        }
        out.push_str("  the restored store passed every check made at start\n");
        if let Some(aside) = &self.set_aside {
            out.push_str(&format!(
                "  the store that was there is kept in {} (delete it when you no longer need it)\n",
                aside.display()
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;

    fn sample_store() -> MemoryStore {
        let store = MemoryStore::new();
        crate::store::conformance::run(&store);
        store
    }

    #[test]
    fn a_snapshot_reads_back_record_for_record() {
        let dir = tempfile::tempdir().unwrap();
        let store = sample_store();
        let path = dir.path().join("hocvuso-x.snapshot");
        let written = write_snapshot(&store, &path).unwrap();
        let mut exported = Vec::new();
        store
            .export(&mut |r| {
                exported.push(r);
                Ok(())
            })
            .unwrap();
        let mut read = Vec::new();
        let (created, summary) = read_snapshot(&path, &mut |r| {
            read.push(r);
            Ok(())
        })
        .unwrap();
        assert_eq!(read, exported);
        assert_eq!(summary, written.summary);
        assert_eq!(created, written.created);
        assert_eq!(summary.records, exported.len() as u64);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(write_snapshot(&store, &path).is_err(), "never overwrites");
    }

    #[test]
    fn a_cut_or_altered_snapshot_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.snapshot");
        write_snapshot(&sample_store(), &path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("empty", Vec::new()),
            ("cut in the middle", bytes[..bytes.len() / 2].to_vec()),
            ("no closing line", {
                let end = bytes[..bytes.len() - 1]
                    .iter()
                    .rposition(|b| *b == b'\n')
                    .unwrap();
                bytes[..=end].to_vec()
            }),
            ("one byte changed", {
                let mut b = bytes.clone();
                let at = b.len() / 3;
                b[at] = if b[at] == b'a' { b'b' } else { b'a' };
                b
            }),
            (
                "a line added at the end",
                [bytes.clone(), b"{}\n".to_vec()].concat(),
            ),
        ];
        for (what, content) in cases {
            std::fs::write(&path, &content).unwrap();
            let err = verify(&path).unwrap_err();
            assert!(matches!(err, BackupError::Invalid { .. }), "{what}: {err}");
        }
    }

    #[test]
    fn settings_read_like_people_write_them() {
        let data = Path::new("/srv/hocvuso/data");
        let s = BackupSettings::resolve(data, None, None, None).unwrap();
        assert_eq!(s.every, Some(Duration::from_secs(86_400)));
        assert_eq!(s.dir, Path::new("/srv/hocvuso/data-backups"));
        assert_eq!(s.keep, 7);
        assert_eq!(
            parse_every("6h").unwrap(),
            Some(Duration::from_secs(21_600))
        );
        assert_eq!(
            parse_every("30m").unwrap(),
            Some(Duration::from_secs(1_800))
        );
        assert_eq!(parse_every("OFF").unwrap(), None);
        assert_eq!(
            parse_every("weekly").unwrap(),
            Some(Duration::from_secs(604_800))
        );
        for bad in ["", "6", "h", "1s", "0m", "soon"] {
            assert!(parse_every(bad).is_err(), "{bad}");
        }
        assert!(BackupSettings::resolve(data, None, None, Some(0)).is_err());
    }

    #[test]
    fn backups_keep_the_newest_and_name_the_time() {
        let dir = tempfile::tempdir().unwrap();
        let settings = BackupSettings {
            every: None,
            dir: dir.path().join("b"),
            keep: 2,
        };
        let backups = Backups::new(Arc::new(sample_store()), settings);
        let mut written = Vec::new();
        for _ in 0..3 {
            written.push(backups.make_now().unwrap().path);
        }
        let left = list(&dir.path().join("b")).unwrap();
        assert_eq!(left, written[1..].to_vec());
        let name = left[0].file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("hocvuso-20"), "{name}");
        assert_eq!(latest_good(&dir.path().join("b")).unwrap().path, written[2]);
        // A damaged newest one: the one before it is the last good backup.
        std::fs::write(&written[2], b"{").unwrap();
        assert_eq!(latest_good(&dir.path().join("b")).unwrap().path, written[1]);
    }

    #[test]
    fn the_schedule_makes_a_backup_when_asked_and_stops() {
        let dir = tempfile::tempdir().unwrap();
        let settings = BackupSettings {
            every: Some(Duration::from_secs(86_400)),
            dir: dir.path().to_path_buf(),
            keep: 3,
        };
        let backups = Backups::new(Arc::new(sample_store()), settings);
        let thread = backups.spawn();
        backups.request();
        let deadline = Instant::now() + Duration::from_secs(10);
        while backups.last().is_none() {
            assert!(Instant::now() < deadline, "no backup was made");
            std::thread::sleep(Duration::from_millis(10));
        }
        backups.stop();
        thread.join().unwrap();
        assert_eq!(list(dir.path()).unwrap().len(), 1);
    }
}
