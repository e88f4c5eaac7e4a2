//! Integrity facts: what a store knows it holds, written in the same atomic
//! writes as the records themselves, and the marker file beside the store
//! that remembers the last facts known to be on disk.
//!
//! sled 0.34 can open a damaged file without an error and read it as a
//! nearly empty store. The facts (a count and a checksum per kind of record,
//! the last completion in the log, a generation that grows with every
//! change) let the store notice that records are missing or altered; the
//! marker, kept outside the database, notices that the database as a whole
//! went back in time or was replaced. This module knows record kinds by key
//! prefix and nothing of sled or of the core's types.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::files;

/// The file beside sled's own files that holds the last facts on disk.
pub const MARKER_FILE: &str = "integrity.marker";
const MARKER_FORMAT: u32 = 1;
/// The marker file holds two slots, written in turn, so a write cut short
/// leaves the other one whole (the newest valid slot counts).
const SLOT: u64 = 4096;
const SLOT_MAGIC: &[u8; 8] = b"HVMARK01";

/// The kinds of record the facts keep a tally of. Quiz attempts (bounded,
/// read by nothing) and channels' small values (offsets, file ids, tokens,
/// rewritten every few seconds) are not tallied: their loss harms no one's
/// figures and counting them would make every answer a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Learners,
    /// A learner's latest completion of each lesson.
    Completions,
    /// The append-only log of first completions.
    Log,
    Certificates,
    Roles,
    Links,
    Outbox,
    Audit,
    Mentees,
    Counters,
    /// Questions to volunteers.
    Threads,
    /// The index of questions still open.
    OpenThreads,
    Timers,
}

impl Kind {
    pub const ALL: [Kind; 13] = [
        Kind::Learners,
        Kind::Completions,
        Kind::Log,
        Kind::Certificates,
        Kind::Roles,
        Kind::Links,
        Kind::Outbox,
        Kind::Audit,
        Kind::Mentees,
        Kind::Counters,
        Kind::Threads,
        Kind::OpenThreads,
        Kind::Timers,
    ];

    /// The key prefix of the kind in the sled layout (see `sled_store`).
    pub fn prefix(self) -> u8 {
        match self {
            Kind::Learners => b'L',
            Kind::Completions => b'C',
            Kind::Log => b'E',
            Kind::Certificates => b'T',
            Kind::Roles => b'R',
            Kind::Links => b'I',
            Kind::Outbox => b'O',
            Kind::Audit => b'A',
            Kind::Mentees => b'M',
            Kind::Counters => b'S',
            Kind::Threads => b'H',
            Kind::OpenThreads => b'N',
            Kind::Timers => b'W',
        }
    }

    /// The kind a stored key belongs to, if tallied.
    pub fn of_key(key: &[u8]) -> Option<Kind> {
        if key.get(1) != Some(&0) {
            return None;
        }
        let first = *key.first()?;
        Kind::ALL.into_iter().find(|k| k.prefix() == first)
    }

    /// Learner records change on every button press, outside transactions,
    /// so only their number is kept (sled checks each page's CRC itself).
    fn summed(self) -> bool {
        self != Kind::Learners
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Learners => "learners",
            Kind::Completions => "completions",
            Kind::Log => "completion log entries",
            Kind::Certificates => "certificates",
            Kind::Roles => "staff roles",
            Kind::Links => "invite, mentor and group links",
            Kind::Outbox => "outbox messages",
            Kind::Audit => "audit entries",
            Kind::Mentees => "mentor links of learners",
            Kind::Counters => "figure counters",
            Kind::Threads => "questions to volunteers",
            Kind::OpenThreads => "open questions",
            Kind::Timers => "reminders and other timers",
        }
    }
}

/// How many records of a kind there are, and a checksum of them that does
/// not depend on their order (a wrapping sum of per-record hashes), so it
/// can be kept up to date one write at a time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub count: u64,
    pub sum: u64,
}

