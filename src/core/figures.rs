//! Officials' figures: `/stats` (totals, child areas against their targets,
//! topics, lessons, a chart) and `/export` (the same as a CSV file that
//! Excel opens with Vietnamese intact), for the official's own area subtree.
//!
//! Everything is read from counters kept at write time (`stats.rs`), a few
//! range reads per area, never a scan of events.

use std::collections::BTreeMap;

use super::action::{Arg, Attachment, Button, ChartBar, ChartSpec, Document, Message, Text};
use super::callback::Callback;
use super::records::{AuditAction, Role};
use super::stats::{
    Metric, Period, StatsView, area_scope, format_date, format_percent, group_scope, quarter_of,
    quarter_parts,
};
use super::turn::Turn;
use crate::area::Area;
use crate::lesson::Topic;

/// Child areas listed (and offered as buttons) on one screen.
const CHILDREN_SHOWN: usize = 40;

/// Counter totals of one area: for the chosen period, and to date.
pub(super) struct AreaFigures {
    pub period: BTreeMap<String, u64>,
    pub to_date: BTreeMap<String, u64>,
}

impl AreaFigures {
    fn get(map: &BTreeMap<String, u64>, metric: &Metric) -> u64 {
        map.get(&metric.key()).copied().unwrap_or(0)
    }

    fn sum(map: &BTreeMap<String, u64>, prefix: &str) -> u64 {
        map.iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .map(|(_, v)| v)
            .sum()
    }

    pub fn started(&self) -> u64 {
        Self::get(&self.period, &Metric::Started)
    }

    pub fn lessons(&self) -> u64 {
        Self::lessons_in(&self.period)
    }

    pub fn topics(&self) -> u64 {
        Self::sum(&self.period, "t:")
    }

    pub fn basic_to_date(&self) -> u64 {
        Self::get(&self.to_date, &Metric::Basic)
    }

    pub fn metric(&self, metric: &Metric) -> u64 {
        Self::get(&self.period, metric)
    }

    /// Lessons of `topic` completed in the period.
    pub fn topic_lessons(&self, topic: &Topic) -> u64 {
        topic
            .lessons
            .iter()
            .map(|l| self.metric(&Metric::Lesson(l.clone())))
            .sum()
    }

    /// Median minutes to a first answer, as the upper bound of the bucket
    /// that holds the middle question (`None` before any answer).
    pub fn median_first_answer(&self) -> Option<i64> {
        let mut buckets: Vec<(i64, u64)> = self
            .period
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("h:first:")?.parse().ok()?, *v)))
            .collect();
        buckets.sort();
        let total: u64 = buckets.iter().map(|(_, n)| n).sum();
        let mut seen = 0;
        for (minutes, n) in buckets {
            seen += n;
            if seen * 2 >= total && total > 0 {
                return Some(minutes);
            }
        }
        None
    }

    /// Lessons completed in the period, from counters of any scope.
    pub fn lessons_in(counts: &BTreeMap<String, u64>) -> u64 {
        Self::sum(counts, "l:")
    }
}

