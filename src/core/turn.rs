//! One input being handled: the `Context` it is handled with, the `Turn`
//! that collects the reply, and the small helpers every feature answers
//! with (a kind "try later", usage lines, area refusals, audit entries,
//! fresh codes).

use super::action::{Action, Button, Message, Text};
use super::api::{Core, Place, Reply};
use super::callback::Callback;
use super::directory::{Directory, Unavailable};
use super::records::{AuditAction, AuditEntry, Staff, code_from};
use super::state::{Lang, Learner, Timestamp};
use super::stats::{CounterKey, area_scope, quarter_of};

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
    pub(super) fn new(
        core: &'a Core,
        learner: &'a mut Learner,
        ctx: &Context<'a>,
        place: Place,
    ) -> Self {
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

    /// A fresh code from the context's randomness (mixed with a per-turn
    /// counter, so even a fixed test source gives two different codes in one
    /// turn); nothing in it derives from the learner.
    pub(super) fn fresh_code(&mut self) -> String {
        self.fresh_code_of(3)
    }

    /// A fresh code of `groups` groups of four characters.
    pub(super) fn fresh_code_of(&mut self, groups: usize) -> String {
        use sha2::{Digest, Sha256};
        self.draws += 1;
        let digest = Sha256::new()
            .chain_update((self.random)().to_le_bytes())
            .chain_update(self.draws.to_le_bytes())
            .chain_update(self.now.to_le_bytes())
            .finalize();
        let bits = u64::from_le_bytes(digest[..8].try_into().expect("8 bytes"));
        code_from(bits, groups)
    }

    pub(super) fn unavailable(&mut self, error: &Unavailable) {
        // `StoreDirectory` has logged the failure; the user gets a kind word.
        let _ = error;
        self.send(
            Message::default()
                .para(Text::new("try-later"))
                .row(vec![Button::new(Text::new("button-menu"), Callback::Menu)]),
        );
    }

    pub(super) fn audit(&mut self, action: AuditAction) {
        self.reply.audit.push(AuditEntry {
            at: self.now,
            actor: self.learner.id.clone(),
            action,
        });
    }

    /// An event counter (not derived from a learner's record) for `area`
    /// and every area above it; without an area, for the root.
    pub(super) fn count_for(&mut self, area: Option<&str>, metric: &str, delta: i64) {
        let quarter = quarter_of(self.now);
        let scopes: Vec<String> = match area {
            Some(area) => self
                .core
                .areas
                .path(area)
                .iter()
                .map(|a| area_scope(&a.id))
                .collect(),
            None => vec![area_scope(&self.core.areas.root().id)],
        };
        for scope in scopes {
            let metric = metric.to_string();
            self.reply.counts.push((
                CounterKey {
                    scope,
                    quarter,
                    metric,
                },
                delta,
            ));
        }
    }

    pub(super) fn usage(&mut self, key: &'static str) {
        self.send(Message::default().para(Text::new(key)));
    }

    pub(super) fn unknown_area(&mut self, area: &str) {
        let shown: String = area.chars().take(32).collect();
        self.send(Message::default().para(Text::new("area-unknown").arg("area", shown)));
    }

    pub(super) fn outside_area(&mut self, area: &str) {
        self.send(
            Message::default()
                .para(Text::new("area-outside").arg("area", self.core.areas.full_name(area))),
        );
    }
}
