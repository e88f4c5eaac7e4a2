//! Messages that wait in the store's outbox: group posts, scheduled lesson
//! cards and notifications. The core decides them; a channel's sender takes
//! them out when due, at the pace its platform allows, and removes each once
//! sent, so a restart loses none and resends none recorded as sent.

use serde::{Deserialize, Serialize};

use super::action::Message;
use super::state::{Lang, LearnerId, Timestamp};

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
