//! What a learner says about themselves for the figures, and nothing else:
//! their age band (under 60 / 60 and over) and population group, asked once
//! and kindly after the first finished lesson together with the area, and
//! whether the learning platform's completion shows in their VNeID, asked
//! once after the topic about that platform. Every question can be skipped;
//! `/profile` shows and changes the answers.
//!
//! The answers are counted at write time (`stats::contributions`): changing
//! one moves the learner's units in the figures.

use super::action::{Button, Message, Text};
use super::callback::Callback;
use super::state::{Vneid, VneidAnswer};
use super::turn::Turn;
use crate::indicator::{AgeBand, PopGroup};

/// Whether a question comes in the flow after a lesson (then the next one
/// follows) or from the profile screen (then the screen comes back).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Onboarding,
    Edit,
}

impl Flow {
    pub fn code(self) -> &'static str {
        match self {
            Flow::Onboarding => "o",
            Flow::Edit => "e",
        }
    }

    pub fn from_code(code: &str) -> Option<Flow> {
        [Flow::Onboarding, Flow::Edit]
            .into_iter()
            .find(|f| f.code() == code)
    }
}

/// A question the profile screen can ask again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileField {
    Age,
    Group,
    Vneid,
}

impl ProfileField {
    pub fn code(self) -> &'static str {
        match self {
            ProfileField::Age => "age",
            ProfileField::Group => "group",
            ProfileField::Vneid => "vneid",
        }
    }

    pub fn from_code(code: &str) -> Option<ProfileField> {
        [ProfileField::Age, ProfileField::Group, ProfileField::Vneid]
            .into_iter()
            .find(|f| f.code() == code)
    }
}