/// A stored record's contribution to its kind's checksum.
pub fn record_hash(key: &[u8], value: &[u8]) -> u64 {
    let digest = Sha256::new()
        .chain_update((key.len() as u32).to_be_bytes())
        .chain_update(key)
        .chain_update(value)
        .finalize();
    u64::from_le_bytes(digest[..8].try_into().expect("8 bytes"))
}

/// What the store says it holds; one record of its own, rewritten in every
/// transaction that changes a tallied record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    /// Made once when the store is created: a marker or backup of another
    /// store is never taken for this one's.
    pub store_id: String,
    /// Grows by one with every change of a tallied record.
    pub generation: u64,
    /// The next sequence number for the log, the audit log and the outbox.
    pub next_seq: u64,
    /// The sequence number of the newest completion log entry.
    #[serde(default)]
    pub last_completion: Option<u64>,
    pub tallies: BTreeMap<Kind, Tally>,
}

impl Facts {
    pub fn new(store_id: String) -> Self {
        Facts {
            store_id,
            generation: 0,
            next_seq: 1,
            last_completion: None,
            tallies: Kind::ALL
                .into_iter()
                .map(|k| (k, Tally::default()))
                .collect(),
        }
    }

    /// A store id from fresh randomness.
    pub fn fresh_id() -> String {
        let a = getrandom::u64().unwrap_or(0);
        let b = getrandom::u64().unwrap_or_else(|_| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64)
        });
        format!("{a:016x}{b:016x}")
    }

    /// A new sequence number.
    pub fn take_seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    /// Accounts for one write: `old` is what the key held, `new` what it
    /// holds now (`None`: absent). Untallied keys are ignored.
    pub fn account(&mut self, key: &[u8], old: Option<&[u8]>, new: Option<&[u8]>) {
        let Some(kind) = Kind::of_key(key) else {
            return;
        };
        let tally = self.tallies.entry(kind).or_default();
        if let Some(old) = old {
            tally.count = tally.count.wrapping_sub(1);
            if kind.summed() {
                tally.sum = tally.sum.wrapping_sub(record_hash(key, old));
            }
        }
        if let Some(new) = new {
            tally.count = tally.count.wrapping_add(1);
            if kind.summed() {
                tally.sum = tally.sum.wrapping_add(record_hash(key, new));
            }
        }
        if kind == Kind::Log
            && new.is_some()
            && let Some(seq) = seq_suffix(key)
        {
            self.last_completion = Some(self.last_completion.map_or(seq, |s| s.max(seq)));
        }
    }

    pub fn tally(&self, kind: Kind) -> Tally {
        self.tallies.get(&kind).copied().unwrap_or_default()
    }
}

/// The big-endian sequence number at the end of a log, audit or outbox key.
pub fn seq_suffix(key: &[u8]) -> Option<u64> {
    let tail: [u8; 8] = key.get(key.len().checked_sub(8)?..)?.try_into().ok()?;
    Some(u64::from_be_bytes(tail))
}

/// What a full read of the store found, in the facts' terms.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scan {
    pub tallies: BTreeMap<Kind, Tally>,
    pub last_completion: Option<u64>,
    /// The highest sequence number in any log, audit or outbox key.
    pub max_seq: Option<u64>,
    /// Quiz attempts and channel values: counted for the report only.
    pub attempts: u64,
    pub channel_values: u64,
}

impl Scan {
    pub fn add(&mut self, key: &[u8], value: &[u8]) {
        match Kind::of_key(key) {
            Some(kind) => {
                let tally = self.tallies.entry(kind).or_default();
                tally.count += 1;
                if kind.summed() {
                    tally.sum = tally.sum.wrapping_add(record_hash(key, value));
                }
                if matches!(kind, Kind::Log | Kind::Audit | Kind::Outbox | Kind::Timers)
                    && let Some(seq) = seq_suffix(key)
                {
                    self.max_seq = Some(self.max_seq.map_or(seq, |s| s.max(seq)));
                    if kind == Kind::Log {
                        self.last_completion =
                            Some(self.last_completion.map_or(seq, |s| s.max(seq)));
                    }
                }
            }
            None if key.starts_with(b"Q\0") => self.attempts += 1,
            None if key.starts_with(b"K\0") => self.channel_values += 1,
            None => {}
        }
    }

