//! Learners' rights over their data (Decree 13/2023 on personal data
//! protection): a short notice of what the bot keeps and why (on first
//! contact and `/privacy`), everything stored about the learner
//! (`/mydata`), leaving a mentor, and deleting their personal data
//! (`/forget`, after one confirmation).
//!
//! The core decides and words it; the deletion itself is the store's
//! (`Reply::forget` asks the engine for `Store::forget`), because only the
//! store can find every record that names the learner.

use serde::Serialize;

use super::action::{Arg, Attachment, Button, Document, Message, Phrase, Text};
use super::callback::Callback;
use super::help::{HelpThread, ThreadState};
use super::outgoing::{Outgoing, Recipient};
use super::records::{BASIC, Role};
use super::state::{QuizAttempt, Timestamp};
use super::turn::Turn;
use crate::indicator::{AgeBand, PopGroup};

/// Lessons and answers listed in the `/mydata` message; the rest, and every
/// answer, are in the attached file.
const LINES_IN_MESSAGE: usize = 12;

impl Turn<'_> {
    /// The short notice: what is kept, why, and where to read more.
    pub(super) fn privacy_notice(&mut self) {
        self.send(
            Message::default()
                .heading(Text::new("privacy-title"))
                .para(Text::new("privacy-short"))
                .row(vec![Button::new(
                    Text::new("button-privacy-more"),
                    Callback::PrivacyMore,
                )]),
        );
    }

    /// The "Read more" button, as the last row of the last message sent.
    pub(super) fn privacy_button_last(&mut self) {
        let button = Button::new(Text::new("button-privacy-more"), Callback::PrivacyMore);
        match self.reply.actions.last_mut() {
            Some(super::action::Action::Send(message)) => message.keyboard.push(vec![button]),
            None => self.send(Message::default().row(vec![button])),
        }
    }

    pub(super) fn privacy_more(&mut self) {
        self.send(
            Message::default()
                .heading(Text::new("privacy-title"))
                .para(Text::new("privacy-kept"))
                .para(Text::new("privacy-who"))
                .para(Text::new("privacy-rights"))
                .para(Text::new("privacy-law"))
                .row(vec![Button::new(
                    Text::new("button-mydata"),
                    Callback::MyData,
                )])
                .row(vec![Button::new(Text::new("button-menu"), Callback::Menu)]),
        );
    }

    /// `/mydata`: everything kept about the learner, readable; the full
    /// record as a file when the message cannot hold it all.
    pub(super) fn my_data(&mut self) {
        let attempts = match self.directory.attempts(&self.learner.id) {
            Ok(attempts) => attempts,
            Err(e) => return self.unavailable(&e),
        };
        let mentor_name = match &self.learner.mentor {
            Some(m) => match self.directory.learner(&m.id) {
                Ok(found) => Some(found.map(|l| l.display_name).unwrap_or_default()),
                Err(e) => return self.unavailable(&e),
            },
            None => None,
        };
        let thread = match self.learner.open_help.clone() {
            Some(id) => match self.directory.help_thread(&id) {
                Ok(found) => found.filter(HelpThread::is_open),
                Err(e) => return self.unavailable(&e),
            },
            None => None,
        };
        let lang = self.lang();
        let lessons = self.core.lessons();
        let language = self
            .core
            .languages
            .iter()
            .find(|(l, _)| *l == lang)
            .map_or_else(|| lang.as_str().to_string(), |(_, name)| name.clone());
        let mut message = Message::default()
            .heading(Text::new("mydata-title"))
            .para(Text::new("mydata-name").name(&self.learner.display_name))
            .para(Text::new("mydata-language").arg("language", language));
        message = message.para(match &mentor_name {
            Some(name) => Text::new("mydata-mentor").name(name),
            None => Text::new("mydata-mentor-none"),
        });
        // The profile as `/profile` words it (the area is in it): age band, group, area, the
        // name printed on certificates, the VNeID answer.
        let profile = &self.learner.profile;
        let area_name = self
            .learner
            .area
            .as_deref()
            .map(|a| self.core.areas.full_name(a));
        message = message.para(
            Text::new("profile-summary")
                .arg("age", profile.age.map_or("none", AgeBand::code))
                .arg("group", profile.group.map_or("none", PopGroup::id))
                .arg("has-area", if area_name.is_some() { "yes" } else { "no" })
                .arg("area", area_name.unwrap_or_default())
                .name(self.learner.certificate_name.as_deref().unwrap_or("")),
        );
        if let Some(vneid) = &self.learner.vneid {
            message = message.para(Text::new("profile-vneid").arg("answer", vneid.answer.code()));
        }

        let title = |id: &str| {
            lessons
                .lesson(id)
                .map_or_else(|| id.to_string(), |l| l.text.get(&lang).title.clone())
        };
        let mut cut = false;
        if self.learner.progress.is_empty() {
            message = message.para(Text::new("mydata-progress-none"));
        } else {
            message = message.para(Text::new("mydata-progress"));
            let mut rows: Vec<_> = self.learner.progress.iter().collect();
            rows.sort_by_key(|(_, p)| std::cmp::Reverse(p.updated));
            cut |= rows.len() > LINES_IN_MESSAGE;
            for (id, p) in rows.into_iter().take(LINES_IN_MESSAGE) {
                let line = match &p.completed {
                    Some(done) => Text::new("mydata-lesson-done")
                        .arg("lesson", title(id))
                        .arg("date", Arg::Date(done.at))
                        .arg("score", done.score)
                        .arg("total", done.total),
                    None => Text::new("mydata-lesson-open")
                        .arg("lesson", title(id))
                        .arg("date", Arg::Date(p.updated)),
                };
                message = message.para(line);
            }
        }
        if self.learner.certificates.is_empty() {
            message = message.para(Text::new("mydata-certificates-none"));
        } else {
            for (topic, stamp) in &self.learner.certificates {
                let name = lessons
                    .topic(topic)
                    .map_or_else(String::new, |t| t.title.get(&lang).clone());
                message = message.para(
                    Text::new("mydata-certificate")
                        .arg("topic", name)
                        .arg("basic", if topic == BASIC { "yes" } else { "no" })
                        .arg("code", stamp.code.clone())
                        .arg("date", Arg::Date(stamp.at)),
                );
            }
        }
        let right = attempts.iter().filter(|a| a.correct).count();
        message = message.para(
            Text::new("mydata-answers")
                .arg("count", attempts.len())
                .arg("right", right),
        );
        cut |= !attempts.is_empty();
        message = match &thread {
            Some(thread) => {
                let helper = match &thread.state {
                    ThreadState::Taken { name, .. } => name.clone(),
                    _ => String::new(),
                };
                message
                    .para(Text::new("mydata-question").name(&helper))
                    .para(Phrase::Content(thread.question_text()))
            }
            None => message.para(Text::new("mydata-question-none")),
        };
        message = message.para(Text::new(if self.learner.reminders.off {
            "mydata-reminders-off"
        } else {
            "mydata-reminders-on"
        }));
        if cut {
            message = message.para(Text::new("mydata-file"));
            message.attachment = Some(Attachment::Document(Document {
                name: "du-lieu-cua-bac.json".into(),
                content: self.data_file(&attempts, mentor_name.as_deref(), thread.as_ref()),
            }));
        }
        message = message.para(Text::new("mydata-rights"));
        if self.learner.mentor.is_some() {
            message = message.row(vec![Button::new(
                Text::new("button-leave-mentor"),
                Callback::LeaveMentor,
            )]);
        }
        message = message
            .row(vec![Button::new(
                Text::new("button-forget"),
                Callback::ForgetAsk,
            )])
            .row(vec![Button::new(Text::new("button-menu"), Callback::Menu)]);
        self.send(message);
    }

    /// The whole record as JSON: what a person (or someone they trust) can
    /// keep or read with any tool.
    fn data_file(
        &self,
        attempts: &[QuizAttempt],
        mentor: Option<&str>,
        thread: Option<&HelpThread>,
    ) -> Vec<u8> {
        #[derive(Serialize)]
        struct Answer<'a> {
            lesson: &'a str,
            question: usize,
            option: usize,
            correct: bool,
            at: Timestamp,
        }
        #[derive(Serialize)]
        struct File<'a> {
            name: &'a str,
            language: Option<&'a str>,
            first_seen: Timestamp,
            last_active: Timestamp,
            area: Option<&'a str>,
            mentor: Option<&'a str>,
            progress: &'a std::collections::BTreeMap<String, super::state::LessonProgress>,
            certificates: &'a std::collections::BTreeMap<String, super::state::CertificateStamp>,
            answers: Vec<Answer<'a>>,
            open_question: Option<String>,
            reminders_off: bool,
            profile: &'a super::state::Profile,
            certificate_name: Option<&'a str>,
        }
        let l = &self.learner;
        let file = File {
            name: &l.display_name,
            language: l.lang.as_ref().map(|x| x.as_str()),
            first_seen: l.created,
            last_active: l.last_active,
            area: l.area.as_deref(),
            mentor,
            progress: &l.progress,
            certificates: &l.certificates,
            answers: attempts
                .iter()
                .map(|a| Answer {
                    lesson: &a.lesson,
                    question: a.question,
                    option: a.option,
                    correct: a.correct,
                    at: a.at,
                })
                .collect(),
            open_question: thread.map(HelpThread::question_text),
            reminders_off: l.reminders.off,
            profile: &l.profile,
            certificate_name: l.certificate_name.as_deref(),
        };
        serde_json::to_vec_pretty(&file).unwrap_or_default()
    }

    /// `/leavementor` or the button in `/mydata`. The volunteer is not told:
    /// leaving is the learner's own business.
    pub(super) fn leave_mentor(&mut self) {
        if self.learner.mentor.take().is_none() {
            return self.send(
                Message::default()
                    .para(Text::new("leave-mentor-none"))
                    .row(vec![Button::new(Text::new("button-menu"), Callback::Menu)]),
            );
        }
        self.send(
            Message::default()
                .para(Text::new("leave-mentor-done"))
                .row(vec![Button::new(Text::new("button-menu"), Callback::Menu)]),
        );
    }

    /// Staff keep their records (roles are audited); they ask an admin to
    /// revoke the role first.
    fn holds_role(&mut self) -> Option<bool> {
        let (role, _) = self.role()?;
        Some(role > Role::Learner)
    }

    pub(super) fn forget_ask(&mut self) {
        match self.holds_role() {
            None => return,
            Some(true) => return self.usage("forget-staff"),
            Some(false) => {}
        }
        self.send(
            Message::default()
                .heading(Text::new("forget-title"))
                .para(Text::new("forget-what"))
                .para(Text::new("forget-kept"))
                .para(Text::new("forget-sure"))
                .row(vec![Button::new(
                    Text::new("button-forget-yes"),
                    Callback::ForgetConfirm,
                )])
                .row(vec![Button::new(
                    Text::new("button-forget-no"),
                    Callback::Menu,
                )]),
        );
    }

    pub(super) fn forget_confirm(&mut self) {
        match self.holds_role() {
            None => return,
            Some(true) => return self.usage("forget-staff"),
            Some(false) => {}
        }
        // A volunteer reading or answering the question hears it was
        // withdrawn; nothing says who asked.
        if let Some(id) = self.learner.open_help.clone() {
            let thread = match self.directory.help_thread(&id) {
                Ok(found) => found.filter(HelpThread::is_open),
                Err(e) => return self.unavailable(&e),
            };
            if let Some(thread) = thread {
                let volunteers = match &thread.state {
                    ThreadState::Taken { by, .. } => vec![by.clone()],
                    _ => thread.routed_to.clone(),
                };
                for volunteer in volunteers {
                    if let Some(helper) = self.helper(volunteer) {
                        self.reply.outbox.push(Outgoing {
                            channel: helper.channel,
                            to: Recipient::Learner { id: helper.id },
                            lang: helper.lang,
                            message: Message::default().para(Text::new("help-withdrawn")),
                            not_before: self.now,
                        });
                    }
                }
            }
        }
        self.reply.forget = true;
        self.send(Message::default().para(Text::new("forget-done")));
    }
}
