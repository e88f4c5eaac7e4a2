//! Button data: what a button press asks for, in a compact, versioned form.
//!
//! Data travels through chat platforms (Telegram allows 1-64 bytes) and comes
//! back from users' devices, so parsing trusts nothing: anything malformed,
//! oversized or from another version is `BadCallback`, never a panic.

use std::fmt;

use crate::core::Lang;
use crate::core::records::BASIC;
use crate::core::stats::{Period, StatsView};
use crate::lesson::is_valid_id;

/// Bumped when the encoding changes; older buttons then read as stale.
const VERSION: &str = "1";
pub const MAX_LEN: usize = 64;

/// Stored (in the outbox) as its encoded form, and read back through `parse`,
/// so a stored button is exactly as trustworthy as a pressed one.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Callback {
    SetLang(Lang),
    ChooseLang,
    Menu,
    Resume,
    Progress,
    Help,
    Topic(String),
    /// A group of topics from the main menu.
    TopicGroup(String),
    /// Open a lesson where the learner left it.
    Lesson(String),
    Step(String, usize),
    Question(String, usize),
    Answer(String, usize, usize),
    Summary(String),
    /// All the learner's topics and certificates (`/summary`).
    Overview,
    /// Send a certificate again: a topic id, or `BASIC`.
    Certificate(String),
    /// Show an area's sub-areas to choose from.
    AreaBrowse(String),
    AreaSet(String),
    AreaSkip,
    Stats(String, Period, StatsView),
    /// Group posting, for staff: pick a topic, a lesson, then when.
    PushTopic(String),
    PushLesson(String),
    PushAt(String, usize),
    /// Ask a volunteer: the bot then waits for the question.
    HelpAsk,
    /// "I am stuck here", from a lesson step.
    HelpStuck(String, usize),
    /// Send the question just typed (which found no lesson) to a volunteer.
    HelpSendTyped,
    /// Send the photo or voice message just received to a volunteer.
    HelpSendMedia,
    /// A volunteer takes a question (or goes back to answering it).
    HelpTake(String),
    /// A volunteer leaves a question to others.
    HelpPass(String),
    /// Either side closes a question.
    HelpClose(String),
    /// The learner says whether the answer helped.
    HelpRate(String, bool),
    /// Turn off reminders.
    RemindersOff,
    /// A volunteer reminds one mentee (by a short, non-reversible tag).
    Nudge(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("button data is not one of ours")]
pub struct BadCallback;

impl Callback {
    /// The group-posting picker: staff may press it before choosing a
    /// language privately, and from a group.
    pub fn is_push(&self) -> bool {
        matches!(
            self,
            Callback::PushTopic(_) | Callback::PushLesson(_) | Callback::PushAt(..)
        )
    }

    pub fn encode(&self) -> String {
        let data = self.to_string();
        debug_assert!(data.len() <= MAX_LEN, "callback too long: {data}");
        data
    }

