//! The behaviour every `Store` must have, run against each implementation.

use super::{Change, Store, StoreError, UpdateKey};
use crate::core::stats::CounterKey;
use crate::core::{
    AuditAction, AuditEntry, Certificate, CompletedLesson, Completion, Lang, Learner, LearnerId,
    LessonProgress, Link, LinkKind, Mentor, Message, Outgoing, QuizAttempt, Recipient, Role,
    Session, Staff, Text,
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
    outbox_pages(store);
    updates(store);
    staff_links_and_certificates(store);
    counters_and_mentees(store);
}

/// A sender reads the outbox on from where it stopped, in the same order.
fn outbox_pages(store: &dyn Store) {
    let learner = Learner::new(id("tg:8"), "telegram", "Tám", 1);
    let items: Vec<Outgoing> = (0..5)
        .map(|i| card("pages", &format!("-{i}"), 10 + i / 2))
        .chain([card("pages", "-9", 2000), card("other", "-1", 0)])
        .collect();
    store
        .commit(&Change {
            outbox: &items,
            ..Change::of(&learner)
        })
        .unwrap();
    let all = store.outbox_due("pages", 1000, 100).unwrap();
    assert_eq!(all.len(), 5);
    let first = store.outbox_due("pages", 1000, 2).unwrap();
    let next = store
        .outbox_due_after("pages", 1000, &first[1].id, 2)
        .unwrap();
    let last = store
        .outbox_due_after("pages", 1000, &next[1].id, 10)
        .unwrap();
    let paged: Vec<_> = first.into_iter().chain(next).chain(last).collect();
    assert_eq!(paged, all, "the same messages, in the same order");
    assert!(
        store
            .outbox_due_after("pages", 1000, &all[4].id, 10)
            .unwrap()
            .is_empty(),
        "nothing due after the last, not the one due later, not another channel's"
    );
    for q in store.outbox_due("pages", 5000, 100).unwrap() {
        store.outbox_remove(&q.id).unwrap();
    }
    for q in store.outbox_due("other", 5000, 100).unwrap() {
        store.outbox_remove(&q.id).unwrap();
    }
}

/// A delivery is recorded with the change it caused, and forgotten later.
fn updates(store: &dyn Store) {
    assert!(!store.seen_update("telegram", "501").unwrap());
    let learner = Learner::new(id("tg:9"), "telegram", "Chín", 1);
    store
        .commit(&Change {
            update: Some(UpdateKey {
                channel: "telegram",
                key: "501",
                at: 1_000,
            }),
            ..Change::of(&learner)
        })
        .unwrap();
    assert!(store.seen_update("telegram", "501").unwrap());
    assert!(!store.seen_update("zalo", "501").unwrap());
    assert!(!store.seen_update("telegram", "50").unwrap());
    // With other records too (a batch, not a plain write).
    store
        .commit(&Change {
            outbox: &[card("telegram", "-1", 0)],
            update: Some(UpdateKey {
                channel: "telegram",
                key: "502",
                at: 2_000,
            }),
            ..Change::of(&learner)
        })
        .unwrap();
    assert!(store.seen_update("telegram", "502").unwrap());
    // A refused change records nothing.
    let refused = store.commit(&Change {
        claim: Some("NO-SUCH-CODE"),
        update: Some(UpdateKey {
            channel: "telegram",
            key: "503",
            at: 3_000,
        }),
        ..Change::of(&learner)
    });
    assert!(matches!(refused, Err(StoreError::Conflict { .. })));
    assert!(!store.seen_update("telegram", "503").unwrap());
    assert_eq!(store.forget_updates(1_500).unwrap(), 1);
    assert!(!store.seen_update("telegram", "501").unwrap());
    assert!(store.seen_update("telegram", "502").unwrap());
    for q in store.outbox_due("telegram", 5000, 100).unwrap() {
        store.outbox_remove(&q.id).unwrap();
    }
}

