//! Work the core asks to be woken up for later: a reminder to a learner who
//! stopped halfway, a suggestion of the next topic, a question that nobody
//! took moving up the area tree.
//!
//! Timers are records like any other: written in the same commit as the
//! event that sets them, handed back by the store when due, and removed in
//! the same commit as what handling them decided, so a restart loses none
//! and handles none twice.

use serde::{Deserialize, Serialize};

use super::state::{LearnerId, Timestamp};
use super::stats::vietnam_time;

/// One thing to do at `due`, for `learner` (whose events it is handled
/// with, one at a time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timer {
    pub due: Timestamp,
    pub learner: LearnerId,
    pub kind: TimerKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TimerKind {
    /// Remind the learner of the lesson they left unfinished, if they still
    /// have not come back.
    Reminder,
    /// A week after a topic was finished: suggest the next one.
    NextTopic { topic: String },
    /// A question nobody took: move it to the next area's volunteers.
    Escalate { thread: String },
}

/// Where a due timer sits, for removal once handled.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimerId {
    pub due: Timestamp,
    pub seq: u64,
}

/// Messages that reach people unasked are sent only in the daytime.
pub const DAY_STARTS: i64 = 8 * 3600;
pub const DAY_ENDS: i64 = 20 * 3600;

/// Seconds since local (Vietnam) midnight.
fn local_seconds(at: Timestamp) -> i64 {
    let local = vietnam_time(at);
    i64::from(local.hour()) * 3600 + i64::from(local.minute()) * 60 + i64::from(local.second())
}

/// Whether `at` is between 08:00 and 20:00 in Vietnam.
pub fn is_daytime(at: Timestamp) -> bool {
    (DAY_STARTS..DAY_ENDS).contains(&local_seconds(at))
}

/// `at`, or the next 08:00 in Vietnam if `at` falls at night.
pub fn next_daytime(at: Timestamp) -> Timestamp {
    let seconds = local_seconds(at);
    if seconds < DAY_STARTS {
        at + (DAY_STARTS - seconds)
    } else if seconds >= DAY_ENDS {
        at + (86_400 - seconds) + DAY_STARTS
    } else {
        at
    }
}

/// The moment `duration` seconds of daytime (08:00–20:00, Vietnam) have
/// passed after `from`: nights do not count, so "4 hours" asked at 19:00
/// ends at 11:00 the next morning.
pub fn after_daytime(from: Timestamp, duration: i64) -> Timestamp {
    let mut at = next_daytime(from);
    let mut left = duration.max(0);
    loop {
        let until_evening = DAY_ENDS - local_seconds(at);
        if left <= until_evening {
            return at + left;
        }
        left -= until_evening;
        at = next_daytime(at + until_evening);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2025-12-01 at `h:m` in Vietnam.
    fn vn(h: i64, m: i64) -> Timestamp {
        // 2025-12-01 00:00 in Vietnam is 2025-11-30 17:00 UTC.
        1_764_608_400 + h * 3600 + m * 60
    }

    #[test]
    fn the_day_is_eight_to_eight_in_vietnam() {
        assert!(!is_daytime(vn(7, 59)));
        assert!(is_daytime(vn(8, 0)));
        assert!(is_daytime(vn(19, 59)));
        assert!(!is_daytime(vn(20, 0)));
        assert_eq!(next_daytime(vn(6, 0)), vn(8, 0));
        assert_eq!(next_daytime(vn(12, 0)), vn(12, 0));
        assert_eq!(next_daytime(vn(21, 30)), vn(24 + 8, 0));
    }

    #[test]
    fn daytime_hours_skip_the_night() {
        assert_eq!(after_daytime(vn(9, 0), 4 * 3600), vn(13, 0));
        assert_eq!(after_daytime(vn(19, 0), 4 * 3600), vn(24 + 11, 0));
        assert_eq!(after_daytime(vn(23, 0), 4 * 3600), vn(24 + 12, 0));
        assert_eq!(after_daytime(vn(9, 0), 24 * 3600), vn(48 + 9, 0));
    }
}
