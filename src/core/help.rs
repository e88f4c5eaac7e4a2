//! Asking a person: a learner's question goes to their mentor, else to the
//! volunteers of their area, else up the area tree; one volunteer takes it,
//! answers through the bot, and either side closes it.
//!
//! A question is a `HelpThread` record of its own (the learner and the
//! volunteer are two different people's records, and both write to it), with
//! a version the store checks, so two volunteers pressing "I'll answer" at
//! the same moment cannot both take it. A relayed question names the learner
//! by display name and area only: never a platform id or phone number.

use serde::{Deserialize, Serialize};

use super::action::{Attachment, Button, Message, Phrase, Text};
use super::callback::Callback;
use super::outgoing::{Outgoing, Recipient};
use super::records::Role;
use super::state::{HelpDraft, Lang, Learner, LearnerId, Media, MediaKind, Timestamp};
use super::timer::{Timer, TimerKind, after_daytime, is_daytime};
use super::turn::Turn;

/// Questions a learner may ask in a day; more are refused kindly.
pub const MAX_QUESTIONS_PER_DAY: usize = 3;
/// Longest question or answer relayed (longer text is cut).
const MAX_RELAYED_CHARS: usize = 1000;
/// Messages kept in one thread.
const MAX_THREAD_MESSAGES: usize = 40;

