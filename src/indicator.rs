//! The movement's indicators and their targets, loaded from `indicators.toml`
//! at start and validated like the lessons and areas: every problem is
//! reported with its line, and a file with any problem is never used.
//!
//! An indicator is something the bot can count (learners with basic digital
//! skills, learners who say the learning platform's completion shows in
//! their VNeID, learners reached), among everyone or one population group or
//! age band, over a denominator (the area's adults, its elderly or a group's
//! population) with a target share per year and area. Targets are inherited
//! down the area tree; a denominator is never guessed. This module also owns
//! the learner profile's vocabulary (age band, population group) and the
//! report's deadline settings. It knows the area tree and the lesson tree,
//! never the conversation core, a store or a chat.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::area::AreaTree;
use crate::lesson::{LessonTree, Problem, is_valid_id};

/// The age band a learner says they are in: the plans care for the elderly
/// (people of 60 and over, as Vietnamese law counts them), coded `elderly`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AgeBand {
    #[serde(rename = "under-60")]
    Under60,
    #[serde(rename = "elderly")]
    From60,
}

impl AgeBand {
    pub const ALL: [AgeBand; 2] = [AgeBand::Under60, AgeBand::From60];

    pub fn code(self) -> &'static str {
        match self {
            AgeBand::Under60 => "under-60",
            AgeBand::From60 => "elderly",
        }
    }

    pub fn from_code(code: &str) -> Option<AgeBand> {
        Self::ALL.into_iter().find(|a| a.code() == code)
    }
}

/// The population groups the provinces' plans set separate targets for.
/// A fixed list: each has its words in the locales and its id in learner
/// records, so a deployment chooses targets for them, not new ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PopGroup {
    /// Residents in general (người dân), retired people included.
    Resident,
    /// Cadres, civil servants, public employees (cán bộ, công chức, viên chức).
    PublicServant,
    /// Pupils and students (học sinh, sinh viên).
    Student,
    /// Workers of enterprises and cooperatives (người lao động trong doanh
    /// nghiệp, hợp tác xã).
    Worker,
    /// Small traders (tiểu thương), the "Chợ số" model.
    Trader,
}

impl PopGroup {
    pub const ALL: [PopGroup; 5] = [
        PopGroup::Resident,
        PopGroup::PublicServant,
        PopGroup::Student,
        PopGroup::Worker,
        PopGroup::Trader,
    ];

    pub fn id(self) -> &'static str {
        match self {
            PopGroup::Resident => "resident",
            PopGroup::PublicServant => "public-servant",
            PopGroup::Student => "student",
            PopGroup::Worker => "worker",
            PopGroup::Trader => "trader",
        }
    }

    pub fn from_id(id: &str) -> Option<PopGroup> {
        Self::ALL.into_iter().find(|g| g.id() == id)
    }
}

/// A part of the learners, by what they said about themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Segment {
    Age(AgeBand),
    Group(PopGroup),
}

impl Segment {
    pub fn code(self) -> &'static str {
        match self {
            Segment::Age(a) => a.code(),
            Segment::Group(g) => g.id(),
        }
    }

    pub fn from_code(code: &str) -> Option<Segment> {
        AgeBand::from_code(code)
            .map(Segment::Age)
            .or_else(|| PopGroup::from_id(code).map(Segment::Group))
    }
}

/// What an indicator counts: each is a counter kept at write time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Counts {
    /// Learners who finished every core topic (the overall certificate).
    Basic,
    /// Learners who said the learning platform's completion shows in their
    /// VNeID. Self-declared: the bot cannot see VNeID.
    Vneid,
    /// Learners who opened at least one lesson.
    Reached,
}

impl Counts {
    pub const ALL: [Counts; 3] = [Counts::Basic, Counts::Vneid, Counts::Reached];

    pub fn id(self) -> &'static str {
        match self {
            Counts::Basic => "basic",
            Counts::Vneid => "vneid",
            Counts::Reached => "reached",
        }
    }

    pub fn from_id(id: &str) -> Option<Counts> {
        Self::ALL.into_iter().find(|c| c.id() == id)
    }
}