impl Turn<'_> {
    /// Figures of the groups this volunteer pushed cards to.
    pub(super) fn group_lines(&mut self, mut message: Message) -> Message {
        let groups = match self.stored_staff() {
            Ok(Some(staff)) => staff.groups,
            _ => Vec::new(),
        };
        for code in groups {
            let counts = match self
                .directory
                .counts(&group_scope(&code), Period::AllTime.quarters(self.now))
            {
                Ok(c) => c,
                Err(_) => continue,
            };
            let started = counts.get(&Metric::Started.key()).copied().unwrap_or(0);
            let lessons = AreaFigures::lessons_in(&counts);
            message = message.para(
                Text::new("group-line")
                    .arg("group", code)
                    .arg("started", started as usize)
                    .arg("lessons", lessons as usize),
            );
        }
        message
    }

    /// `/stats [area]` and `/export [area]`.
    /// `/stats [area]`: this quarter's figures.
    pub(super) fn stats_command(&mut self, args: &str) {
        self.figures_command(args, StatsView::Summary);
    }

    /// `/export [area]`: the same as a CSV file.
    pub(super) fn export_command(&mut self, args: &str) {
        self.figures_command(args, StatsView::Export);
    }

    fn figures_command(&mut self, args: &str, view: StatsView) {
        let Some((_, mine)) = self.require(Role::Official) else {
            return;
        };
        let area = match args.trim() {
            "" => mine,
            other => other.to_string(),
        };
        self.stats(&area, Period::ThisQuarter, view);
    }

    /// One figures screen; the role and area are checked again, because a
    /// button can be forwarded or forged.
    pub(super) fn stats(&mut self, area: &str, period: Period, view: StatsView) {
        let Some((_, mine)) = self.require(Role::Official) else {
            return;
        };
        if self.core.areas.get(area).is_none() {
            return self.unknown_area(area);
        }
        if !self.core.areas.is_within(area, &mine) {
            return self.outside_area(area);
        }
        match view {
            StatsView::Summary => self.stats_summary(area, period, &mine),
            StatsView::Lessons => self.stats_lessons(area, period),
            StatsView::Chart => self.stats_chart(area, period),
            StatsView::Export => self.stats_export(area, period),
        }
    }

    pub(super) fn area_figures(&mut self, area: &str, period: Period) -> Option<AreaFigures> {
        let scope = area_scope(area);
        let read = |quarters| self.directory.counts(&scope, quarters);
        match (
            read(period.quarters(self.now)),
            read(Period::AllTime.quarters(self.now)),
        ) {
            (Ok(period), Ok(to_date)) => Some(AreaFigures { period, to_date }),
            (Err(e), _) | (_, Err(e)) => {
                self.unavailable(&e);
                None
            }
        }
    }

    fn period_text(&self, period: Period) -> Text {
        let (from, to) = period.quarters(self.now);
        let (year, quarter) = quarter_parts(from);
        let (to_year, _) = quarter_parts(to);
        Text::new("period")
            .arg("period", period.code())
            .arg("quarter", quarter as usize)
            .arg(
                "year",
                if period == Period::ThisYear {
                    to_year
                } else {
                    year
                } as usize,
            )
    }

    fn stats_summary(&mut self, area_id: &str, period: Period, mine: &str) {
        let Some(figures) = self.area_figures(area_id, period) else {
            return;
        };
        let area = self.core.areas.get(area_id).expect("checked").clone();
        let mut message = Message::default()
            .heading(Text::new("stats-title").arg("area", area.name.clone()))
            .para(self.period_text(period))
            .para(
                Text::new("stats-totals")
                    .arg("started", figures.started() as usize)
                    .arg("lessons", figures.lessons() as usize)
                    .arg("topics", figures.topics() as usize),
            )
            .para(self.target_text(&area, figures.basic_to_date()))
            .para(support_text(&figures));
        let children: Vec<Area> = self.core.areas.children(area_id).cloned().collect();
        if !children.is_empty() {
            message = message.heading(Text::new("stats-by-area"));
        }
        for child in children.iter().take(CHILDREN_SHOWN) {
            let Some(f) = self.area_figures(&child.id, period) else {
                return;
            };
            message = message.para(
                Text::new("stats-area-line")
                    .arg("area", child.name.clone())
                    .arg("started", f.started() as usize)
                    .arg("lessons", f.lessons() as usize)
                    .arg("basic", f.basic_to_date() as usize)
                    .arg(
                        "share",
                        self.percent(ratio(f.basic_to_date(), child.adults)),
                    )
                    .arg("target", self.percent(child.target)),
            );
        }
        message = message.heading(Text::new("stats-by-topic"));
        let lang = self.lang();
        for topic in self.core.lessons().topics() {
            let lessons = figures.topic_lessons(topic);
            message = message.para(
                Text::new("stats-topic-line")
                    .arg("topic", topic.title.get(&lang).clone())
                    .arg(
                        "done",
                        figures.metric(&Metric::Topic(topic.id.clone())) as usize,
                    )
                    .arg("lessons", lessons as usize),
            );
        }
        message = self.stats_buttons(message, &area, period, mine, &children);
        self.send(message);
    }

    fn target_text(&self, area: &Area, basic: u64) -> Text {
        Text::new("stats-target")
            .arg("basic", basic as usize)
            .arg("adults", area.adults as usize)
            .arg("share", self.percent(ratio(basic, area.adults)))
            .arg("target", self.percent(area.target))
    }

    fn stats_buttons(
        &self,
        mut message: Message,
        area: &Area,
        period: Period,
        mine: &str,
        children: &[Area],
    ) -> Message {
        let periods = Period::ALL
            .into_iter()
            .map(|p| {
                let label = Text::new("button-period")
                    .arg("period", p.code())
                    .arg("current", if p == period { "yes" } else { "no" });
                Button::new(
                    label,
                    Callback::Stats(area.id.clone(), p, StatsView::Summary),
                )
            })
            .collect();
        message = message.row(periods).row(vec![
            Button::new(
                Text::new("button-stats-lessons"),
                Callback::Stats(area.id.clone(), period, StatsView::Lessons),
            ),
            Button::new(
                Text::new("button-stats-chart"),
                Callback::Stats(area.id.clone(), period, StatsView::Chart),
            ),
            Button::new(
                Text::new("button-stats-export"),
                Callback::Stats(area.id.clone(), period, StatsView::Export),
            ),
        ]);
        for pair in children
            .iter()
            .take(CHILDREN_SHOWN)
            .collect::<Vec<_>>()
            .chunks(2)
        {
            message = message.row(
                pair.iter()
                    .map(|c| {
                        Button::new(
                            Text::new("button-drill").arg("area", c.name.clone()),
                            Callback::Stats(c.id.clone(), period, StatsView::Summary),
                        )
                    })
                    .collect(),
            );
        }
        if let Some(parent) = &area.parent
            && self.core.areas.is_within(parent, mine)
        {
            let name = self
                .core
                .areas
                .get(parent)
                .map(|p| p.name.clone())
                .unwrap_or_default();
            message = message.row(vec![Button::new(
                Text::new("button-up").arg("area", name),
                Callback::Stats(parent.clone(), period, StatsView::Summary),
            )]);
        }
        message.row(vec![Button::new(Text::new("button-menu"), Callback::Menu)])
    }

    fn stats_lessons(&mut self, area_id: &str, period: Period) {
        let Some(figures) = self.area_figures(area_id, period) else {
            return;
        };
        let area = self.core.areas.get(area_id).expect("checked").clone();
        let lang = self.lang();
        let mut message = Message::default()
            .heading(Text::new("stats-lessons-title").arg("area", area.name.clone()))
            .para(self.period_text(period));
        for topic in self.core.lessons().topics() {
            message = message.heading(super::action::Phrase::Content(
                topic.title.get(&lang).clone(),
            ));
            for id in &topic.lessons {
                let Some(lesson) = self.core.lessons().lesson(id) else {
                    continue;
                };
                message = message.para(
                    Text::new("stats-lesson-line")
                        .arg("lesson", lesson.text.get(&lang).title.clone())
                        .arg("done", figures.metric(&Metric::Lesson(id.clone())) as usize),
                );
            }
        }
        message = message.row(vec![Button::new(
            Text::new("button-back"),
            Callback::Stats(area.id.clone(), period, StatsView::Summary),
        )]);
        self.send(message);
    }

    fn stats_chart(&mut self, area_id: &str, period: Period) {
        let area = self.core.areas.get(area_id).expect("checked").clone();
        let mut shown: Vec<Area> = self.core.areas.children(area_id).cloned().collect();
        if shown.is_empty() {
            shown.push(area.clone());
        }
        let mut bars = Vec::new();
        for child in &shown {
            let Some(f) = self.area_figures(&child.id, period) else {
                return;
            };
            bars.push(ChartBar {
                label: child.name.clone(),
                done: f.basic_to_date(),
                adults: child.adults,
                target: child.target,
            });
        }
        let spec = ChartSpec {
            title: Text::new("chart-title").arg("area", area.name.clone()),
            subtitle: Text::new("chart-subtitle"),
            bars,
        };
        let mut message = Message::default()
            .para(Text::new("chart-caption").arg("area", area.name.clone()))
            .row(vec![Button::new(
                Text::new("button-back"),
                Callback::Stats(area.id.clone(), period, StatsView::Summary),
            )]);
        message.attachment = Some(Attachment::Chart(spec));
        self.send(message);
    }

    fn stats_export(&mut self, area_id: &str, period: Period) {
        let subtree: Vec<Area> = self
            .core
            .areas
            .subtree(area_id)
            .into_iter()
            .cloned()
            .collect();
        let mut csv = Csv::new();
        csv.row(&EXPORT_HEADER.map(str::to_string));
        let (from, to) = match period.bounds(self.now) {
            Some((from, to)) => (format_date(from), format_date(to)),
            None => (String::new(), format_date(self.now)),
        };
        let vi = crate::core::Lang::new("vi");
        for area in &subtree {
            let Some(f) = self.area_figures(&area.id, period) else {
                return;
            };
            let depth = self.core.areas.path(&area.id).len();
            for topic in self.core.lessons().topics() {
                let lessons = f.topic_lessons(topic);
                csv.row(&[
                    area.id.clone(),
                    area.name.clone(),
                    depth.to_string(),
                    area.parent.clone().unwrap_or_default(),
                    from.clone(),
                    to.clone(),
                    topic.id.clone(),
                    topic.title.get(&vi).clone(),
                    f.started().to_string(),
                    lessons.to_string(),
                    f.metric(&Metric::Topic(topic.id.clone())).to_string(),
                    f.basic_to_date().to_string(),
                    area.adults.to_string(),
                    format!("{:.1}", area.target * 100.0),
                    format!("{:.1}", ratio(f.basic_to_date(), area.adults) * 100.0),
                ]);
            }
        }
        self.audit(AuditAction::Export {
            area: area_id.to_string(),
            period: period.code().to_string(),
        });
        let (year, quarter) = quarter_parts(quarter_of(self.now));
        let name = format!("hocvuso-{area_id}-{}-{year}q{quarter}.csv", period.code());
        let mut message = Message::default().para(
            Text::new("export-ready")
                .arg("rows", csv.rows.saturating_sub(1))
                .arg("area", self.core.areas.full_name(area_id)),
        );
        message.attachment = Some(Attachment::Document(Document {
            name,
            content: csv.finish(),
        }));
        self.send(message);
    }

    fn percent(&self, share: f64) -> Arg {
        Arg::Str(format_percent(self.lang().as_str(), share))
    }
}