    pub fn parse(data: &str) -> Result<Self, BadCallback> {
        if data.len() > MAX_LEN {
            return Err(BadCallback);
        }
        let mut parts = data.split(':');
        if parts.next() != Some(VERSION) {
            return Err(BadCallback);
        }
        let kind = parts.next().ok_or(BadCallback)?;
        let args: Vec<&str> = parts.collect();
        let id = |i: usize| -> Result<String, BadCallback> {
            let s = *args.get(i).ok_or(BadCallback)?;
            is_valid_id(s).then(|| s.to_string()).ok_or(BadCallback)
        };
        let num = |i: usize| -> Result<usize, BadCallback> {
            let s = args.get(i).ok_or(BadCallback)?;
            // Plain digits only: no signs, no leading zeros tricks beyond two digits.
            if s.is_empty() || s.len() > 2 || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(BadCallback);
            }
            s.parse().map_err(|_| BadCallback)
        };
        // Codes (questions, tags): upper-case Crockford letters, digits, dashes.
        let code = |i: usize| -> Result<String, BadCallback> {
            let s = *args.get(i).ok_or(BadCallback)?;
            let ok = !s.is_empty()
                && s.len() <= 16
                && s.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
            ok.then(|| s.to_string()).ok_or(BadCallback)
        };
        let arity = |n: usize| {
            if args.len() == n {
                Ok(())
            } else {
                Err(BadCallback)
            }
        };
        let callback = match kind {
            "lang" => {
                arity(1)?;
                Callback::SetLang(Lang::new(id(0)?))
            }
            "langs" => arity(0).map(|_| Callback::ChooseLang)?,
            "m" => arity(0).map(|_| Callback::Menu)?,
            "c" => arity(0).map(|_| Callback::Resume)?,
            "p" => arity(0).map(|_| Callback::Progress)?,
            "h" => arity(0).map(|_| Callback::Help)?,
            "t" => {
                arity(1)?;
                Callback::Topic(id(0)?)
            }
            "l" => {
                arity(1)?;
                Callback::Lesson(id(0)?)
            }
            "tg" => {
                arity(1)?;
                Callback::TopicGroup(id(0)?)
            }
            "s" => {
                arity(2)?;
                Callback::Step(id(0)?, num(1)?)
            }
            "q" => {
                arity(2)?;
                Callback::Question(id(0)?, num(1)?)
            }
            "a" => {
                arity(3)?;
                Callback::Answer(id(0)?, num(1)?, num(2)?)
            }
            "sum" => {
                arity(1)?;
                Callback::Summary(id(0)?)
            }
            "ov" => arity(0).map(|_| Callback::Overview)?,
            "ce" => {
                arity(1)?;
                Callback::Certificate(id(0)?)
            }
            "ceb" => arity(0).map(|_| Callback::Certificate(BASIC.to_string()))?,
            "ar" => {
                arity(1)?;
                Callback::AreaBrowse(id(0)?)
            }
            "as" => {
                arity(1)?;
                Callback::AreaSet(id(0)?)
            }
            "ax" => arity(0).map(|_| Callback::AreaSkip)?,
            "st" => {
                arity(3)?;
                let period = Period::from_code(args[1]).ok_or(BadCallback)?;
                let view = StatsView::from_code(args[2]).ok_or(BadCallback)?;
                Callback::Stats(id(0)?, period, view)
            }
            "pt" => {
                arity(1)?;
                Callback::PushTopic(id(0)?)
            }
            "pl" => {
                arity(1)?;
                Callback::PushLesson(id(0)?)
            }
            "ps" => {
                arity(2)?;
                Callback::PushAt(id(0)?, num(1)?)
            }
            "ha" => arity(0).map(|_| Callback::HelpAsk)?,
            "hs" => {
                arity(2)?;
                Callback::HelpStuck(id(0)?, num(1)?)
            }
            "hq" => arity(0).map(|_| Callback::HelpSendTyped)?,
            "hm" => arity(0).map(|_| Callback::HelpSendMedia)?,
            "ht" => arity(1).and_then(|_| code(0)).map(Callback::HelpTake)?,
            "hp" => arity(1).and_then(|_| code(0)).map(Callback::HelpPass)?,
            "hc" => arity(1).and_then(|_| code(0)).map(Callback::HelpClose)?,
            "hr" => {
                arity(2)?;
                let helped = match args[1] {
                    "1" => true,
                    "0" => false,
                    _ => return Err(BadCallback),
                };
                Callback::HelpRate(code(0)?, helped)
            }
            "ro" => arity(0).map(|_| Callback::RemindersOff)?,
            "n" => arity(1).and_then(|_| code(0)).map(Callback::Nudge)?,
            _ => return Err(BadCallback),
        };
        Ok(callback)
    }
}

impl From<Callback> for String {
    fn from(callback: Callback) -> String {
        callback.encode()
    }
}

impl TryFrom<String> for Callback {
    type Error = BadCallback;

    fn try_from(data: String) -> Result<Self, BadCallback> {
        Callback::parse(&data)
    }
}

