//! The transitions of a learner's conversation.

use std::sync::Arc;

use super::action::{Action, Attachment, Block, Button, Message, Phrase, Text};
use super::callback::Callback;
use super::directory::{Directory, Nobody};
use super::outgoing::Outgoing;
use super::records::{AuditEntry, Certificate, Link, Staff};
use super::state::{
    CompletedLesson, Completion, Lang, Learner, LearnerId, QuizAttempt, Session, Timestamp,
};
use crate::area::AreaTree;
use crate::lesson::{Lesson, LessonText, LessonTree, Topic};

/// Longest text the core looks at; anything longer is cut before parsing.
const MAX_INPUT_BYTES: usize = 4096;

/// Where the input was written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Place {
    /// A private chat between one learner and the bot.
    #[default]
    Private,
    /// A group chat: lessons and quizzes are personal, so they never run here.
    /// `chat` is the channel's own id of the group (opaque to the core), so
    /// that posts for the group can be addressed to it.
    Group { chat: String },
}

impl Place {
    pub fn is_group(&self) -> bool {
        matches!(self, Place::Group { .. })
    }
}

/// What a learner did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Typed text, including commands such as `/start` or `/menu`.
    Text(String),
    /// A button press, with the raw data the button carried.
    Button(String),
}

/// What the core decided: actions for the channel, records for the store.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Reply {
    pub actions: Vec<Action>,
    pub attempts: Vec<QuizAttempt>,
    /// Must be durably stored before the actions are sent.
    pub completions: Vec<Completion>,
    /// Messages for others or for later, sent through the store's outbox.
    pub outbox: Vec<Outgoing>,
    /// Roles granted (`Some`) or revoked (`None`).
    pub staff: Vec<(LearnerId, Option<Staff>)>,
    /// Deep-link codes made (invites, mentor links, groups).
    pub links: Vec<Link>,
    /// A single-use code this turn consumed: the store must refuse the whole
    /// change if someone else used it first.
    pub claim: Option<String>,
    pub certificates: Vec<Certificate>,
    pub audit: Vec<AuditEntry>,
}

impl Reply {
    /// The messages to send, in order (handy in tests).
    pub fn messages(&self) -> impl Iterator<Item = &Message> {
        self.actions.iter().map(|a| match a {
            Action::Send(m) => m,
        })
    }
}

/// The conversation logic, shared by every channel and learner.
#[derive(Debug, Clone)]
pub struct Core {
    lessons: Arc<LessonTree>,
    /// Languages offered, with each one's name in itself.
    pub(super) languages: Vec<(Lang, String)>,
    pub(super) areas: Arc<AreaTree>,
    /// Admins named in the configuration: they need no stored role.
    pub(super) admins: Vec<LearnerId>,
}

impl Core {
    pub fn new(lessons: Arc<LessonTree>, languages: Vec<(Lang, String)>) -> Self {
        Core {
            lessons,
            languages,
            areas: Arc::new(AreaTree::single("all", "—")),
            admins: Vec::new(),
        }
    }

    pub fn with_areas(mut self, areas: Arc<AreaTree>) -> Self {
        self.areas = areas;
        self
    }

    pub fn with_admins(mut self, admins: Vec<LearnerId>) -> Self {
        self.admins = admins;
        self
    }

    pub fn lessons(&self) -> &LessonTree {
        &self.lessons
    }

    pub fn areas(&self) -> &AreaTree {
        &self.areas
    }

    /// Handles one input in a private chat, knowing nobody else (tests and
    /// the learner's own conversation).
    pub fn handle(&self, learner: &mut Learner, input: &Input, now: Timestamp) -> Reply {
        let ctx = Context {
            now,
            directory: &Nobody,
            random: &|| 0,
        };
        self.handle_with(learner, input, &ctx)
    }

    /// Handles one input in a private chat, changing `learner` in place.
    pub fn handle_with(&self, learner: &mut Learner, input: &Input, ctx: &Context<'_>) -> Reply {
        learner.last_active = ctx.now;
        let mut turn = Turn::new(self, learner, ctx, Place::Private);
        match input {
            Input::Text(text) => turn.text(truncate(text, MAX_INPUT_BYTES)),
            Input::Button(data) => match Callback::parse(data) {
                Ok(callback) => turn.callback(callback),
                Err(_) => turn.stale_button(),
            },
        }
        turn.reply
    }
}

