//! A learner-facing driver over any store, for the store's own whole-bot
//! tests (failures, backups while running): events through the engine's
//! `answer`, as a channel sends them, with the shipped lessons and areas.

use std::sync::Arc;

use hocvuso::app::App;
use hocvuso::area::AreaTree;
use hocvuso::core::{Action, Callback, Core, Input, Lang, LearnerId, Place};
use hocvuso::engine::{Event, Handled};
use hocvuso::store::Store;

use crate::support::{localizer, repo, shipped_lessons};

/// 2026-11-23 10:00 in Vietnam.
pub const START: i64 = 1_795_417_200;

pub struct Driver {
    pub app: App,
    pub now: i64,
}

pub fn id(s: &str) -> LearnerId {
    LearnerId::new(s).unwrap()
}

pub fn areas() -> AreaTree {
    AreaTree::load(&repo("areas.toml")).unwrap()
}

impl Driver {
    pub fn on(store: Arc<dyn Store>) -> Self {
        let localizer = localizer();
        let core = Core::new(Arc::new(shipped_lessons()), localizer.languages())
            .with_areas(Arc::new(areas()))
            .with_admins(vec![id("tg:1")]);
        Driver {
            app: App::with_core(core, localizer, store),
            now: START,
        }
    }

    pub fn event(&mut self, who: &str, input: Input) -> Handled {
        self.now += 7;
        self.app.engine.answer(&Event {
            learner: id(who),
            channel: "telegram",
            display_name: format!("Người {who}"),
            place: Place::Private,
            input,
            now: self.now,
        })
    }

    pub fn say(&mut self, who: &str, text: &str) -> Handled {
        self.event(who, Input::Text(text.into()))
    }

    pub fn press(&mut self, who: &str, callback: Callback) -> Handled {
        self.event(who, Input::Button(callback.encode()))
    }

    pub fn join(&mut self, who: &str) {
        self.say(who, "/start");
        self.press(who, Callback::SetLang(Lang::new("vi")));
    }

    pub fn lessons(&self) -> Vec<String> {
        self.app
            .engine
            .core()
            .lessons()
            .lessons()
            .map(|l| l.id.clone())
            .collect()
    }

    /// Every press of a lesson and its quiz, answered right, in order.
    pub fn presses(&self, lesson: &str) -> Vec<Callback> {
        let l = self.app.engine.core().lessons().lesson(lesson).unwrap();
        let mut out = vec![Callback::Lesson(lesson.into())];
        for q in 0..l.question_count() {
            out.push(Callback::Question(lesson.into(), q));
            out.push(Callback::Answer(
                lesson.into(),
                q,
                l.correct_option(q).unwrap(),
            ));
        }
        out
    }

    /// Opens a lesson and answers its quiz right; the last answer.
    pub fn finish(&mut self, who: &str, lesson: &str) -> Handled {
        let mut last = None;
        for press in self.presses(lesson) {
            last = Some(self.press(who, press));
        }
        last.unwrap()
    }
}

/// The message ids of a reply, in order.
pub fn keys(h: &Handled) -> Vec<String> {
    h.actions
        .iter()
        .flat_map(|a| {
            let Action::Send(m) = a;
            m.keys().into_iter().map(str::to_string).collect::<Vec<_>>()
        })
        .collect()
}
