//! The behaviour every `Store` must have, run against each implementation.

use super::{Change, Store, StoreError};
use crate::core::stats::CounterKey;
use crate::core::{
    AuditAction, AuditEntry, Certificate, CompletedLesson, Completion, Lang, Learner, LearnerId,
    LessonProgress, Link, LinkKind, Mentor, Message, Outgoing, QuizAttempt, Recipient, Role,
    Session, Staff, Text, Timer, TimerKind,
};
use crate::core::{HelpThread, ThreadState};

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
    staff_links_and_certificates(store);
    counters_and_mentees(store);
    threads_and_timers(store);
    forget_a_learner(store);
}

/// `forget` deletes or anonymises every record that names the learner, in
/// one write with its counters and messages, and leaves everyone else's.
fn forget_a_learner(store: &dyn Store) {
    use super::Forget;
    let mentor = Mentor {
        id: id("tg:91"),
        channel: "telegram".into(),
        lang: Lang::new("vi"),
    };
    let mut gone = Learner::new(id("tg:90"), "telegram", "Bà Chín", 1000);
    gone.mentor = Some(mentor);
    let mut kept = Learner::new(id("tg:900"), "telegram", "Bà Chín Hai", 1000);
    kept.lang = Some(Lang::new("vi"));
    let done = LessonProgress {
        step: 0,
        updated: 1001,
        completed: Some(CompletedLesson {
            at: 1001,
            score: 1,
            total: 1,
        }),
    };
    gone.progress.insert("safety-otp".into(), done.clone());
    kept.progress.insert("safety-otp".into(), done.clone());
    for learner in [&gone, &kept] {
        let completion = Completion {
            learner: learner.id.clone(),
            topic: "safety".into(),
            lesson: "safety-otp".into(),
            version: "v".into(),
            score: 1,
            total: 1,
            at: 1001,
        };
        let attempt = QuizAttempt {
            learner: learner.id.clone(),
            lesson: "safety-otp".into(),
            question: 0,
            option: 1,
            correct: true,
            at: 1001,
        };
        let cert = Certificate {
            code: format!("CERT-{}", learner.id.as_str().len()),
            learner: learner.id.clone(),
            name: learner.display_name.clone(),
            topic: "safety".into(),
            at: 1002,
            lessons: vec![],
            revoked: None,
        };
        let mut thread = thread(1, ThreadState::Open);
        thread.id = format!("Q-{}", learner.id.as_str().len());
        thread.learner = learner.id.clone();
        thread.learner_name = learner.display_name.clone();
        let timer = Timer {
            due: 5000,
            learner: learner.id.clone(),
            kind: TimerKind::Reminder,
        };
        let mut to_them = card("telegram", "-1", 1003);
        to_them.to = Recipient::Learner {
            id: learner.id.clone(),
        };
        let mut about_them = card("telegram", "-1", 1003);
        about_them.to = Recipient::Learner { id: id("tg:91") };
        about_them.message = Message::default()
            .para(Text::new("mentee-finished-topic").arg("name", learner.display_name.clone()));
        store
            .commit(&Change {
                progress: &[("safety-otp", &done)],
                attempts: std::slice::from_ref(&attempt),
                completions: std::slice::from_ref(&completion),
                outbox: &[to_them, about_them],
                certificates: std::slice::from_ref(&cert),
                mentor_before: Some(None),
                threads: std::slice::from_ref(&thread),
                timers: std::slice::from_ref(&timer),
                ..Change::of(learner)
            })
            .unwrap();
        let local = &learner.id.as_str()[3..];
        store
            .channel_put(&format!("telegram/blocked/{local}"), "1")
            .unwrap();
    }
    let log_before = store.completion_log().unwrap().len();
    let outbox_before = store.outbox_due("telegram", 10_000, 1000).unwrap().len();
    let tally = counter("f:a:ward", 9, "l:safety-otp");
    let notice = card("telegram", "-2", 1004);
    let report = match store.forget(&Forget {
        learner: &gone.id,
        counters: &[(tally.clone(), 1)],
        outbox: std::slice::from_ref(&notice),
        at: 2000,
    }) {
        Ok(report) => report,
        // Known gap, said in the store's docs: PostgreSQL cannot forget yet,
        // and must then have changed nothing.
        Err(StoreError::Unsupported(_)) => {
            eprintln!("conformance: this store cannot forget a learner yet");
            assert!(store.load(&gone.id).unwrap().is_some());
            return;
        }
        Err(e) => panic!("{e}"),
    };
    assert!(report.learner);
    assert_eq!(
        (report.attempts, report.completions, report.certificates),
        (1, 1, 1)
    );
    assert_eq!((report.threads, report.outbox, report.timers), (1, 2, 1));
    assert_eq!(report.channel_values, 1);
    assert_eq!(store.load(&gone.id).unwrap(), None);
    assert!(store.attempts(&gone.id).unwrap().is_empty());
    assert!(store.completions(&gone.id).unwrap().is_empty());
    assert_eq!(store.completion_log().unwrap().len(), log_before - 1);
    assert!(store.mentees(&id("tg:91")).unwrap().is_empty());
    assert_eq!(store.help_thread("Q-5").unwrap(), None);
    assert!(
        store
            .open_threads()
            .unwrap()
            .iter()
            .all(|t| t.learner != gone.id)
    );
    let withdrawn = store.certificate("CERT-5").unwrap().unwrap();
    assert_eq!(withdrawn.revoked, Some(2000));
    assert!(withdrawn.name.is_empty() && withdrawn.learner != gone.id);
    assert_eq!(store.channel_get("telegram/blocked/90").unwrap(), None);
    let outbox = store.outbox_due("telegram", 10_000, 1000).unwrap();
    assert_eq!(outbox.len(), outbox_before - 2 + 1);
    assert!(outbox.iter().any(|q| q.item == notice));
    assert_eq!(store.counts("f:a:ward", (9, 9)).unwrap()["l:safety-otp"], 1);
    assert!(
        store
            .timers_due(10_000, 100)
            .unwrap()
            .iter()
            .all(|(_, t)| t.learner != gone.id)
    );

    // The other learner, whose id and name begin the same, keeps everything.
    let other = store.load(&kept.id).unwrap().unwrap();
    assert_eq!(other.progress.len(), 1);
    assert_eq!(store.attempts(&kept.id).unwrap().len(), 1);
    assert_eq!(store.completions(&kept.id).unwrap().len(), 1);
    assert!(store.help_thread("Q-6").unwrap().is_some());
    assert_eq!(store.certificate("CERT-6").unwrap().unwrap().revoked, None);
    assert_eq!(
        store
            .channel_get("telegram/blocked/900")
            .unwrap()
            .as_deref(),
        Some("1")
    );
    assert_eq!(
        outbox
            .iter()
            .filter(|q| format!("{:?}", q.item).contains("Bà Chín Hai"))
            .count(),
        1
    );
}

