//! The core's entry points (`Core::handle_with`, `Core::handle_group`) and
//! the types they take and return: what was input, where, and the `Reply`
//! of actions and records.

use std::sync::Arc;

use super::action::{Action, Button, Message, Text};
use super::callback::Callback;
use super::directory::Nobody;
use super::help::HelpThread;
use super::outgoing::Outgoing;
use super::records::{AuditEntry, Certificate, Link, Staff};
use super::remind::ReminderDelays;
use super::router::DeepLink;
use super::state::Media;
use super::state::{Completion, Lang, Learner, LearnerId, QuizAttempt, Timestamp};
use super::stats::CounterKey;
use super::timer::{Timer, TimerKind};
use super::turn::{Context, Turn};
use crate::area::AreaTree;
use crate::lesson::LessonTree;
use crate::search::SearchIndex;

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
    /// A photo, a voice message or another file, which the bot cannot read.
    Media(Media),
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
    /// Questions to volunteers, new or changed: the store refuses the whole
    /// change if a thread's stored version is not the one before.
    pub threads: Vec<HelpThread>,
    /// Work to be woken up for later.
    pub timers: Vec<Timer>,
    /// Event counters (questions asked, reminders sent…), added to the
    /// counters the engine derives from the learner's record.
    pub counts: Vec<(CounterKey, i64)>,
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
    pub(super) search: Arc<SearchIndex>,
    /// Daytime seconds before a question nobody took moves up a level.
    pub(super) help_escalate_after: i64,
    pub(super) reminder_delays: ReminderDelays,
}

impl Core {
    pub fn new(lessons: Arc<LessonTree>, languages: Vec<(Lang, String)>) -> Self {
        let search = Arc::new(SearchIndex::build(&lessons));
        Core {
            lessons,
            languages,
            areas: Arc::new(AreaTree::single("all", "—")),
            admins: Vec::new(),
            search,
            help_escalate_after: 4 * 3600,
            reminder_delays: ReminderDelays::default(),
        }
    }

    /// Daytime hours before an unanswered question moves up the area tree.
    pub fn with_help_escalation(mut self, seconds: i64) -> Self {
        self.help_escalate_after = seconds.max(60);
        self
    }

    pub fn with_reminder_delays(mut self, delays: ReminderDelays) -> Self {
        self.reminder_delays = delays;
        self
    }

    pub fn search(&self) -> &SearchIndex {
        &self.search
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
            Input::Media(media) => turn.media(media.clone()),
        }
        if turn.learner.lang.is_some() {
            turn.after_turn_reminders();
        }
        turn.reply
    }

    /// A timer the store handed back as due, for `learner` (whose events are
    /// handled one at a time, this one too).
    pub fn handle_timer(&self, learner: &mut Learner, timer: &Timer, ctx: &Context<'_>) -> Reply {
        let mut turn = Turn::new(self, learner, ctx, Place::Private);
        match &timer.kind {
            TimerKind::Reminder => turn.reminder_due(),
            TimerKind::NextTopic { topic } => turn.next_topic_due(topic),
            TimerKind::Escalate { thread } => turn.escalate(thread),
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
                    self.opens_screen(rest).then(|| rest.to_string())
                });
                payload.unwrap_or_default()
            }
            Input::Button(_) | Input::Media(_) => String::new(),
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

    /// Whether a `/start` payload opens a lesson or topic that exists (the
    /// only links a group answer passes on).
    fn opens_screen(&self, payload: &str) -> bool {
        match DeepLink::parse(payload) {
            Some(DeepLink::Lesson(id)) => self.lessons.lesson(&id).is_some(),
            Some(DeepLink::Topic(id)) => self.lessons.topic(&id).is_some(),
            _ => false,
        }
    }
}

fn truncate(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
