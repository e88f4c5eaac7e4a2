//! Completion figures: what each learner contributes to the counters, and
//! periods (quarters in Vietnam time).
//!
//! Counters are kept up to date at write time so `/stats` and `/report`
//! never scan events: a learner's contributions are a pure function of their
//! record (first start, first completion of each lesson, certificates, a
//! "yes" to the VNeID question, the age band and group they said) and of the
//! area they belong to now. The engine writes the difference between a
//! learner's contributions before and after each event, so the counters
//! always equal a recount from the learners and the completion log, and a
//! learner who changes group or area, or is forgotten, moves or leaves the
//! figures with all their units.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::records::BASIC;
use super::state::{Learner, Timestamp, Vneid};
use crate::area::AreaTree;
use crate::indicator::{Counts, Segment};

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

/// `yyyy-mm-dd` in Vietnam: the date as data (in exported files), which
/// every spreadsheet reads as a date whatever its language. Dates people
/// read are `Arg::Date`, written by the i18n layer.
pub fn iso_date(at: Timestamp) -> String {
    let local = vietnam_time(at);
    format!(
        "{}-{:02}-{:02}",
        local.year(),
        u8::from(local.month()),
        local.day()
    )
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
    /// Learners who opened their first lesson of this topic.
    TopicStarted(String),
    /// Learners who completed this lesson (first completion).
    Lesson(String),
    /// Learners who completed this topic: the topic certificates.
    Topic(String),
    /// Learners with every core topic done: basic digital skills.
    Basic,
    /// Learners who said the platform's completion shows in their VNeID.
    Vneid,
    /// One of the indicator counts (started, basic, VNeID) among the
    /// learners of one age band or population group.
    Among(Counts, Segment),
}

impl Metric {
    /// The metric an indicator count is kept under, among everyone or a segment.
    pub fn of(counts: Counts, among: Option<Segment>) -> Metric {
        match among {
            Some(segment) => Metric::Among(counts, segment),
            None => match counts {
                Counts::Basic => Metric::Basic,
                Counts::Vneid => Metric::Vneid,
                Counts::Reached => Metric::Started,
            },
        }
    }

    pub fn key(&self) -> String {
        match self {
            Metric::Started => "started".into(),
            Metric::TopicStarted(id) => format!("ts:{id}"),
            Metric::Lesson(id) => format!("l:{id}"),
            Metric::Topic(id) => format!("t:{id}"),
            Metric::Basic => "basic".into(),
            Metric::Vneid => "vneid".into(),
            Metric::Among(counts, segment) => {
                format!("{}@{}", Metric::of(*counts, None).key(), segment.code())
            }
        }
    }

