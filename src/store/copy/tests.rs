//! Copies between every pair of backends on generated data, checked record
//! by record as well as by the summary.

use super::*;
use crate::core::stats::{CounterKey, quarter_of};
use crate::core::{
    AuditAction, CertificateStamp, CompletedLesson, HelpThread, Lang, LessonProgress, LinkKind,
    Mentor, Message, Recipient, Role, Session, Text, ThreadState, Timer, TimerKind,
};
use crate::store::pg::{PgOptions, PgStore, TestCluster};
use crate::store::{Change, MemoryStore, SledStore};

fn id(s: &str) -> LearnerId {
    LearnerId::new(s).unwrap()
}

/// `n` learners with progress, attempts, completions, certificates and the
/// counters they make; staff, links (one used), audit, outbox messages, a
/// counter back at zero, channel values.
fn fill(store: &dyn Store, n: usize) {
    let lessons = ["a-1", "a-2", "b-1"];
    for i in 0..n {
        let mut learner = Learner::new(
            id(&format!("tg:{i}")),
            "telegram",
            &format!("Bác {i}"),
            1_700_000_000 + i as i64,
        );
        learner.lang = Some(Lang::new(if i % 3 == 0 { "en" } else { "vi" }));
        learner.session = Session::Reading {
            lesson: "a-2".into(),
            step: i % 4,
        };
        learner.area = (i % 2 == 0).then(|| format!("xa-{}", i % 5));
        learner.started = Some(1_700_000_100 + i as i64);
        if i % 5 == 0 {
            // Conversation state without a column of its own.
            learner.asked = vec![1_700_000_050, 1_700_000_060];
            learner.last_question = Some(format!("Q-{i}"));
        }
        if i % 7 == 0 {
            learner.mentor = Some(Mentor {
                id: id("tg:vol"),
                channel: "telegram".into(),
                lang: Lang::new("vi"),
            });
        }
        let mut attempts = Vec::new();
        let mut completions = Vec::new();
        let done = i % lessons.len() + 1;
        for (k, lesson) in lessons.iter().enumerate() {
            let at = 1_700_000_200 + (i * 10 + k) as i64;
            let completed = (k < done).then_some(CompletedLesson {
                at,
                score: k % 3,
                total: 3,
            });
            if k < done {
                completions.push(Completion {
                    learner: learner.id.clone(),
                    topic: lesson[..1].to_string(),
                    lesson: lesson.to_string(),
                    version: "v1".into(),
                    score: k % 3,
                    total: 3,
                    at,
                });
                attempts.push(QuizAttempt {
                    learner: learner.id.clone(),
                    lesson: lesson.to_string(),
                    question: 0,
                    option: k,
                    correct: k % 2 == 0,
                    at,
                });
            }
            learner.progress.insert(
                lesson.to_string(),
                LessonProgress {
                    step: k,
                    updated: at,
                    completed,
                },
            );
        }
        let mut certificates = Vec::new();
        if done >= 2 {
            let code = format!("CERT-{i:04}-AAAA");
            learner.certificates.insert(
                "a".into(),
                CertificateStamp {
                    code: code.clone(),
                    at: 1_700_000_300,
                    name: None,
                },
            );
            certificates.push(Certificate {
                code,
                learner: learner.id.clone(),
                name: learner.display_name.clone(),
                topic: "a".into(),
                at: 1_700_000_300,
                lessons: vec![],
                revoked: None,
            });
        }
        let scope = format!("a:{}", learner.area.clone().unwrap_or("tinh".into()));
        let q = quarter_of(1_700_000_200);
        let counters: Vec<(CounterKey, i64)> = completions
            .iter()
            .map(|c| {
                (
                    CounterKey {
                        scope: scope.clone(),
                        quarter: q,
                        metric: format!("l:{}", c.lesson),
                    },
                    1,
                )
            })
            .collect();
        let progress: Vec<(&str, &LessonProgress)> = learner
            .progress
            .iter()
            .map(|(l, p)| (l.as_str(), p))
            .collect();
        store
            .commit(&Change {
                progress: &progress,
                attempts: &attempts,
                completions: &completions,
                certificates: &certificates,
                counters: &counters,
                mentor_before: learner.mentor.as_ref().map(|_| None),
                ..Change::of(&learner)
            })
            .unwrap();
    }
    let admin = Learner::new(id("tg:admin"), "telegram", "Admin", 1);
    let zero = CounterKey {
        scope: "a:tinh".into(),
        quarter: 8100,
        metric: "started".into(),
    };
    let staff = Staff {
        role: Role::Official,
        area: "tinh".into(),
        since: 5,
        granted_by: admin.id.clone(),
        mentor_code: Some("M-1".into()),
        groups: vec!["G-1".into(), "G-2".into()],
    };
    let links = [
        Link {
            code: "INV-1".into(),
            kind: LinkKind::Invite {
                role: Role::Volunteer,
                area: "xa-1".into(),
            },
            created_by: admin.id.clone(),
            created: 5,
            expires: Some(1_800_000_000),
            used_by: Some(id("tg:1")),
        },
        Link {
            code: "M-1".into(),
            kind: LinkKind::Mentor {
                mentor: id("tg:vol"),
                channel: "telegram".into(),
                lang: Lang::new("vi"),
            },
            created_by: id("tg:vol"),
            created: 6,
            expires: None,
            used_by: None,
        },
        Link {
            code: "G-1".into(),
            kind: LinkKind::Group {
                channel: "telegram".into(),
                chat: "-100".into(),
                title: Some("Tổ 5 học số".into()),
                area: Some("ward".into()),
            },
            created_by: id("tg:vol"),
            created: 7,
            expires: None,
            used_by: None,
        },
    ];
    let audit = [
        AuditEntry {
            at: 5,
            actor: admin.id.clone(),
            action: AuditAction::Grant {
                to: id("tg:off"),
                role: Role::Official,
                area: "tinh".into(),
            },
        },
        AuditEntry {
            at: 6,
            actor: id("tg:off"),
            action: AuditAction::Export {
                area: "tinh".into(),
                period: "q".into(),
            },
        },
    ];
    let outbox: Vec<Outgoing> = (0..4)
        .map(|k| Outgoing {
            channel: if k == 3 { "zalo" } else { "telegram" }.into(),
            to: if k % 2 == 0 {
                Recipient::Group {
                    chat: format!("-{k}"),
                }
            } else {
                Recipient::Learner { id: id("tg:2") }
            },
            lang: Lang::new("vi"),
            message: Message::default().para(Text::new("menu-title").arg("n", k as usize)),
            not_before: 100 - (k % 2) as i64,
        })
        .collect();
    let thread = |n: usize, state: ThreadState| HelpThread {
        id: format!("Q{n}"),
        version: 1,
        learner: id(&format!("tg:{n}")),
        learner_channel: "telegram".into(),
        learner_lang: Lang::new("vi"),
        learner_name: format!("Bác {n}"),
        area: Some("xa-1".into()),
        lesson: Some("a-1".into()),
        step: Some(1),
        asked: 1_700_000_500,
        level: 0,
        routed_to: vec![id("tg:vol")],
        passed: vec![],
        state,
        messages: vec![],
        first_answer: None,
    };
    let threads = [
        thread(1, ThreadState::Open),
        thread(
            2,
            ThreadState::Closed {
                at: 1_700_000_600,
                by_learner: true,
                helped: Some(true),
            },
        ),
    ];
    let timers = [
        Timer {
            due: 1_700_100_000,
            learner: id("tg:3"),
            kind: TimerKind::Reminder,
        },
        Timer {
            due: 1_700_000_900,
            learner: id("tg:1"),
            kind: TimerKind::Escalate {
                thread: "Q1".into(),
            },
        },
    ];
    store
        .commit(&Change {
            staff: &[(id("tg:off"), Some(staff))],
            links: &links,
            audit: &audit,
            outbox: &outbox,
            counters: &[(zero.clone(), 1)],
            threads: &threads,
            timers: &timers,
            ..Change::of(&admin)
        })
        .unwrap();
    store
        .commit(&Change {
            counters: &[(zero, -1)],
            ..Change::of(&admin)
        })
        .unwrap();
    store.channel_put("telegram/last_update_id", "42").unwrap();
    store.channel_put("zalo/tokens", "{\"a\":1}").unwrap();
}