impl Core {
    /// Input in a group chat from `actor`. Staff push lesson cards here
    /// (`/push` and its buttons); anything else gets a button that opens the
    /// private chat, because lessons and quizzes are personal. The actor's
    /// own learning state is never changed here.
    pub fn handle_group(
        &self,
        actor: &mut Learner,
        input: &Input,
        chat: &str,
        ctx: &Context<'_>,
    ) -> Reply {
        let place = Place::Group {
            chat: chat.to_string(),
        };
        let mut turn = Turn::new(self, actor, ctx, place);
        if turn.group_input(input) {
            return turn.reply;
        }
        self.handle_in_group(input)
    }

    /// The answer to group input that is not a staff command: a button that
    /// opens the private chat (with the deep link if the input carried one).
    pub fn handle_in_group(&self, input: &Input) -> Reply {
        let payload = match input {
            Input::Text(text) => {
                let text = truncate(text.trim(), MAX_INPUT_BYTES);
                let payload = text.strip_prefix("/start").and_then(|rest| {
                    // `/start@bot payload` or `/start payload`
                    let rest = rest
                        .split_once(char::is_whitespace)
                        .map_or("", |(_, p)| p)
                        .trim();
                    self.deep_link(rest).map(|_| rest.to_string())
                });
                payload.unwrap_or_default()
            }
            Input::Button(_) => String::new(),
        };
        let message = Message::default()
            .para(Text::new("group-private-only"))
            .row(vec![Button::open_private(
                Text::new("button-open-private"),
                &payload,
            )]);
        Reply {
            actions: vec![Action::Send(message)],
            ..Reply::default()
        }
    }

    /// The screen a `/start` payload (`l_<lesson>`, `t_<topic>`) opens.
    pub(super) fn deep_link(&self, payload: &str) -> Option<Callback> {
        if let Some(id) = payload.strip_prefix("l_") {
            return self
                .lessons
                .lesson(id)
                .map(|l| Callback::Lesson(l.id.clone()));
        }
        if let Some(id) = payload.strip_prefix("t_") {
            return self
                .lessons
                .topic(id)
                .map(|t| Callback::Topic(t.id.clone()));
        }
        None
    }
}

fn truncate(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// What an input is handled with besides the learner: the time, what may be
/// looked up about others, and fresh randomness for codes (the core has no
/// random source of its own, so tests can fix it).
pub struct Context<'a> {
    pub now: Timestamp,
    pub directory: &'a dyn Directory,
    /// Called only when a code is drawn, so events that make none cost no
    /// system call.
    pub random: &'a dyn Fn() -> u64,
}

/// One input being handled.
pub(super) struct Turn<'a> {
    pub(super) core: &'a Core,
    pub(super) learner: &'a mut Learner,
    pub(super) now: Timestamp,
    pub(super) directory: &'a dyn Directory,
    pub(super) random: &'a dyn Fn() -> u64,
    /// Codes drawn so far this turn: each draw mixes it in.
    pub(super) draws: u64,
    /// Where the input was written (a group's id for group posts).
    pub(super) place: Place,
    /// The learner's own staff record, once looked up this turn.
    pub(super) own_staff: Option<Option<Staff>>,
    pub(super) reply: Reply,
}

impl<'a> Turn<'a> {
    fn new(core: &'a Core, learner: &'a mut Learner, ctx: &Context<'a>, place: Place) -> Self {
        Turn {
            core,
            learner,
            now: ctx.now,
            directory: ctx.directory,
            random: ctx.random,
            draws: 0,
            place,
            own_staff: None,
            reply: Reply::default(),
        }
    }
}

