//! `/report`: an official's quarterly report of their own area (or an area
//! below it) for a quarter, as one message for a phone with the spreadsheet
//! attached, its chart, and deadline reminders that bring the report filled
//! in a few days before it is due.
//!
//! Reminders are timers (`TimerKind::ReportReminder`): turning them on
//! records the next reminder's time on the official's record and sets a
//! timer for it; when it fires, the core sends the report through the outbox
//! and sets the next one. A timer whose time is not the one recorded (the
//! official turned reminders off, or on again) does nothing.

use super::action::{Arg, Attachment, Button, Message, Text};
use super::callback::Callback;
use super::records::{AuditAction, Role};
use super::report::{ReportMaker, deadline, next_reminder, parse_quarter};
use super::stats::{Quarter, quarter_of, quarter_parts};
use super::timer::{Timer, TimerKind};
use super::turn::Turn;

/// What a report button asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportView {
    /// The message with the spreadsheet.
    Full,
    /// Achieved against target by child area, as a picture.
    Chart,
    RemindOn,
    RemindOff,
}

impl ReportView {
    pub fn code(self) -> &'static str {
        match self {
            ReportView::Full => "s",
            ReportView::Chart => "c",
            ReportView::RemindOn => "on",
            ReportView::RemindOff => "off",
        }
    }

    pub fn from_code(code: &str) -> Option<ReportView> {
        [
            ReportView::Full,
            ReportView::Chart,
            ReportView::RemindOn,
            ReportView::RemindOff,
        ]
        .into_iter()
        .find(|v| v.code() == code)
    }
}

