//! The behaviour every `Store` must have, run against each implementation.

use std::collections::BTreeSet;

use super::{Change, Record, Store, StoreError};
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

    // Later commits change only what they carry. A retaken lesson updates
    // the learner's completion and logs nothing: the log holds first
    // completions, so nobody grows the store by retaking a lesson.
    let mut later = sample.completion.clone();
    later.at = 300;
    later.score = 3;
    for at in [300, 301, 302] {
        let retake = Completion {
            at,
            ..later.clone()
        };
        let answer = QuizAttempt {
            at,
            option: 1,
            correct: true,
            ..sample.attempt.clone()
        };
        store
            .commit(&Change {
                learner: &sample.learner,
                progress: &[],
                attempts: std::slice::from_ref(&answer),
                completions: std::slice::from_ref(&retake),
                ..Change::of(&sample.learner)
            })
            .unwrap();
    }
    later.at = 302;
    assert_eq!(
        store.completions(&sample.learner.id).unwrap(),
        vec![later.clone()],
        "one completion per learner and lesson, the latest"
    );
    assert_eq!(
        store.completion_log().unwrap(),
        vec![sample.completion.clone()],
        "the log keeps the first completion only"
    );
    let answers = store.attempts(&sample.learner.id).unwrap();
    assert_eq!(
        answers.len(),
        1,
        "one answer per question kept: {answers:?}"
    );
    assert_eq!(answers[0].at, 302);
    // Another lesson's completion is logged, after the first.
    let other_lesson = Completion {
        lesson: "safety-links".into(),
        at: 310,
        ..sample.completion.clone()
    };
    store
        .commit(&Change {
            completions: std::slice::from_ref(&other_lesson),
            ..Change::of(&sample.learner)
        })
        .unwrap();
    assert_eq!(
        store.completion_log().unwrap(),
        vec![sample.completion.clone(), other_lesson.clone()]
    );
    assert_eq!(
        store.completions(&sample.learner.id).unwrap(),
        vec![later.clone(), other_lesson]
    );
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
    invites_and_revokes_race_safely(store);
    counters_and_mentees(store);
    threads_and_timers(store);
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

fn volunteer(area: &str, groups: &[&str]) -> Staff {
    Staff {
        role: Role::Volunteer,
        area: area.into(),
        since: 5,
        granted_by: id("tg:1"),
        mentor_code: None,
        groups: groups.iter().map(|g| g.to_string()).collect(),
    }
}

