//! Messages that wait in the store's outbox: group posts, scheduled lesson
//! cards and notifications. The core decides them; a channel's sender takes
//! them out when due, at the pace its platform allows, and removes each once
//! sent, so a restart loses none and resends none recorded as sent.

use serde::{Deserialize, Serialize};

use super::action::{Button, Message, Phrase, Target};
use super::callback::Callback;
use super::state::{Lang, LearnerId, Timestamp};

/// The outbox channel of timers: items the core sets for itself (a report
/// reminder), due at their time. No chat drains it; `engine::run_timers`
/// hands each one back to the core as `Input::Due` for its learner.
pub const TIMER_CHANNEL: &str = "timer";

/// Who receives an outbox message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum Recipient {
    /// A learner, in their private chat on their own channel.
    Learner { id: LearnerId },
    /// A group chat; `chat` is the channel's own id for it, opaque here.
    Group { chat: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outgoing {
    /// The channel that sends it (`telegram`, `zalo`…).
    pub channel: String,
    pub to: Recipient,
    /// The language to render the message in.
    pub lang: Lang,
    pub message: Message,
    /// Not sent before this time (a scheduled card); `now` for "at once".
    pub not_before: Timestamp,
}

impl Outgoing {
    pub fn is_group(&self) -> bool {
        matches!(self.to, Recipient::Group { .. })
    }

    /// A timer for `learner` at `at`: its one button is what is due.
    pub fn timer(learner: &LearnerId, lang: &Lang, due: Callback, at: Timestamp) -> Self {
        Outgoing {
            channel: TIMER_CHANNEL.to_string(),
            to: Recipient::Learner {
                id: learner.clone(),
            },
            lang: lang.clone(),
            message: Message::default().row(vec![Button::new(Phrase::Content(String::new()), due)]),
            not_before: at,
        }
    }

    /// What a timer says is due, with whom: `None` for any other item.
    pub fn due(&self) -> Option<(&LearnerId, &Callback)> {
        let Recipient::Learner { id } = &self.to else {
            return None;
        };
        if self.channel != TIMER_CHANNEL {
            return None;
        }
        let button = self.message.keyboard.first()?.first()?;
        match &button.target {
            Target::Callback(callback) => Some((id, callback)),
            Target::OpenPrivate(_) => None,
        }
    }
}

/// An outbox message as the store hands it out: `id` names it for removal.
#[derive(Debug, Clone, PartialEq)]
pub struct Queued {
    pub id: QueuedId,
    pub item: Outgoing,
}

/// Where a queued message sits: stores order the outbox by due time, then by
/// the order messages were queued.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QueuedId {
    pub channel: String,
    pub due: Timestamp,
    pub seq: u64,
}
