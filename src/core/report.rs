//! The officials' quarterly report against the movement's indicators, as
//! data: for an area and a quarter, each indicator's count this quarter,
//! last quarter and to date, its denominator, the year's target and the gap,
//! the same for each child area, and lessons and topics. Also the report's
//! calendar: the deadline and the reminder before it, in Vietnam time.
//!
//! Everything is read from counters kept at write time (three range reads
//! per area), never a scan of learners. The report leaves the core as a
//! `Report` attachment; the spreadsheet is written at the edge
//! (`report_xlsx`), the chart drawn by `present`, like certificates.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::action::{Arg, ChartBar, ChartSpec, Message, Text};
use super::directory::Unavailable;
use super::state::{Lang, Timestamp};
use super::stats::{
    Metric, Quarter, VIETNAM_OFFSET, area_scope, format_percent, quarter_of, quarter_parts,
};
use crate::area::AreaTree;
use crate::indicator::{Indicators, ReportSettings};
use crate::lesson::LessonTree;

pub use super::reporting::ReportView;

/// How many child areas the message names as furthest behind.
const BEHIND_SHOWN: usize = 3;

/// A filled report: what the message, the spreadsheet and the chart show.
/// Names are already in the reader's language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub area: String,
    pub area_name: String,
    /// "Phường A › Tỉnh B".
    pub area_path: String,
    pub quarter: Quarter,
    /// When the figures were read.
    pub made: Timestamp,
    /// The day the report is due (its first second, Vietnam time).
    pub deadline: Timestamp,
    pub lines: Vec<Line>,
    /// The same lines for each child area, in area-file order.
    pub children: Vec<AreaLines>,
    pub topics: Vec<TopicFigures>,
}

/// One indicator in one area.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    pub indicator: String,
    pub name: String,
    /// The figure rests on what learners said (VNeID confirmations).
    pub self_declared: bool,
    pub main: bool,
    /// New this quarter.
    pub quarter: u64,
    /// New in the quarter before.
    pub last_quarter: u64,
    /// Everyone counted up to the end of the quarter.
    pub to_date: u64,
    /// `None` when the population is not known: the count only, no share.
    pub denominator: Option<u64>,
    /// The target share for the quarter's year, if any.
    pub target: Option<f64>,
}

impl Line {
    pub fn share(&self) -> Option<f64> {
        self.denominator.map(|d| self.to_date as f64 / d as f64)
    }

    /// People still needed to reach the target.
    pub fn gap(&self) -> Option<u64> {
        let (target, denominator) = (self.target?, self.denominator?);
        // A hair under, so 0.9 × 400 is 360 people, not 361 from rounding.
        let needed = (target * denominator as f64 - 1e-9).ceil() as u64;
        Some(needed.saturating_sub(self.to_date))
    }

    /// How far below its target the share is (0 when reached).
    pub fn behind(&self) -> Option<f64> {
        Some((self.target? - self.share()?).max(0.0))
    }

