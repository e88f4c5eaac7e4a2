//! The conversation core: an input and a learner's stored state in, actions
//! and records out.
//!
//! It does no I/O and reads no clock (`now` is an argument), so every
//! behaviour of the bot can be tested here, fast and deterministically. It
//! knows nothing of Telegram, Zalo, sled, Fluent or the terminal: channels
//! translate to and from its types, the store persists them.

mod action;
mod callback;
mod conversation;
mod outgoing;
mod state;

pub use action::{Action, Arg, Attachment, Block, Button, Document, Message, Phrase, Target, Text};
pub use callback::{BadCallback, Callback};
pub use conversation::{Core, Input, Place, Reply};
pub use outgoing::{Outgoing, Queued, QueuedId, Recipient};
pub use state::{
    CompletedLesson, Completion, Lang, Learner, LearnerId, LessonProgress, QuizAttempt, Session,
    Timestamp,
};