/// One learner's question and its answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HelpThread {
    pub id: String,
    /// 1 when asked, bumped by every write: the store refuses a write whose
    /// version is not the stored one plus one.
    pub version: u32,
    pub learner: LearnerId,
    pub learner_channel: String,
    pub learner_lang: Lang,
    pub learner_name: String,
    pub area: Option<String>,
    pub lesson: Option<String>,
    pub step: Option<usize>,
    pub asked: Timestamp,
    /// How far up it went: 0 is the mentor or the learner's own area.
    pub level: usize,
    /// Who was sent it (at the current level).
    pub routed_to: Vec<LearnerId>,
    /// Volunteers who said they cannot answer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub passed: Vec<LearnerId>,
    pub state: ThreadState,
    pub messages: Vec<ThreadMessage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_answer: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ThreadState {
    Open,
    Taken {
        by: LearnerId,
        name: String,
        channel: String,
        lang: Lang,
        at: Timestamp,
    },
    Closed {
        at: Timestamp,
        by_learner: bool,
        helped: Option<bool>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadMessage {
    pub from_learner: bool,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<Media>,
    pub at: Timestamp,
}

impl HelpThread {
    pub fn is_open(&self) -> bool {
        !matches!(self.state, ThreadState::Closed { .. })
    }

    fn taker(&self) -> Option<&LearnerId> {
        match &self.state {
            ThreadState::Taken { by, .. } => Some(by),
            _ => None,
        }
    }

    fn question_text(&self) -> String {
        self.messages
            .iter()
            .filter(|m| m.from_learner)
            .map(|m| m.text.as_str())
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Someone a question can be sent to.
struct Helper {
    id: LearnerId,
    channel: String,
    lang: Lang,
}

/// Buckets of the time to a first answer, in minutes: figures show the
/// median from them without scanning questions.
pub const ANSWER_BUCKETS: [i64; 8] = [15, 30, 60, 120, 240, 480, 1440, 4320];

fn bucket_of(minutes: i64) -> i64 {
    ANSWER_BUCKETS
        .iter()
        .copied()
        .find(|b| minutes <= *b)
        .unwrap_or(i64::MAX)
}

impl Turn<'_> {
    /// "Ask a volunteer", from the menu, a search or a lesson step.
    pub(super) fn ask_help(&mut self, draft: HelpDraft) {
        if let Some(open) = self.learner.open_help.clone()
            && let Some(thread) = self.open_thread_of_learner(&open)
        {
            return self.send(
                Message::default()
                    .para(Text::new("help-already-open"))
                    .para(Phrase::Content(quote(&thread.question_text())))
                    .row(vec![Button::new(
                        Text::new("button-help-close"),
                        Callback::HelpClose(thread.id.clone()),
                    )])
                    .row(vec![menu_button()]),
            );
        }
        if self.over_question_limit() {
            return self.refuse_flood();
        }
        self.learner.help_draft = Some(draft);
        self.send(
            Message::default()
                .para(Text::new("help-ask-prompt"))
                .row(vec![menu_button()]),
        );
    }

    /// Sends the question that found no lesson, as typed.
    pub(super) fn send_typed_question(&mut self) {
        let Some(question) = self.learner.last_question.take() else {
            return self.ask_help(HelpDraft {
                lesson: None,
                step: None,
            });
        };
        self.learner.help_draft = Some(HelpDraft {
            lesson: None,
            step: None,
        });
        self.open_question(&question, None);
    }

    /// Sends the photo or voice message just received.
    pub(super) fn send_last_media(&mut self) {
        let Some(media) = self.learner.last_media.take() else {
            return self.stale_button();
        };
        self.learner.help_draft = Some(HelpDraft {
            lesson: None,
            step: None,
        });
        self.open_question("", Some(media));
    }

    /// Whatever the learner writes while a question is being asked, is open,
    /// or (for a volunteer) being answered. `false` when none of these holds.
    pub(super) fn help_message(&mut self, text: &str, media: Option<Media>) -> bool {
        if self.learner.helping.is_some() {
            self.answer_question(text, media);
            return true;
        }
        if self.learner.help_draft.is_some() {
            self.open_question(text, media);
            return true;
        }
        if let Some(open) = self.learner.open_help.clone()
            && let Some(thread) = self.open_thread_of_learner(&open)
        {
            self.follow_up(thread, text, media);
            return true;
        }
        false
    }

    /// A photo or voice message outside any question: the bot cannot look
    /// or listen, and says so kindly, offering to pass it on.
    pub(super) fn media_outside_help(&mut self, media: Media) {
        let key = match media.kind {
            MediaKind::Photo => "media-photo",
            MediaKind::Voice => "media-voice",
            MediaKind::Other => "media-other",
        };
        self.learner.last_media = Some(media);
        self.send(
            Message::default()
                .para(Text::new(key))
                .row(vec![Button::new(
                    Text::new("button-help-send-media"),
                    Callback::HelpSendMedia,
                )])
                .row(vec![menu_button()]),
        );
    }

    fn over_question_limit(&mut self) -> bool {
        let day_ago = self.now - 86_400;
        self.learner.asked.retain(|at| *at > day_ago);
        self.learner.asked.len() >= MAX_QUESTIONS_PER_DAY
    }

    fn refuse_flood(&mut self) {
        self.learner.help_draft = None;
        self.send(
            Message::default()
                .para(Text::new("help-too-many"))
                .row(vec![menu_button()]),
        );
    }

    /// Opens a thread with the learner's first words and sends it on.
    fn open_question(&mut self, text: &str, media: Option<Media>) {
        let Some(draft) = self.learner.help_draft.take() else {
            return;
        };
        if self.over_question_limit() {
            return self.refuse_flood();
        }
        let id = self.fresh_code_of(2);
        let mut thread = HelpThread {
            id: id.clone(),
            version: 1,
            learner: self.learner.id.clone(),
            learner_channel: self.learner.channel.clone(),
            learner_lang: self.lang(),
            learner_name: self.learner.display_name.chars().take(40).collect(),
            area: self.learner.area.clone(),
            lesson: draft.lesson,
            step: draft.step,
            asked: self.now,
            level: 0,
            routed_to: Vec::new(),
            passed: Vec::new(),
            state: ThreadState::Open,
            messages: vec![ThreadMessage {
                from_learner: true,
                text: cut(text),
                media,
                at: self.now,
            }],
            first_answer: None,
        };
        let Some(helpers) = self.route(&mut thread, 0) else {
            return;
        };
        self.learner.asked.push(self.now);
        self.learner.open_help = Some(id.clone());
        for helper in &helpers {
            self.relay_question(&thread, helper, false);
        }
        self.schedule_escalation(&thread);
        self.count_help(&thread, "h:asked", 1);
        self.reply.threads.push(thread);
        let wait = if helpers.is_empty() {
            "help-sent-nobody"
        } else if is_daytime(self.now) {
            "help-sent-today"
        } else {
            "help-sent-tomorrow"
        };
        self.send(
            Message::default()
                .heading(Text::new("help-sent"))
                .para(Text::new(wait))
                .row(vec![Button::new(
                    Text::new("button-help-close"),
                    Callback::HelpClose(id),
                )])
                .row(vec![menu_button()]),
        );
    }

    /// Who gets the question at `level` or the first level above it with
    /// anyone: the mentor (level 0, if they are still a volunteer), then the
    /// volunteers of each area from the learner's own up to the root. Sets
    /// the thread's level and recipients; `None` after telling the learner
    /// when the store could not be read.
    fn route(&mut self, thread: &mut HelpThread, from: usize) -> Option<Vec<Helper>> {
        let areas: Vec<String> = match &thread.area {
            Some(area) => self
                .core
                .areas
                .path(area)
                .iter()
                .map(|a| a.id.clone())
                .collect(),
            None => vec![self.core.areas.root().id.clone()],
        };
        let staff = match self.directory.staff_list() {
            Ok(staff) => staff,
            Err(e) => {
                self.unavailable(&e);
                return None;
            }
        };
        let mentor = self.learner_mentor_for(thread);
        for level in from..=areas.len() {
            let mut ids: Vec<LearnerId> = Vec::new();
            if level == 0 {
                ids.extend(mentor.clone());
            } else {
                let area = &areas[level - 1];
                ids.extend(
                    staff
                        .iter()
                        .filter(|(id, s)| {
                            s.role == Role::Volunteer && s.area == *area && *id != thread.learner
                        })
                        .map(|(id, _)| id.clone()),
                );
            }
            ids.retain(|id| !thread.passed.contains(id));
            let helpers: Vec<Helper> = ids.into_iter().filter_map(|id| self.helper(id)).collect();
            if !helpers.is_empty() {
                thread.level = level;
                thread.routed_to = helpers.iter().map(|h| h.id.clone()).collect();
                return Some(helpers);
            }
        }
        thread.routed_to.clear();
        Some(Vec::new())
    }

    /// The learner's mentor, while they are still a volunteer or above.
    fn learner_mentor_for(&self, thread: &HelpThread) -> Option<LearnerId> {
        let mentor = match self.directory.learner(&thread.learner) {
            Ok(Some(learner)) if learner.id != self.learner.id => learner.mentor,
            _ if thread.learner == self.learner.id => self.learner.mentor.clone(),
            _ => None,
        }?;
        match self.directory.staff(&mentor.id) {
            Ok(Some(staff)) if staff.role >= Role::Volunteer => Some(mentor.id),
            _ => None,
        }
    }

    fn helper(&self, id: LearnerId) -> Option<Helper> {
        let learner = self.directory.learner(&id).ok()??;
        Some(Helper {
            id,
            channel: learner.channel.clone(),
            lang: learner.lang(),
        })
    }

    /// The question as a volunteer sees it: name, area, lesson and step, the
    /// words; buttons to take it or pass.
    fn relay_question(&mut self, thread: &HelpThread, to: &Helper, escalated: bool) {
        let area = thread
            .area
            .as_deref()
            .map(|a| self.core.areas.full_name(a))
            .unwrap_or_else(|| "—".to_string());
        let lesson = thread
            .lesson
            .as_deref()
            .and_then(|l| self.core.lessons().lesson(l))
            .map(|l| l.text.get(&to.lang).title.clone());
        let mut message = Message::default()
            .heading(Text::new(if escalated {
                "help-relay-escalated"
            } else {
                "help-relay-title"
            }))
            .para(
                Text::new("help-relay-who")
                    .arg("name", name_or_dash(&thread.learner_name))
                    .arg("area", area),
            );
        if let Some(lesson) = lesson {
            message = message.para(
                Text::new("help-relay-where")
                    .arg("lesson", lesson)
                    .arg("step", thread.step.map_or(1, |s| s + 1)),
            );
        }
        message = message.para(Phrase::Content(quote(&thread.question_text())));
        if let Some(media) = thread.messages.iter().find_map(|m| m.media.clone()) {
            message = message.para(Text::new(media_note(media.kind)));
            message.attachment = Some(Attachment::Forward(media));
        }
        message = message.row(vec![
            Button::new(
                Text::new("button-help-take"),
                Callback::HelpTake(thread.id.clone()),
            ),
            Button::new(
                Text::new("button-help-pass"),
                Callback::HelpPass(thread.id.clone()),
            ),
        ]);
        self.reply.outbox.push(Outgoing {
            channel: to.channel.clone(),
            to: Recipient::Learner { id: to.id.clone() },
            lang: to.lang.clone(),
            message,
            not_before: self.now,
        });
    }

    fn schedule_escalation(&mut self, thread: &HelpThread) {
        let due = after_daytime(self.now, self.core.help_escalate_after);
        self.reply.timers.push(Timer {
            due,
            learner: thread.learner.clone(),
            kind: TimerKind::Escalate {
                thread: thread.id.clone(),
            },
        });
    }

    /// An event counter of help for the thread's area and every area above.
    fn count_help(&mut self, thread: &HelpThread, metric: &str, delta: i64) {
        let area = thread.area.clone();
        self.count_for(area.as_deref(), metric, delta);
    }

    /// Looks a thread up; a kind word and `None` when the store failed.
    fn find_thread(&mut self, id: &str) -> Option<Option<HelpThread>> {
        match self.directory.help_thread(id) {
            Ok(thread) => Some(thread),
            Err(e) => {
                self.unavailable(&e);
                None
            }
        }
    }

    /// The learner's own open thread; clears the learner's mark when it is
    /// closed or gone.
    fn open_thread_of_learner(&mut self, id: &str) -> Option<HelpThread> {
        match self.directory.help_thread(id) {
            Ok(Some(thread)) if thread.is_open() && thread.learner == self.learner.id => {
                Some(thread)
            }
            Ok(_) => {
                self.learner.open_help = None;
                None
            }
            Err(_) => None,
        }
    }

    /// More words from the learner on their open question.
    fn follow_up(&mut self, mut thread: HelpThread, text: &str, media: Option<Media>) {
        push_message(&mut thread, true, text, media.clone(), self.now);
        thread.version += 1;
        let taken = match &thread.state {
            ThreadState::Taken {
                by, channel, lang, ..
            } => Some(Helper {
                id: by.clone(),
                channel: channel.clone(),
                lang: lang.clone(),
            }),
            _ => None,
        };
        if let Some(volunteer) = taken {
            let mut message = Message::default()
                .para(Text::new("help-follow-up").arg("name", name_or_dash(&thread.learner_name)))
                .para(Phrase::Content(quote(&cut(text))));
            if let Some(media) = media {
                message = message.para(Text::new(media_note(media.kind)));
                message.attachment = Some(Attachment::Forward(media));
            }
            message = message.row(vec![
                Button::new(
                    Text::new("button-help-reply"),
                    Callback::HelpTake(thread.id.clone()),
                ),
                Button::new(
                    Text::new("button-help-close"),
                    Callback::HelpClose(thread.id.clone()),
                ),
            ]);
            self.reply.outbox.push(Outgoing {
                channel: volunteer.channel,
                to: Recipient::Learner { id: volunteer.id },
                lang: volunteer.lang,
                message,
                not_before: self.now,
            });
        }
        let id = thread.id.clone();
        self.reply.threads.push(thread);
        self.send(
            Message::default()
                .para(Text::new("help-added"))
                .row(vec![Button::new(
                    Text::new("button-help-close"),
                    Callback::HelpClose(id),
                )])
                .row(vec![menu_button()]),
        );
    }

    /// "I'll answer": take the question, or go back to answering it.
    pub(super) fn take_question(&mut self, id: &str) {
        let Some((_, my_area)) = self.require(Role::Volunteer) else {
            return;
        };
        let Some(found) = self.find_thread(id) else {
            return;
        };
        let Some(mut thread) = found else {
            return self.stale_button();
        };
        let in_scope = thread.routed_to.contains(&self.learner.id)
            || thread
                .area
                .as_deref()
                .is_some_and(|a| self.core.areas.is_within(a, &my_area))
            || my_area == self.core.areas.root().id;
        if !in_scope {
            return self.outside_area(thread.area.as_deref().unwrap_or_default());
        }
        match &thread.state {
            ThreadState::Closed { .. } => {
                return self.send(
                    Message::default()
                        .para(Text::new("help-closed-already"))
                        .row(vec![menu_button()]),
                );
            }
            ThreadState::Taken { by, name, .. } if *by != self.learner.id => {
                let name = name_or_dash(name);
                return self.send(
                    Message::default()
                        .para(Text::new("help-taken-by").arg("name", name))
                        .row(vec![menu_button()]),
                );
            }
            ThreadState::Taken { .. } => {}
            ThreadState::Open => {
                thread.state = ThreadState::Taken {
                    by: self.learner.id.clone(),
                    name: self.learner.display_name.chars().take(40).collect(),
                    channel: self.learner.channel.clone(),
                    lang: self.lang(),
                    at: self.now,
                };
                thread.version += 1;
                self.tell_learner(
                    &thread,
                    Message::default().para(
                        Text::new("help-taken-learner")
                            .arg("name", name_or_dash(&self.learner.display_name)),
                    ),
                );
                self.reply.threads.push(thread.clone());
            }
        }
        self.learner.helping = Some(thread.id.clone());
        self.send(
            Message::default()
                .heading(Text::new("help-you-took"))
                .para(Phrase::Content(quote(&thread.question_text())))
                .para(Text::new("help-type-answer"))
                .row(vec![Button::new(
                    Text::new("button-help-close"),
                    Callback::HelpClose(thread.id.clone()),
                )]),
        );
    }

    /// "Pass": leave the question to others; when everyone it was sent to
    /// passed, it moves up at once.
    pub(super) fn pass_question(&mut self, id: &str) {
        if self.require(Role::Volunteer).is_none() {
            return;
        }
        let Some(found) = self.find_thread(id) else {
            return;
        };
        let Some(mut thread) = found.filter(|t| t.state == ThreadState::Open) else {
            return self.send(
                Message::default()
                    .para(Text::new("help-pass-late"))
                    .row(vec![menu_button()]),
            );
        };
        if !thread.passed.contains(&self.learner.id) {
            thread.passed.push(self.learner.id.clone());
        }
        thread.version += 1;
        if thread.routed_to.iter().all(|id| thread.passed.contains(id)) {
            let next = thread.level + 1;
            self.move_up(&mut thread, next);
        }
        self.reply.threads.push(thread);
        self.send(
            Message::default()
                .para(Text::new("help-passed"))
                .row(vec![menu_button()]),
        );
    }

    /// The thread goes to the next level that has anyone; officials of that
    /// area see it too.
    fn move_up(&mut self, thread: &mut HelpThread, level: usize) {
        let Some(helpers) = self.route(thread, level) else {
            return;
        };
        for helper in &helpers {
            self.relay_question(thread, helper, true);
        }
        self.notify_officials(thread);
    }

    fn notify_officials(&mut self, thread: &HelpThread) {
        let area = match (&thread.area, thread.level) {
            (Some(area), level) if level > 0 => self
                .core
                .areas
                .path(area)
                .get(level - 1)
                .map(|a| a.id.clone()),
            _ => None,
        };
        let Some(area) = area else {
            return;
        };
        let Ok(staff) = self.directory.staff_list() else {
            return;
        };
        let officials: Vec<Helper> = staff
            .into_iter()
            .filter(|(_, s)| s.role == Role::Official && s.area == area)
            .filter_map(|(id, _)| self.helper(id))
            .collect();
        for official in &officials {
            self.relay_question(thread, official, true);
        }
    }

    /// A volunteer's words (or picture) to the learner they are helping.
    fn answer_question(&mut self, text: &str, media: Option<Media>) {
        let Some(id) = self.learner.helping.clone() else {
            return;
        };
        let Some(found) = self.find_thread(&id) else {
            return;
        };
        let mine = found.filter(|t| t.is_open() && t.taker() == Some(&self.learner.id));
        let Some(mut thread) = mine else {
            self.learner.helping = None;
            return self.send(
                Message::default()
                    .para(Text::new("help-not-yours"))
                    .row(vec![menu_button()]),
            );
        };
        push_message(&mut thread, false, text, media.clone(), self.now);
        thread.version += 1;
        if thread.first_answer.is_none() {
            thread.first_answer = Some(self.now);
            let minutes = (self.now - thread.asked) / 60;
            self.count_help(&thread, "h:answered", 1);
            self.count_help(&thread, &format!("h:first:{}", bucket_of(minutes)), 1);
        }
        let name = name_or_dash(&self.learner.display_name);
        let mut message = Message::default()
            .heading(Text::new("help-answer-from").arg("name", name.clone()))
            .para(Phrase::Content(cut(text)));
        if let Some(media) = media {
            message.attachment = Some(Attachment::Forward(media));
        }
        message = message
            .para(Text::new("help-answer-hint"))
            .row(vec![Button::new(
                Text::new("button-help-solved"),
                Callback::HelpClose(thread.id.clone()),
            )])
            .row(vec![menu_button()]);
        self.tell_learner(&thread, message);
        let close = Callback::HelpClose(thread.id.clone());
        self.reply.threads.push(thread);
        self.send(
            Message::default()
                .para(Text::new("help-relayed"))
                .row(vec![Button::new(Text::new("button-help-close"), close)])
                .row(vec![menu_button()]),
        );
    }

    fn tell_learner(&mut self, thread: &HelpThread, message: Message) {
        self.reply.outbox.push(Outgoing {
            channel: thread.learner_channel.clone(),
            to: Recipient::Learner {
                id: thread.learner.clone(),
            },
            lang: thread.learner_lang.clone(),
            message,
            not_before: self.now,
        });
    }

    /// Either side closes; the learner is asked (one tap) whether it helped.
    pub(super) fn close_question(&mut self, id: &str) {
        let Some(found) = self.find_thread(id) else {
            return;
        };
        let Some(mut thread) = found else {
            return self.stale_button();
        };
        let is_learner = thread.learner == self.learner.id;
        let is_taker = thread.taker() == Some(&self.learner.id);
        if !is_learner && !is_taker {
            return self.stale_button();
        }
        if is_learner {
            self.learner.open_help = None;
            self.learner.help_draft = None;
        }
        if self.learner.helping.as_deref() == Some(id) {
            self.learner.helping = None;
        }
        if !thread.is_open() {
            return self.menu();
        }
        let taker = match &thread.state {
            ThreadState::Taken {
                by, channel, lang, ..
            } => Some(Helper {
                id: by.clone(),
                channel: channel.clone(),
                lang: lang.clone(),
            }),
            _ => None,
        };
        thread.state = ThreadState::Closed {
            at: self.now,
            by_learner: is_learner,
            helped: None,
        };
        thread.version += 1;
        if is_learner {
            if let Some(volunteer) = taker.filter(|v| v.id != self.learner.id) {
                self.reply.outbox.push(Outgoing {
                    channel: volunteer.channel,
                    to: Recipient::Learner { id: volunteer.id },
                    lang: volunteer.lang,
                    message: Message::default().para(
                        Text::new("help-closed-by-learner")
                            .arg("name", name_or_dash(&thread.learner_name)),
                    ),
                    not_before: self.now,
                });
            }
            self.send(rate_message(&thread.id, None));
        } else {
            let ask = rate_message(&thread.id, Some("help-closed-by-volunteer"));
            self.tell_learner(&thread, ask);
            self.send(
                Message::default()
                    .para(Text::new("help-closed-thanks"))
                    .row(vec![menu_button()]),
            );
        }
        self.reply.threads.push(thread);
    }

    /// "Did it help?": one tap, once.
    pub(super) fn rate_question(&mut self, id: &str, helped: bool) {
        let Some(found) = self.find_thread(id) else {
            return;
        };
        let Some(mut thread) = found.filter(|t| t.learner == self.learner.id) else {
            return self.stale_button();
        };
        if let ThreadState::Closed {
            helped: answer @ None,
            ..
        } = &mut thread.state
        {
            *answer = Some(helped);
            thread.version += 1;
            if helped {
                self.count_help(&thread, "h:helped", 1);
            }
            self.reply.threads.push(thread);
        }
        self.send(Message::default().para(Text::new(if helped {
            "help-rated-yes"
        } else {
            "help-rated-no"
        })));
        self.menu();
    }

    /// A question's escalation timer: nobody took it in time, so it moves up.
    pub(super) fn escalate(&mut self, id: &str) {
        let Ok(Some(mut thread)) = self.directory.help_thread(id) else {
            return;
        };
        if thread.state != ThreadState::Open {
            return;
        }
        let areas = thread
            .area
            .as_deref()
            .map_or(1, |a| self.core.areas.path(a).len());
        if thread.level >= areas {
            return; // at the root: it stays with the province's volunteers
        }
        let next = thread.level + 1;
        thread.version += 1;
        self.move_up(&mut thread, next);
        self.schedule_escalation(&thread);
        self.reply.threads.push(thread);
    }

    /// Open questions for a volunteer's `/mentees`: those sent to them, or
    /// from learners of their area, oldest first.
    pub(super) fn open_questions_for_me(&mut self, my_area: &str) -> Vec<HelpThread> {
        let Ok(mut open) = self.directory.open_threads() else {
            return Vec::new();
        };
        open.retain(|t| {
            t.routed_to.contains(&self.learner.id)
                || t.taker() == Some(&self.learner.id)
                || t.area
                    .as_deref()
                    .is_some_and(|a| self.core.areas.is_within(a, my_area))
        });
        open.sort_by_key(|t| t.asked);
        open
    }

    /// One line and a button per open question, for `/mentees`.
    pub(super) fn open_question_lines(&mut self, mut message: Message, my_area: &str) -> Message {
        let open = self.open_questions_for_me(my_area);
        if open.is_empty() {
            return message;
        }
        message = message.heading(Text::new("help-open-title").arg("count", open.len()));
        for thread in open.iter().take(10) {
            let first = thread.messages.first().map_or("", |m| m.text.as_str());
            let question: String = first.chars().take(80).collect();
            message = message.para(
                Text::new("help-open-line")
                    .arg("name", name_or_dash(&thread.learner_name))
                    .arg("date", super::Arg::Date(thread.asked))
                    .arg("question", question),
            );
            message = message.row(vec![Button::new(
                Text::new("button-help-take"),
                Callback::HelpTake(thread.id.clone()),
            )]);
        }
        message
    }
}

fn push_message(
    thread: &mut HelpThread,
    from_learner: bool,
    text: &str,
    media: Option<Media>,
    at: Timestamp,
) {
    if thread.messages.len() >= MAX_THREAD_MESSAGES {
        thread.messages.remove(1);
    }
    thread.messages.push(ThreadMessage {
        from_learner,
        text: cut(text),
        media,
        at,
    });
}

fn rate_message(id: &str, lead: Option<&'static str>) -> Message {
    let mut message = Message::default();
    if let Some(lead) = lead {
        message = message.para(Text::new(lead));
    }
    message.para(Text::new("help-rate")).row(vec![
        Button::new(
            Text::new("button-help-helped"),
            Callback::HelpRate(id.to_string(), true),
        ),
        Button::new(
            Text::new("button-help-not-helped"),
            Callback::HelpRate(id.to_string(), false),
        ),
    ])
}

fn media_note(kind: MediaKind) -> &'static str {
    match kind {
        MediaKind::Photo => "help-has-photo",
        MediaKind::Voice => "help-has-voice",
        MediaKind::Other => "help-has-file",
    }
}

fn quote(text: &str) -> String {
    if text.trim().is_empty() {
        "…".to_string()
    } else {
        format!("«{}»", text.trim())
    }
}

fn cut(text: &str) -> String {
    text.trim().chars().take(MAX_RELAYED_CHARS).collect()
}

fn name_or_dash(name: &str) -> String {
    let name: String = name.trim().chars().take(40).collect();
    if name.is_empty() {
        "—".to_string()
    } else {
        name
    }
}

fn menu_button() -> Button {
    Button::new(Text::new("button-menu"), Callback::Menu)
}

impl Learner {
    /// Whether the learner is in the middle of asking or has a question open.
    pub fn in_help(&self) -> bool {
        self.help_draft.is_some() || self.open_help.is_some() || self.helping.is_some()
    }
}