const EXPORT_HEADER: [&str; 15] = [
    "ma_khu_vuc (area_id)",
    "ten_khu_vuc (area_name)",
    "cap (level)",
    "ma_khu_vuc_cha (parent_id)",
    "tu_ngay (from)",
    "den_ngay (to)",
    "ma_chu_de (topic_id)",
    "chu_de (topic)",
    "nguoi_bat_dau_hoc (learners_started)",
    "bai_hoc_hoan_thanh (lessons_completed)",
    "hoan_thanh_chu_de (topic_certificates)",
    "dat_ky_nang_so_co_ban_luy_ke (basic_skills_to_date)",
    "dan_so_truong_thanh (adults)",
    "muc_tieu_phan_tram (target_pct)",
    "dat_phan_tram (progress_pct)",
];

/// Questions to volunteers and reminders in the period: asked, answered,
/// the median time to a first answer; reminders sent and learners back.
fn support_text(figures: &AreaFigures) -> Text {
    let get = |key: &str| figures.period.get(key).copied().unwrap_or(0) as usize;
    let median = figures.median_first_answer();
    Text::new("stats-support")
        .arg("asked", get("h:asked"))
        .arg("answered", get("h:answered"))
        .arg("helped", get("h:helped"))
        .arg("median", median.map_or(0, |m| m.min(100_000) as usize))
        .arg("known", if median.is_some() { "yes" } else { "no" })
        .arg("reminded", get("r:sent"))
        .arg("back", get("r:back"))
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// RFC 4180 CSV, UTF-8 with a byte-order mark so Excel reads Vietnamese
/// correctly, CRLF line ends.
struct Csv {
    out: String,
    rows: usize,
}

impl Csv {
    fn new() -> Self {
        Csv {
            out: String::from('\u{feff}'),
            rows: 0,
        }
    }

    fn row(&mut self, fields: &[String]) {
        let line: Vec<String> = fields.iter().map(|f| escape_field(f)).collect();
        self.out.push_str(&line.join(","));
        self.out.push_str("\r\n");
        self.rows += 1;
    }

    fn finish(self) -> Vec<u8> {
        self.out.into_bytes()
    }
}

fn escape_field(field: &str) -> String {
    // A leading = + - @ would be run as a formula by a spreadsheet.
    let field = if field.starts_with(['=', '+', '-', '@']) {
        format!("'{field}")
    } else {
        field.to_string()
    };
    if field.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_first_answer_comes_from_the_buckets() {
        let period = [("h:first:15", 1), ("h:first:60", 1), ("h:first:480", 3)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let figures = AreaFigures {
            period,
            to_date: BTreeMap::new(),
        };
        assert_eq!(figures.median_first_answer(), Some(480));
        let none = AreaFigures {
            period: BTreeMap::new(),
            to_date: BTreeMap::new(),
        };
        assert_eq!(none.median_first_answer(), None);
    }

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(escape_field("Phường A"), "Phường A");
        assert_eq!(escape_field("a,b"), "\"a,b\"");
        assert_eq!(escape_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(escape_field("=1+1"), "'=1+1");
        let mut csv = Csv::new();
        csv.row(&["x".into(), "y\nz".into()]);
        let bytes = csv.finish();
        assert!(bytes.starts_with("\u{feff}".as_bytes()));
        assert!(
            String::from_utf8(bytes)
                .unwrap()
                .ends_with("x,\"y\nz\"\r\n")
        );
    }
}
