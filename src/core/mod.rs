//! The conversation core: an input and a learner's stored state in, actions
//! and records out.
//!
//! It does no I/O and reads no clock (`now` is an argument), so every
//! behaviour of the bot can be tested here, fast and deterministically. It
//! knows nothing of Telegram, Zalo, sled, Fluent or the terminal: channels
//! translate to and from its types, the store persists them.

mod action;
mod api;
mod area_choice;
mod callback;
mod certify;
mod conversation;
mod directory;
mod figures;
mod help;
mod menu;
mod outgoing;
mod push;
mod questions;
mod records;
mod remind;
mod router;
mod staff;
mod state;
pub mod stats;
mod timer;
mod turn;

pub use action::{
    Action, Arg, Attachment, Block, Button, CertificateSpec, ChartBar, ChartSpec, Document,
    Message, Phrase, Target, Text,
};
pub use api::{Core, Input, Place, Reply};
pub use callback::{BadCallback, Callback};
pub use conversation::option_order;
pub use directory::{Directory, Nobody, Unavailable};
pub use help::{ANSWER_BUCKETS, HelpThread, MAX_QUESTIONS_PER_DAY, ThreadMessage, ThreadState};
pub use outgoing::{Outgoing, Queued, QueuedId, Recipient};
pub use questions::{UNANSWERED_SCOPE, day_of};
pub use records::{
    AuditAction, AuditEntry, BASIC, Certificate, CertifiedLesson, Link, LinkKind, Role, Staff,
    code_from, normalise_code,
};
pub use remind::{ReminderDelays, mentee_tag};
pub use router::{Command, DeepLink};
pub use state::{
    CertificateStamp, CompletedLesson, Completion, HelpDraft, Lang, Learner, LearnerId,
    LessonProgress, Media, MediaKind, Mentor, QuizAttempt, Reminders, Session, Timestamp,
};
pub use timer::{Timer, TimerId, TimerKind, after_daytime, is_daytime, next_daytime};
pub use turn::Context;