/// Both stores answer every question the bot asks the same way.
fn same_answers(a: &dyn Store, b: &dyn Store, n: usize) {
    let mut ids: Vec<String> = (0..n).map(|i| format!("tg:{i}")).collect();
    ids.push("tg:admin".into());
    for i in &ids {
        let i = id(i);
        assert_eq!(a.load(&i).unwrap(), b.load(&i).unwrap(), "{i:?}");
        assert_eq!(a.completions(&i).unwrap(), b.completions(&i).unwrap());
        assert_eq!(a.attempts(&i).unwrap(), b.attempts(&i).unwrap());
    }
    assert_eq!(a.completion_log().unwrap(), b.completion_log().unwrap());
    assert_eq!(a.audit_log().unwrap(), b.audit_log().unwrap());
    assert_eq!(
        a.staff(&id("tg:off")).unwrap(),
        b.staff(&id("tg:off")).unwrap()
    );
    for code in ["INV-1", "M-1", "G-1"] {
        assert_eq!(a.link(code).unwrap(), b.link(code).unwrap());
    }
    assert_eq!(
        a.certificate("CERT-0001-AAAA").unwrap(),
        b.certificate("CERT-0001-AAAA").unwrap()
    );
    let mut mentees_a = a.mentees(&id("tg:vol")).unwrap();
    let mut mentees_b = b.mentees(&id("tg:vol")).unwrap();
    mentees_a.sort_by(|x, y| x.id.cmp(&y.id));
    mentees_b.sort_by(|x, y| x.id.cmp(&y.id));
    assert_eq!(mentees_a, mentees_b);
    assert!(!mentees_a.is_empty());
    for scope in ["a:tinh", "a:xa-0", "a:xa-2", "a:xa-4"] {
        assert_eq!(
            a.counts(scope, (0, u32::MAX)).unwrap(),
            b.counts(scope, (0, u32::MAX)).unwrap()
        );
    }
    for channel in ["telegram", "zalo"] {
        let items = |s: &dyn Store| -> Vec<Outgoing> {
            s.outbox_due(channel, 1000, 100)
                .unwrap()
                .into_iter()
                .map(|q| q.item)
                .collect()
        };
        assert_eq!(items(a), items(b));
    }
    assert_eq!(a.staff_list().unwrap(), b.staff_list().unwrap());
    for q in ["Q1", "Q2"] {
        assert_eq!(a.help_thread(q).unwrap(), b.help_thread(q).unwrap());
    }
    assert_eq!(a.open_threads().unwrap(), b.open_threads().unwrap());
    let timers = |s: &dyn Store| -> Vec<Timer> {
        s.timers_due(i64::MAX / 2, 100)
            .unwrap()
            .into_iter()
            .map(|(_, t)| t)
            .collect()
    };
    assert_eq!(timers(a), timers(b));
    for key in ["telegram/last_update_id", "zalo/tokens"] {
        assert_eq!(a.channel_get(key).unwrap(), b.channel_get(key).unwrap());
    }
}

