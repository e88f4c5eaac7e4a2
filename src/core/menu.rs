//! The screens that list things: the main menu, a topic's lessons, the
//! learner's progress, help, and the choice of language.

use super::action::{Button, Message, Phrase, Text};
use super::callback::Callback;
use super::state::{Lang, Session};
use super::turn::Turn;
use crate::lesson::Topic;

impl Turn<'_> {
    pub(super) fn choose_language(&mut self, greet: bool) {
        let mut message = Message::default();
        if greet {
            message = message.para(Text::new("greeting"));
        }
        message = message.para(Text::new("choose-language"));
        for (lang, name) in &self.core.languages {
            message = message.row(vec![Button::new(
                Phrase::Content(name.clone()),
                Callback::SetLang(lang.clone()),
            )]);
        }
        self.send(message);
    }

    pub(super) fn set_language(&mut self, lang: Lang) {
        if !self.core.languages.iter().any(|(l, _)| *l == lang) {
            return self.stale_button();
        }
        let first_time = self.learner.lang.is_none();
        self.learner.lang = Some(lang);
        if let Some(pending) = self.learner.pending_start.take() {
            return self.run_pending(&pending);
        }
        if first_time {
            self.learner.session = Session::Menu;
            self.send(Message::default().para(Text::new("intro")));
        } else {
            self.send(Message::default().para(Text::new("language-changed")));
        }
        self.menu();
    }

    pub(super) fn menu(&mut self) {
        let lang = self.lang();
        let mut message = Message::default()
            .heading(Text::new("menu-title"))
            .para(Text::new("menu-hint"));
        if let Some(target) = self.resume_target()
            && let Some(title) = self.resume_lesson_title(&target)
        {
            message = message.row(vec![Button::new(
                Text::new("button-continue").arg("title", title),
                Callback::Resume,
            )]);
        }
        let lessons = self.core.lessons();
        if lessons.groups().is_empty() {
            for topic in lessons.topics() {
                message = message.row(vec![self.topic_button(topic)]);
            }
        } else {
            // A dozen topics do not fit a small screen: groups first.
            for group in lessons.groups() {
                let topics: Vec<&Topic> = group
                    .topics
                    .iter()
                    .filter_map(|t| lessons.topic(t))
                    .collect();
                let done = topics.iter().all(|t| self.learner.finished_topic(t));
                let started = topics.iter().any(|t| self.learner.started_topic(t));
                let mark = status_mark(usize::from(done), 1, started);
                let icon = group
                    .icon
                    .as_ref()
                    .map(|i| format!("{i} "))
                    .unwrap_or_default();
                let label = format!("{icon}{}{mark}", group.title.get(&lang));
                message = message.row(vec![Button::new(
                    Phrase::Content(label),
                    Callback::TopicGroup(group.id.clone()),
                )]);
            }
        }
        message = message.row(vec![
            Button::new(Text::new("button-progress"), Callback::Progress),
            Button::new(Text::new("button-help"), Callback::Help),
        ]);
        message = message.row(vec![Button::new(
            Text::new("button-ask-person"),
            Callback::HelpAsk,
        )]);
        self.send(message);
    }

    /// A topic's button: icon, title, and ✓ when done or ▶ when started.
    fn topic_button(&self, topic: &Topic) -> Button {
        let (done, total) = self.learner.topic_counts(topic);
        let mark = status_mark(done, total, self.learner.started_topic(topic));
        let label = format!(
            "{}{}{}",
            icon_prefix(topic),
            topic.title.get(&self.lang()),
            mark
        );
        Button::new(Phrase::Content(label), Callback::Topic(topic.id.clone()))
    }

    /// One menu group: its topics.
    pub(super) fn topic_group(&mut self, id: &str) {
        let lessons = self.core.lessons();
        let Some(group) = lessons.group(id) else {
            return self.stale_button();
        };
        let icon = group
            .icon
            .as_ref()
            .map(|i| format!("{i} "))
            .unwrap_or_default();
        let mut message = Message::default()
            .heading(Phrase::Content(format!(
                "{icon}{}",
                group.title.get(&self.lang())
            )))
            .para(Text::new("group-choose-topic"));
        for topic in group.topics.iter().filter_map(|t| lessons.topic(t)) {
            message = message.row(vec![self.topic_button(topic)]);
        }
        message = message.row(vec![Button::new(Text::new("button-menu"), Callback::Menu)]);
        self.send(message);
    }

    pub(super) fn topic(&mut self, id: &str) {
        let Some(topic) = self.core.lessons().topic(id) else {
            return self.missing();
        };
        let lang = self.lang();
        let mut message = Message::default()
            .heading(Phrase::Content(format!(
                "{}{}",
                icon_prefix(topic),
                topic.title.get(&lang)
            )))
            .para(Phrase::Content(topic.summary.get(&lang).clone()))
            .para(Text::new("topic-choose-lesson"));
        for (n, lesson_id) in topic.lessons.iter().enumerate() {
            let Some(lesson) = self.core.lessons().lesson(lesson_id) else {
                continue;
            };
            let progress = self.learner.progress.get(lesson_id);
            let mark = match progress {
                Some(p) if p.completed.is_some() => " ✓",
                Some(_) => " ▶",
                None => "",
            };
            let label = format!("{}. {}{}", n + 1, lesson.text.get(&lang).title, mark);
            message = message.row(vec![Button::new(
                Phrase::Content(label),
                Callback::Lesson(lesson_id.clone()),
            )]);
        }
        let (done, total) = self.learner.topic_counts(topic);
        if done == total {
            message = message.row(vec![Button::new(
                Text::new("button-summary"),
                Callback::Summary(topic.id.clone()),
            )]);
        }
        message = message.row(vec![Button::new(Text::new("button-menu"), Callback::Menu)]);
        self.send(message);
    }

    pub(super) fn progress(&mut self) {
        let lang = self.lang();
        let mut message = Message::default().heading(Text::new("progress-title"));
        for topic in self.core.lessons().topics() {
            let (done, total) = self.learner.topic_counts(topic);
            let mark = status_mark(done, total, self.learner.started_topic(topic));
            message = message.para(
                Text::new("progress-topic")
                    .arg(
                        "topic",
                        format!("{}{}{}", icon_prefix(topic), topic.title.get(&lang), mark),
                    )
                    .arg("done", done)
                    .arg("total", total),
            );
        }
        if self.resume_target().is_some() {
            message = message.row(vec![Button::new(
                Text::new("button-continue-short"),
                Callback::Resume,
            )]);
        }
        message = message.row(vec![Button::new(
            Text::new("button-overview"),
            Callback::Overview,
        )]);
        if self.core.areas.len() > 1 {
            message = message.row(vec![Button::new(
                Text::new("button-area"),
                Callback::AreaBrowse(self.core.areas.root().id.clone()),
            )]);
        }
        message = message.row(vec![Button::new(Text::new("button-menu"), Callback::Menu)]);
        self.send(message);
    }

    pub(super) fn help(&mut self) {
        let mut message = Message::default()
            .heading(Text::new("help-title"))
            .para(Text::new("help-text"));
        // Staff also see their own commands; a failed lookup just leaves them out.
        let role = match self.stored_staff() {
            Ok(stored) => Some(self.resolve_role(stored.as_ref()).0),
            Err(_) => None,
        }
        .filter(|role| *role > super::records::Role::Learner);
        if let Some(role) = role {
            message = message.para(Text::new("volunteer-help"));
            if role >= super::records::Role::Official {
                message = message.para(Text::new("official-help"));
            }
            if role == super::records::Role::Admin {
                message = message.para(Text::new("admin-help"));
            }
        }
        let message = message
            .row(vec![Button::new(
                Text::new("button-language"),
                Callback::ChooseLang,
            )])
            .row(vec![Button::new(Text::new("button-menu"), Callback::Menu)]);
        self.send(message);
    }
}

pub(super) fn icon_prefix(topic: &Topic) -> String {
    topic
        .icon
        .as_ref()
        .map(|i| format!("{i} "))
        .unwrap_or_default()
}

fn status_mark(done: usize, total: usize, started: bool) -> &'static str {
    if total > 0 && done == total {
        " ✓"
    } else if started {
        " ▶"
    } else {
        ""
    }
}