    pub fn from_key(key: &str) -> Option<Metric> {
        match key {
            "started" => Some(Metric::Started),
            "basic" => Some(Metric::Basic),
            "vneid" => Some(Metric::Vneid),
            _ => {
                if let Some(id) = key.strip_prefix("l:") {
                    Some(Metric::Lesson(id.to_string()))
                } else if let Some(id) = key.strip_prefix("t:") {
                    Some(Metric::Topic(id.to_string()))
                } else if let Some(id) = key.strip_prefix("ts:") {
                    Some(Metric::TopicStarted(id.to_string()))
                } else {
                    let (base, segment) = key.split_once('@')?;
                    let counts = match Metric::from_key(base)? {
                        Metric::Started => Counts::Reached,
                        Metric::Basic => Counts::Basic,
                        Metric::Vneid => Counts::Vneid,
                        _ => return None,
                    };
                    Some(Metric::Among(counts, Segment::from_code(segment)?))
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

/// Where the contributions of learners who asked to be forgotten are kept,
/// as anonymous counts beside `scope`'s counter. The counters themselves
/// keep them (officials' figures do not drop), so a recount is: the
/// contributions of the learners stored, plus this tally.
pub fn forgotten_scope(scope: &str) -> String {
    format!("f:{scope}")
}

/// One unit a learner adds to the figures.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CounterKey {
    pub scope: String,
    pub quarter: Quarter,
    pub metric: String,
}

/// Everything `learner` counts for. A learner without an area counts for the
/// area of the group card they came in through, if it has one, and otherwise
/// for the root only (the province sees them; no commune does).
pub fn contributions(learner: &Learner, areas: &AreaTree) -> BTreeSet<CounterKey> {
    let known = |a: &&str| areas.get(a).is_some();
    let area = learner
        .area
        .as_deref()
        .filter(known)
        .or_else(|| learner.group_area.as_deref().filter(known));
    let mut scopes: Vec<String> = match area {
        Some(area) => areas.path(area).iter().map(|a| area_scope(&a.id)).collect(),
        None => vec![area_scope(&areas.root().id)],
    };
    if let Some(group) = &learner.via_group {
        scopes.push(group_scope(group));
    }
    let mut units: Vec<(Timestamp, Metric)> = Vec::new();
    // The indicator counts, kept also by what the learner said of themselves.
    let segments: Vec<Segment> = [
        learner.profile.age.map(Segment::Age),
        learner.profile.group.map(Segment::Group),
    ]
    .into_iter()
    .flatten()
    .collect();
    let indicator = |at: Timestamp, counts: Counts, units: &mut Vec<(Timestamp, Metric)>| {
        units.push((at, Metric::of(counts, None)));
        for segment in &segments {
            units.push((at, Metric::Among(counts, *segment)));
        }
    };
    if let Some(started) = learner.started {
        indicator(started, Counts::Reached, &mut units);
    }
    if let Some(answer) = learner.vneid.filter(|v| v.answer == Vneid::Yes) {
        indicator(answer.at, Counts::Vneid, &mut units);
    }
    for (topic, at) in &learner.topic_starts {
        units.push((*at, Metric::TopicStarted(topic.clone())));
    }
    for (lesson, progress) in &learner.progress {
        if let Some(done) = &progress.completed {
            units.push((done.at, Metric::Lesson(lesson.clone())));
        }
    }
    for (topic, cert) in &learner.certificates {
        if topic == BASIC {
            indicator(cert.at, Counts::Basic, &mut units);
        } else {
            units.push((cert.at, Metric::Topic(topic.clone())));
        }
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
        || before.group_area != after.group_area
        || before.via_group != after.via_group
        || before.started != after.started
        || before.profile.age != after.profile.age
        || before.profile.group != after.profile.group
        || before.vneid != after.vneid
        || before.topic_starts.len() != after.topic_starts.len()
        || before.certificates.len() != after.certificates.len()
        || before.completed_count() != after.completed_count()
}

/// The counter changes that take a forgotten learner out of the figures.
pub fn forget_deltas(learner: &Learner, areas: &AreaTree) -> Vec<(CounterKey, i64)> {
    counter_deltas(&contributions(learner, areas), &BTreeSet::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicator::AgeBand;

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
    fn data_dates_are_iso_in_vietnam_time() {
        assert_eq!(iso_date(Q4_2026_START), "2026-10-01");
        assert_eq!(iso_date(Q4_2026_START - 1), "2026-09-30");
    }

    #[test]
    fn metric_keys_round_trip() {
        for m in [
            Metric::Started,
            Metric::Basic,
            Metric::Lesson("vneid-what".into()),
            Metric::Topic("safety".into()),
            Metric::Vneid,
            Metric::Among(Counts::Reached, Segment::Age(AgeBand::From60)),
            Metric::Among(
                Counts::Vneid,
                Segment::Group(crate::indicator::PopGroup::PublicServant),
            ),
            Metric::TopicStarted("safety".into()),
        ] {
            assert_eq!(Metric::from_key(&m.key()), Some(m));
        }
        assert_eq!(Metric::from_key("x:y"), None);
        assert_eq!(Metric::from_key("started@aliens"), None);
        assert_eq!(
            Metric::from_key("l:x@elderly@"),
            Some(Metric::Lesson("x@elderly@".into()))
        );
        assert_eq!(Metric::from_key("vneid@elderly@worker"), None);
        assert_eq!(
            Metric::Among(Counts::Reached, Segment::Age(AgeBand::From60)).key(),
            "started@elderly"
        );
        for p in Period::ALL {
            assert_eq!(Period::from_code(p.code()), Some(p));
        }
    }

    #[test]
    fn indicator_counts_follow_what_the_learner_said() {
        use crate::core::state::{CertificateStamp, LearnerId, VneidAnswer};
        use crate::indicator::PopGroup;
        let areas = AreaTree::parse(
            std::path::Path::new("areas.toml"),
            "[[area]]\nid = \"tinh\"\nname = \"T\"\nadults = 10\ntarget = 0.8\n\
             [[area]]\nid = \"xa\"\nparent = \"tinh\"\nname = \"X\"\nadults = 5\ntarget = 0.8\n",
        )
        .unwrap();
        let mut learner = Learner::new(LearnerId::new("tg:1").unwrap(), "telegram", "Lan", 0);
        learner.started = Some(Q4_2026_START);
        learner.area = Some("xa".into());
        let keys = |l: &Learner| -> BTreeSet<(String, String)> {
            contributions(l, &areas)
                .into_iter()
                .map(|k| (k.scope, k.metric))
                .collect()
        };
        let has = |l: &Learner, scope: &str, metric: &str| {
            keys(l).contains(&(scope.to_string(), metric.to_string()))
        };
        assert!(has(&learner, "a:xa", "started"));
        assert!(!keys(&learner).iter().any(|(_, m)| m.contains('@')));

        learner.profile.age = Some(AgeBand::From60);
        learner.profile.group = Some(PopGroup::Trader);
        learner.vneid = Some(VneidAnswer {
            answer: Vneid::NotYet,
            at: Q4_2026_START + 5,
        });
        learner.certificates.insert(
            BASIC.into(),
            CertificateStamp {
                code: "X".into(),
                at: Q4_2026_START + 9,
                name: None,
            },
        );
        for scope in ["a:xa", "a:tinh"] {
            for metric in [
                "started@elderly",
                "started@trader",
                "basic",
                "basic@elderly",
                "basic@trader",
            ] {
                assert!(has(&learner, scope, metric), "{scope} {metric}");
            }
            assert!(!has(&learner, scope, "vneid"), "not yet is not counted");
        }
        let before = contributions(&learner, &areas);
        learner.vneid = Some(VneidAnswer {
            answer: Vneid::Yes,
            at: Q4_2026_START - 5,
        });
        learner.profile.group = Some(PopGroup::Worker);
        assert!(may_change_counts(
            &Learner {
                vneid: None,
                ..learner.clone()
            },
            &learner
        ));
        let after = contributions(&learner, &areas);
        let deltas = counter_deltas(&before, &after);
        let delta = |metric: &str, quarter: Quarter| -> i64 {
            deltas
                .iter()
                .filter(|(k, _)| k.scope == "a:xa" && k.metric == metric && k.quarter == quarter)
                .map(|(_, d)| d)
                .sum()
        };
        let q4 = quarter_of(Q4_2026_START);
        assert_eq!(delta("started@trader", q4), -1);
        assert_eq!(delta("started@worker", q4), 1);
        assert_eq!(
            delta("vneid", q4 - 1),
            1,
            "a yes counts in the quarter it was said"
        );
        assert_eq!(delta("vneid@worker", q4 - 1), 1);
        assert_eq!(delta("started@elderly", q4), 0);
        let gone = forget_deltas(&learner, &areas);
        assert_eq!(gone.len(), after.len());
        assert!(gone.iter().all(|(_, d)| *d == -1));
    }
}
