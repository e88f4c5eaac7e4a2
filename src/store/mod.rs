//! Persistence behind a small trait, with sled as the embedded default.
//!
//! The trait speaks only in core types (`Learner`, `Completion`…): no sled type
//! crosses it, so a server database can implement it later. One conformance
//! suite runs against every implementation.

mod memory;
mod sled_store;

use std::collections::BTreeMap;
use std::path::PathBuf;

pub use memory::MemoryStore;
pub use sled_store::SledStore;

use crate::core::stats::{CounterKey, Quarter};
use crate::core::{
    AuditEntry, Certificate, Completion, Directory, Learner, LearnerId, LessonProgress, Link,
    Outgoing, Queued, QueuedId, QuizAttempt, Staff, Timestamp, Unavailable,
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
    /// The platform delivery this change handles, recorded in the same write
    /// so that a redelivery is recognised (`Store::seen_update`).
    pub update: Option<UpdateKey<'a>>,
}

/// A platform's id for one delivery (a Telegram `update_id`, a Zalo event
/// key), with the time it was handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpdateKey<'a> {
    pub channel: &'a str,
    pub key: &'a str,
    pub at: Timestamp,
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
            links: &[],
            claim: None,
            certificates: &[],
            audit: &[],
            counters: &[],
            mentor_before: None,
            update: None,
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

    /// As `outbox_due`, but only messages after `after` in outbox order, so a
    /// sender can read on past messages it is not ready to take.
    fn outbox_due_after(
        &self,
        channel: &str,
        now: Timestamp,
        after: &QueuedId,
        limit: usize,
    ) -> Result<Vec<Queued>, StoreError>;

    /// Whether a change carrying this delivery (`Change::update`) is stored.
    fn seen_update(&self, channel: &str, key: &str) -> Result<bool, StoreError>;

    /// Forgets deliveries handled before `before` (platforms redeliver only
    /// for a day or so); the number forgotten.
    fn forget_updates(&self, before: Timestamp) -> Result<usize, StoreError>;

    /// Makes every earlier write durable.
    fn flush(&self) -> Result<(), StoreError>;
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
}

#[cfg(test)]
mod conformance;