    /// New this quarter against new last quarter.
    pub fn change(&self) -> i64 {
        self.quarter as i64 - self.last_quarter as i64
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AreaLines {
    pub area: String,
    pub name: String,
    pub lines: Vec<Line>,
}

impl AreaLines {
    pub fn main(&self) -> Option<&Line> {
        self.lines.iter().find(|l| l.main)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicFigures {
    pub topic: String,
    pub title: String,
    /// Part of basic digital skills.
    pub core: bool,
    /// Learners who finished the topic, this quarter and to date.
    pub quarter: u64,
    pub to_date: u64,
    pub lessons: Vec<LessonFigures>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LessonFigures {
    pub lesson: String,
    pub title: String,
    pub quarter: u64,
    pub to_date: u64,
}

impl Report {
    pub fn main(&self) -> Option<&Line> {
        self.lines.iter().find(|l| l.main)
    }

    /// Child areas whose main share is furthest below its target, worst
    /// first; areas without a target or population are left out.
    pub fn furthest_behind(&self, n: usize) -> Vec<&AreaLines> {
        let mut behind: Vec<(&AreaLines, f64)> = self
            .children
            .iter()
            .filter_map(|c| Some((c, c.main()?.behind()?)))
            .filter(|(_, b)| *b > 0.0)
            .collect();
        behind.sort_by(|a, b| b.1.total_cmp(&a.1));
        behind.into_iter().take(n).map(|(c, _)| c).collect()
    }

    /// The spreadsheet's file name, e.g. `bao-cao-phuong-a-2026q4.xlsx`.
    pub fn file_name(&self) -> String {
        let (year, q) = quarter_parts(self.quarter);
        format!("bao-cao-{}-{year}q{q}.xlsx", self.area)
    }

    /// Achieved against target by child area (the area itself when it has
    /// none), for the main indicator.
    pub fn chart(&self) -> ChartSpec {
        let (year, _) = quarter_parts(self.quarter);
        let own = AreaLines {
            area: self.area.clone(),
            name: self.area_name.clone(),
            lines: self.lines.clone(),
        };
        let shown: Vec<&AreaLines> = if self.children.is_empty() {
            vec![&own]
        } else {
            self.children.iter().collect()
        };
        let bars = shown
            .iter()
            .filter_map(|c| {
                let line = c.main()?;
                Some(ChartBar {
                    label: c.name.clone(),
                    done: line.to_date,
                    adults: line.denominator.unwrap_or(0),
                    target: line.target.unwrap_or(0.0),
                })
            })
            .collect();
        ChartSpec {
            title: Text::new("report-chart-title").arg("area", self.area_name.clone()),
            subtitle: Text::new("report-chart-subtitle")
                .arg(
                    "indicator",
                    self.main().map(|l| l.name.clone()).unwrap_or_default(),
                )
                .arg("year", year as usize),
            bars,
        }
    }

    /// The report as one message for a phone (buttons are added by the caller).
    pub fn message(&self, lang: &Lang) -> Message {
        let (year, q) = quarter_parts(self.quarter);
        let percent = |share: f64| Arg::Str(format_percent(lang.as_str(), share));
        let mut message = Message::default()
            .heading(
                Text::new("report-title")
                    .arg("quarter", q as usize)
                    .arg("year", year as usize)
                    .arg("area", self.area_name.clone()),
            )
            .para(
                Text::new("report-as-of")
                    .arg("date", Arg::Date(self.made))
                    .arg("deadline", Arg::Date(self.deadline)),
            );
        for (n, line) in self.lines.iter().enumerate() {
            let change = line.change();
            let trend = match change {
                1.. => "up",
                0 => "same",
                _ => "down",
            };
            let mut text = Text::new("report-line")
                .arg("number", n + 1)
                .arg("name", line.name.clone())
                .arg("declared", yes_no(line.self_declared))
                .arg("quarter", line.quarter as usize)
                .arg("last", line.last_quarter as usize)
                .arg("change", Arg::Num(change.abs()))
                .arg("trend", trend)
                .arg("to-date", line.to_date as usize)
                .arg("year", year as usize)
                .arg("has-share", yes_no(line.share().is_some()))
                .arg("has-target", yes_no(line.target.is_some()));
            if let (Some(d), Some(s)) = (line.denominator, line.share()) {
                text = text.arg("of", d as usize).arg("share", percent(s));
            }
            if let Some(t) = line.target {
                text = text.arg("target", percent(t));
            }
            text = match line.gap() {
                Some(0) => text.arg("gap-state", "reached"),
                Some(gap) => text.arg("gap-state", "short").arg("gap", gap as usize),
                None => text.arg("gap-state", "unknown"),
            };
            message = message.para(text);
        }
        if !self.children.is_empty() {
            let behind = self.furthest_behind(BEHIND_SHOWN);
            let name = self.main().map(|l| l.name.clone()).unwrap_or_default();
            if behind.is_empty() {
                message = message.para(Text::new("report-behind-none").arg("indicator", name));
            } else {
                message = message.para(Text::new("report-behind-title").arg("indicator", name));
                for child in behind {
                    let Some(line) = child.main() else { continue };
                    let (Some(share), Some(target)) = (line.share(), line.target) else {
                        continue;
                    };
                    message = message.para(
                        Text::new("report-behind-line")
                            .arg("area", child.name.clone())
                            .arg("share", percent(share))
                            .arg("target", percent(target))
                            .arg("gap", line.gap().unwrap_or(0) as usize),
                    );
                }
            }
        }
        if self.lines.iter().any(|l| l.self_declared) {
            message = message.para(Text::new("report-self-declared"));
        }
        message
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// Counter totals of a scope over quarters, as the `Directory` gives them.
pub type CountReader<'r> =
    dyn FnMut(&str, (Quarter, Quarter)) -> Result<BTreeMap<String, u64>, Unavailable> + 'r;

/// What a report is made from: the trees and the reader's language.
pub struct ReportMaker<'a> {
    pub areas: &'a AreaTree,
    pub indicators: &'a Indicators,
    pub lessons: &'a LessonTree,
    pub lang: &'a Lang,
}

/// One area's counters for the report's three periods.
struct Figures {
    quarter: BTreeMap<String, u64>,
    last: BTreeMap<String, u64>,
    to_date: BTreeMap<String, u64>,
}

impl Figures {
    fn get(map: &BTreeMap<String, u64>, metric: &Metric) -> u64 {
        map.get(&metric.key()).copied().unwrap_or(0)
    }
}

impl ReportMaker<'_> {
    /// The report of `area` for `quarter`, figures as read at `now`.
    pub fn make(
        &self,
        area: &str,
        quarter: Quarter,
        now: Timestamp,
        counts: &mut CountReader<'_>,
    ) -> Result<Report, Unavailable> {
        let here = self
            .areas
            .get(area)
            .ok_or_else(|| Unavailable(format!("no area {area}")))?;
        let figures = read(area, quarter, counts)?;
        let lines = self.lines(area, quarter, &figures);
        let mut children = Vec::new();
        for child in self.areas.children(area) {
            let f = read(&child.id, quarter, counts)?;
            children.push(AreaLines {
                area: child.id.clone(),
                name: child.name.clone(),
                lines: self.lines(&child.id, quarter, &f),
            });
        }
        let topics = self
            .lessons
            .topics()
            .iter()
            .map(|topic| {
                let metric = Metric::Topic(topic.id.clone());
                TopicFigures {
                    topic: topic.id.clone(),
                    title: topic.title.get(self.lang).clone(),
                    core: topic.core,
                    quarter: Figures::get(&figures.quarter, &metric),
                    to_date: Figures::get(&figures.to_date, &metric),
                    lessons: topic
                        .lessons
                        .iter()
                        .filter_map(|id| {
                            let lesson = self.lessons.lesson(id)?;
                            let metric = Metric::Lesson(id.clone());
                            Some(LessonFigures {
                                lesson: id.clone(),
                                title: lesson.text.get(self.lang).title.clone(),
                                quarter: Figures::get(&figures.quarter, &metric),
                                to_date: Figures::get(&figures.to_date, &metric),
                            })
                        })
                        .collect(),
                }
            })
            .collect();
        Ok(Report {
            area: area.to_string(),
            area_name: here.name.clone(),
            area_path: self.areas.full_name(area),
            quarter,
            made: now,
            deadline: deadline(quarter, &self.indicators.report),
            lines,
            children,
            topics,
        })
    }

    fn lines(&self, area: &str, quarter: Quarter, figures: &Figures) -> Vec<Line> {
        let (year, _) = quarter_parts(quarter);
        self.indicators
            .all()
            .iter()
            .map(|indicator| {
                let metric = Metric::of(indicator.counts, indicator.among);
                Line {
                    indicator: indicator.id.clone(),
                    name: indicator.name(self.lang.as_str()).to_string(),
                    self_declared: indicator.self_declared(),
                    main: indicator.main,
                    quarter: Figures::get(&figures.quarter, &metric),
                    last_quarter: Figures::get(&figures.last, &metric),
                    to_date: Figures::get(&figures.to_date, &metric),
                    denominator: self.indicators.denominator(indicator, self.areas, area),
                    target: self.indicators.target(indicator, self.areas, area, year),
                }
            })
            .collect()
    }
}

fn read(
    area: &str,
    quarter: Quarter,
    counts: &mut CountReader<'_>,
) -> Result<Figures, Unavailable> {
    let scope = area_scope(area);
    Ok(Figures {
        quarter: counts(&scope, (quarter, quarter))?,
        last: match quarter.checked_sub(1) {
            Some(last) => counts(&scope, (last, last))?,
            None => BTreeMap::new(),
        },
        to_date: counts(&scope, (0, quarter))?,
    })
}

/// Midnight (Vietnam) starting `day` of `month` of `year`.
fn local_day(year: u32, month: u32, day: u8) -> Timestamp {
    let month = time::Month::try_from(month as u8).unwrap_or(time::Month::December);
    let date = time::Date::from_calendar_date(year as i32, month, day).unwrap_or(time::Date::MIN);
    date.midnight().assume_utc().unix_timestamp() - VIETNAM_OFFSET
}

/// The day a quarter's report is due: `deadline_day` of its last month.
pub fn deadline(quarter: Quarter, settings: &ReportSettings) -> Timestamp {
    let (year, q) = quarter_parts(quarter);
    local_day(year, q * 3, settings.deadline_day)
}

/// When a quarter's reminder goes out.
pub fn reminder_at(quarter: Quarter, settings: &ReportSettings) -> Timestamp {
    let (year, q) = quarter_parts(quarter);
    let day = settings
        .deadline_day
        .saturating_sub(settings.remind_days_before)
        .max(1);
    local_day(year, q * 3, day) + i64::from(settings.remind_hour) * 3600
}

/// The first reminder after `now`: this quarter's if it is still ahead,
/// otherwise the next quarter's.
pub fn next_reminder(now: Timestamp, settings: &ReportSettings) -> Timestamp {
    let q = quarter_of(now);
    let this = reminder_at(q, settings);
    if this > now {
        this
    } else {
        reminder_at(q + 1, settings)
    }
}

/// A quarter as typed after `/report`: `2026q3`, `q3-2026`, `q3/2026`,
/// `3/2026`, or `q3` for this year. `None` if the word is not a quarter.
pub fn parse_quarter(word: &str, now: Timestamp) -> Option<Quarter> {
    let w = word.trim().to_lowercase().replace(['–', '-', '/', ' '], "");
    let (this_year, _) = quarter_parts(quarter_of(now));
    let (year, q): (u32, u32) = if let Some((y, q)) = w.split_once('q') {
        if y.is_empty() {
            // q3 or q32026
            match q.len() {
                1 => (this_year, q.parse().ok()?),
                5 => (q[1..].parse().ok()?, q[..1].parse().ok()?),
                _ => return None,
            }
        } else {
            (y.parse().ok()?, q.parse().ok()?)
        }
    } else if w.len() == 5 && w.bytes().all(|b| b.is_ascii_digit()) {
        // 32026, from "3/2026"
        (w[1..].parse().ok()?, w[..1].parse().ok()?)
    } else {
        return None;
    };
    ((1..=4).contains(&q) && (2000..=2100).contains(&year)).then(|| year * 4 + (q - 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicator::Indicators;
    use crate::lesson::LessonTree;
    use std::path::Path;

    // 2026-11-23 10:00 in Vietnam.
    const NOW: Timestamp = 1_795_417_200;

    fn q(year: u32, n: u32) -> Quarter {
        year * 4 + n - 1
    }

    #[test]
    fn the_deadline_and_reminder_fall_in_the_quarters_last_month() {
        let settings = ReportSettings::default();
        // 10/12/2026 00:00 in Vietnam is 09/12 17:00 UTC.
        assert_eq!(deadline(q(2026, 4), &settings), 1_796_835_600);
        assert_eq!(
            super::super::stats::format_date(deadline(q(2026, 4), &settings)),
            "10/12/2026"
        );
        // The reminder: 07/12/2026 08:00 Vietnam = 07/12 01:00 UTC.
        let at = reminder_at(q(2026, 4), &settings);
        assert_eq!(at, 1_796_835_600 - 3 * 86_400 + 8 * 3600);
        assert_eq!(next_reminder(NOW, &settings), at);
        assert_eq!(next_reminder(at - 1, &settings), at);
        // At the reminder itself, and after it, the next one is in March.
        let march = reminder_at(q(2027, 1), &settings);
        assert_eq!(next_reminder(at, &settings), march);
        assert_eq!(super::super::stats::format_date(march), "07/03/2027");
        // A province reporting before the 15th, reminded 5 days before at 7:00.
        let other = ReportSettings {
            deadline_day: 15,
            remind_days_before: 5,
            remind_hour: 7,
            ..settings
        };
        let sept = reminder_at(q(2026, 3), &other);
        assert_eq!(super::super::stats::format_date(sept), "10/09/2026");
        assert_eq!((sept + VIETNAM_OFFSET) % 86_400, 7 * 3600);
    }

    #[test]
    fn quarters_are_read_as_people_write_them() {
        for (word, want) in [
            ("2026q3", Some(q(2026, 3))),
            ("Q3-2026", Some(q(2026, 3))),
            ("q3/2026", Some(q(2026, 3))),
            ("3/2026", Some(q(2026, 3))),
            ("q1", Some(q(2026, 1))),
            ("q5", None),
            ("0/2026", None),
            ("phuong-hoa-sen", None),
            ("q", None),
            ("2026", None),
        ] {
            assert_eq!(parse_quarter(word, NOW), want, "{word}");
        }
    }

    fn tree() -> AreaTree {
        AreaTree::parse(
            Path::new("areas.toml"),
            "[[area]]\nid = \"tinh\"\nname = \"Tỉnh\"\nadults = 1000\ntarget = 0.8\n\
             [[area]]\nid = \"xa-a\"\nparent = \"tinh\"\nname = \"Xã A\"\nadults = 600\ntarget = 0.8\n\
             [[area]]\nid = \"xa-b\"\nparent = \"tinh\"\nname = \"Xã B\"\nadults = 400\ntarget = 0.9\n\
             [[area]]\nid = \"xa-c\"\nparent = \"tinh\"\nname = \"Xã C\"\nadults = 0\ntarget = 0.9\n",
        )
        .unwrap()
    }

    #[test]
    fn a_report_reads_three_periods_per_area_and_compares_with_targets() {
        let areas = tree();
        let src = "[[indicator]]\nid = \"basic\"\nmain = true\ncounts = \"basic\"\nname.vi = \"Cơ bản\"\n\
                   [[indicator]]\nid = \"old\"\ncounts = \"reached\"\namong = \"elderly\"\nper = \"elderly\"\nname.vi = \"Cao tuổi\"\n";
        let indicators =
            Indicators::parse(Path::new("i.toml"), src, &areas, &LessonTree::default())
                .unwrap()
                .indicators;
        let lessons = LessonTree::default();
        let lang = Lang::new("vi");
        let maker = ReportMaker {
            areas: &areas,
            indicators: &indicators,
            lessons: &lessons,
            lang: &lang,
        };
        let this = q(2026, 4);
        let mut reads = Vec::new();
        let mut counts = |scope: &str, (from, to): (Quarter, Quarter)| {
            reads.push((scope.to_string(), from, to));
            let n = |x: u64| match (scope, from == to, to == this) {
                (_, true, true) => x,      // this quarter
                (_, true, false) => x / 2, // last quarter
                _ => x * 10,               // to date
            };
            let base = match scope {
                "a:tinh" => 30,
                "a:xa-a" => 20,
                "a:xa-b" => 1,
                _ => 9,
            };
            Ok(BTreeMap::from([
                ("basic".to_string(), n(base)),
                ("started@elderly".to_string(), n(base + 1)),
            ]))
        };
        let report = maker.make("tinh", this, NOW, &mut counts).unwrap();
        assert_eq!(reads.len(), 4 * 3, "three reads per area: {reads:?}");
        let main = report.main().unwrap();
        assert_eq!(
            (main.quarter, main.last_quarter, main.to_date),
            (30, 15, 300)
        );
        assert_eq!(main.change(), 15);
        assert_eq!(main.denominator, Some(1000));
        assert_eq!(main.target, Some(0.8));
        assert_eq!(main.gap(), Some(500));
        let old = &report.lines[1];
        assert_eq!(old.to_date, 310);
        assert_eq!(
            (old.denominator, old.share(), old.gap()),
            (None, None, None)
        );
        // Xã B (10/400 = 2.5% of 90%) is furthest behind, then Xã A (200/600);
        // Xã C has no adults: no share, left out.
        let behind: Vec<&str> = report
            .furthest_behind(3)
            .iter()
            .map(|c| c.area.as_str())
            .collect();
        assert_eq!(behind, ["xa-b", "xa-a"]);
        assert_eq!(report.deadline, deadline(this, &ReportSettings::default()));
        assert_eq!(report.file_name(), "bao-cao-tinh-2026q4.xlsx");
        let chart = report.chart();
        assert_eq!(chart.bars.len(), 3);
        assert_eq!((chart.bars[1].done, chart.bars[1].adults), (10, 400));
        let message = report.message(&lang);
        let keys = message.keys();
        assert_eq!(
            keys,
            [
                "report-title",
                "report-as-of",
                "report-line",
                "report-line",
                "report-behind-title",
                "report-behind-line",
                "report-behind-line",
            ]
        );
    }
}
