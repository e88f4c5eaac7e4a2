//! Whole conversations as people read them: a script of what each person
//! types or taps, and every screen the bot shows them (and what reaches
//! them through the outbox), as plain text, checked against snapshots in
//! `tests/snapshots/`. A change of wording or flow shows up as a readable
//! diff; accept it with `INSTA_UPDATE=always cargo test transcripts`.

use std::fmt::Write;
use std::sync::Arc;

use hocvuso::app::App;
use hocvuso::area::AreaTree;
use hocvuso::channel::plain::render_text;
use hocvuso::core::{Action, Core, Input, LearnerId, Message, Place, Recipient, Target};
use hocvuso::engine::Event;
use hocvuso::store::{MemoryStore, Store};

use crate::support::{localizer, repo, shipped_lessons};

/// 2026-11-23 10:00 in Vietnam.
const START: i64 = 1_795_417_200;

/// One line of a script.
enum Step<'a> {
    /// `who` types `text`.
    Type(&'a str, &'a str),
    /// `who` taps the button numbered `n` on the screens they saw last.
    Tap(&'a str, usize),
}

struct Transcript {
    app: App,
    store: Arc<dyn Store>,
    now: i64,
    out: String,
    /// The buttons each person saw last, numbered from 1.
    buttons: std::collections::BTreeMap<String, Vec<Input>>,
}

impl Transcript {
    fn new(admins: &[&str]) -> Self {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let localizer = localizer();
        let areas = Arc::new(AreaTree::load(&repo("areas.toml")).unwrap());
        let core = Core::new(Arc::new(shipped_lessons()), localizer.languages())
            .with_areas(areas)
            .with_admins(admins.iter().map(|a| LearnerId::new(*a).unwrap()).collect());
        Transcript {
            app: App::with_core(core, localizer, store.clone()),
            store,
            now: START,
            out: String::new(),
            buttons: Default::default(),
        }
    }

    fn run(mut self, script: &[Step<'_>]) -> String {
        for step in script {
            let (who, input, shown) = match step {
                Step::Type(who, text) => (*who, Input::Text(text.to_string()), text.to_string()),
                Step::Tap(who, n) => {
                    let input = self.buttons[*who][n - 1].clone();
                    (*who, input, format!("[{n}]"))
                }
            };
            self.now += 30;
            writeln!(self.out, "\n» {who}: {shown}").unwrap();
            let handled = self
                .app
                .engine
                .handle(&Event {
                    learner: LearnerId::new(who).unwrap(),
                    channel: "telegram",
                    display_name: who.trim_start_matches("tg:").to_string(),
                    place: Place::Private,
                    input,
                    now: self.now,
                })
                .unwrap();
            let mut buttons = Vec::new();
            for Action::Send(message) in &handled.actions {
                self.screen(&handled.lang, message, &mut buttons);
            }
            self.buttons.insert(who.to_string(), buttons);
            self.deliver();
        }
        self.out
    }

    /// Messages the outbox holds for anyone: shown under their name, and
    /// their buttons become what that person taps next.
    fn deliver(&mut self) {
        for queued in self.store.outbox_due("telegram", i64::MAX, 100).unwrap() {
            self.store.outbox_remove(&queued.id).unwrap();
            let Recipient::Learner { id } = &queued.item.to else {
                continue;
            };
            writeln!(self.out, "\n🔔 to {}:", id.as_str()).unwrap();
            let mut buttons = Vec::new();
            self.screen(&queued.item.lang, &queued.item.message, &mut buttons);
            self.buttons.insert(id.as_str().to_string(), buttons);
        }
    }

    fn screen(&mut self, lang: &hocvuso::core::Lang, message: &Message, buttons: &mut Vec<Input>) {
        let localizer = self.app.localizer.clone();
        for line in render_text(&localizer, lang, message).lines() {
            writeln!(self.out, "  {line}").unwrap();
        }
        if message.attachment.is_some() {
            writeln!(self.out, "  📎 (attachment)").unwrap();
        }
        for row in &message.keyboard {
            let labels: Vec<String> = row
                .iter()
                .map(|button| {
                    buttons.push(match &button.target {
                        Target::Callback(callback) => Input::Button(callback.encode()),
                        Target::OpenPrivate(payload) => Input::Text(format!("/start {payload}")),
                    });
                    format!(
                        "[{}] {}",
                        buttons.len(),
                        localizer.phrase(lang, &button.label)
                    )
                })
                .collect();
            writeln!(self.out, "  {}", labels.join("   ")).unwrap();
        }
    }
}

use Step::{Tap, Type};

#[test]
fn a_learner_types_a_question_and_starts_the_lesson_it_finds() {
    let transcript = Transcript::new(&[]).run(&[
        Type("tg:7", "/start"),
        Tap("tg:7", 1),
        Type("tg:7", "lam sao de cai vneid vay con"),
        Tap("tg:7", 1),
        Tap("tg:7", 1),
    ]);
    insta::assert_snapshot!(transcript);
}

#[test]
fn a_stuck_learner_and_a_volunteer_of_her_area() {
    let transcript = Transcript::new(&["tg:1"]).run(&[
        Type("tg:1", "/start"),
        Tap("tg:1", 1),
        Type("tg:1", "/grant tg:50 volunteer hoa-sen-tdp-1"),
        Type("tg:50", "/start"),
        Tap("tg:50", 1),
        Type("tg:7", "/start"),
        Tap("tg:7", 1),
        Type("tg:7", "/area"),
        Tap("tg:7", 1),
        Tap("tg:7", 1),
        Type("tg:7", "/hoi Bác không biết mã OTP là gì"),
        Tap("tg:50", 1),
        Type(
            "tg:50",
            "OTP là mã gửi qua tin nhắn để xác nhận. Bác không đưa mã cho ai nhé.",
        ),
        Type("tg:7", "Cảm ơn cháu"),
        Type("tg:50", "/mentees"),
        Tap("tg:7", 1),
        Tap("tg:7", 1),
        // The ward's figures now count the question and its answer.
        Type("tg:1", "/stats phuong-hoa-sen"),
    ]);
    insta::assert_snapshot!(transcript);
}

#[test]
fn an_official_checks_the_figures() {
    let transcript = Transcript::new(&["tg:1"]).run(&[
        Type("tg:1", "/start"),
        Tap("tg:1", 1),
        Type("tg:1", "/grant tg:60 official phuong-hoa-sen"),
        Type("tg:60", "/start"),
        Tap("tg:60", 1),
        Type("tg:60", "/stats"),
        Type("tg:60", "/stats tinh-mau"),
        Type("tg:60", "/unanswered"),
    ]);
    insta::assert_snapshot!(transcript);
}