/// The denominator of an indicator's share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Per {
    /// The area's adults (`adults` in the area file).
    Adults,
    /// People aged 60 and over (`elderly` under `[[population]]`).
    Elderly,
    /// A group's population (its id under `[[population]]`).
    Group(PopGroup),
    /// No denominator: the count only.
    Nothing,
}

impl Per {
    fn parse(word: &str) -> Option<Per> {
        match word {
            "adults" => Some(Per::Adults),
            "elderly" => Some(Per::Elderly),
            "none" => Some(Per::Nothing),
            other => PopGroup::from_id(other).map(Per::Group),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    pub id: String,
    pub name_vi: String,
    /// `None` when the file gives no English name: Vietnamese is shown.
    pub name_en: Option<String>,
    pub counts: Counts,
    /// `None` for everyone.
    pub among: Option<Segment>,
    pub per: Per,
    /// The indicator the chart and "furthest behind" are about.
    pub main: bool,
}

impl Indicator {
    /// The name in `lang` (`vi` or `en`), Vietnamese when there is no other.
    pub fn name(&self, lang: &str) -> &str {
        match (lang, &self.name_en) {
            ("en", Some(en)) => en,
            _ => &self.name_vi,
        }
    }

    /// Whether the figure rests on what learners said, not on what the bot saw.
    pub fn self_declared(&self) -> bool {
        self.counts == Counts::Vneid
    }
}

/// Known populations of one area, for the denominators.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Population {
    pub elderly: Option<u64>,
    pub groups: BTreeMap<PopGroup, u64>,
}

/// When reports are due and reminded of (per deployment).
#[derive(Debug, Clone, PartialEq)]
pub struct ReportSettings {
    /// The topic after which learners are asked about VNeID; `None` asks never.
    pub vneid_confirm_after: Option<String>,
    /// Reports are due before this day of the quarter's last month.
    pub deadline_day: u8,
    /// Reminders go this many days before the deadline day…
    pub remind_days_before: u8,
    /// …at this hour, Vietnam time.
    pub remind_hour: u8,
}

impl Default for ReportSettings {
    /// Most plans: before the 10th of the quarter's last month; a reminder
    /// three days earlier at 08:00.
    fn default() -> Self {
        ReportSettings {
            vneid_confirm_after: None,
            deadline_day: 10,
            remind_days_before: 3,
            remind_hour: 8,
        }
    }
}

/// The validated indicators of a deployment.
#[derive(Debug, Clone)]
pub struct Indicators {
    list: Vec<Indicator>,
    /// Target shares by (indicator, area), then by year.
    targets: BTreeMap<(String, String), BTreeMap<u32, f64>>,
    populations: BTreeMap<String, Population>,
    pub report: ReportSettings,
}

impl Default for Indicators {
    /// Without a file: the one figure the area file already targets.
    fn default() -> Self {
        Indicators {
            list: vec![Indicator {
                id: "adults-basic".into(),
                name_vi: "Người trưởng thành có kỹ năng số cơ bản".into(),
                name_en: Some("Adults with basic digital skills".into()),
                counts: Counts::Basic,
                among: None,
                per: Per::Adults,
                main: true,
            }],
            targets: BTreeMap::new(),
            populations: BTreeMap::new(),
            report: ReportSettings::default(),
        }
    }
}

/// A file that loaded, with what should be looked at but does not stop it.
#[derive(Debug)]
pub struct Loaded {
    pub indicators: Indicators,
    pub warnings: Vec<Problem>,
}

#[derive(Debug, thiserror::Error)]
#[error("the indicator file has {} problem(s):\n{}", .0.len(), list(.0))]
pub struct IndicatorError(pub Vec<Problem>);

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    report: Option<Spanned<RawReport>>,
    #[serde(default)]
    indicator: Vec<Spanned<RawIndicator>>,
    #[serde(default)]
    target: Vec<Spanned<RawTarget>>,
    #[serde(default)]
    population: Vec<Spanned<RawPopulation>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReport {
    vneid_confirm_after: Option<Spanned<String>>,
    deadline_day: Option<Spanned<i64>>,
    remind_days_before: Option<Spanned<i64>>,
    remind_hour: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndicator {
    id: String,
    name: RawName,
    counts: Spanned<String>,
    #[serde(default)]
    among: Option<Spanned<String>>,
    #[serde(default)]
    per: Option<Spanned<String>>,
    #[serde(default)]
    main: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawName {
    vi: String,
    #[serde(default)]
    en: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    indicator: Spanned<String>,
    area: Spanned<String>,
    by_year: Spanned<BTreeMap<String, toml::Value>>,
}

#[derive(Deserialize)]
struct RawPopulation {
    // Spans do not survive `flatten`: problems point at the entry's line.
    area: String,
    #[serde(flatten)]
    counts: BTreeMap<String, toml::Value>,
}

const MAX_NAME_CHARS: usize = 120;
const YEARS: std::ops::RangeInclusive<u32> = 2020..=2100;

impl Indicators {
    pub fn load(
        file: &Path,
        areas: &AreaTree,
        lessons: &LessonTree,
    ) -> Result<Loaded, IndicatorError> {
        let source = std::fs::read_to_string(file).map_err(|e| {
            IndicatorError(vec![Problem {
                file: file.to_path_buf(),
                line: None,
                message: format!("cannot read the indicator file: {e}"),
            }])
        })?;
        Self::parse(file, &source, areas, lessons)
    }

    pub fn parse(
        file: &Path,
        source: &str,
        areas: &AreaTree,
        lessons: &LessonTree,
    ) -> Result<Loaded, IndicatorError> {
        let line_at = |offset: usize| source[..offset.min(source.len())].matches('\n').count() + 1;
        let problem = |line: Option<usize>, message: String| Problem {
            file: file.to_path_buf(),
            line,
            message,
        };
        let at = |span: std::ops::Range<usize>| Some(line_at(span.start));
        let raw: RawFile = toml::from_str(source).map_err(|e| {
            let line = e.span().map(|s| line_at(s.start));
            IndicatorError(vec![problem(line, e.message().trim_end().to_string())])
        })?;
        let mut problems = Vec::new();
        let mut warnings = Vec::new();

        let mut report = ReportSettings::default();
        if let Some(raw_report) = &raw.report {
            let r = raw_report.get_ref();
            let mut number = |field: &Option<Spanned<i64>>,
                              name: &str,
                              range: std::ops::RangeInclusive<i64>,
                              into: &mut u8| {
                if let Some(value) = field {
                    let v = *value.get_ref();
                    if range.contains(&v) {
                        *into = v as u8;
                    } else {
                        problems.push(problem(
                            at(value.span()),
                            format!(
                                "`{name}` is {v}, it must be between {} and {}",
                                range.start(),
                                range.end()
                            ),
                        ));
                    }
                }
            };
            number(
                &r.deadline_day,
                "deadline_day",
                1..=28,
                &mut report.deadline_day,
            );
            number(
                &r.remind_days_before,
                "remind_days_before",
                0..=27,
                &mut report.remind_days_before,
            );
            number(
                &r.remind_hour,
                "remind_hour",
                0..=23,
                &mut report.remind_hour,
            );
            if report.remind_days_before >= report.deadline_day {
                problems.push(problem(
                    at(raw_report.span()),
                    format!(
                        "a reminder {} days before day {} of the month falls in the month before: \
                         make `remind_days_before` smaller than `deadline_day`",
                        report.remind_days_before, report.deadline_day
                    ),
                ));
            }
            if let Some(topic) = &r.vneid_confirm_after {
                let id = topic.get_ref();
                if !is_valid_id(id) {
                    problems.push(problem(
                        at(topic.span()),
                        format!("`vneid_confirm_after` must be a topic id, not `{id}`"),
                    ));
                } else {
                    if lessons.topic(id).is_none() {
                        warnings.push(problem(
                            at(topic.span()),
                            format!(
                                "the topic `{id}` (vneid_confirm_after) is not in the lesson tree: \
                                 learners are not asked about VNeID until it is"
                            ),
                        ));
                    }
                    report.vneid_confirm_after = Some(id.clone());
                }
            }
        }

        let mut list: Vec<Indicator> = Vec::new();
        let mut seen = BTreeSet::new();
        for spanned in &raw.indicator {
            let line = at(spanned.span());
            let r = spanned.get_ref();
            let mut ok = true;
            if !is_valid_id(&r.id) {
                problems.push(problem(
                    line,
                    format!(
                        "indicator id `{}` must be 1-32 lower-case letters, digits or `-`",
                        r.id
                    ),
                ));
                ok = false;
            } else if !seen.insert(r.id.clone()) {
                problems.push(problem(
                    line,
                    format!("indicator id `{}` is used twice", r.id),
                ));
                ok = false;
            }
            let name_ok =
                |n: &str| !n.trim().is_empty() && n.trim().chars().count() <= MAX_NAME_CHARS;
            if !name_ok(&r.name.vi) || r.name.en.as_deref().is_some_and(|n| !name_ok(n)) {
                problems.push(problem(
                    line,
                    format!(
                        "indicator `{}` needs names of 1-{MAX_NAME_CHARS} characters",
                        r.id
                    ),
                ));
                ok = false;
            }
            let counts = Counts::from_id(r.counts.get_ref());
            if counts.is_none() {
                problems.push(problem(
                    at(r.counts.span()),
                    format!(
                        "indicator `{}`: `counts = \"{}\"` is not one of basic, vneid, reached",
                        r.id,
                        r.counts.get_ref()
                    ),
                ));
                ok = false;
            }
            let among = match &r.among {
                None => Some(None),
                Some(a) if a.get_ref() == "all" => Some(None),
                Some(a) => match Segment::from_code(a.get_ref()) {
                    Some(segment) => Some(Some(segment)),
                    None => {
                        problems.push(problem(
                            at(a.span()),
                            format!(
                                "indicator `{}`: `among = \"{}\"` is not all, under-60, elderly or a group ({})",
                                r.id,
                                a.get_ref(),
                                group_ids()
                            ),
                        ));
                        None
                    }
                },
            };
            let per = match &r.per {
                None => Some(Per::Adults),
                Some(p) => {
                    let per = Per::parse(p.get_ref());
                    if per.is_none() {
                        problems.push(problem(
                            at(p.span()),
                            format!(
                                "indicator `{}`: `per = \"{}\"` is not adults, elderly, none or a group ({})",
                                r.id,
                                p.get_ref(),
                                group_ids()
                            ),
                        ));
                    }
                    per
                }
            };
            if let (true, Some(counts), Some(among), Some(per)) = (ok, counts, among, per) {
                list.push(Indicator {
                    id: r.id.clone(),
                    name_vi: r.name.vi.trim().to_string(),
                    name_en: r.name.en.as_ref().map(|n| n.trim().to_string()),
                    counts,
                    among,
                    per,
                    main: r.main,
                });
            }
        }
        if raw.indicator.is_empty() {
            problems.push(problem(None, "the file names no indicator".into()));
        } else {
            let mains: Vec<usize> = raw
                .indicator
                .iter()
                .filter(|i| i.get_ref().main)
                .map(|i| line_at(i.span().start))
                .collect();
            match mains.as_slice() {
                [_] => {}
                [] => problems.push(problem(
                    None,
                    "no indicator is the main one: mark exactly one with `main = true`".into(),
                )),
                [_, more @ ..] => {
                    for line in more {
                        problems.push(problem(
                            Some(*line),
                            "only one indicator may be `main = true`".into(),
                        ));
                    }
                }
            }
        }
        let uses_vneid = list.iter().any(|i| i.counts == Counts::Vneid);
        if uses_vneid && report.vneid_confirm_after.is_none() {
            warnings.push(problem(
                raw.report.as_ref().and_then(|r| at(r.span())),
                "an indicator counts VNeID confirmations, but `vneid_confirm_after` under \
                 [report] names no topic: nobody is asked, so it stays at 0"
                    .into(),
            ));
        }

        let known: BTreeSet<&str> = list.iter().map(|i| i.id.as_str()).collect();
        let mut targets: BTreeMap<(String, String), BTreeMap<u32, f64>> = BTreeMap::new();
        for spanned in &raw.target {
            let line = at(spanned.span());
            let t = spanned.get_ref();
            let indicator = t.indicator.get_ref();
            let area = t.area.get_ref();
            let mut ok = true;
            if !known.contains(indicator.as_str()) && !seen.contains(indicator) {
                problems.push(problem(
                    at(t.indicator.span()),
                    format!("target for indicator `{indicator}`, which the file does not define"),
                ));
                ok = false;
            }
            if areas.get(area).is_none() {
                problems.push(problem(
                    at(t.area.span()),
                    format!("target for area `{area}`, which is not in the area file"),
                ));
                ok = false;
            }
            let mut years = BTreeMap::new();
            for (year, value) in t.by_year.get_ref() {
                // `1` and `1.0` both mean 100%.
                let share = value
                    .as_float()
                    .or_else(|| value.as_integer().map(|n| n as f64))
                    .unwrap_or(f64::NAN);
                match year.parse::<u32>() {
                    Ok(y) if YEARS.contains(&y) => {
                        if (0.0..=1.0).contains(&share) {
                            years.insert(y, share);
                        } else {
                            problems.push(problem(
                                at(t.by_year.span()),
                                format!(
                                    "target {value} for {year} must be a share between 0 and 1 (0.8 = 80%)"
                                ),
                            ));
                            ok = false;
                        }
                    }
                    _ => {
                        problems.push(problem(
                            at(t.by_year.span()),
                            format!("`{year}` is not a year between 2020 and 2100"),
                        ));
                        ok = false;
                    }
                }
            }
            if !ok {
                continue;
            }
            let entry = targets
                .entry((indicator.clone(), area.clone()))
                .or_default();
            for (year, share) in years {
                if entry.insert(year, share).is_some() {
                    problems.push(problem(
                        line,
                        format!("indicator `{indicator}` has two targets for `{area}` in {year}"),
                    ));
                }
            }
        }

        let mut populations: BTreeMap<String, Population> = BTreeMap::new();
        for spanned in &raw.population {
            let line = at(spanned.span());
            let p = spanned.get_ref();
            let area = &p.area;
            if areas.get(area).is_none() {
                problems.push(problem(
                    line,
                    format!("population of area `{area}`, which is not in the area file"),
                ));
                continue;
            }
            if populations.contains_key(area) {
                problems.push(problem(
                    line,
                    format!("area `{area}` has two [[population]] entries"),
                ));
                continue;
            }
            let mut population = Population::default();
            for (key, value) in &p.counts {
                let Some(n) = value.as_integer().filter(|n| *n >= 0) else {
                    problems.push(problem(
                        line,
                        format!("population `{key}` of `{area}` must be a whole number, 0 or more"),
                    ));
                    continue;
                };
                match key.as_str() {
                    "elderly" => population.elderly = Some(n as u64),
                    "adults" => problems.push(problem(
                        line,
                        format!(
                            "the adults of `{area}` are set in the area file (`adults`), not here"
                        ),
                    )),
                    other => match PopGroup::from_id(other) {
                        Some(group) => {
                            population.groups.insert(group, n as u64);
                        }
                        None => problems.push(problem(
                            line,
                            format!("`{other}` is not elderly or a group ({})", group_ids()),
                        )),
                    },
                }
            }
            populations.insert(area.clone(), population);
        }

        if !problems.is_empty() {
            return Err(IndicatorError(problems));
        }
        Ok(Loaded {
            indicators: Indicators {
                list,
                targets,
                populations,
                report,
            },
            warnings,
        })
    }

    /// Every indicator, in file order.
    pub fn all(&self) -> &[Indicator] {
        &self.list
    }

    pub fn main(&self) -> &Indicator {
        self.list.iter().find(|i| i.main).unwrap_or(&self.list[0])
    }

    /// The target share of `indicator` for `area` in `year`: the area's own,
    /// else the nearest ancestor's. The basic-skills indicator over adults
    /// falls back on the area file's `target`, the figure `/stats` shows.
    pub fn target(
        &self,
        indicator: &Indicator,
        areas: &AreaTree,
        area: &str,
        year: u32,
    ) -> Option<f64> {
        let path = areas.path(area);
        let inherited = path.iter().find_map(|a| {
            self.targets
                .get(&(indicator.id.clone(), a.id.clone()))
                .and_then(|years| years.get(&year))
                .copied()
        });
        let fallback = || {
            let plain = indicator.counts == Counts::Basic
                && indicator.among.is_none()
                && indicator.per == Per::Adults;
            path.first()
                .filter(|a| plain && a.target > 0.0)
                .map(|a| a.target)
        };
        inherited.or_else(fallback)
    }

    /// The denominator of `indicator` in `area`, when it is known: the area's
    /// own figure, or the sum of its children's when every child has one.
    pub fn denominator(&self, indicator: &Indicator, areas: &AreaTree, area: &str) -> Option<u64> {
        match indicator.per {
            Per::Nothing => None,
            Per::Adults => areas.get(area).map(|a| a.adults).filter(|n| *n > 0),
            Per::Elderly => self.population(areas, area, &|p| p.elderly),
            Per::Group(g) => self.population(areas, area, &|p| p.groups.get(&g).copied()),
        }
    }

    fn population(
        &self,
        areas: &AreaTree,
        area: &str,
        pick: &dyn Fn(&Population) -> Option<u64>,
    ) -> Option<u64> {
        if let Some(n) = self.populations.get(area).and_then(pick) {
            return (n > 0).then_some(n);
        }
        let children: Vec<&str> = areas.children(area).map(|c| c.id.as_str()).collect();
        if children.is_empty() {
            return None;
        }
        children
            .iter()
            .map(|c| self.population(areas, c, pick))
            .sum::<Option<u64>>()
    }
}

fn group_ids() -> String {
    PopGroup::ALL
        .iter()
        .map(|g| g.id())
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AREAS: &str = r#"
[[area]]
id = "tinh"
name = "Tỉnh"
adults = 1000
target = 0.7

[[area]]
id = "xa-a"
parent = "tinh"
name = "Xã A"
adults = 600
target = 0.75

[[area]]
id = "xa-b"
parent = "tinh"
name = "Xã B"
adults = 400
target = 0.7
"#;

    const GOOD: &str = r#"
[report]
vneid_confirm_after = "platform"
deadline_day = 15
remind_days_before = 5

[[indicator]]
id = "adults-basic"
main = true
counts = "basic"
name.vi = "Người trưởng thành có kỹ năng số cơ bản"
name.en = "Adults with basic digital skills"

[[indicator]]
id = "adults-vneid"
counts = "vneid"
name.vi = "Xác nhận trên VNeID"

[[indicator]]
id = "elderly-reached"
counts = "reached"
among = "elderly"
per = "elderly"
name.vi = "Người cao tuổi được tiếp cận"

[[indicator]]
id = "servants-basic"
counts = "basic"
among = "public-servant"
per = "public-servant"
name.vi = "Cán bộ, công chức"

[[target]]
indicator = "adults-basic"
area = "tinh"
by_year = { 2025 = 0.8, 2026 = 1.0 }

[[target]]
indicator = "adults-basic"
area = "xa-a"
by_year = { 2025 = 0.9 }

[[target]]
indicator = "servants-basic"
area = "tinh"
by_year = { 2026 = 1.0 }

[[population]]
area = "xa-a"
elderly = 150
public-servant = 40

[[population]]
area = "xa-b"
elderly = 90
"#;

    fn areas() -> AreaTree {
        AreaTree::parse(Path::new("areas.toml"), AREAS).unwrap()
    }

    fn lessons() -> LessonTree {
        LessonTree::default()
    }

    fn parse(src: &str) -> Result<Loaded, IndicatorError> {
        Indicators::parse(Path::new("indicators.toml"), src, &areas(), &lessons())
    }

    fn shown(err: IndicatorError) -> Vec<String> {
        err.0.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_good_file_gives_indicators_targets_and_denominators() {
        let loaded = parse(GOOD).unwrap();
        let ind = &loaded.indicators;
        assert_eq!(ind.all().len(), 4);
        assert_eq!(ind.main().id, "adults-basic");
        assert_eq!(ind.report.deadline_day, 15);
        assert_eq!(ind.report.remind_days_before, 5);
        assert_eq!(ind.report.remind_hour, 8);
        assert_eq!(ind.report.vneid_confirm_after.as_deref(), Some("platform"));
        let tree = areas();
        let basic = &ind.all()[0];
        // Own, inherited, and (no year in the file) the area file's target.
        assert_eq!(ind.target(basic, &tree, "xa-a", 2025), Some(0.9));
        assert_eq!(ind.target(basic, &tree, "xa-a", 2026), Some(1.0));
        assert_eq!(ind.target(basic, &tree, "xa-b", 2025), Some(0.8));
        assert_eq!(ind.target(basic, &tree, "xa-b", 2027), Some(0.7));
        let vneid = &ind.all()[1];
        assert!(vneid.self_declared());
        assert_eq!(vneid.name("en"), "Xác nhận trên VNeID");
        assert_eq!(ind.target(vneid, &tree, "xa-b", 2025), None);
        assert_eq!(ind.denominator(vneid, &tree, "xa-b"), Some(400));
        let elderly = &ind.all()[2];
        assert_eq!(elderly.among, Some(Segment::Age(AgeBand::From60)));
        assert_eq!(ind.denominator(elderly, &tree, "xa-a"), Some(150));
        // Every child knows its elderly: the province's is their sum.
        assert_eq!(ind.denominator(elderly, &tree, "tinh"), Some(240));
        let servants = &ind.all()[3];
        assert_eq!(ind.denominator(servants, &tree, "xa-a"), Some(40));
        // One child does not know: no made-up figure for the province.
        assert_eq!(ind.denominator(servants, &tree, "xa-b"), None);
        assert_eq!(ind.denominator(servants, &tree, "tinh"), None);
        assert_eq!(ind.target(servants, &tree, "xa-b", 2026), Some(1.0));
        // The VNeID topic is not in this (empty) lesson tree: a warning.
        assert_eq!(loaded.warnings.len(), 1, "{:?}", loaded.warnings);
        assert!(
            loaded.warnings[0]
                .to_string()
                .starts_with("indicators.toml:3:"),
            "{}",
            loaded.warnings[0]
        );
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let src = r#"[report]
deadline_day = 31
remind_hour = 8

[[indicator]]
id = "Bad Id"
counts = "basic"
name.vi = "X"

[[indicator]]
id = "a"
counts = "clicks"
among = "aliens"
per = "cats"
name.vi = "A"
main = true

[[indicator]]
id = "b"
counts = "vneid"
name.vi = "B"
main = true

[[target]]
indicator = "nope"
area = "nowhere"
by_year = { 1999 = 0.5, 2026 = 1.5 }

[[population]]
area = "xa-a"
adults = 5
robots = 3
elderly = -1
"#;
        let problems = shown(parse(src).unwrap_err());
        let has = |line: usize, words: &str| {
            problems
                .iter()
                .any(|p| p.starts_with(&format!("indicators.toml:{line}:")) && p.contains(words))
        };
        assert!(has(2, "`deadline_day` is 31"), "{problems:#?}");
        assert!(has(5, "indicator id `Bad Id`"), "{problems:#?}");
        assert!(has(12, "`counts = \"clicks\"`"), "{problems:#?}");
        assert!(has(13, "`among = \"aliens\"`"), "{problems:#?}");
        assert!(has(14, "`per = \"cats\"`"), "{problems:#?}");
        assert!(
            has(18, "only one indicator may be `main = true`"),
            "{problems:#?}"
        );
        assert!(has(25, "indicator `nope`"), "{problems:#?}");
        assert!(has(26, "area `nowhere`"), "{problems:#?}");
        assert!(has(27, "`1999` is not a year"), "{problems:#?}");
        assert!(has(27, "target 1.5 for 2026"), "{problems:#?}");
        assert!(has(29, "set in the area file"), "{problems:#?}");
        assert!(
            has(29, "`robots` is not elderly or a group"),
            "{problems:#?}"
        );
        assert!(
            has(29, "`elderly` of `xa-a` must be a whole number"),
            "{problems:#?}"
        );
    }

    #[test]
    fn structure_errors_are_refused() {
        let problems = shown(parse("").unwrap_err());
        assert!(problems[0].contains("names no indicator"), "{problems:?}");
        let one = "[[indicator]]\nid = \"a\"\ncounts = \"basic\"\nname.vi = \"A\"\n";
        let problems = shown(parse(one).unwrap_err());
        assert!(
            problems[0].contains("no indicator is the main one"),
            "{problems:?}"
        );
        let problems = shown(parse(&format!("{one}main = true\ncolour = 1\n")).unwrap_err());
        assert!(problems[0].contains("colour"), "{problems:?}");
        let late = format!("[report]\ndeadline_day = 3\n\n{one}main = true\n");
        let problems = shown(parse(&late).unwrap_err());
        assert!(
            problems[0].starts_with("indicators.toml:1:") && problems[0].contains("month before"),
            "{problems:?}"
        );
        let twice = format!(
            "{one}main = true\n[[target]]\nindicator = \"a\"\narea = \"tinh\"\nby_year = {{ 2025 = 0.5 }}\n\
             [[target]]\nindicator = \"a\"\narea = \"tinh\"\nby_year = {{ 2025 = 0.6 }}\n"
        );
        let problems = shown(parse(&twice).unwrap_err());
        assert!(
            problems[0].starts_with("indicators.toml:10:") && problems[0].contains("two targets"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_vneid_indicator_without_a_topic_warns() {
        let src = "[[indicator]]\nid = \"a\"\ncounts = \"vneid\"\nname.vi = \"A\"\nmain = true\n";
        let loaded = parse(src).unwrap();
        assert!(loaded.warnings[0].message.contains("stays at 0"));
    }

    #[test]
    fn the_default_is_the_area_files_target() {
        let ind = Indicators::default();
        let tree = areas();
        assert_eq!(ind.target(ind.main(), &tree, "xa-a", 2026), Some(0.75));
        assert_eq!(ind.denominator(ind.main(), &tree, "tinh"), Some(1000));
    }

    #[test]
    fn codes_round_trip() {
        for a in AgeBand::ALL {
            assert_eq!(Segment::from_code(a.code()), Some(Segment::Age(a)));
        }
        for g in PopGroup::ALL {
            assert_eq!(Segment::from_code(g.id()), Some(Segment::Group(g)));
            let json = serde_json::to_string(&g).unwrap();
            assert_eq!(json, format!("\"{}\"", g.id()));
        }
        assert_eq!(
            serde_json::to_string(&AgeBand::From60).unwrap(),
            "\"elderly\""
        );
        for c in Counts::ALL {
            assert_eq!(Counts::from_id(c.id()), Some(c));
        }
    }

    #[test]
    fn the_shipped_file_is_valid() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let areas = AreaTree::load(&root.join("areas.toml")).unwrap();
        let lessons = crate::lesson::load_tree(&root.join("lessons")).unwrap();
        let loaded = Indicators::load(&root.join("indicators.toml"), &areas, &lessons).unwrap();
        let ind = loaded.indicators;
        assert!(ind.all().len() >= 8, "the plans' lines");
        for counts in Counts::ALL {
            assert!(ind.all().iter().any(|i| i.counts == counts));
        }
        for group in PopGroup::ALL {
            assert!(
                ind.all()
                    .iter()
                    .any(|i| i.among == Some(Segment::Group(group))),
                "{group:?}"
            );
        }
    }
}