impl Turn<'_> {
    /// `/report [quarter] [area]`, `/report remind on|off`.
    pub(super) fn report_command(&mut self, args: &str) {
        let Some((_, mine)) = self.require(Role::Official) else {
            return;
        };
        let now_quarter = quarter_of(self.now);
        let words: Vec<String> = args.split_whitespace().map(str::to_lowercase).collect();
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        match words.as_slice() {
            ["remind" | "nhac", "on" | "bat"] => {
                return self.report_screen(&mine, now_quarter, ReportView::RemindOn);
            }
            ["remind" | "nhac", "off" | "tat"] => {
                return self.report_screen(&mine, now_quarter, ReportView::RemindOff);
            }
            ["remind" | "nhac", ..] => return self.usage("usage-report"),
            _ => {}
        }
        let (mut quarter, mut area) = (None, None);
        for word in words {
            match parse_quarter(word, self.now) {
                Some(q) if quarter.is_none() => quarter = Some(q),
                None if area.is_none() => area = Some(word.to_string()),
                _ => return self.usage("usage-report"),
            }
        }
        let area = area.unwrap_or(mine);
        self.report_screen(&area, quarter.unwrap_or(now_quarter), ReportView::Full);
    }

    /// One report screen; role and area are checked again, because a button
    /// can be forwarded or forged.
    pub(super) fn report_screen(&mut self, area: &str, quarter: Quarter, view: ReportView) {
        let Some((_, mine)) = self.require(Role::Official) else {
            return;
        };
        if self.core.areas.get(area).is_none() {
            return self.unknown_area(area);
        }
        if !self.core.areas.is_within(area, &mine) {
            return self.outside_area(area);
        }
        if quarter > quarter_of(self.now) {
            let (year, q) = quarter_parts(quarter);
            return self.send(
                Message::default().para(
                    Text::new("report-future")
                        .arg("quarter", q as usize)
                        .arg("year", year as usize),
                ),
            );
        }
        match view {
            ReportView::Full => self.send_report(area, quarter),
            ReportView::Chart => self.send_report_chart(area, quarter),
            ReportView::RemindOn => self.remind_on(area, quarter),
            ReportView::RemindOff => self.remind_off(area, quarter),
        }
    }

    fn make_report(&mut self, area: &str, quarter: Quarter) -> Option<super::report::Report> {
        let lang = self.lang();
        let maker = ReportMaker {
            areas: &self.core.areas,
            indicators: &self.core.indicators,
            lessons: self.core.lessons(),
            lang: &lang,
        };
        let directory = self.directory;
        let made = maker.make(area, quarter, self.now, &mut |scope, quarters| {
            directory.counts(scope, quarters)
        });
        match made {
            Ok(report) => Some(report),
            Err(e) => {
                self.unavailable(&e);
                None
            }
        }
    }

    fn send_report(&mut self, area: &str, quarter: Quarter) {
        let Some(report) = self.make_report(area, quarter) else {
            return;
        };
        let (year, q) = quarter_parts(quarter);
        self.audit(AuditAction::Export {
            area: area.to_string(),
            period: format!("report-{year}q{q}"),
        });
        let mut message = report
            .message(&self.lang())
            .para(Text::new("report-file").arg("file", report.file_name()));
        message = self.report_buttons(message, area, quarter);
        message.attachment = Some(Attachment::Report(report));
        self.send(message);
    }

    fn report_buttons(&self, message: Message, area: &str, quarter: Quarter) -> Message {
        let mut row = vec![Button::new(
            Text::new("button-report-chart"),
            Callback::Report(area.to_string(), quarter, ReportView::Chart),
        )];
        if let Some(last) = quarter.checked_sub(1) {
            row.push(Button::new(
                Text::new("button-report-last"),
                Callback::Report(area.to_string(), last, ReportView::Full),
            ));
        }
        let remind = if self.learner.report_reminder.is_some() {
            Button::new(
                Text::new("button-report-remind-off"),
                Callback::Report(area.to_string(), quarter, ReportView::RemindOff),
            )
        } else {
            Button::new(
                Text::new("button-report-remind-on"),
                Callback::Report(area.to_string(), quarter, ReportView::RemindOn),
            )
        };
        message
            .row(row)
            .row(vec![remind])
            .row(vec![Button::new(Text::new("button-menu"), Callback::Menu)])
    }

    fn send_report_chart(&mut self, area: &str, quarter: Quarter) {
        let Some(report) = self.make_report(area, quarter) else {
            return;
        };
        let mut message = Message::default()
            .para(Text::new("report-chart-caption").arg("area", report.area_name.clone()))
            .row(vec![Button::new(
                Text::new("button-back"),
                Callback::Report(area.to_string(), quarter, ReportView::Full),
            )]);
        message.attachment = Some(Attachment::Chart(report.chart()));
        self.send(message);
    }

    fn remind_on(&mut self, area: &str, quarter: Quarter) {
        let settings = &self.core.indicators.report;
        let at = next_reminder(self.now, settings);
        // Already set for that time: its timer is queued.
        if self.learner.report_reminder != Some(at) {
            self.learner.report_reminder = Some(at);
            self.set_report_timer(at);
        }
        let hour = usize::from(settings.remind_hour);
        self.send(
            Message::default()
                .para(
                    Text::new("report-remind-on")
                        .arg("date", Arg::Date(at))
                        .arg("hour", hour),
                )
                .row(vec![Button::new(
                    Text::new("button-back"),
                    Callback::Report(area.to_string(), quarter, ReportView::Full),
                )]),
        );
    }

    fn remind_off(&mut self, area: &str, quarter: Quarter) {
        // The queued timer stays and finds nothing to do.
        self.learner.report_reminder = None;
        self.send(
            Message::default()
                .para(Text::new("report-remind-off"))
                .row(vec![Button::new(
                    Text::new("button-back"),
                    Callback::Report(area.to_string(), quarter, ReportView::Full),
                )]),
        );
    }

    fn set_report_timer(&mut self, due: super::state::Timestamp) {
        self.reply.timers.push(Timer {
            due,
            learner: self.learner.id.clone(),
            kind: TimerKind::ReportReminder,
        });
    }

    /// A reminder timer set for `at` is due: the report of the official's
    /// own area, filled in, and the next reminder queued.
    pub(super) fn report_due(&mut self, at: super::state::Timestamp) {
        if self.learner.report_reminder != Some(at) || self.learner.lang.is_none() {
            return;
        }
        let (role, mine) = match self.stored_staff() {
            Ok(stored) => self.resolve_role(stored.as_ref()),
            Err(_) => {
                // The store did not answer: try again in a quarter of an hour.
                let retry = self.now + 15 * 60;
                self.learner.report_reminder = Some(retry);
                self.set_report_timer(retry);
                return;
            }
        };
        if role < Role::Official {
            self.learner.report_reminder = None;
            return;
        }
        let settings = self.core.indicators.report.clone();
        let next = next_reminder(self.now.max(at), &settings);
        self.learner.report_reminder = Some(next);
        self.set_report_timer(next);
        let quarter = quarter_of(self.now);
        let due = deadline(quarter, &settings);
        // Woken after the deadline (the bot was stopped): nothing to remind of.
        if self.now >= due {
            return;
        }
        let days = (due - self.now + 86_399) / 86_400;
        self.send(
            Message::default().para(
                Text::new("report-reminder")
                    .arg("days", Arg::Num(days))
                    .arg("deadline", Arg::Date(due)),
            ),
        );
        self.send_report(&mine, quarter);
    }
}
