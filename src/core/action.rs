//! What the core asks a channel to do: messages made of message ids with
//! arguments (rendered later through Fluent) and lesson content (already in
//! the learner's language), with buttons.

use std::borrow::Cow;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::callback::Callback;
use super::state::Timestamp;

/// A Fluent message id with its arguments.
///
/// Ids are `Cow` so a message can wait in the store's outbox and be read
/// back; the core itself only ever writes literals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Text {
    pub key: Cow<'static, str>,
    pub args: Vec<(Cow<'static, str>, Arg)>,
}

impl Text {
    pub fn new(key: &'static str) -> Self {
        Text {
            key: Cow::Borrowed(key),
            args: Vec::new(),
        }
    }

    pub fn arg(mut self, name: &'static str, value: impl Into<Arg>) -> Self {
        self.args.push((Cow::Borrowed(name), value.into()));
        self
    }

    /// A person's name as `name`, with `named` = `yes`/`no` so a message can
    /// read well when a channel gives no name (Zalo events carry none).
    pub fn name(self, name: &str) -> Self {
        let named = if name.trim().is_empty() { "no" } else { "yes" };
        self.arg("name", name).arg("named", named)
    }

    /// The value of argument `name`, if given.
    pub fn arg_value(&self, name: &str) -> Option<&Arg> {
        self.args.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Arg {
    Str(String),
    Num(i64),
    /// Rendered as a local calendar date.
    Date(Timestamp),
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg::Str(s.to_string())
    }
}

impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg::Str(s)
    }
}

impl From<usize> for Arg {
    fn from(n: usize) -> Self {
        Arg::Num(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

/// A piece of text: either interface text to translate or lesson content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Phrase {
    Ui(Text),
    Content(String),
}

impl From<Text> for Phrase {
    fn from(t: Text) -> Self {
        Phrase::Ui(t)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Block {
    /// Shown in bold.
    Heading(Phrase),
    Para(Phrase),
    /// A hint set apart from the text.
    Tip(Phrase),
}

/// What pressing a button does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Target {
    /// Comes back to the core as `Input::Button` with this data.
    Callback(Callback),
    /// Opens the learner's private chat with the bot and sends
    /// `/start <payload>` there (a deep link; the payload may be empty).
    OpenPrivate(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Button {
    pub label: Phrase,
    pub target: Target,
}

impl Button {
    pub fn new(label: impl Into<Phrase>, callback: Callback) -> Self {
        Button {
            label: label.into(),
            target: Target::Callback(callback),
        }
    }

    pub fn open_private(label: impl Into<Phrase>, payload: &str) -> Self {
        Button {
            label: label.into(),
            target: Target::OpenPrivate(payload.to_string()),
        }
    }
}

/// Something sent with a message besides its text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Attachment {
    /// A lesson picture: a file checked when the lessons were loaded.
    Picture(PathBuf),
    /// A file to download, e.g. a CSV export.
    Document(Document),
    /// A bar chart to draw (figures per area against their targets).
    Chart(ChartSpec),
    /// A certificate picture to draw.
    Certificate(CertificateSpec),
    /// A photo or voice message a person sent, passed on to another (by the
    /// channel's own file reference, when it has one).
    Forward(super::state::Media),
}

/// A chart as data; the edge draws it, in the reader's language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartSpec {
    pub title: Text,
    pub subtitle: Text,
    pub bars: Vec<ChartBar>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartBar {
    pub label: String,
    /// Adults who reached basic digital skills, to date.
    pub done: u64,
    pub adults: u64,
    /// The target share of adults, 0–1.
    pub target: f64,
}

/// A certificate as data: everything it shows, with lesson and topic titles
/// already in the learner's language (and the topic also in Vietnamese and
/// English, for the bilingual title).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CertificateSpec {
    pub code: String,
    pub name: String,
    /// `true` for the overall certificate of basic digital skills.
    pub basic: bool,
    pub topic: String,
    pub topic_vi: String,
    pub topic_en: String,
    pub issued: Timestamp,
    /// (lesson title, completed at, score, total)
    pub lessons: Vec<(String, Timestamp, usize, usize)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// The file name the user sees, with its extension (`.csv`).
    pub name: String,
    pub content: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Message {
    pub blocks: Vec<Block>,
    pub attachment: Option<Attachment>,
    /// Rows of buttons.
    pub keyboard: Vec<Vec<Button>>,
}

impl Message {
    pub fn heading(mut self, p: impl Into<Phrase>) -> Self {
        self.blocks.push(Block::Heading(p.into()));
        self
    }

    pub fn para(mut self, p: impl Into<Phrase>) -> Self {
        self.blocks.push(Block::Para(p.into()));
        self
    }

    pub fn row(mut self, buttons: Vec<Button>) -> Self {
        if !buttons.is_empty() {
            self.keyboard.push(buttons);
        }
        self
    }

    /// Every button's callback, in order (handy in tests).
    pub fn callbacks(&self) -> impl Iterator<Item = &Callback> {
        self.keyboard
            .iter()
            .flatten()
            .filter_map(|b| match &b.target {
                Target::Callback(c) => Some(c),
                Target::OpenPrivate(_) => None,
            })
    }

    /// The Fluent ids used in the text blocks (handy in tests).
    pub fn keys(&self) -> Vec<&str> {
        self.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Heading(Phrase::Ui(t))
                | Block::Para(Phrase::Ui(t))
                | Block::Tip(Phrase::Ui(t)) => Some(t.key.as_ref()),
                _ => None,
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Action {
    Send(Message),
}