    pub fn tally(&self, kind: Kind) -> Tally {
        self.tallies.get(&kind).copied().unwrap_or_default()
    }

    /// Adds what another part of the same store's read found.
    pub fn merge(&mut self, other: Scan) {
        for (kind, t) in other.tallies {
            let mine = self.tallies.entry(kind).or_default();
            mine.count += t.count;
            mine.sum = mine.sum.wrapping_add(t.sum);
        }
        self.last_completion = self.last_completion.max(other.last_completion);
        self.max_seq = self.max_seq.max(other.max_seq);
        self.attempts += other.attempts;
        self.channel_values += other.channel_values;
    }

    /// Facts that say exactly what was found (after a restore or an
    /// upgrade from a store that kept none).
    pub fn to_facts(&self, store_id: String, generation: u64) -> Facts {
        let mut facts = Facts::new(store_id);
        facts.generation = generation;
        facts.next_seq = self.max_seq.map_or(1, |s| s + 1);
        facts.last_completion = self.last_completion;
        for kind in Kind::ALL {
            facts.tallies.insert(kind, self.tally(kind));
        }
        facts
    }
}

/// One thing wrong with a store, in words an operator can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Fewer records than the facts say.
    Missing {
        kind: Kind,
        expected: u64,
        found: u64,
    },
    /// More records than the facts say (records from elsewhere, or facts
    /// that went back in time).
    Unexpected {
        kind: Kind,
        expected: u64,
        found: u64,
    },
    /// As many records as expected, but not the same ones.
    Altered { kind: Kind, count: u64 },
    /// The completion log ends earlier than it did.
    LogShortened {
        expected: Option<u64>,
        found: Option<u64>,
    },
    /// Sequence numbers would be reused.
    SequenceBehind { next: u64, highest: u64 },
    /// The facts record itself is gone from a store that keeps one.
    FactsMissing,
    /// The facts record cannot be read.
    FactsUnreadable(String),
    /// The marker remembers more than the store holds now.
    WentBack {
        when: i64,
        generation: u64,
        now: u64,
        detail: Vec<(Kind, u64, u64)>,
    },
    /// The marker belongs to another store.
    OtherStore { marker: String, store: String },
    /// The marker says the store held data; it reads as empty or new.
    EmptiedStore {
        when: i64,
        learners: u64,
        completions: u64,
    },
    /// The marker file cannot be read.
    MarkerUnreadable(String),
    /// A record or page cannot be read at all.
    Unreadable(String),
    /// A cross-record rule does not hold (found by `store check`).
    Inconsistent(String),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Missing {
                kind,
                expected,
                found,
            } => write!(
                f,
                "{}: {} found, {} expected ({} missing)",
                kind.name(),
                thousands(*found),
                thousands(*expected),
                thousands(expected - found)
            ),
            Problem::Unexpected {
                kind,
                expected,
                found,
            } => write!(
                f,
                "{}: {} found, only {} expected",
                kind.name(),
                thousands(*found),
                thousands(*expected)
            ),
            Problem::Altered { kind, count } => write!(
                f,
                "{}: {} found as expected, but their checksum differs (records altered or replaced)",
                kind.name(),
                thousands(*count)
            ),
            Problem::LogShortened { expected, found } => write!(
                f,
                "the completion log ends at #{} instead of #{}",
                found.map_or("(empty)".to_string(), |s| s.to_string()),
                expected.map_or("(empty)".to_string(), |s| s.to_string())
            ),
            Problem::SequenceBehind { next, highest } => write!(
                f,
                "the next sequence number {next} is not above the highest in use ({highest})"
            ),
            Problem::FactsMissing => write!(
                f,
                "the store's integrity record is missing (it is written with every change)"
            ),
            Problem::FactsUnreadable(e) => {
                write!(f, "the store's integrity record cannot be read: {e}")
            }
            Problem::WentBack {
                when,
                generation,
                now,
                detail,
            } => {
                write!(
                    f,
                    "the store went back in time: on {} it had reached change #{}, now it reads as change #{} ({} changes lost)",
                    when_text(*when),
                    thousands(*generation),
                    thousands(*now),
                    thousands(generation - now)
                )?;
                for (kind, then, now) in detail {
                    write!(
                        f,
                        "; {}: {} then, {} now",
                        kind.name(),
                        thousands(*then),
                        thousands(*now)
                    )?;
                }
                Ok(())
            }
            Problem::OtherStore { marker, store } => write!(
                f,
                "the database files belong to another store ({store}) than the one last used here ({marker})"
            ),
            Problem::EmptiedStore {
                when,
                learners,
                completions,
            } => write!(
                f,
                "the store reads as empty, but on {} it held {} learners and {} completions",
                when_text(*when),
                thousands(*learners),
                thousands(*completions)
            ),
            Problem::MarkerUnreadable(e) => {
                write!(f, "the integrity marker {MARKER_FILE} cannot be read: {e}")
            }
            Problem::Unreadable(e) => write!(f, "records cannot be read: {e}"),
            Problem::Inconsistent(e) => write!(f, "{e}"),
        }
    }
}

