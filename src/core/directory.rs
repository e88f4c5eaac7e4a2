//! What the core may look up beyond the learner it is talking to: someone's
//! role, a deep-link code, a volunteer's mentees, counters, a certificate.
//!
//! A read-only trait, so the core stays free of any store type: the store
//! implements it, tests use an in-memory store. Writes never happen here;
//! they leave the core as records in its `Reply`.

use std::collections::BTreeMap;

use super::help::HelpThread;
use super::records::{Certificate, Link, Staff};
use super::state::{Learner, LearnerId};
use super::stats::Quarter;

/// A lookup failed (the store is unreachable or a record unreadable): the
/// core tells the user to try again later and changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("lookup failed: {0}")]
pub struct Unavailable(pub String);

pub trait Directory {
    fn staff(&self, id: &LearnerId) -> Result<Option<Staff>, Unavailable>;
    fn learner(&self, id: &LearnerId) -> Result<Option<Learner>, Unavailable>;
    fn link(&self, code: &str) -> Result<Option<Link>, Unavailable>;
    /// The learners whose mentor is `mentor`.
    fn mentees(&self, mentor: &LearnerId) -> Result<Vec<Learner>, Unavailable>;
    /// Counter totals of `scope` over the quarters `from..=to`, by metric key.
    fn counts(
        &self,
        scope: &str,
        quarters: (Quarter, Quarter),
    ) -> Result<BTreeMap<String, u64>, Unavailable>;
    fn certificate(&self, code: &str) -> Result<Option<Certificate>, Unavailable>;
    /// Everyone with a stored role (few: volunteers and officials).
    fn staff_list(&self) -> Result<Vec<(LearnerId, Staff)>, Unavailable>;
    fn help_thread(&self, id: &str) -> Result<Option<HelpThread>, Unavailable>;
    /// Questions not yet closed.
    fn open_threads(&self) -> Result<Vec<HelpThread>, Unavailable>;
}

/// A directory that knows nobody: for the console's simplest uses and tests
/// of the learner's own conversation.
pub struct Nobody;

impl Directory for Nobody {
    fn staff(&self, _: &LearnerId) -> Result<Option<Staff>, Unavailable> {
        Ok(None)
    }
    fn learner(&self, _: &LearnerId) -> Result<Option<Learner>, Unavailable> {
        Ok(None)
    }
    fn link(&self, _: &str) -> Result<Option<Link>, Unavailable> {
        Ok(None)
    }
    fn mentees(&self, _: &LearnerId) -> Result<Vec<Learner>, Unavailable> {
        Ok(Vec::new())
    }
    fn counts(&self, _: &str, _: (Quarter, Quarter)) -> Result<BTreeMap<String, u64>, Unavailable> {
        Ok(BTreeMap::new())
    }
    fn staff_list(&self) -> Result<Vec<(LearnerId, Staff)>, Unavailable> {
        Ok(Vec::new())
    }
    fn help_thread(&self, _: &str) -> Result<Option<HelpThread>, Unavailable> {
        Ok(None)
    }
    fn open_threads(&self) -> Result<Vec<HelpThread>, Unavailable> {
        Ok(Vec::new())
    }
    fn certificate(&self, _: &str) -> Result<Option<Certificate>, Unavailable> {
        Ok(None)
    }
}
