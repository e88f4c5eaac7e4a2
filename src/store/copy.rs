//! Moving everything from one store to another (`hocvuso store copy`), e.g.
//! from the embedded sled store to PostgreSQL when a commune's bot grows into
//! a province's, and back.
//!
//! Every store can hand out all it holds as `Record`s (`Store::export`) and
//! write them into an empty store (`Store::import`). The copy refuses a
//! target that holds anything unless told to replace it, and afterwards
//! compares a `Summary` of both sides: the number of records of each kind
//! and a digest of their content (logs in their order), so a copy that lost,
//! doubled or changed anything, figures included, is reported as failed.

use std::collections::{BTreeMap, HashMap};

use sha2::{Digest, Sha256};

use super::{Store, StoreError};
use crate::core::stats::CounterKey;
use crate::core::{
    AuditEntry, Certificate, Completion, HelpThread, Learner, LearnerId, Link, Outgoing,
    QuizAttempt, Staff, Timer,
};

/// One stored record. `export` hands out learners with all their progress;
/// completions in the order of the completion log, attempts of one learner
/// in order, audit entries in order, outbox messages oldest due first.
// Most records are learners, so boxing the large variants would only add an
// allocation per record.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Learner(Learner),
    Attempt(QuizAttempt),
    Completion(Completion),
    Staff(LearnerId, Staff),
    Link(Link),
    Certificate(Certificate),
    Audit(AuditEntry),
    Outbox(Outgoing),
    /// A counter's value (not a change).
    Counter(CounterKey, i64),
    /// A channel's own value: key, value.
    Channel(String, String),
    /// A question to volunteers.
    Thread(HelpThread),
    /// A timer, oldest due first.
    Timer(Timer),
}

/// The kinds of record, in the order a summary lists them.
pub const KINDS: [&str; 12] = [
    "learners",
    "attempts",
    "completions",
    "roles",
    "links",
    "certificates",
    "audit entries",
    "outbox messages",
    "counters",
    "channel values",
    "questions",
    "timers",
];

impl Record {
    fn kind(&self) -> usize {
        match self {
            Record::Learner(_) => 0,
            Record::Attempt(_) => 1,
            Record::Completion(_) => 2,
            Record::Staff(..) => 3,
            Record::Link(_) => 4,
            Record::Certificate(_) => 5,
            Record::Audit(_) => 6,
            Record::Outbox(_) => 7,
            Record::Counter(..) => 8,
            Record::Channel(..) => 9,
            Record::Thread(_) => 10,
            Record::Timer(_) => 11,
        }
    }

    /// The record's content as bytes to hash.
    fn content(&self) -> Vec<u8> {
        match self {
            Record::Learner(l) => json(l),
            Record::Attempt(a) => json(a),
            Record::Completion(c) => json(c),
            Record::Staff(who, s) => [who.as_str().as_bytes(), b"\0", &json(s)].concat(),
            Record::Link(l) => json(l),
            Record::Certificate(c) => json(c),
            Record::Audit(a) => json(a),
            Record::Outbox(o) => json(o),
            Record::Counter(k, v) => {
                format!("{}\0{}\0{}\0{v}", k.scope, k.quarter, k.metric).into_bytes()
            }
            Record::Channel(k, v) => [k.as_bytes(), b"\0", v.as_bytes()].concat(),
            Record::Thread(t) => json(t),
            Record::Timer(t) => json(t),
        }
    }
}

fn json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("core records always serialise")
}

/// What a store holds, in numbers: records per kind, and per kind a digest
/// of the content. Learners, roles, links, certificates, counters and channel
/// values are hashed as a set (stores list them in different orders); the
/// completion log, the audit log and the outbox in their order; each attempt
/// with its place among its learner's attempts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Summary {
    pub counts: [u64; KINDS.len()],
    digests: [[u8; 32]; KINDS.len()],
    /// Sum over counters: the figures in one number, for the report.
    pub counter_total: i64,
}

#[derive(Default)]
struct Summing {
    summary: Summary,
    sets: [u128; KINDS.len()],
    chains: [Option<Sha256>; KINDS.len()],
    attempts_seen: HashMap<LearnerId, u32>,
}