fn pg() -> PgStore {
    let cluster =
        TestCluster::shared().unwrap_or_else(|e| panic!("the PostgreSQL tests need a server: {e}"));
    PgStore::open_with(&cluster.database().unwrap(), &PgOptions { pool_size: 4 }).unwrap()
}

#[test]
fn sled_to_postgres_and_back_copies_everything() {
    const N: usize = 60;
    let dir = tempfile::tempdir().unwrap();
    let sled = SledStore::open(&dir.path().join("a")).unwrap();
    fill(&sled, N);
    let pg = pg();
    let mut reported = 0;
    let summary = copy(&sled, &pg, false, &mut |n| reported = n).unwrap();
    assert_eq!(summary, Summary::of(&sled).unwrap());
    assert_eq!(reported, summary.records());
    assert_eq!(summary.counts[0], N as u64 + 1, "{summary}");
    assert!(
        summary.counts.iter().all(|n| *n > 0),
        "every kind is generated: {summary}"
    );
    same_answers(&sled, &pg, N);

    let back = SledStore::open(&dir.path().join("b")).unwrap();
    let again = copy(&pg, &back, false, &mut |_| {}).unwrap();
    assert_eq!(again, summary);
    same_answers(&sled, &back, N);

    let memory = MemoryStore::new();
    assert_eq!(copy(&back, &memory, false, &mut |_| {}).unwrap(), summary);
    same_answers(&sled, &memory, N);
}

#[test]
fn a_store_that_holds_anything_is_refused_unless_forced_and_then_replaced() {
    let source = MemoryStore::new();
    fill(&source, 5);
    let target = pg();
    fill(&target, 9);
    let before = Summary::of(&target).unwrap();
    let err = copy(&source, &target, false, &mut |_| {}).unwrap_err();
    assert!(matches!(err, CopyError::NotEmpty), "{err}");
    assert!(err.to_string().contains("--force"));
    assert_eq!(Summary::of(&target).unwrap(), before, "nothing was touched");

    let copied = copy(&source, &target, true, &mut |_| {}).unwrap();
    assert_eq!(copied, Summary::of(&source).unwrap());
    same_answers(&source, &target, 5);
    assert_eq!(
        target.load(&id("tg:8")).unwrap(),
        None,
        "the old records are gone"
    );

    let dir = tempfile::tempdir().unwrap();
    let sled = SledStore::open(dir.path()).unwrap();
    fill(&sled, 3);
    assert!(matches!(
        copy(&source, &sled, false, &mut |_| {}),
        Err(CopyError::NotEmpty)
    ));
    assert_eq!(copy(&source, &sled, true, &mut |_| {}).unwrap(), copied);
}

#[test]
fn the_summary_tells_a_changed_record_from_the_same() {
    let a = MemoryStore::new();
    fill(&a, 4);
    let b = MemoryStore::new();
    copy(&a, &b, false, &mut |_| {}).unwrap();
    assert!(
        Summary::of(&a)
            .unwrap()
            .differences(&Summary::of(&b).unwrap())
            .is_empty()
    );
    // One learner's name changed: same counts, different content.
    let mut learner = b.load(&id("tg:1")).unwrap().unwrap();
    learner.display_name = "Someone else".into();
    b.commit(&Change::of(&learner)).unwrap();
    let diff = Summary::of(&a)
        .unwrap()
        .differences(&Summary::of(&b).unwrap());
    assert_eq!(
        diff,
        vec!["learners: same number, different content".to_string()]
    );
    // An extra completion: a different count.
    b.commit(&Change {
        completions: &[a.completion_log().unwrap()[0].clone()],
        ..Change::of(&learner)
    })
    .unwrap();
    let diff = Summary::of(&a)
        .unwrap()
        .differences(&Summary::of(&b).unwrap());
    assert!(
        diff.iter().any(|d| d.starts_with("completions:")),
        "{diff:?}"
    );
    assert!(is_empty(&MemoryStore::new()).unwrap());
    assert!(!is_empty(&a).unwrap());
}