impl Turn<'_> {
    pub(super) fn send(&mut self, message: Message) {
        self.reply.actions.push(Action::Send(message));
    }

    pub(super) fn lang(&self) -> Lang {
        self.learner.lang()
    }

    pub(super) fn text(&mut self, text: &str) {
        let text = text.trim();
        if let Some(command) = text.strip_prefix('/') {
            let (name, args) = command
                .split_once(char::is_whitespace)
                .unwrap_or((command, ""));
            // Telegram groups address commands as `/menu@botname`.
            let name = name.split('@').next().unwrap_or_default().to_lowercase();
            return self.command(&name, args.trim());
        }
        if self.learner.lang.is_none() {
            return self.choose_language(true);
        }
        self.send(Message::default().para(Text::new("free-text-hint")));
        self.menu();
    }

    pub(super) fn command(&mut self, name: &str, args: &str) {
        if name == "start" {
            return self.start(args);
        }
        if self.learner.lang.is_none() {
            return self.choose_language(true);
        }
        match name {
            "menu" => self.menu(),
            "progress" => self.progress(),
            "lang" | "language" => self.choose_language(false),
            "help" => self.help(),
            "summary" => self.overview(),
            "area" => self.area_browse(None),
            "whoami" => self.whoami(),
            "grant" => self.grant(args),
            "revoke" => self.revoke(args),
            "invite" => self.invite(args),
            "mentorlink" => self.mentor_link(),
            "mentees" => self.mentees(),
            "push" => self.push_in_private(),
            "stats" => self.stats_command(args, false),
            "export" => self.stats_command(args, true),
            "verify" => self.verify(args),
            _ => {
                let shown: String = name.chars().take(32).collect();
                self.send(
                    Message::default().para(Text::new("unknown-command").arg("command", shown)),
                );
                self.help();
            }
        }
    }

    /// `/start [payload]`: payloads are deep links such as `l_vneid-what`.
    pub(super) fn start(&mut self, payload: &str) {
        if self.learner.lang.is_none() {
            // Kept as typed: invites and mentor links are handled once the
            // learner can read the answer.
            self.learner.pending_start =
                (!payload.is_empty() && payload.len() <= 64).then(|| payload.to_string());
            return self.choose_language(true);
        }
        if self.special_link(payload) {
            return;
        }
        let target = self.core.deep_link(payload);
        match target {
            Some(callback) => self.callback(callback),
            None => {
                let name = self.learner.display_name.clone();
                self.send(Message::default().para(Text::new("welcome-back").name(&name)));
                self.menu();
            }
        }
    }

    pub(super) fn callback(&mut self, callback: Callback) {
        // Staff may reach the push picker from a group before ever choosing
        // a language privately: it works in the base language.
        let open = matches!(callback, Callback::SetLang(_)) || super::push::is_push(&callback);
        if self.learner.lang.is_none() && !open {
            return self.choose_language(true);
        }
        match callback {
            Callback::SetLang(lang) => self.set_language(lang),
            Callback::ChooseLang => self.choose_language(false),
            Callback::Menu => self.menu(),
            Callback::Resume => match self.resume_target() {
                Some(target) => self.callback(target),
                None => self.menu(),
            },
            Callback::Progress => self.progress(),
            Callback::Help => self.help(),
            Callback::Topic(id) => self.topic(&id),
            Callback::Lesson(id) => self.open_lesson(&id),
            Callback::Step(id, step) => self.step(&id, step),
            Callback::Question(id, question) => self.question(&id, question),
            Callback::Answer(id, question, option) => self.answer(&id, question, option),
            Callback::Summary(id) => self.summary(&id),
            Callback::Overview => self.overview(),
            Callback::Certificate(topic) => self.resend_certificate(&topic),
            Callback::AreaBrowse(area) => self.area_browse(Some(&area)),
            Callback::AreaSet(area) => self.area_set(&area),
            Callback::AreaSkip => self.area_skip(),
            Callback::Stats(area, period, view) => self.stats(&area, period, view),
            push @ (Callback::PushTopic(_) | Callback::PushLesson(_) | Callback::PushAt(..)) => {
                self.push_step(push)
            }
        }
    }

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
            self.learner.session = Session::Menu;
            // Older records kept the encoded button rather than the payload.
            return match Callback::parse(&pending) {
                Ok(target) => self.callback(target),
                Err(_) => self.start(&pending),
            };
        }
        if first_time {
            self.learner.session = Session::Menu;
            self.send(Message::default().para(Text::new("intro")));
        } else {
            self.send(Message::default().para(Text::new("language-changed")));
        }
        self.menu();
    }

    /// Where "continue" takes the learner: the screen they were on, or the
    /// unfinished lesson they touched last.
    pub(super) fn resume_target(&self) -> Option<Callback> {
        let lessons = self.core.lessons();
        match &self.learner.session {
            // The tree may have changed since: clamp into the lesson as it is now.
            Session::Reading { lesson: id, step } => {
                if let Some(lesson) = lessons.lesson(id) {
                    let step = (*step).min(lesson.step_count().saturating_sub(1));
                    return Some(Callback::Step(id.clone(), step));
                }
            }
            Session::Answering {
                lesson: id,
                question,
                ..
            } => {
                if let Some(lesson) = lessons.lesson(id) {
                    let question = if *question < lesson.question_count() {
                        *question
                    } else {
                        0
                    };
                    return Some(Callback::Question(id.clone(), question));
                }
            }
            _ => {}
        }
        self.learner
            .progress
            .iter()
            .filter(|(id, p)| p.completed.is_none() && lessons.lesson(id).is_some())
            .max_by_key(|(_, p)| p.updated)
            .map(|(id, _)| Callback::Lesson(id.clone()))
    }

    pub(super) fn resume_lesson_title(&self, target: &Callback) -> Option<String> {
        let id = match target {
            Callback::Step(id, _) | Callback::Question(id, _) | Callback::Lesson(id) => id,
            _ => return None,
        };
        let lesson = self.core.lessons().lesson(id)?;
        Some(lesson.text.get(&self.lang()).title.clone())
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
        for topic in self.core.lessons().topics() {
            let (done, _) = self.topic_counts(topic);
            let mark = status_mark(done, topic.lessons.len(), self.topic_started(topic));
            let label = format!("{}{}{}", icon_prefix(topic), topic.title.get(&lang), mark);
            message = message.row(vec![Button::new(
                Phrase::Content(label),
                Callback::Topic(topic.id.clone()),
            )]);
        }
        message = message.row(vec![
            Button::new(Text::new("button-progress"), Callback::Progress),
            Button::new(Text::new("button-help"), Callback::Help),
        ]);
        self.send(message);
    }

    /// (lessons completed, lessons in the topic)
    pub(super) fn topic_counts(&self, topic: &Topic) -> (usize, usize) {
        let done = topic
            .lessons
            .iter()
            .filter(|l| self.learner.is_completed(l))
            .count();
        (done, topic.lessons.len())
    }

    pub(super) fn topic_started(&self, topic: &Topic) -> bool {
        topic
            .lessons
            .iter()
            .any(|l| self.learner.progress.contains_key(l))
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
        let (done, total) = self.topic_counts(topic);
        if done == total {
            message = message.row(vec![Button::new(
                Text::new("button-summary"),
                Callback::Summary(topic.id.clone()),
            )]);
        }
        message = message.row(vec![Button::new(Text::new("button-menu"), Callback::Menu)]);
        self.send(message);
    }

    pub(super) fn open_lesson(&mut self, id: &str) {
        let Some(lesson) = self.core.lessons().lesson(id) else {
            return self.missing();
        };
        let step = match self.learner.progress.get(id) {
            Some(p) if p.completed.is_none() => p.step.min(lesson.step_count().saturating_sub(1)),
            _ => 0,
        };
        self.step(id, step);
    }

    pub(super) fn step(&mut self, id: &str, step: usize) {
        let Some(lesson) = self.core.lessons().lesson(id) else {
            return self.missing();
        };
        if step >= lesson.step_count() {
            return self.stale_button();
        }
        self.learner.session = Session::Reading {
            lesson: id.to_string(),
            step,
        };
        let progress = self.learner.progress.entry(id.to_string()).or_default();
        progress.step = step;
        progress.updated = self.now;
        self.learner.started.get_or_insert(self.now);

        let text = lesson.text.get(&self.lang());
        let content = &text.steps[step];
        let mut message = Message::default().heading(
            Text::new("step-title")
                .arg("lesson", text.title.clone())
                .arg("number", step + 1)
                .arg("total", lesson.step_count()),
        );
        if let Some(heading) = &content.heading {
            message = message.heading(Phrase::Content(heading.clone()));
        }
        message = message.para(Phrase::Content(content.text.clone()));
        if let Some(tip) = &content.tip {
            message
                .blocks
                .push(Block::Tip(Phrase::Content(tip.clone())));
        }
        message.attachment = content.picture.clone().map(Attachment::Picture);
        let mut nav = Vec::new();
        if step > 0 {
            nav.push(Button::new(
                Text::new("button-back"),
                Callback::Step(id.to_string(), step - 1),
            ));
        }
        if step + 1 < lesson.step_count() {
            nav.push(Button::new(
                Text::new("button-next"),
                Callback::Step(id.to_string(), step + 1),
            ));
        } else {
            nav.push(Button::new(
                Text::new("button-quiz"),
                Callback::Question(id.to_string(), 0),
            ));
        }
        message = message
            .row(nav)
            .row(vec![Button::new(Text::new("button-menu"), Callback::Menu)]);
        self.send(message);
    }

    /// Shows a quiz question. Question 0 starts (or restarts) the quiz; later
    /// questions only while the learner is at them, so old buttons cannot skip.
    pub(super) fn question(&mut self, id: &str, question: usize) {
        let Some(lesson) = self.core.lessons().lesson(id) else {
            return self.missing();
        };
        if question >= lesson.question_count() {
            return self.stale_button();
        }
        let at_this_question = matches!(
            &self.learner.session,
            Session::Answering { lesson: l, question: q, .. } if l == id && *q == question
        );
        if question == 0 && !at_this_question {
            self.learner.session = Session::Answering {
                lesson: id.to_string(),
                question: 0,
                score: 0,
                missed: false,
            };
        } else if !at_this_question {
            return self.stale_button();
        }
        self.touch(id);
        let text = lesson.text.get(&self.lang());
        let q = &text.quiz[question];
        let mut message = Message::default()
            .heading(
                Text::new("quiz-title")
                    .arg("lesson", text.title.clone())
                    .arg("number", question + 1)
                    .arg("total", lesson.question_count()),
            )
            .para(Phrase::Content(q.text.clone()));
        for (n, option) in q.options.iter().enumerate() {
            let label = format!("{}. {}", option_letter(n), option);
            message = message.row(vec![Button::new(
                Phrase::Content(label),
                Callback::Answer(id.to_string(), question, n),
            )]);
        }
        message = message.row(vec![
            Button::new(
                Text::new("button-reread"),
                Callback::Step(id.to_string(), 0),
            ),
            Button::new(Text::new("button-menu"), Callback::Menu),
        ]);
        self.send(message);
    }

    pub(super) fn touch(&mut self, id: &str) {
        self.learner
            .progress
            .entry(id.to_string())
            .or_default()
            .updated = self.now;
    }

    pub(super) fn answer(&mut self, id: &str, question: usize, option: usize) {
        let Some(lesson) = self.core.lessons().lesson(id) else {
            return self.missing();
        };
        let Session::Answering {
            lesson: current,
            question: at,
            score,
            missed,
        } = self.learner.session.clone()
        else {
            return self.stale_button();
        };
        let text = lesson.text.get(&self.lang());
        let Some(q) = text.quiz.get(question) else {
            return self.stale_button();
        };
        if current != id || at != question || option >= q.options.len() {
            return self.stale_button();
        }
        let correct = lesson.correct_option(question) == Some(option);
        self.reply.attempts.push(QuizAttempt {
            learner: self.learner.id.clone(),
            lesson: id.to_string(),
            question,
            option,
            correct,
            at: self.now,
        });
        self.touch(id);
        let explanation = Phrase::Content(q.explanation.clone());
        if !correct {
            self.learner.session = Session::Answering {
                lesson: current,
                question,
                score,
                missed: true,
            };
            let message = Message::default()
                .heading(Text::new("quiz-wrong"))
                .para(explanation)
                .row(vec![Button::new(
                    Text::new("button-retry"),
                    Callback::Question(id.to_string(), question),
                )])
                .row(vec![
                    Button::new(
                        Text::new("button-reread"),
                        Callback::Step(id.to_string(), 0),
                    ),
                    Button::new(Text::new("button-menu"), Callback::Menu),
                ]);
            return self.send(message);
        }
        let score = score + usize::from(!missed);
        let mut message = Message::default()
            .heading(Text::new("quiz-right"))
            .para(explanation);
        if question + 1 < lesson.question_count() {
            self.learner.session = Session::Answering {
                lesson: current,
                question: question + 1,
                score,
                missed: false,
            };
            message = message.row(vec![Button::new(
                Text::new("button-next-question"),
                Callback::Question(id.to_string(), question + 1),
            )]);
            return self.send(message);
        }
        self.send(message);
        self.complete(lesson, score);
    }

    pub(super) fn complete(&mut self, lesson: &Lesson, score: usize) {
        let total = lesson.question_count();
        let topic = self.core.lessons().topic(&lesson.topic);
        let topic_was_done = topic.is_some_and(|t| self.topic_counts(t).0 == t.lessons.len());
        let progress = self.learner.progress.entry(lesson.id.clone()).or_default();
        progress.updated = self.now;
        progress.step = 0;
        progress.completed = Some(match progress.completed.take() {
            Some(first) => CompletedLesson {
                score: first.score.max(score),
                ..first
            },
            None => CompletedLesson {
                at: self.now,
                score,
                total,
            },
        });
        self.learner.session = Session::Menu;
        self.reply.completions.push(Completion {
            learner: self.learner.id.clone(),
            topic: lesson.topic.clone(),
            lesson: lesson.id.clone(),
            version: lesson.version.clone(),
            score,
            total,
            at: self.now,
        });

        let lang = self.lang();
        let mut message = Message::default()
            .heading(Text::new("lesson-done").arg("lesson", lesson.text.get(&lang).title.clone()))
            .para(
                Text::new("lesson-score")
                    .arg("score", score)
                    .arg("total", total),
            );
        let next = self
            .core
            .lessons()
            .next_in_topic(&lesson.id)
            .filter(|next| !self.learner.is_completed(&next.id));
        if let Some(next) = next {
            message = message.row(vec![Button::new(
                Text::new("button-next-lesson").arg("lesson", next.text.get(&lang).title.clone()),
                Callback::Lesson(next.id.clone()),
            )]);
        }
        message = message.row(vec![Button::new(Text::new("button-menu"), Callback::Menu)]);
        self.send(message);

        if let Some(topic) = topic
            && !topic_was_done
            && self.topic_counts(topic).0 == topic.lessons.len()
        {
            let basic = self.certify(topic);
            self.summary(&topic.id);
            if basic {
                self.send_certificate(super::records::BASIC);
            }
        }
        self.offer_area_once();
    }

    /// The completion summary of a finished topic.
    pub(super) fn summary(&mut self, id: &str) {
        let lessons = self.core.lessons();
        let Some(topic) = lessons.topic(id) else {
            return self.missing();
        };
        let lang = self.lang();
        let done: Vec<(&LessonText, &CompletedLesson)> = topic
            .lessons
            .iter()
            .filter_map(|l| {
                let completed = self.learner.progress.get(l)?.completed.as_ref()?;
                Some((lessons.lesson(l)?.text.get(&lang), completed))
            })
            .collect();
        if done.len() < topic.lessons.len() {
            return self.topic(id);
        }
        let mut message = Message::default()
            .heading(Text::new("summary-title").arg("topic", topic.title.get(&lang).clone()))
            .para(Text::new("summary-intro").name(&self.learner.display_name));
        let (mut score, mut total) = (0, 0);
        for (text, completed) in &done {
            score += completed.score;
            total += completed.total;
            message = message.para(
                Text::new("summary-line")
                    .arg("lesson", text.title.clone())
                    .arg("date", super::Arg::Date(completed.at))
                    .arg("score", completed.score)
                    .arg("total", completed.total),
            );
        }
        message = message.para(
            Text::new("summary-total")
                .arg("score", score)
                .arg("total", total),
        );
        if let Some(spec) = self.certificate_spec(id) {
            message = message.para(Text::new("certificate-code").arg("code", spec.code.clone()));
            message.attachment = Some(Attachment::Certificate(spec));
        }
        message = message.row(vec![Button::new(Text::new("button-menu"), Callback::Menu)]);
        self.send(message);
    }

    pub(super) fn progress(&mut self) {
        let lang = self.lang();
        let mut message = Message::default().heading(Text::new("progress-title"));
        for topic in self.core.lessons().topics() {
            let (done, total) = self.topic_counts(topic);
            let mark = status_mark(done, total, self.topic_started(topic));
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

    /// A button that is malformed, forged or no longer fits where the learner is.
    pub(super) fn stale_button(&mut self) {
        if self.learner.lang.is_none() {
            return self.choose_language(true);
        }
        self.send(Message::default().para(Text::new("button-old")));
        self.menu();
    }

    /// A lesson or topic id that is not in the tree (any more).
    pub(super) fn missing(&mut self) {
        let lessons = self.core.lessons();
        let gone = match &self.learner.session {
            Session::Reading { lesson, .. } | Session::Answering { lesson, .. } => {
                lessons.lesson(lesson).is_none()
            }
            _ => false,
        };
        if gone {
            self.learner.session = Session::Menu;
        }
        self.send(Message::default().para(Text::new("lesson-missing")));
        self.menu();
    }
}

fn icon_prefix(topic: &Topic) -> String {
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

fn option_letter(n: usize) -> char {
    (b'A' + u8::try_from(n).unwrap_or(0)) as char
}

#[cfg(test)]
#[path = "conversation_tests.rs"]
mod tests;