/// Compares the facts with a full read of the store.
pub fn compare(facts: &Facts, scan: &Scan) -> Vec<Problem> {
    let mut problems = Vec::new();
    for kind in Kind::ALL {
        let (expected, found) = (facts.tally(kind), scan.tally(kind));
        if found.count < expected.count {
            problems.push(Problem::Missing {
                kind,
                expected: expected.count,
                found: found.count,
            });
        } else if found.count > expected.count {
            problems.push(Problem::Unexpected {
                kind,
                expected: expected.count,
                found: found.count,
            });
        } else if found.sum != expected.sum {
            problems.push(Problem::Altered {
                kind,
                count: found.count,
            });
        }
    }
    if scan.last_completion != facts.last_completion {
        problems.push(Problem::LogShortened {
            expected: facts.last_completion,
            found: scan.last_completion,
        });
    }
    if let Some(highest) = scan.max_seq
        && facts.next_seq <= highest
    {
        problems.push(Problem::SequenceBehind {
            next: facts.next_seq,
            highest,
        });
    }
    problems
}

/// The last facts known to be on disk, kept outside the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marker {
    pub format: u32,
    /// Grows with every write of the marker: the newer of its two slots.
    pub sequence: u64,
    pub facts: Facts,
    /// Written when the store was closed: the facts must then be exactly
    /// these at the next open.
    pub clean: bool,
    /// When the marker was written (seconds since the epoch).
    pub written: i64,
}

/// A backup that was written and checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupNote {
    pub path: PathBuf,
    pub created: i64,
    pub learners: u64,
    pub records: u64,
}

impl Marker {
    /// The marker in `dir`, if there is one: the newest of its slots whose
    /// checksum holds.
    pub fn read(dir: &Path) -> Result<Option<Marker>, Problem> {
        let path = dir.join(MARKER_FILE);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Problem::MarkerUnreadable(e.to_string())),
        };
        let slots: Vec<Marker> = bytes
            .chunks(SLOT as usize)
            .take(2)
            .filter_map(read_slot)
            .collect();
        let newest = slots
            .into_iter()
            .max_by_key(|m| m.sequence)
            .ok_or_else(|| {
                Problem::MarkerUnreadable("neither of its two copies is whole".into())
            })?;
        if newest.format != MARKER_FORMAT {
            return Err(Problem::MarkerUnreadable(format!(
                "format {} (this build reads {MARKER_FORMAT})",
                newest.format
            )));
        }
        Ok(Some(newest))
    }

    /// What the marker says about the store now holding `facts`.
    pub fn judge(&self, facts: &Facts) -> Vec<Problem> {
        let marked = &self.facts;
        if marked.store_id != facts.store_id {
            return vec![Problem::OtherStore {
                marker: marked.store_id.clone(),
                store: facts.store_id.clone(),
            }];
        }
        let went_back = facts.generation < marked.generation
            || facts.tally(Kind::Log).count < marked.tally(Kind::Log).count
            || facts.last_completion < marked.last_completion
            || (self.clean && facts.generation == marked.generation && facts != marked);
        if !went_back {
            return Vec::new();
        }
        let detail = Kind::ALL
            .into_iter()
            .filter_map(|k| {
                let (then, now) = (marked.tally(k).count, facts.tally(k).count);
                (then != now).then_some((k, then, now))
            })
            .collect();
        vec![Problem::WentBack {
            when: self.written,
            generation: marked.generation,
            now: facts.generation.min(marked.generation),
            detail,
        }]
    }

    /// The refusal for a store that reads as new although the marker knew it.
    pub fn emptied(&self) -> Problem {
        Problem::EmptiedStore {
            when: self.written,
            learners: self.facts.tally(Kind::Learners).count,
            completions: self.facts.tally(Kind::Log).count,
        }
    }
}

pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// `1234567` as `1,234,567`: counts an operator reads at a glance.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A time as an operator in Vietnam reads it, e.g. `02/12/2026 15:40 (UTC+7)`.
pub fn when_text(at: i64) -> String {
    let local = crate::core::stats::vietnam_time(at);
    format!(
        "{} {:02}:{:02} (UTC+7)",
        crate::core::stats::format_date(at),
        local.hour(),
        local.minute()
    )
}

/// The message a damaged store is refused with: what is wrong, the last
/// good backup, and the commands that put it right.
pub fn refusal(dir: &Path, problems: &[Problem], backup: Option<&BackupNote>) -> String {
    let mut text = format!(
        "the store at {} is damaged, so the bot did not start (nothing was changed):\n",
        dir.display()
    );
    for p in problems {
        text.push_str(&format!("  - {p}\n"));
    }
    let data = dir.display();
    match backup {
        Some(b) => {
            text.push_str(&format!(
                "The last good backup is {} (written {}, {} learners, {} records).\n\
                 To restore it, keep the damaged store aside and rebuild from the backup:\n  \
                 mv {data} {data}.damaged\n  hocvuso store restore {} --data {data}\n",
                b.path.display(),
                when_text(b.created),
                thousands(b.learners),
                thousands(b.records),
                b.path.display(),
            ));
        }
        None => {
            text.push_str(
                "No backup of this store is known. If you have one (a .snapshot file), keep the \
                 damaged store aside and rebuild from it:\n",
            );
            text.push_str(&format!(
                "  mv {data} {data}.damaged\n  hocvuso store restore BACKUP.snapshot --data {data}\n"
            ));
        }
    }
    text.push_str(&format!(
        "`hocvuso store check --data {data}` prints the full report."
    ));
    text
}

/// The facts of `dir`'s marker file, for tools that only need to look.
pub fn marker_path(dir: &Path) -> PathBuf {
    dir.join(MARKER_FILE)
}

/// One slot: magic, length, the marker as JSON, SHA-256 of all three.
fn read_slot(slot: &[u8]) -> Option<Marker> {
    let body = slot.strip_prefix(SLOT_MAGIC.as_slice())?;
    let len = u32::from_be_bytes(body.get(..4)?.try_into().ok()?) as usize;
    let json = body.get(4..4 + len)?;
    let sum = body.get(4 + len..4 + len + 32)?;
    let expected = Sha256::new()
        .chain_update(SLOT_MAGIC)
        .chain_update((len as u32).to_be_bytes())
        .chain_update(json)
        .finalize();
    if sum != expected.as_slice() {
        return None;
    }
    serde_json::from_slice(json).ok()
}

/// The marker file, held open by the store: each write goes to the older
/// slot and is synced before the write that it records is acknowledged.
pub struct MarkerFile {
    file: std::fs::File,
    sequence: u64,
}