impl Turn<'_> {
    /// After a finished lesson: the first question not asked yet, if any
    /// (the profile, then the area, then VNeID). `true` if one was sent.
    pub(super) fn ask_next(&mut self) -> bool {
        if !self.learner.profile.asked {
            self.learner.profile.asked = true;
            self.ask_age(Flow::Onboarding);
            return true;
        }
        if self.offer_area_once() {
            return true;
        }
        if self.vneid_due() {
            self.learner.profile.vneid_asked = true;
            self.ask_vneid(Flow::Onboarding);
            return true;
        }
        false
    }

    /// Whether the learner finished the learning-platform topic and was not
    /// asked about VNeID yet.
    fn vneid_due(&self) -> bool {
        !self.learner.profile.vneid_asked && self.learner.vneid.is_none() && self.vneid_topic_done()
    }

    fn vneid_topic_done(&self) -> bool {
        let lessons = self.core.lessons();
        self.core
            .indicators
            .report
            .vneid_confirm_after
            .as_deref()
            .and_then(|id| lessons.topic(id))
            .is_some_and(|topic| self.learner.finished_topic(topic))
    }

    fn ask_age(&mut self, flow: Flow) {
        let intro = match flow {
            Flow::Onboarding => "profile-ask-intro",
            Flow::Edit => "profile-ask-again",
        };
        let mut message = Message::default()
            .para(Text::new(intro))
            .para(Text::new("profile-ask-age"));
        for age in AgeBand::ALL {
            message = message.row(vec![Button::new(
                Text::new("profile-age").arg("age", age.code()),
                Callback::ProfileAge(Some(age), flow),
            )]);
        }
        let skip = match flow {
            Flow::Onboarding => "button-skip",
            Flow::Edit => "button-profile-clear",
        };
        message = message.row(vec![Button::new(
            Text::new(skip),
            Callback::ProfileAge(None, flow),
        )]);
        self.send(message);
    }

    fn ask_group(&mut self, flow: Flow) {
        let mut message = Message::default().para(Text::new("profile-ask-group"));
        for group in PopGroup::ALL {
            message = message.row(vec![Button::new(
                Text::new("profile-group").arg("group", group.id()),
                Callback::ProfileGroup(Some(group), flow),
            )]);
        }
        let skip = match flow {
            Flow::Onboarding => "button-skip",
            Flow::Edit => "button-profile-clear",
        };
        message = message.row(vec![Button::new(
            Text::new(skip),
            Callback::ProfileGroup(None, flow),
        )]);
        self.send(message);
    }

    fn ask_vneid(&mut self, flow: Flow) {
        let mut message = Message::default()
            .para(Text::new("vneid-ask"))
            .para(Text::new("vneid-ask-why"));
        for answer in Vneid::ALL {
            message = message.row(vec![Button::new(
                Text::new("vneid-answer").arg("answer", answer.code()),
                Callback::Vneid(answer, flow),
            )]);
        }
        self.send(message);
    }

    /// A question asked again from the profile screen.
    pub(super) fn profile_ask(&mut self, field: ProfileField) {
        match field {
            ProfileField::Age => self.ask_age(Flow::Edit),
            ProfileField::Group => self.ask_group(Flow::Edit),
            ProfileField::Vneid if self.vneid_topic_done() || self.learner.vneid.is_some() => {
                self.ask_vneid(Flow::Edit)
            }
            ProfileField::Vneid => self.stale_button(),
        }
    }

    pub(super) fn profile_age(&mut self, age: Option<AgeBand>, flow: Flow) {
        self.learner.profile.asked = true;
        match (age, flow) {
            (Some(age), Flow::Onboarding) => {
                self.learner.profile.age = Some(age);
                self.ask_group(Flow::Onboarding);
            }
            // Skipping the first question skips the profile: one tap, not two.
            (None, Flow::Onboarding) => {
                self.send(Message::default().para(Text::new("profile-skipped")));
                self.continue_after_questions();
            }
            (age, Flow::Edit) => {
                self.learner.profile.age = age;
                self.profile();
            }
        }
    }

    pub(super) fn profile_group(&mut self, group: Option<PopGroup>, flow: Flow) {
        self.learner.profile.asked = true;
        match flow {
            Flow::Onboarding => {
                if group.is_some() {
                    self.learner.profile.group = group;
                }
                self.send(Message::default().para(Text::new("profile-thanks")));
                self.continue_after_questions();
            }
            Flow::Edit => {
                self.learner.profile.group = group;
                self.profile();
            }
        }
    }

    pub(super) fn vneid_answer(&mut self, answer: Vneid, flow: Flow) {
        if !self.vneid_topic_done() && self.learner.vneid.is_none() {
            return self.stale_button();
        }
        self.learner.profile.vneid_asked = true;
        // The time of a "yes" is when it is counted: keep it if it is said again.
        let unchanged = self.learner.vneid.is_some_and(|v| v.answer == answer);
        if !unchanged {
            self.learner.vneid = Some(VneidAnswer {
                answer,
                at: self.now,
            });
        }
        let reply = Text::new("vneid-thanks").arg("answer", answer.code());
        self.send(Message::default().para(reply));
        match flow {
            Flow::Onboarding => self.continue_after_questions(),
            Flow::Edit => self.profile(),
        }
    }

    /// After an answered question in the flow: the next question, or the menu.
    pub(super) fn continue_after_questions(&mut self) {
        if !self.ask_next() {
            self.menu();
        }
    }

    /// `/profile`: what the learner said, and buttons to change it.
    pub(super) fn profile(&mut self) {
        let profile = self.learner.profile.clone();
        let area = self
            .learner
            .area
            .as_deref()
            .map(|a| self.core.areas.full_name(a));
        let mut message = Message::default().heading(Text::new("profile-title")).para(
            Text::new("profile-summary")
                .arg("age", profile.age.map_or("none", AgeBand::code))
                .arg("group", profile.group.map_or("none", PopGroup::id))
                .arg("has-area", if area.is_some() { "yes" } else { "no" })
                .arg("area", area.unwrap_or_default())
                .name(self.learner.certificate_name.as_deref().unwrap_or("")),
        );
        let vneid_shown = self.learner.vneid.is_some() || self.vneid_topic_done();
        if vneid_shown {
            let answer = self.learner.vneid.map_or("none", |v| v.answer.code());
            message = message.para(Text::new("profile-vneid").arg("answer", answer));
        }
        message = message.para(Text::new("profile-why")).row(vec![
            Button::new(
                Text::new("button-profile-age"),
                Callback::ProfileAsk(ProfileField::Age),
            ),
            Button::new(
                Text::new("button-profile-group"),
                Callback::ProfileAsk(ProfileField::Group),
            ),
        ]);
        if self.core.areas.len() > 1 {
            message = message.row(vec![Button::new(
                Text::new("button-area"),
                Callback::AreaBrowse(self.core.areas.root().id.clone()),
            )]);
        }
        if vneid_shown {
            message = message.row(vec![Button::new(
                Text::new("button-profile-vneid"),
                Callback::ProfileAsk(ProfileField::Vneid),
            )]);
        }
        message = message.row(vec![Button::new(Text::new("button-menu"), Callback::Menu)]);
        self.send(message);
    }
}
