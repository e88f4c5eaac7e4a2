//! Persistence behind a small trait, with sled as the embedded default.
//!
//! The trait speaks only in core types (`Learner`, `Completion`…): no sled type
//! crosses it, so a server database can implement it later. One conformance
//! suite runs against every implementation.

mod memory;
mod sled_store;

use std::path::PathBuf;

pub use memory::MemoryStore;
pub use sled_store::SledStore;

use crate::core::{
    Completion, Learner, LearnerId, LessonProgress, Outgoing, Queued, QueuedId, QuizAttempt,
    Timestamp,
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
}

#[cfg(test)]
mod conformance;
