//! Completion figures: what each learner contributes to the counters, and
//! periods (quarters in Vietnam time).
//!
//! Counters are kept up to date at write time so `/stats` never scans events:
//! a learner's contributions are a pure function of their record (first
//! start, first completion of each lesson, certificates) and of the area they
//! belong to now. The engine writes the difference between a learner's
//! contributions before and after each event, so the counters always equal a
//! recount from the learners and the completion log.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::records::BASIC;
use super::state::{Learner, Timestamp};
use crate::area::AreaTree;

/// Vietnam is UTC+7 all year: quarters and days turn at local midnight.
pub const VIETNAM_OFFSET: i64 = 7 * 3600;

/// A quarter as one number: `year * 4 + (quarter - 1)`.
pub type Quarter = u32;

pub fn quarter_of(at: Timestamp) -> Quarter {
    let date = local_date(at);
    (date.year().max(0) as u32) * 4 + (u32::from(u8::from(date.month())) - 1) / 3
}

fn local_date(at: Timestamp) -> time::Date {
    vietnam_time(at).date()
}

/// The wall-clock time in Vietnam at `at` (shown as if it were UTC).
pub fn vietnam_time(at: Timestamp) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(at.saturating_add(VIETNAM_OFFSET))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

/// `dd/mm/yyyy` in Vietnam, as people write dates there.
pub fn format_date(at: Timestamp) -> String {
    let local = vietnam_time(at);
    format!(
        "{:02}/{:02}/{}",
        local.day(),
        u8::from(local.month()),
        local.year()
    )
}

/// A share as a percentage with one decimal: `24,7%` in Vietnamese (decimal
/// comma), `24.7%` otherwise.
pub fn format_percent(lang: &str, share: f64) -> String {
    let text = format!("{:.1}%", share * 100.0);
    if lang == "vi" {
        text.replace('.', ",")
    } else {
        text
    }
}

/// The year and quarter number (1-4) of a quarter.
pub fn quarter_parts(q: Quarter) -> (u32, u32) {
    (q / 4, q % 4 + 1)
}

/// The first second of a quarter, as a timestamp.
pub fn quarter_start(q: Quarter) -> Timestamp {
    let (year, n) = quarter_parts(q);
    let month = time::Month::try_from((n as u8 - 1) * 3 + 1).unwrap_or(time::Month::January);
    let date = time::Date::from_calendar_date(year as i32, month, 1).unwrap_or(time::Date::MIN);
    date.midnight().assume_utc().unix_timestamp() - VIETNAM_OFFSET
}

/// The periods an official can pick.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Period {
    ThisQuarter,
    LastQuarter,
    ThisYear,
    AllTime,
}

impl Period {
    pub const ALL: [Period; 4] = [
        Period::ThisQuarter,
        Period::LastQuarter,
        Period::ThisYear,
        Period::AllTime,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Period::ThisQuarter => "q",
            Period::LastQuarter => "lq",
            Period::ThisYear => "y",
            Period::AllTime => "all",
        }
    }

    pub fn from_code(code: &str) -> Option<Period> {
        Period::ALL.into_iter().find(|p| p.code() == code)
    }

    /// The quarters the period covers at `now`, inclusive.
    pub fn quarters(self, now: Timestamp) -> (Quarter, Quarter) {
        let q = quarter_of(now);
        match self {
            Period::ThisQuarter => (q, q),
            Period::LastQuarter => (q.saturating_sub(1), q.saturating_sub(1)),
            Period::ThisYear => (q - q % 4, q),
            Period::AllTime => (0, Quarter::MAX),
        }
    }

    /// First and last day, for headings and exports; `None` for all time.
    pub fn bounds(self, now: Timestamp) -> Option<(Timestamp, Timestamp)> {
        let (from, to) = self.quarters(now);
        (self != Period::AllTime).then(|| (quarter_start(from), quarter_start(to + 1) - 1))
    }
}

/// What an official's figures screen shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatsView {
    /// Totals, child areas against their targets, topics.
    Summary,
    /// One line per lesson.
    Lessons,
    /// The bar chart picture.
    Chart,
    /// The CSV file.
    Export,
}

impl StatsView {
    pub fn code(self) -> &'static str {
        match self {
            StatsView::Summary => "s",
            StatsView::Lessons => "l",
            StatsView::Chart => "c",
            StatsView::Export => "x",
        }
    }

    pub fn from_code(code: &str) -> Option<StatsView> {
        [
            StatsView::Summary,
            StatsView::Lessons,
            StatsView::Chart,
            StatsView::Export,
        ]
        .into_iter()
        .find(|v| v.code() == code)
    }
}

/// What a counter counts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    /// Learners who opened their first lesson.
    Started,
    /// Learners who completed this lesson (first completion).
    Lesson(String),
    /// Learners who completed this topic: the topic certificates.
    Topic(String),
    /// Learners with every core topic done: basic digital skills.
    Basic,
}

impl Metric {
    pub fn key(&self) -> String {
        match self {
            Metric::Started => "started".into(),
            Metric::Lesson(id) => format!("l:{id}"),
            Metric::Topic(id) => format!("t:{id}"),
            Metric::Basic => "basic".into(),
        }
    }

