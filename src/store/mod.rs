//! Persistence behind a small trait, with sled as the embedded default.
//!
//! The trait speaks only in core types (`Learner`, `Completion`…): no sled type
//! crosses it, so a server database can implement it later. One conformance
//! suite runs against every implementation. Around it: integrity facts that
//! make a damaged store refuse to open (`facts`, `integrity`), backups and
//! restores in a portable format (`record`, `backup`), private files
//! (`files`), and a store that fails on demand for tests (`failing`).

pub mod backup;
pub mod facts;
pub mod failing;
pub mod files;
pub mod integrity;
mod memory;
mod record;
mod sled_store;

use std::collections::BTreeMap;
use std::path::PathBuf;

pub use memory::MemoryStore;
pub use record::Record;
pub use sled_store::SledStore;

use crate::core::stats::{CounterKey, Quarter};
use crate::core::{
    AuditEntry, Certificate, Completion, Directory, HelpThread, Learner, LearnerId, LessonProgress,
    Link, Outgoing, Queued, QueuedId, QuizAttempt, Staff, Timer, TimerId, Timestamp, Unavailable,
};

/// Everything one handled event changes, written together.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    /// The learner as they are after the event, progress included.
    pub learner: &'a Learner,
    /// The lessons whose progress changed, for stores that keep progress
    /// per learner and lesson rather than with the learner.
    pub progress: &'a [(&'a str, &'a LessonProgress)],
    pub attempts: &'a [QuizAttempt],
    pub completions: &'a [Completion],
    /// Messages to send later through the outbox.
    pub outbox: &'a [Outgoing],
    /// Roles granted (`Some`) or revoked (`None`).
    pub staff: &'a [(LearnerId, Option<Staff>)],
    /// Staff records as the event read them before deciding. A record in
    /// `staff` whose stored value is no longer the one read here (a revoke
    /// landed in between) makes the whole change fail with `Stale`, so a
    /// read-modify-write can never undo a concurrent change.
    pub staff_seen: &'a [(LearnerId, Option<Staff>)],
    /// Deep-link codes, new or updated.
    pub links: &'a [Link],
    /// A single-use code consumed by this change: if the stored link is
    /// already used, the whole change is refused with `Conflict`.
    pub claim: Option<&'a str>,
    pub certificates: &'a [Certificate],
    pub audit: &'a [AuditEntry],
    /// Counter changes; applied atomically with the rest.
    pub counters: &'a [(CounterKey, i64)],
    /// The learner's mentor before the change, when it changed (for the
    /// mentor → mentees index).
    pub mentor_before: Option<Option<&'a LearnerId>>,
    /// Questions to volunteers, new or changed. Each thread's `version` must
    /// be the stored one plus one (1 for a new thread), or the whole change
    /// is refused with `Conflict`: two volunteers cannot both take one.
    pub threads: &'a [HelpThread],
    /// Timers to set.
    pub timers: &'a [Timer],
    /// The timer this change handled: removed in the same write.
    pub timer_done: Option<&'a TimerId>,
}

impl<'a> Change<'a> {
    /// A change that only rewrites the learner; fill in the rest with
    /// `Change { attempts: …, ..Change::of(learner) }`.
    pub fn of(learner: &'a Learner) -> Self {
        Change {
            learner,
            progress: &[],
            attempts: &[],
            completions: &[],
            outbox: &[],
            staff: &[],
            staff_seen: &[],
            links: &[],
            claim: None,
            certificates: &[],
            audit: &[],
            counters: &[],
            mentor_before: None,
            threads: &[],
            timers: &[],
            timer_done: None,
        }
    }
}

pub trait Store: Send + Sync {
    /// A learner with all their lesson progress; `None` on first contact.
    fn load(&self, id: &LearnerId) -> Result<Option<Learner>, StoreError>;

