//! What the bot remembers about one learner, and the records it appends.
//!
//! Plain serde data: the store persists it, the conversation core reads and
//! changes it. No store or channel type appears here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use crate::lang::Lang;
use crate::lesson::{Lesson, LessonTree, Topic};

/// Seconds since the Unix epoch. The core never reads a clock: it is given `now`.
pub type Timestamp = i64;

/// A learner as the channel names them, e.g. `tg:123456` or `console:lan`.
/// Opaque to the core.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LearnerId(String);

impl LearnerId {
    pub const MAX_LEN: usize = 128;

    /// `None` for an empty, overlong or control-character id (ids become store keys).
    pub fn new(id: impl Into<String>) -> Option<Self> {
        let id = id.into();
        let ok = !id.is_empty() && id.len() <= Self::MAX_LEN && !id.chars().any(char::is_control);
        ok.then_some(LearnerId(id))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where the learner is in the conversation: each variant carries what the
/// next step needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "at", rename_all = "snake_case")]
pub enum Session {
    /// First contact: waiting for the learner to pick a language.
    #[default]
    ChoosingLanguage,
    Menu,
    Reading {
        lesson: String,
        step: usize,
    },
    /// Waiting for an answer to `question`; `score` counts first-try right
    /// answers so far, `missed` whether this question was already answered wrong.
    Answering {
        lesson: String,
        question: usize,
        score: usize,
        missed: bool,
    },
}

/// A learner's progress in one lesson.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct LessonProgress {
    /// The step last shown, to resume there.
    pub step: usize,
    pub updated: Timestamp,
    pub completed: Option<CompletedLesson>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompletedLesson {
    /// The first completion: what a summary shows.
    pub at: Timestamp,
    /// The best score over all completions.
    pub score: usize,
    pub total: usize,
}

/// Everything the core needs about one learner. Read and written on every
/// event, so fields that are usually empty are left out of the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Learner {
    pub id: LearnerId,
    /// Which channel the learner came from (`console`, `telegram`…).
    pub channel: String,
    pub display_name: String,
    /// `None` until the learner picks one.
    pub lang: Option<Lang>,
    pub created: Timestamp,
    pub last_active: Timestamp,
    pub session: Session,
    /// A deep link that arrived before the language was chosen.
    #[serde(default)]
    pub pending_start: Option<String>,
    /// Progress per lesson id.
    #[serde(default)]
    pub progress: BTreeMap<String, LessonProgress>,
    /// When the learner opened their first lesson (counted as "started").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<Timestamp>,
    /// The area the learner says they live in; `None` until they pick one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    /// Whether the bot has offered the area choice (it asks once, unprompted).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub area_asked: bool,
    /// The volunteer who mentors this learner (from their mentor link).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mentor: Option<Mentor>,
    /// The group card the learner first came in through, by group code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via_group: Option<String>,
    /// Certificates earned, by topic id (`BASIC` for the overall one).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub certificates: BTreeMap<String, CertificateStamp>,
    /// For staff: the group chat (on their own channel) their last `/push`
    /// came from, where the cards they pick privately are posted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push_group: Option<String>,
    /// Waiting for a question to a volunteer, and where the learner was
    /// when they asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help_draft: Option<HelpDraft>,
    /// The learner's own question, while it is open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_help: Option<String>,
    /// (Volunteers) the question their next message answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub helping: Option<String>,
    /// When the learner's latest questions were asked (a rate limit).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub asked: Vec<Timestamp>,
    /// The last typed question that found no lesson, to pass on in one tap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_question: Option<String>,
    /// The last photo or voice message received outside a question.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_media: Option<Media>,
    #[serde(default, skip_serializing_if = "Reminders::is_empty")]
    pub reminders: Reminders,
}

/// Where a learner was when they asked for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelpDraft {
    pub lesson: Option<String>,
    pub step: Option<usize>,
}

/// What kind of non-text message arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    Photo,
    Voice,
    /// A video, a file, a sticker: anything else a person can send.
    Other,
}