    pub fn from_key(key: &str) -> Option<Metric> {
        match key {
            "started" => Some(Metric::Started),
            "basic" => Some(Metric::Basic),
            _ => {
                if let Some(id) = key.strip_prefix("l:") {
                    Some(Metric::Lesson(id.to_string()))
                } else {
                    key.strip_prefix("t:")
                        .map(|id| Metric::Topic(id.to_string()))
                }
            }
        }
    }
}

/// Whom a counter is about: an area (with everything below it) or a group
/// chat that lessons were pushed to.
pub fn area_scope(area: &str) -> String {
    format!("a:{area}")
}

pub fn group_scope(code: &str) -> String {
    format!("g:{code}")
}

/// One unit a learner adds to the figures.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CounterKey {
    pub scope: String,
    pub quarter: Quarter,
    pub metric: String,
}

/// Everything `learner` counts for. A learner without an area counts for the
/// root only (the province sees them; no commune does).
pub fn contributions(learner: &Learner, areas: &AreaTree) -> BTreeSet<CounterKey> {
    let mut scopes: Vec<String> = match learner.area.as_deref().filter(|a| areas.get(a).is_some()) {
        Some(area) => areas.path(area).iter().map(|a| area_scope(&a.id)).collect(),
        None => vec![area_scope(&areas.root().id)],
    };
    if let Some(group) = &learner.via_group {
        scopes.push(group_scope(group));
    }
    let mut units: Vec<(Timestamp, Metric)> = Vec::new();
    if let Some(started) = learner.started {
        units.push((started, Metric::Started));
    }
    for (lesson, progress) in &learner.progress {
        if let Some(done) = &progress.completed {
            units.push((done.at, Metric::Lesson(lesson.clone())));
        }
    }
    for (topic, cert) in &learner.certificates {
        let metric = if topic == BASIC {
            Metric::Basic
        } else {
            Metric::Topic(topic.clone())
        };
        units.push((cert.at, metric));
    }
    let mut keys = BTreeSet::new();
    for scope in &scopes {
        for (at, metric) in &units {
            keys.insert(CounterKey {
                scope: scope.clone(),
                quarter: quarter_of(*at),
                metric: metric.key(),
            });
        }
    }
    keys
}

/// The counter changes that turn `before`'s contributions into `after`'s.
pub fn counter_deltas(
    before: &BTreeSet<CounterKey>,
    after: &BTreeSet<CounterKey>,
) -> Vec<(CounterKey, i64)> {
    let removed = before.difference(after).map(|k| (k.clone(), -1));
    let added = after.difference(before).map(|k| (k.clone(), 1));
    removed.chain(added).collect()
}

/// Whether an event can have changed a learner's contributions: only then
/// are they recomputed (a plain button press costs nothing extra).
pub fn may_change_counts(before: &Learner, after: &Learner) -> bool {
    before.area != after.area
        || before.via_group != after.via_group
        || before.started != after.started
        || before.certificates.len() != after.certificates.len()
        || before.completed_count() != after.completed_count()
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-10-01 00:00 in Vietnam is 2026-09-30 17:00 UTC.
    const Q4_2026_START: Timestamp = 1_790_787_600;

    #[test]
    fn quarters_turn_at_vietnam_midnight() {
        assert_eq!(quarter_start(2026 * 4 + 3), Q4_2026_START);
        assert_eq!(quarter_parts(quarter_of(Q4_2026_START)), (2026, 4));
        assert_eq!(quarter_parts(quarter_of(Q4_2026_START - 1)), (2026, 3));
        let (from, to) = Period::ThisYear.quarters(Q4_2026_START + 86_400);
        assert_eq!(
            (quarter_parts(from), quarter_parts(to)),
            ((2026, 1), (2026, 4))
        );
        let (from, to) = Period::LastQuarter.quarters(Q4_2026_START);
        assert_eq!(from, to);
        assert_eq!(quarter_parts(from), (2026, 3));
        let (start, end) = Period::ThisQuarter.bounds(Q4_2026_START + 5).unwrap();
        assert_eq!(start, Q4_2026_START);
        assert_eq!(quarter_parts(quarter_of(end)), (2026, 4));
        assert_eq!(quarter_parts(quarter_of(end + 1)), (2027, 1));
        assert_eq!(Period::AllTime.bounds(0), None);
    }

    #[test]
    fn dates_and_percents_read_as_in_vietnam() {
        assert_eq!(format_date(Q4_2026_START), "01/10/2026");
        assert_eq!(format_date(Q4_2026_START - 1), "30/09/2026");
        assert_eq!(format_percent("vi", 0.247), "24,7%");
        assert_eq!(format_percent("en", 0.247), "24.7%");
    }

    #[test]
    fn metric_keys_round_trip() {
        for m in [
            Metric::Started,
            Metric::Basic,
            Metric::Lesson("vneid-what".into()),
            Metric::Topic("safety".into()),
        ] {
            assert_eq!(Metric::from_key(&m.key()), Some(m));
        }
        assert_eq!(Metric::from_key("x:y"), None);
        for p in Period::ALL {
            assert_eq!(Period::from_code(p.code()), Some(p));
        }
    }
}
