//! One stored thing in a portable form: what `Store::export` hands out and
//! `Store::import` takes back, and what a backup file holds one per line.
//!
//! Only core types and plain fields: no backend's keys or encodings, so a
//! backup of the sled store can be restored into any other backend.
//! Derived data (the mentor → mentees index, integrity facts) is not a
//! record; importing rebuilds it.

use serde::{Deserialize, Serialize};

use crate::core::{
    AuditEntry, Certificate, Completion, HelpThread, Learner, LearnerId, Link, Outgoing,
    QuizAttempt, Staff, Timer, Timestamp,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "record", content = "data", rename_all = "snake_case")]
pub enum Record {
    /// A learner with their progress in every lesson (boxed: by far the
    /// largest record).
    Learner(Box<Learner>),
    /// The latest answer to one quiz question of one lesson.
    Attempt(QuizAttempt),
    /// A learner's latest completion of one lesson.
    Completion(Completion),
    /// A first completion in the append-only log, with its place in it.
    Logged {
        seq: u64,
        completion: Completion,
    },
    Staff {
        id: LearnerId,
        staff: Staff,
    },
    Link(Link),
    Certificate(Certificate),
    Audit {
        seq: u64,
        entry: AuditEntry,
    },
    Outbox {
        channel: String,
        due: Timestamp,
        seq: u64,
        item: Outgoing,
    },
    /// A figure counter: learners counted for `metric` in `scope` in `quarter`.
    Counter {
        scope: String,
        quarter: u32,
        metric: String,
        value: i64,
    },
    /// A channel's own small value (file ids, offsets, tokens).
    Channel {
        key: String,
        value: String,
    },
    /// A question to volunteers, with its answers.
    Thread(HelpThread),
    /// Something to do later (a reminder, an escalation), with its place
    /// among timers due at the same time.
    Timer {
        seq: u64,
        timer: Timer,
    },
}

impl Record {
    /// The record's kind as written in a backup (`"learner"`, `"logged"`…).
    pub fn kind(&self) -> &'static str {
        match self {
            Record::Learner(_) => "learner",
            Record::Attempt(_) => "attempt",
            Record::Completion(_) => "completion",
            Record::Logged { .. } => "logged",
            Record::Staff { .. } => "staff",
            Record::Link(_) => "link",
            Record::Certificate(_) => "certificate",
            Record::Audit { .. } => "audit",
            Record::Outbox { .. } => "outbox",
            Record::Counter { .. } => "counter",
            Record::Channel { .. } => "channel",
            Record::Thread(_) => "thread",
            Record::Timer { .. } => "timer",
        }
    }

    /// Every kind, in the order reports list them.
    pub const KINDS: [&'static str; 13] = [
        "learner",
        "attempt",
        "completion",
        "logged",
        "staff",
        "link",
        "certificate",
        "audit",
        "outbox",
        "counter",
        "channel",
        "thread",
        "timer",
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_read_as_tagged_json_lines() {
        let record = Record::Counter {
            scope: "a:tinh-mau".into(),
            quarter: 8107,
            metric: "l:vneid-what".into(),
            value: 3,
        };
        let line = serde_json::to_string(&record).unwrap();
        assert_eq!(
            line,
            r#"{"record":"counter","data":{"scope":"a:tinh-mau","quarter":8107,"metric":"l:vneid-what","value":3}}"#
        );
        assert_eq!(serde_json::from_str::<Record>(&line).unwrap(), record);
        assert_eq!(record.kind(), "counter");
        assert!(Record::KINDS.contains(&record.kind()));
    }
}