impl Summing {
    fn add(&mut self, record: &Record) {
        let kind = record.kind();
        self.summary.counts[kind] += 1;
        let mut content = record.content();
        match record {
            Record::Completion(_) | Record::Audit(_) | Record::Outbox(_) => {
                self.chains[kind]
                    .get_or_insert_with(Sha256::new)
                    .update(Sha256::digest(&content));
                return;
            }
            Record::Attempt(a) => {
                let n = self.attempts_seen.entry(a.learner.clone()).or_default();
                content.extend_from_slice(&n.to_be_bytes());
                *n += 1;
            }
            Record::Counter(_, v) => self.summary.counter_total += v,
            _ => {}
        }
        let hash = Sha256::digest(&content);
        let low = u128::from_be_bytes(hash[..16].try_into().expect("16 bytes"));
        self.sets[kind] = self.sets[kind].wrapping_add(low);
    }

    fn finish(mut self) -> Summary {
        for kind in 0..KINDS.len() {
            self.summary.digests[kind] = match self.chains[kind].take() {
                Some(chain) => chain.finalize().into(),
                None => {
                    let mut d = [0u8; 32];
                    d[..16].copy_from_slice(&self.sets[kind].to_be_bytes());
                    d
                }
            };
        }
        self.summary
    }
}

impl Summary {
    pub fn of(store: &dyn Store) -> Result<Summary, StoreError> {
        let mut summing = Summing::default();
        store.export(&mut |record| {
            summing.add(&record);
            Ok(())
        })?;
        Ok(summing.finish())
    }

    pub fn records(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The kinds whose count or content differ.
    pub fn differences(&self, other: &Summary) -> Vec<String> {
        (0..KINDS.len())
            .filter_map(|k| {
                if self.counts[k] != other.counts[k] {
                    Some(format!(
                        "{}: {} here, {} there",
                        KINDS[k], self.counts[k], other.counts[k]
                    ))
                } else if self.digests[k] != other.digests[k] {
                    Some(format!("{}: same number, different content", KINDS[k]))
                } else {
                    None
                }
            })
            .collect()
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = KINDS
            .iter()
            .zip(self.counts)
            .map(|(kind, n)| format!("{n} {kind}"))
            .collect();
        write!(
            f,
            "{} (counters add up to {})",
            parts.join(", "),
            self.counter_total
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error(
        "the target store is not empty; add --force to replace what it holds (it will be erased)"
    )]
    NotEmpty,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the copy does not match the source: {}", .0.join("; "))]
    Mismatch(Vec<String>),
}

/// How many records are written at a time.
const BATCH: usize = 5_000;

/// Copies everything in `from` into `to`, then checks both hold the same.
/// `progress` hears how many records were written so far.
pub fn copy(
    from: &dyn Store,
    to: &dyn Store,
    force: bool,
    progress: &mut dyn FnMut(u64),
) -> Result<Summary, CopyError> {
    if !is_empty(to)? {
        if !force {
            return Err(CopyError::NotEmpty);
        }
        to.clear()?;
    }
    let mut batch: Vec<Record> = Vec::with_capacity(BATCH);
    let mut written = 0u64;
    let mut source = Summing::default();
    from.export(&mut |record| {
        source.add(&record);
        batch.push(record);
        if batch.len() >= BATCH {
            to.import(&batch)?;
            written += batch.len() as u64;
            batch.clear();
            progress(written);
        }
        Ok(())
    })?;
    to.import(&batch)?;
    written += batch.len() as u64;
    progress(written);
    to.flush()?;
    let source = source.finish();
    let target = Summary::of(to)?;
    let differences = source.differences(&target);
    if !differences.is_empty() {
        return Err(CopyError::Mismatch(differences));
    }
    Ok(target)
}

/// Whether a store holds no record at all.
pub fn is_empty(store: &dyn Store) -> Result<bool, StoreError> {
    let mut found = false;
    // Stops the export at the first record.
    let stop = || StoreError::Io("stop".into());
    match store.export(&mut |_| {
        found = true;
        Err(stop())
    }) {
        Ok(()) => Ok(!found),
        Err(_) if found => Ok(false),
        Err(e) => Err(e),
    }
}

/// Counter values from their key-by-key records, for stores that import by
/// adding: the sum per key.
pub(super) fn counter_values(records: &[Record]) -> BTreeMap<&CounterKey, i64> {
    let mut out: BTreeMap<&CounterKey, i64> = BTreeMap::new();
    for r in records {
        if let Record::Counter(k, v) = r {
            *out.entry(k).or_default() += v;
        }
    }
    out
}

#[cfg(test)]
mod tests;