/// A photo or voice message: its kind and the channel's own reference to
/// it (a file id), so a volunteer can be sent the same file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    pub kind: MediaKind,
    pub file: Option<String>,
}

/// Reminders sent to a learner who stopped halfway, and the switch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Reminders {
    /// Turned off by "Stop reminders" or `/stop`; `/start` turns them on.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub off: bool,
    /// Whether a reminder timer is waiting in the store (at most one).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub scheduled: bool,
    /// Reminders sent, by lesson (never more than two for one lesson).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sent: BTreeMap<String, u8>,
    /// When the last one was sent, until the learner comes back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_at: Option<Timestamp>,
    /// (Volunteers) reminders sent to mentees, by mentee tag: the lesson and
    /// how many, so a mentee is not reminded more than the rules allow.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub nudged: BTreeMap<String, (String, u8)>,
}

impl Reminders {
    pub fn is_empty(&self) -> bool {
        *self == Reminders::default()
    }
}

/// Who mentors a learner, and where to tell them about the learner's progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mentor {
    pub id: LearnerId,
    pub channel: String,
    pub lang: Lang,
}

/// A certificate as the learner's record remembers it; the full record is
/// kept by the store under its code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateStamp {
    pub code: String,
    pub at: Timestamp,
}

impl Learner {
    pub fn new(id: LearnerId, channel: &str, display_name: &str, now: Timestamp) -> Self {
        Learner {
            id,
            channel: channel.to_string(),
            display_name: display_name.to_string(),
            lang: None,
            created: now,
            last_active: now,
            session: Session::ChoosingLanguage,
            pending_start: None,
            progress: BTreeMap::new(),
            started: None,
            area: None,
            area_asked: false,
            mentor: None,
            via_group: None,
            certificates: BTreeMap::new(),
            push_group: None,
            help_draft: None,
            open_help: None,
            helping: None,
            asked: Vec::new(),
            last_question: None,
            last_media: None,
            reminders: Reminders::default(),
        }
    }

    pub fn lang(&self) -> Lang {
        self.lang.clone().unwrap_or_else(Lang::base)
    }

    pub fn is_completed(&self, lesson: &str) -> bool {
        self.progress
            .get(lesson)
            .is_some_and(|p| p.completed.is_some())
    }

    /// Lessons completed, in any topic.
    pub fn completed_count(&self) -> usize {
        self.progress
            .values()
            .filter(|p| p.completed.is_some())
            .count()
    }

    /// The unfinished lesson touched last, if it is still in the tree: where
    /// "continue" leads and what a mentor sees as current.
    pub fn current_lesson<'t>(&self, lessons: &'t LessonTree) -> Option<&'t Lesson> {
        self.progress
            .iter()
            .filter(|(_, p)| p.completed.is_none())
            .filter_map(|(id, p)| Some((lessons.lesson(id)?, p.updated)))
            .max_by_key(|(_, updated)| *updated)
            .map(|(lesson, _)| lesson)
    }

    /// (lessons completed, lessons in the topic)
    pub fn topic_counts(&self, topic: &Topic) -> (usize, usize) {
        let done = topic
            .lessons
            .iter()
            .filter(|l| self.is_completed(l))
            .count();
        (done, topic.lessons.len())
    }

    /// Whether every lesson of the topic is completed.
    pub fn finished_topic(&self, topic: &Topic) -> bool {
        self.topic_counts(topic).0 == topic.lessons.len()
    }

    /// Whether any lesson of the topic was opened.
    pub fn started_topic(&self, topic: &Topic) -> bool {
        topic.lessons.iter().any(|l| self.progress.contains_key(l))
    }
}

/// One answer to a quiz question, kept for the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuizAttempt {
    pub learner: LearnerId,
    pub lesson: String,
    pub question: usize,
    pub option: usize,
    pub correct: bool,
    pub at: Timestamp,
}

/// A finished lesson and quiz: appended, never changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Completion {
    pub learner: LearnerId,
    pub topic: String,
    pub lesson: String,
    /// The content hash of the lesson as it was learnt.
    pub version: String,
    pub score: usize,
    pub total: usize,
    pub at: Timestamp,
}