impl MarkerFile {
    /// Opens (or creates, 0600, never through a link) the marker file in `dir`.
    pub fn open(dir: &Path) -> std::io::Result<MarkerFile> {
        use std::os::unix::fs::OpenOptionsExt;
        let path = dir.join(MARKER_FILE);
        let created = !path.exists();
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path)?;
        if created {
            file.set_len(2 * SLOT)?;
            file.sync_all()?;
            files::sync_dir(dir)?;
        }
        let sequence = Marker::read(dir).ok().flatten().map_or(0, |m| m.sequence);
        Ok(MarkerFile { file, sequence })
    }

    /// Writes `facts` as the newest marker, durably.
    pub fn write(&mut self, facts: &Facts, clean: bool) -> std::io::Result<()> {
        use std::os::unix::fs::FileExt;
        self.sequence += 1;
        let marker = Marker {
            format: MARKER_FORMAT,
            sequence: self.sequence,
            facts: facts.clone(),
            clean,
            written: unix_now(),
        };
        let json = serde_json::to_vec(&marker).expect("a marker always serialises");
        let len = (json.len() as u32).to_be_bytes();
        let sum = Sha256::new()
            .chain_update(SLOT_MAGIC)
            .chain_update(len)
            .chain_update(&json)
            .finalize();
        let mut slot = Vec::with_capacity(SLOT as usize);
        slot.extend_from_slice(SLOT_MAGIC);
        slot.extend_from_slice(&len);
        slot.extend_from_slice(&json);
        slot.extend_from_slice(&sum);
        if slot.len() as u64 > SLOT {
            return Err(std::io::Error::other(
                "the integrity marker outgrew its slot",
            ));
        }
        slot.resize(SLOT as usize, 0);
        self.file.write_all_at(&slot, (self.sequence % 2) * SLOT)?;
        self.file.sync_data()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(prefix: &[u8], rest: &[u8]) -> Vec<u8> {
        [prefix, b"\0", rest].concat()
    }

    #[test]
    fn accounting_one_write_at_a_time_equals_a_full_scan() {
        let mut facts = Facts::new("s".into());
        let mut scan_later: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
        let mut put = |facts: &mut Facts, k: Vec<u8>, v: Option<&[u8]>| {
            let old = match v {
                Some(v) => scan_later.insert(k.clone(), v.to_vec()),
                None => scan_later.remove(&k),
            };
            facts.account(&k, old.as_deref(), v);
        };
        put(&mut facts, kv(b"L", b"tg:1"), Some(b"{a}"));
        put(&mut facts, kv(b"L", b"tg:1"), Some(b"{b}"));
        put(&mut facts, kv(b"E", &5u64.to_be_bytes()), Some(b"c"));
        put(&mut facts, kv(b"E", &9u64.to_be_bytes()), Some(b"d"));
        put(&mut facts, kv(b"S", b"a:x"), Some(&1i64.to_be_bytes()));
        put(&mut facts, kv(b"S", b"a:x"), Some(&2i64.to_be_bytes()));
        put(&mut facts, kv(b"O", &3u64.to_be_bytes()), Some(b"o"));
        put(&mut facts, kv(b"O", &3u64.to_be_bytes()), None);
        put(&mut facts, kv(b"K", b"telegram/x"), Some(b"1"));
        facts.next_seq = 10;
        let mut scan = Scan::default();
        for (k, v) in &scan_later {
            scan.add(k, v);
        }
        assert_eq!(compare(&facts, &scan), vec![]);
        assert_eq!(facts.tally(Kind::Learners).count, 1);
        assert_eq!(facts.tally(Kind::Counters).count, 1);
        assert_eq!(facts.tally(Kind::Outbox), Tally::default());
        assert_eq!(facts.last_completion, Some(9));
        assert_eq!(scan.channel_values, 1);
        assert_eq!(scan.to_facts("s".into(), 0).next_seq, 10);

        // A lost record, an altered one, a log that ends early.
        let mut damaged = scan.clone();
        damaged.tallies.get_mut(&Kind::Learners).unwrap().count = 0;
        damaged.tallies.get_mut(&Kind::Counters).unwrap().sum ^= 1;
        damaged.last_completion = Some(5);
        let problems = compare(&facts, &damaged);
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(
            problems[0]
                .to_string()
                .contains("learners: 0 found, 1 expected")
        );
        assert!(problems[1].to_string().contains("checksum differs"));
        assert!(problems[2].to_string().contains("ends at #5 instead of #9"));
    }

    #[test]
    fn a_marker_catches_a_store_that_went_back_or_was_swapped() {
        let mut then = Facts::new("s".into());
        then.generation = 40;
        then.tallies.get_mut(&Kind::Log).unwrap().count = 12;
        let open = marker(then.clone(), false);
        let mut later = then.clone();
        later.generation = 41;
        assert!(open.judge(&later).is_empty(), "moving on is fine");
        let mut older = then.clone();
        older.generation = 30;
        older.tallies.get_mut(&Kind::Log).unwrap().count = 3;
        let problems = open.judge(&older);
        let text = problems[0].to_string();
        assert!(text.contains("went back in time"), "{text}");
        assert!(text.contains("10 changes lost"), "{text}");
        assert!(
            text.contains("completion log entries: 12 then, 3 now"),
            "{text}"
        );
        let mut other = then.clone();
        other.store_id = "t".into();
        assert!(matches!(open.judge(&other)[0], Problem::OtherStore { .. }));

        // Closed cleanly: the same generation must hold the same facts.
        let clean = marker(then.clone(), true);
        assert!(clean.judge(&then).is_empty());
        let mut changed = then.clone();
        changed.tallies.get_mut(&Kind::Roles).unwrap().count = 1;
        assert_eq!(clean.judge(&changed).len(), 1);
    }

    #[test]
    fn the_refusal_names_the_backup_and_the_commands() {
        let note = BackupNote {
            path: "backups/hocvuso-20261201-030000.snapshot".into(),
            created: 1_795_000_000,
            learners: 1234,
            records: 5678,
        };
        let text = refusal(Path::new("data"), &[Problem::FactsMissing], Some(&note));
        assert!(text.contains("the store at data is damaged"), "{text}");
        assert!(text.contains("integrity record is missing"), "{text}");
        assert!(text.contains("1,234 learners"), "{text}");
        assert!(text.contains("mv data data.damaged"), "{text}");
        assert!(
            text.contains(
                "hocvuso store restore backups/hocvuso-20261201-030000.snapshot --data data"
            ),
            "{text}"
        );
        assert!(text.contains("hocvuso store check --data data"), "{text}");
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }

    fn marker(facts: Facts, clean: bool) -> Marker {
        Marker {
            format: MARKER_FORMAT,
            sequence: 1,
            facts,
            clean,
            written: 1_795_000_000,
        }
    }

    #[test]
    fn markers_round_trip_through_their_file_and_are_private() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Marker::read(dir.path()).unwrap(), None);
        let mut file = MarkerFile::open(dir.path()).unwrap();
        let mut facts = Facts::new("s".into());
        for generation in 1..=3 {
            facts.generation = generation;
            file.write(&facts, generation == 3).unwrap();
        }
        let read = Marker::read(dir.path()).unwrap().unwrap();
        assert_eq!(
            (read.facts.generation, read.clean, read.sequence),
            (3, true, 3)
        );
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(marker_path(dir.path()))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        // A damaged newest copy: the other one still counts.
        let path = marker_path(dir.path());
        let mut bytes = std::fs::read(&path).unwrap();
        // Sequence 3 went to slot 3 % 2 = 1.
        let newest = SLOT as usize;
        bytes[newest + 20] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        let read = Marker::read(dir.path()).unwrap().unwrap();
        assert_eq!((read.facts.generation, read.sequence), (2, 2));
        // Reopened, the next write still goes above both.
        drop(file);
        let mut file = MarkerFile::open(dir.path()).unwrap();
        facts.generation = 9;
        file.write(&facts, false).unwrap();
        assert_eq!(
            Marker::read(dir.path()).unwrap().unwrap().facts.generation,
            9
        );
        std::fs::write(&path, b"{").unwrap();
        assert!(matches!(
            Marker::read(dir.path()),
            Err(Problem::MarkerUnreadable(_))
        ));
    }
}
