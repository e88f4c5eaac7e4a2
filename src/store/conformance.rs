//! The behaviour every `Store` must have, run against each implementation.

use super::{Change, Store};
use crate::core::{
    CompletedLesson, Completion, Lang, Learner, LearnerId, LessonProgress, Message, Outgoing,
    QuizAttempt, Recipient, Session, Text,
};

fn id(s: &str) -> LearnerId {
    LearnerId::new(s).unwrap()
}

pub(crate) struct Sample {
    pub learner: Learner,
    pub completion: Completion,
    pub attempt: QuizAttempt,
}

/// Writes a learner with progress in two lessons, an attempt and a completion.
pub(crate) fn write_sample(store: &dyn Store) -> Sample {
    let mut learner = Learner::new(id("console:lan"), "console", "Bà Lan", 100);
    learner.lang = Some(Lang::new("vi"));
    learner.session = Session::Reading {
        lesson: "vneid-what".into(),
        step: 2,
    };
    let reading = LessonProgress {
        step: 2,
        updated: 110,
        completed: None,
    };
    let done = LessonProgress {
        step: 0,
        updated: 105,
        completed: Some(CompletedLesson {
            at: 105,
            score: 2,
            total: 3,
        }),
    };
    let attempt = QuizAttempt {
        learner: learner.id.clone(),
        lesson: "safety-otp".into(),
        question: 1,
        option: 0,
        correct: false,
        at: 104,
    };
    let completion = Completion {
        learner: learner.id.clone(),
        topic: "safety".into(),
        lesson: "safety-otp".into(),
        version: "abc".into(),
        score: 2,
        total: 3,
        at: 105,
    };
    learner
        .progress
        .insert("vneid-what".into(), reading.clone());
    learner.progress.insert("safety-otp".into(), done.clone());
    store
        .commit(&Change {
            learner: &learner,
            progress: &[("vneid-what", &reading), ("safety-otp", &done)],
            attempts: std::slice::from_ref(&attempt),
            completions: std::slice::from_ref(&completion),
            ..Change::of(&learner)
        })
        .unwrap();
    Sample {
        learner,
        completion,
        attempt,
    }
}

pub(crate) fn check_sample(store: &dyn Store, sample: &Sample) {
    let loaded = store.load(&sample.learner.id).unwrap().unwrap();
    assert_eq!(loaded, sample.learner);
    assert_eq!(
        store.completions(&sample.learner.id).unwrap(),
        vec![sample.completion.clone()]
    );
    assert_eq!(
        store.attempts(&sample.learner.id).unwrap(),
        vec![sample.attempt.clone()]
    );
    assert_eq!(
        store.completion_log().unwrap(),
        vec![sample.completion.clone()]
    );
}

pub(crate) fn run(store: &dyn Store) {
    assert_eq!(store.load(&id("nobody")).unwrap(), None);

    let sample = write_sample(store);
    check_sample(store, &sample);

    // A learner whose id is a prefix of another's sees only their own records.
    let mut other = Learner::new(id("console:la"), "console", "La", 200);
    other.session = Session::Menu;
    let progress = LessonProgress {
        step: 1,
        updated: 201,
        completed: None,
    };
    other.progress.insert("vneid-what".into(), progress.clone());
    store
        .commit(&Change {
            learner: &other,
            progress: &[("vneid-what", &progress)],
            attempts: &[],
            completions: &[],
            ..Change::of(&other)
        })
        .unwrap();
    let loaded = store.load(&other.id).unwrap().unwrap();
    assert_eq!(loaded.progress.len(), 1);
    assert!(store.completions(&other.id).unwrap().is_empty());
    assert_eq!(
        store
            .load(&sample.learner.id)
            .unwrap()
            .unwrap()
            .progress
            .len(),
        2
    );

    // Later commits change only what they carry, and logs only grow.
    let mut later = sample.completion.clone();
    later.at = 300;
    later.score = 3;
    store
        .commit(&Change {
            learner: &sample.learner,
            progress: &[],
            attempts: &[],
            completions: std::slice::from_ref(&later),
            ..Change::of(&sample.learner)
        })
        .unwrap();
    assert_eq!(
        store.completions(&sample.learner.id).unwrap(),
        vec![sample.completion.clone(), later.clone()]
    );
    assert_eq!(store.completion_log().unwrap().len(), 2);
    assert_eq!(
        store
            .load(&sample.learner.id)
            .unwrap()
            .unwrap()
            .progress
            .len(),
        2
    );
    store.flush().unwrap();

    outbox(store);
}

pub(crate) fn card(channel: &str, chat: &str, not_before: i64) -> Outgoing {
    Outgoing {
        channel: channel.into(),
        to: Recipient::Group { chat: chat.into() },
        lang: Lang::new("vi"),
        message: Message::default().para(Text::new("menu-title").arg("n", 3usize)),
        not_before,
    }
}

/// Due messages come oldest-due first, per channel, and stay until removed.
pub(crate) fn outbox(store: &dyn Store) {
    let learner = Learner::new(id("tg:7"), "telegram", "Bảy", 1);
    let later = card("telegram", "-100", 500);
    let soon = card("telegram", "-200", 100);
    let zalo = card("zalo", "g1", 50);
    let before_epoch = card("telegram", "-300", -5);
    store
        .commit(&Change {
            outbox: &[
                later.clone(),
                soon.clone(),
                zalo.clone(),
                before_epoch.clone(),
            ],
            ..Change::of(&learner)
        })
        .unwrap();

    let due: Vec<Outgoing> = store
        .outbox_due("telegram", 100, 10)
        .unwrap()
        .into_iter()
        .map(|q| q.item)
        .collect();
    assert_eq!(due, vec![before_epoch.clone(), soon.clone()]);
    assert_eq!(store.outbox_due("telegram", 100, 1).unwrap().len(), 1);
    assert_eq!(store.outbox_due("tele", 1000, 10).unwrap(), vec![]);

    let first = store.outbox_due("telegram", 1000, 10).unwrap();
    assert_eq!(first.len(), 3);
    store.outbox_remove(&first[0].id).unwrap();
    store.outbox_remove(&first[0].id).unwrap(); // removing twice is harmless
    let rest: Vec<Outgoing> = store
        .outbox_due("telegram", 1000, 10)
        .unwrap()
        .into_iter()
        .map(|q| q.item)
        .collect();
    assert_eq!(rest, vec![soon, later]);
    let zalo_due = store.outbox_due("zalo", 1000, 10).unwrap();
    assert_eq!(zalo_due.len(), 1);
    assert_eq!(zalo_due[0].item, zalo);
    store.outbox_remove(&zalo_due[0].id).unwrap();
    assert!(store.outbox_due("zalo", 1000, 10).unwrap().is_empty());
}