fn staff_links_and_certificates(store: &dyn Store) {
    let admin = Learner::new(id("tg:1"), "telegram", "Admin", 1);
    let vol = id("tg:2");
    let staff = Staff {
        role: Role::Volunteer,
        area: "ward".into(),
        since: 5,
        granted_by: admin.id.clone(),
        mentor_code: None,
        groups: vec![],
    };
    let invite = Link {
        code: "AAAA-BBBB-CCCC".into(),
        kind: LinkKind::Invite {
            role: Role::Volunteer,
            area: "ward".into(),
        },
        created_by: admin.id.clone(),
        created: 5,
        expires: Some(100),
        used_by: None,
    };
    let cert = Certificate {
        code: "K7QM-2XPD-9ARC".into(),
        learner: vol.clone(),
        name: "Hai".into(),
        topic: "safety".into(),
        at: 9,
        lessons: vec![],
    };
    let audit = AuditEntry {
        at: 5,
        actor: admin.id.clone(),
        action: AuditAction::Grant {
            to: vol.clone(),
            role: Role::Volunteer,
            area: "ward".into(),
        },
    };
    store
        .commit(&Change {
            staff: &[(vol.clone(), Some(staff.clone()))],
            links: std::slice::from_ref(&invite),
            certificates: std::slice::from_ref(&cert),
            audit: std::slice::from_ref(&audit),
            ..Change::of(&admin)
        })
        .unwrap();
    assert_eq!(store.staff(&vol).unwrap(), Some(staff));
    assert_eq!(store.staff(&admin.id).unwrap(), None);
    assert_eq!(store.link(&invite.code).unwrap(), Some(invite.clone()));
    assert_eq!(store.link("NOPE").unwrap(), None);
    assert_eq!(store.certificate(&cert.code).unwrap(), Some(cert));
    assert_eq!(store.certificate("K7QM").unwrap(), None);
    assert_eq!(store.audit_log().unwrap(), vec![audit]);

    // A single-use code is claimed once; the second claim changes nothing.
    let mut used = invite.clone();
    used.used_by = Some(id("tg:3"));
    let first = Learner::new(id("tg:3"), "telegram", "Ba", 6);
    store
        .commit(&Change {
            claim: Some(&invite.code),
            links: std::slice::from_ref(&used),
            ..Change::of(&first)
        })
        .unwrap();
    let mut again = invite.clone();
    again.used_by = Some(id("tg:4"));
    let second = Learner::new(id("tg:4"), "telegram", "Bốn", 7);
    let err = store
        .commit(&Change {
            claim: Some(&invite.code),
            links: std::slice::from_ref(&again),
            ..Change::of(&second)
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
    assert_eq!(
        store.load(&second.id).unwrap(),
        None,
        "nothing of a refused change is kept"
    );
    assert_eq!(store.link(&invite.code).unwrap(), Some(used));
    let err = store
        .commit(&Change {
            claim: Some("NO-SUCH-CODE"),
            ..Change::of(&second)
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");

    // Revoking removes the role.
    store
        .commit(&Change {
            staff: &[(vol.clone(), None)],
            ..Change::of(&admin)
        })
        .unwrap();
    assert_eq!(store.staff(&vol).unwrap(), None);
}

fn counter(scope: &str, quarter: u32, metric: &str) -> CounterKey {
    CounterKey {
        scope: scope.into(),
        quarter,
        metric: metric.into(),
    }
}

fn counters_and_mentees(store: &dyn Store) {
    let learner = Learner::new(id("tg:10"), "telegram", "Mười", 1);
    store
        .commit(&Change {
            counters: &[
                (counter("a:ward", 8100, "started"), 1),
                (counter("a:ward", 8101, "started"), 1),
                (counter("a:ward", 8101, "l:x"), 1),
                (counter("a:ward", 8102, "l:x"), 1),
                (counter("a:ward-2", 8101, "l:x"), 1),
                (counter("a:war", 8101, "l:x"), 1),
            ],
            ..Change::of(&learner)
        })
        .unwrap();
    store
        .commit(&Change {
            counters: &[(counter("a:ward", 8102, "l:x"), -1)],
            ..Change::of(&learner)
        })
        .unwrap();
    let read = |from, to| store.counts("a:ward", (from, to)).unwrap();
    assert_eq!(read(8101, 8101).get("started"), Some(&1));
    assert_eq!(read(8101, 8101).get("l:x"), Some(&1));
    assert_eq!(read(8100, 8102).get("started"), Some(&2));
    assert_eq!(
        read(8100, 8102).get("l:x"),
        Some(&1),
        "the decrement applied"
    );
    assert_eq!(read(0, u32::MAX).get("l:x"), Some(&1));
    assert!(read(8103, 9000).is_empty());
    assert_eq!(
        store.counts("a:war", (0, u32::MAX)).unwrap().get("l:x"),
        Some(&1)
    );

    // The mentee index follows the learner's mentor.
    let mentor = |m: &str| Mentor {
        id: id(m),
        channel: "telegram".into(),
        lang: Lang::new("vi"),
    };
    let mut mentee = Learner::new(id("tg:11"), "telegram", "Mười một", 1);
    mentee.mentor = Some(mentor("tg:20"));
    store
        .commit(&Change {
            mentor_before: Some(None),
            ..Change::of(&mentee)
        })
        .unwrap();
    assert_eq!(store.mentees(&id("tg:20")).unwrap(), vec![mentee.clone()]);
    assert!(store.mentees(&id("tg:2")).unwrap().is_empty());
    let old = id("tg:20");
    mentee.mentor = Some(mentor("tg:21"));
    store
        .commit(&Change {
            mentor_before: Some(Some(&old)),
            ..Change::of(&mentee)
        })
        .unwrap();
    assert!(store.mentees(&old).unwrap().is_empty());
    assert_eq!(store.mentees(&id("tg:21")).unwrap(), vec![mentee]);
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