    /// Writes a change atomically. When it carries completions, they are on
    /// disk before this returns, so the learner may be told "done".
    fn commit(&self, change: &Change<'_>) -> Result<(), StoreError>;

    /// A learner's completions, oldest first.
    fn completions(&self, id: &LearnerId) -> Result<Vec<Completion>, StoreError>;

    /// A learner's quiz answers, oldest first.
    fn attempts(&self, id: &LearnerId) -> Result<Vec<QuizAttempt>, StoreError>;

    /// Every completion event of every learner, oldest first: the raw record
    /// that figures are checked against.
    fn completion_log(&self) -> Result<Vec<Completion>, StoreError>;

    /// A small value a channel keeps for itself (an uploaded picture's id, the
    /// last update seen, a blocked user, an access token). Keys are namespaced
    /// by the channel, e.g. `telegram/photo/<path>`.
    fn channel_get(&self, key: &str) -> Result<Option<String>, StoreError>;

    /// Stores a channel value; durable when this returns.
    fn channel_put(&self, key: &str, value: &str) -> Result<(), StoreError>;

    fn staff(&self, id: &LearnerId) -> Result<Option<Staff>, StoreError>;
    fn link(&self, code: &str) -> Result<Option<Link>, StoreError>;
    /// The learners whose mentor is `mentor`.
    fn mentees(&self, mentor: &LearnerId) -> Result<Vec<Learner>, StoreError>;
    /// Counter totals of `scope` over quarters `from..=to`, by metric key.
    fn counts(
        &self,
        scope: &str,
        quarters: (Quarter, Quarter),
    ) -> Result<BTreeMap<String, u64>, StoreError>;
    fn certificate(&self, code: &str) -> Result<Option<Certificate>, StoreError>;
    /// Every role change, invite and export, oldest first.
    fn audit_log(&self) -> Result<Vec<AuditEntry>, StoreError>;

    /// Up to `limit` outbox messages of `channel` due at `now`, oldest due
    /// first. They stay in the outbox until removed.
    fn outbox_due(
        &self,
        channel: &str,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<Queued>, StoreError>;

    /// Removes a message from the outbox once it is sent (or can never be);
    /// durable when this returns, so it is not sent again after a restart.
    fn outbox_remove(&self, id: &QueuedId) -> Result<(), StoreError>;

    /// Everyone with a stored role.
    fn staff_list(&self) -> Result<Vec<(LearnerId, Staff)>, StoreError>;

    fn help_thread(&self, id: &str) -> Result<Option<HelpThread>, StoreError>;

    /// Questions not yet closed, in no particular order.
    fn open_threads(&self) -> Result<Vec<HelpThread>, StoreError>;

    /// Up to `limit` timers due at `now`, earliest first. They stay until a
    /// commit names them in `timer_done`.
    fn timers_due(&self, now: Timestamp, limit: usize)
    -> Result<Vec<(TimerId, Timer)>, StoreError>;

    /// Makes every earlier write durable.
    fn flush(&self) -> Result<(), StoreError>;

    /// Hands every record to `sink`, all as of one instant, while the store
    /// keeps serving: what a backup holds. Derived data (the mentee index,
    /// integrity facts) is left out; `import` rebuilds it.
    fn export(
        &self,
        sink: &mut dyn FnMut(Record) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;

    /// Writes exported records into this store, which must hold none yet
    /// (`NotEmpty` otherwise), keeping sequence numbers; rebuilds the
    /// derived data. Durable when it returns; returns the number imported.
    fn import(
        &self,
        records: &mut dyn Iterator<Item = Result<Record, StoreError>>,
    ) -> Result<u64, StoreError>;
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the store at {path} is in use by another process (is another hocvuso running?)")]
    Locked { path: PathBuf },
    #[error("cannot open the store at {path}: {reason}")]
    Open { path: PathBuf, reason: String },
    #[error("the store at {path} has schema version {found}, this build reads version {expected}")]
    Schema {
        path: PathBuf,
        found: String,
        expected: u32,
    },
    #[error("store i/o failed: {0}")]
    Io(String),
    #[error("stored record {key} cannot be read: {reason}")]
    Corrupt { key: String, reason: String },
    #[error("the code {code} was used by someone else first")]
    Conflict { code: String },
    /// A record the change was based on changed in between (see `staff_seen`).
    #[error("the record {record} changed since it was read")]
    Stale { record: String },
    /// The store is damaged and was not opened (see `facts::refusal`).
    #[error("{}", facts::refusal(path, problems, None))]
    Damaged {
        path: PathBuf,
        problems: Vec<facts::Problem>,
    },
    #[error("the store already holds records: import only fills an empty one")]
    NotEmpty,
}

/// The store seen as the core's read-only `Directory`.
pub struct StoreDirectory<'a>(pub &'a dyn Store);

fn unavailable(e: StoreError) -> Unavailable {
    tracing::error!(error = %e, "store lookup failed");
    Unavailable(e.to_string())
}

impl Directory for StoreDirectory<'_> {
    fn staff(&self, id: &LearnerId) -> Result<Option<Staff>, Unavailable> {
        self.0.staff(id).map_err(unavailable)
    }
    fn learner(&self, id: &LearnerId) -> Result<Option<Learner>, Unavailable> {
        self.0.load(id).map_err(unavailable)
    }
    fn link(&self, code: &str) -> Result<Option<Link>, Unavailable> {
        self.0.link(code).map_err(unavailable)
    }
    fn mentees(&self, mentor: &LearnerId) -> Result<Vec<Learner>, Unavailable> {
        self.0.mentees(mentor).map_err(unavailable)
    }
    fn counts(
        &self,
        scope: &str,
        quarters: (Quarter, Quarter),
    ) -> Result<BTreeMap<String, u64>, Unavailable> {
        self.0.counts(scope, quarters).map_err(unavailable)
    }
    fn certificate(&self, code: &str) -> Result<Option<Certificate>, Unavailable> {
        self.0.certificate(code).map_err(unavailable)
    }
    fn staff_list(&self) -> Result<Vec<(LearnerId, Staff)>, Unavailable> {
        self.0.staff_list().map_err(unavailable)
    }
    fn help_thread(&self, id: &str) -> Result<Option<HelpThread>, Unavailable> {
        self.0.help_thread(id).map_err(unavailable)
    }
    fn open_threads(&self) -> Result<Vec<HelpThread>, Unavailable> {
        self.0.open_threads().map_err(unavailable)
    }
}

#[cfg(test)]
mod conformance;
