//! The lesson tree: topics, lessons, steps and quizzes, as validated data.
//!
//! Owns the rich, already-checked lesson types and the loading of a tree from
//! disk (`load`). Everything here is immutable after start: the conversation
//! core only reads it. It knows nothing about chats, stores or rendering.

mod groups;
mod load;
mod parse;
mod warn;

use std::collections::BTreeMap;
use std::path::PathBuf;

pub use load::{Checked, LoadError, Problem, check_tree, load_tree};

pub use crate::lang::BASE_LANG;
use crate::lang::Lang;

/// Longest text that fits one chat message (Telegram's limit, the tightest).
pub const MAX_MESSAGE_CHARS: usize = 4096;
/// Longest step: about one phone screen at a large font.
pub const MAX_STEP_CHARS: usize = 600;
/// Longest label on a button (lesson titles, quiz options).
pub const MAX_LABEL_CHARS: usize = 64;
/// Longest id: ids travel inside 64-byte callback data.
pub const MAX_ID_LEN: usize = 32;
/// Most search words one lesson file may list.
pub const MAX_KEYWORDS: usize = 30;
/// Longest search word or phrase.
pub const MAX_KEYWORD_CHARS: usize = 40;

/// Texts in several languages, with the base language always present.
#[derive(Debug, Clone, PartialEq)]
pub struct Localized<T> {
    by_lang: BTreeMap<String, T>,
}

impl<T> Localized<T> {
    /// `base` is the Vietnamese text; the map must not be empty.
    pub(crate) fn new(by_lang: BTreeMap<String, T>) -> Option<Self> {
        by_lang
            .contains_key(BASE_LANG)
            .then_some(Localized { by_lang })
    }

    /// The text in `lang`, or in the base language when it has none.
    pub fn get(&self, lang: &Lang) -> &T {
        self.by_lang
            .get(lang.as_str())
            .or_else(|| self.by_lang.get(BASE_LANG))
            .expect("constructor guarantees the base language")
    }

    pub fn has(&self, lang: &str) -> bool {
        self.by_lang.contains_key(lang)
    }

    pub fn languages(&self) -> impl Iterator<Item = &str> {
        self.by_lang.keys().map(String::as_str)
    }

    /// Every language with its text (search indexes them all).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.by_lang
            .iter()
            .map(|(lang, text)| (lang.as_str(), text))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Topic {
    pub id: String,
    pub icon: Option<String>,
    /// One of the four topics of basic digital skills.
    pub core: bool,
    pub title: Localized<String>,
    pub summary: Localized<String>,
    /// Lesson ids in the order learners follow them.
    pub lessons: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Lesson {
    pub id: String,
    pub topic: String,
    /// Short hash of the lesson's files: completions record which text was learnt.
    pub version: String,
    pub text: Localized<LessonText>,
}

impl Lesson {
    /// Steps and questions have the same count in every language.
    pub fn step_count(&self) -> usize {
        self.text.get(&Lang::base()).steps.len()
    }

    pub fn question_count(&self) -> usize {
        self.text.get(&Lang::base()).quiz.len()
    }

    pub fn correct_option(&self, question: usize) -> Option<usize> {
        self.text
            .get(&Lang::base())
            .quiz
            .get(question)
            .map(|q| q.correct)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct LessonText {
    pub title: String,
    pub summary: String,
    /// Search words from the header, as written (NFC).
    pub keywords: Vec<String>,
    pub steps: Vec<Step>,
    pub quiz: Vec<Question>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub heading: Option<String>,
    pub text: String,
    pub tip: Option<String>,
    /// Absolute path of a picture that was checked to exist.
    pub picture: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub text: String,
    pub options: Vec<String>,
    pub correct: usize,
    pub explanation: String,
}

/// Topics shown together under one button of the main menu.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicGroup {
    pub id: String,
    pub icon: Option<String>,
    pub title: Localized<String>,
    /// Topic ids, in menu order.
    pub topics: Vec<String>,
}

/// The whole validated tree. Topics are kept in menu order.
#[derive(Debug, Clone, Default)]
pub struct LessonTree {
    topics: Vec<Topic>,
    lessons: BTreeMap<String, Lesson>,
    /// Menu groups from `groups.toml`; empty when the tree has none.
    groups: Vec<TopicGroup>,
}

impl LessonTree {
    /// Builds a tree from parts that are already consistent (used by the
    /// loader and by generated trees in benchmarks).
    pub fn from_parts(topics: Vec<Topic>, lessons: Vec<Lesson>) -> Self {
        LessonTree {
            topics,
            lessons: lessons.into_iter().map(|l| (l.id.clone(), l)).collect(),
            groups: Vec::new(),
        }
    }

    /// The same tree with its menu groups (already checked against it).
    pub fn with_groups(mut self, groups: Vec<TopicGroup>) -> Self {
        self.groups = groups;
        self
    }

    pub fn groups(&self) -> &[TopicGroup] {
        &self.groups
    }

    pub fn group(&self, id: &str) -> Option<&TopicGroup> {
        self.groups.iter().find(|g| g.id == id)
    }

    pub fn topics(&self) -> &[Topic] {
        &self.topics
    }

    pub fn topic(&self, id: &str) -> Option<&Topic> {
        self.topics.iter().find(|t| t.id == id)
    }

    pub fn lesson(&self, id: &str) -> Option<&Lesson> {
        self.lessons.get(id)
    }

    pub fn lessons(&self) -> impl Iterator<Item = &Lesson> {
        self.lessons.values()
    }

    /// The lesson after `id` in its topic, if any.
    pub fn next_in_topic(&self, id: &str) -> Option<&Lesson> {
        let lesson = self.lesson(id)?;
        let topic = self.topic(&lesson.topic)?;
        let pos = topic.lessons.iter().position(|l| l == id)?;
        topic
            .lessons
            .get(pos + 1)
            .and_then(|next| self.lesson(next))
    }
}

/// Ids are short lower-case ASCII so they fit in callback data and URLs.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}