/// Review findings L4 and L5: a staff record rewritten from an earlier read
/// never undoes a revoke that landed in between, and an invite is claimed in
/// the same write that grants its role, so it is never burned alone.
fn invites_and_revokes_race_safely(store: &dyn Store) {
    let admin = Learner::new(id("tg:1"), "telegram", "Admin", 1);
    let vol = Learner::new(id("tg:30"), "telegram", "Ba Mươi", 1);
    let before = volunteer("ward", &[]);
    store
        .commit(&Change {
            staff: &[(vol.id.clone(), Some(before.clone()))],
            ..Change::of(&admin)
        })
        .unwrap();
    // The volunteer's turn read their record; the admin revokes; the
    // volunteer's turn then writes the record back with a new group.
    let read = store.staff(&vol.id).unwrap();
    assert_eq!(read, Some(before.clone()));
    store
        .commit(&Change {
            staff: &[(vol.id.clone(), None)],
            staff_seen: &[(vol.id.clone(), read.clone())],
            ..Change::of(&admin)
        })
        .unwrap();
    let with_group = volunteer("ward", &["G1"]);
    let err = store
        .commit(&Change {
            staff: &[(vol.id.clone(), Some(with_group.clone()))],
            staff_seen: &[(vol.id.clone(), read)],
            ..Change::of(&vol)
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::Stale { .. }), "{err}");
    assert_eq!(store.staff(&vol.id).unwrap(), None, "the revoke stands");
    assert_eq!(
        store.load(&vol.id).unwrap(),
        None,
        "nothing of the change kept"
    );
    // Read again (now revoked), the same write is a fresh decision and lands.
    store
        .commit(&Change {
            staff: &[(vol.id.clone(), Some(with_group.clone()))],
            staff_seen: &[(vol.id.clone(), None)],
            ..Change::of(&vol)
        })
        .unwrap();
    assert_eq!(store.staff(&vol.id).unwrap(), Some(with_group.clone()));

    // An invite whose grant is refused stays unused.
    let invite = Link {
        code: "INVI-TEAA-AAAA".into(),
        kind: LinkKind::Invite {
            role: Role::Volunteer,
            area: "ward".into(),
        },
        created_by: admin.id.clone(),
        created: 5,
        expires: None,
        used_by: None,
    };
    store
        .commit(&Change {
            links: std::slice::from_ref(&invite),
            ..Change::of(&admin)
        })
        .unwrap();
    let mut used = invite.clone();
    used.used_by = Some(vol.id.clone());
    let err = store
        .commit(&Change {
            claim: Some(&invite.code),
            links: std::slice::from_ref(&used),
            staff: &[(vol.id.clone(), Some(volunteer("ward", &[])))],
            // Read before the group write above: out of date.
            staff_seen: &[(vol.id.clone(), None)],
            ..Change::of(&vol)
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::Stale { .. }), "{err}");
    assert_eq!(
        store.link(&invite.code).unwrap(),
        Some(invite.clone()),
        "the invite is not burned by a refused grant"
    );
    let newcomer = Learner::new(id("tg:31"), "telegram", "Ba Mốt", 1);
    let mut used = invite.clone();
    used.used_by = Some(newcomer.id.clone());
    store
        .commit(&Change {
            claim: Some(&invite.code),
            links: std::slice::from_ref(&used),
            staff: &[(newcomer.id.clone(), Some(volunteer("ward", &[])))],
            staff_seen: &[(newcomer.id.clone(), None)],
            ..Change::of(&newcomer)
        })
        .unwrap();
    assert_eq!(store.link(&invite.code).unwrap(), Some(used));
    assert_eq!(
        store.staff(&newcomer.id).unwrap(),
        Some(volunteer("ward", &[]))
    );
    // Records seen but not written are not compared.
    store
        .commit(&Change {
            staff: &[(vol.id.clone(), None)],
            staff_seen: &[
                (vol.id.clone(), Some(with_group)),
                (newcomer.id.clone(), None),
            ],
            ..Change::of(&admin)
        })
        .unwrap();
}

/// Everything exported from `from` imports into the empty `into` as it was,
/// sequence numbers and the mentee index included; a store that holds
/// records refuses an import.
pub(crate) fn export_import(from: &dyn Store, into: &dyn Store) {
    run(from);
    from.channel_put("telegram/last_update_id", "42").unwrap();
    let mut exported = Vec::new();
    from.export(&mut |r| {
        exported.push(r);
        Ok(())
    })
    .unwrap();
    for kind in Record::KINDS {
        assert!(
            exported.iter().any(|r| r.kind() == kind),
            "the sample has a {kind} record"
        );
    }
    let count = into
        .import(&mut exported.clone().into_iter().map(Ok))
        .unwrap();
    assert_eq!(count, exported.len() as u64);
    let mut again = Vec::new();
    into.export(&mut |r| {
        again.push(r);
        Ok(())
    })
    .unwrap();
    let sorted = |mut v: Vec<Record>| {
        v.sort_by_key(|r| serde_json::to_string(r).unwrap());
        v
    };
    assert_eq!(sorted(again), sorted(exported.clone()));
    assert_eq!(into.mentees(&id("tg:21")).unwrap().len(), 1);
    assert_eq!(
        into.completion_log().unwrap(),
        from.completion_log().unwrap()
    );
    assert_eq!(into.audit_log().unwrap(), from.audit_log().unwrap());
    assert_eq!(
        into.outbox_due("telegram", 1000, 10).unwrap(),
        from.outbox_due("telegram", 1000, 10).unwrap()
    );
    assert_eq!(
        into.channel_get("telegram/last_update_id")
            .unwrap()
            .as_deref(),
        Some("42")
    );
    // New sequence numbers continue after the imported ones.
    let learner = Learner::new(id("tg:40"), "telegram", "Bốn Mươi", 1);
    into.commit(&Change {
        outbox: &[card("telegram", "-400", 1)],
        ..Change::of(&learner)
    })
    .unwrap();
    let seqs: BTreeSet<u64> = into
        .outbox_due("telegram", 1000, 100)
        .unwrap()
        .iter()
        .map(|q| q.id.seq)
        .collect();
    assert_eq!(seqs.len(), 3, "no sequence number reused: {seqs:?}");
    let err = into.import(&mut exported.into_iter().map(Ok)).unwrap_err();
    assert!(matches!(err, StoreError::NotEmpty), "{err}");
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