impl fmt::Display for Callback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{VERSION}:")?;
        match self {
            Callback::SetLang(lang) => write!(f, "lang:{}", lang.as_str()),
            Callback::ChooseLang => write!(f, "langs"),
            Callback::Menu => write!(f, "m"),
            Callback::Resume => write!(f, "c"),
            Callback::Progress => write!(f, "p"),
            Callback::Help => write!(f, "h"),
            Callback::Topic(t) => write!(f, "t:{t}"),
            Callback::TopicGroup(g) => write!(f, "tg:{g}"),
            Callback::Lesson(l) => write!(f, "l:{l}"),
            Callback::Step(l, s) => write!(f, "s:{l}:{s}"),
            Callback::Question(l, q) => write!(f, "q:{l}:{q}"),
            Callback::Answer(l, q, o) => write!(f, "a:{l}:{q}:{o}"),
            Callback::Summary(t) => write!(f, "sum:{t}"),
            Callback::Overview => write!(f, "ov"),
            Callback::Certificate(t) if t == BASIC => write!(f, "ceb"),
            Callback::Certificate(t) => write!(f, "ce:{t}"),
            Callback::AreaBrowse(a) => write!(f, "ar:{a}"),
            Callback::AreaSet(a) => write!(f, "as:{a}"),
            Callback::AreaSkip => write!(f, "ax"),
            Callback::Stats(a, p, v) => write!(f, "st:{a}:{}:{}", p.code(), v.code()),
            Callback::PushTopic(t) => write!(f, "pt:{t}"),
            Callback::PushLesson(l) => write!(f, "pl:{l}"),
            Callback::PushAt(l, n) => write!(f, "ps:{l}:{n}"),
            Callback::HelpAsk => write!(f, "ha"),
            Callback::HelpStuck(l, s) => write!(f, "hs:{l}:{s}"),
            Callback::HelpSendTyped => write!(f, "hq"),
            Callback::HelpSendMedia => write!(f, "hm"),
            Callback::HelpTake(c) => write!(f, "ht:{c}"),
            Callback::HelpPass(c) => write!(f, "hp:{c}"),
            Callback::HelpClose(c) => write!(f, "hc:{c}"),
            Callback::HelpRate(c, yes) => write!(f, "hr:{c}:{}", u8::from(*yes)),
            Callback::RemindersOff => write!(f, "ro"),
            Callback::Nudge(tag) => write!(f, "n:{tag}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips() {
        let long_id = "a".repeat(32);
        let all = [
            Callback::SetLang(Lang::new("vi")),
            Callback::ChooseLang,
            Callback::Menu,
            Callback::Resume,
            Callback::Progress,
            Callback::Help,
            Callback::Topic("vneid".into()),
            Callback::TopicGroup(long_id.clone()),
            Callback::Lesson(long_id.clone()),
            Callback::Step(long_id.clone(), 7),
            Callback::Question(long_id.clone(), 4),
            Callback::Answer(long_id.clone(), 4, 3),
            Callback::Summary(long_id.clone()),
            Callback::Overview,
            Callback::Certificate("safety".into()),
            Callback::Certificate(BASIC.into()),
            Callback::AreaBrowse(long_id.clone()),
            Callback::AreaSet(long_id.clone()),
            Callback::AreaSkip,
            Callback::Stats(long_id.clone(), Period::AllTime, StatsView::Export),
            Callback::Stats("x".into(), Period::LastQuarter, StatsView::Chart),
            Callback::PushTopic(long_id.clone()),
            Callback::PushLesson(long_id.clone()),
            Callback::PushAt(long_id.clone(), 3),
            Callback::HelpAsk,
            Callback::HelpStuck(long_id, 11),
            Callback::HelpSendTyped,
            Callback::HelpSendMedia,
            Callback::HelpTake("ABCD-EFGH".into()),
            Callback::HelpPass("ABCD-EFGH".into()),
            Callback::HelpClose("ABCD-EFGH".into()),
            Callback::HelpRate("ABCD-EFGH".into(), true),
            Callback::HelpRate("ABCD-EFGH".into(), false),
            Callback::RemindersOff,
            Callback::Nudge("7QX2M9AB".into()),
        ];
        for cb in all {
            let data = cb.encode();
            assert!(data.len() <= MAX_LEN, "{data}");
            assert_eq!(Callback::parse(&data), Ok(cb));
        }
    }

    #[test]
    fn forged_and_stale_data_is_rejected() {
        for bad in [
            "",
            "1",
            "1:",
            "0:m",
            "2:m",
            "1:m:extra",
            "1:s:vneid",
            "1:s:vneid:-1",
            "1:s:vneid:999",
            "1:s:VNEID:1",
            "1:a:x:1",
            "1:zz",
            "1:l:../../etc",
            "1:lang:",
            "1:s:vneid:+1",
            "1:l:\u{0}",
            "1:st:a:q",
            "1:st:a:week:s",
            "1:st:a:q:z",
            "1:ce:BASIC",
            "1:ps:x:100",
        ] {
            assert_eq!(Callback::parse(bad), Err(BadCallback), "{bad:?}");
        }
        assert_eq!(
            Callback::parse(&format!("1:l:{}", "a".repeat(70))),
            Err(BadCallback)
        );
    }
}