fn thread(version: u32, state: ThreadState) -> HelpThread {
    HelpThread {
        id: "Q1AB-CD23".into(),
        version,
        learner: id("tg:70"),
        learner_channel: "telegram".into(),
        learner_lang: Lang::new("vi"),
        learner_name: "Bà Tư".into(),
        area: Some("ward".into()),
        lesson: None,
        step: None,
        asked: 500,
        level: 0,
        routed_to: vec![id("tg:71")],
        passed: vec![],
        state,
        messages: vec![],
        first_answer: None,
    }
}

/// Questions are versioned (a stale write refuses the whole change), open
/// ones are listed; timers come back when due, in order, and go with the
/// commit that handled them.
fn threads_and_timers(store: &dyn Store) {
    let learner = Learner::new(id("tg:70"), "telegram", "Bà Tư", 500);
    let open = thread(1, ThreadState::Open);
    let timer = Timer {
        due: 900,
        learner: learner.id.clone(),
        kind: TimerKind::Escalate {
            thread: open.id.clone(),
        },
    };
    let later = Timer {
        due: 2_000,
        learner: learner.id.clone(),
        kind: TimerKind::Reminder,
    };
    store
        .commit(&Change {
            threads: std::slice::from_ref(&open),
            timers: &[later.clone(), timer.clone()],
            ..Change::of(&learner)
        })
        .unwrap();
    assert_eq!(store.help_thread(&open.id).unwrap(), Some(open.clone()));
    assert_eq!(store.open_threads().unwrap(), vec![open.clone()]);

    // Two writers from version 1: the first wins, the second is refused whole.
    let taken = thread(
        2,
        ThreadState::Taken {
            by: id("tg:71"),
            name: "Minh".into(),
            channel: "telegram".into(),
            lang: Lang::new("vi"),
            at: 600,
        },
    );
    let volunteer = Learner::new(id("tg:71"), "telegram", "Minh", 600);
    store
        .commit(&Change {
            threads: std::slice::from_ref(&taken),
            ..Change::of(&volunteer)
        })
        .unwrap();
    let mut rival = Learner::new(id("tg:72"), "telegram", "Hoa", 600);
    rival.display_name = "Hoa".into();
    let stale = thread(
        2,
        ThreadState::Closed {
            at: 601,
            by_learner: false,
            helped: None,
        },
    );
    let refused = store.commit(&Change {
        threads: std::slice::from_ref(&stale),
        ..Change::of(&rival)
    });
    assert!(
        matches!(refused, Err(StoreError::Conflict { .. })),
        "{refused:?}"
    );
    assert_eq!(
        store.load(&rival.id).unwrap(),
        None,
        "nothing of it written"
    );
    assert_eq!(store.help_thread(&open.id).unwrap(), Some(taken.clone()));

    // Closing takes it off the open list.
    let closed = thread(
        3,
        ThreadState::Closed {
            at: 700,
            by_learner: true,
            helped: Some(true),
        },
    );
    store
        .commit(&Change {
            threads: std::slice::from_ref(&closed),
            ..Change::of(&learner)
        })
        .unwrap();
    assert_eq!(store.open_threads().unwrap(), vec![]);

    assert_eq!(store.timers_due(899, 10).unwrap(), vec![]);
    let due = store.timers_due(5_000, 10).unwrap();
    assert_eq!(
        due.iter().map(|(_, t)| t.clone()).collect::<Vec<_>>(),
        vec![timer, later]
    );
    store
        .commit(&Change {
            timer_done: Some(&due[0].0),
            ..Change::of(&learner)
        })
        .unwrap();
    let left = store.timers_due(5_000, 10).unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].1.kind, TimerKind::Reminder);
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
        revoked: None,
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
    assert_eq!(store.certificate(&cert.code).unwrap(), Some(cert.clone()));
    assert_eq!(store.certificate("K7QM").unwrap(), None);
    // Written again under its code (the learner chose the name to print):
    // the later record replaces the first.
    let renamed = Certificate {
        name: "Nguyễn Thị Lan".into(),
        ..cert.clone()
    };
    store
        .commit(&Change {
            certificates: std::slice::from_ref(&renamed),
            ..Change::of(&admin)
        })
        .unwrap();
    assert_eq!(store.certificate(&cert.code).unwrap(), Some(renamed));
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
