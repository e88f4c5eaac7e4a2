//! A large store filled as the engine writes it (learner, completions,
//! counter changes from `stats::contributions`, certificates), for the
//! benches that need one; the area tree is generated: one province, 100
//! communes, 10 residential groups each.

use std::fmt::Write as _;
use std::path::Path;

use hocvuso::area::AreaTree;
use hocvuso::core::stats::{contributions, counter_deltas};
use hocvuso::core::{
    Certificate, CertificateStamp, CompletedLesson, Completion, Lang, Learner, LearnerId,
    LessonProgress, Session, code_from,
};
use hocvuso::lesson::LessonTree;
use hocvuso::store::{Change, Store};

pub const COMPLETIONS_PER_LEARNER: usize = 10;
const COMMUNES: usize = 100;
const GROUPS_PER_COMMUNE: usize = 10;
/// 2026-11-23 10:00 in Vietnam.
pub const NOW: i64 = 1_795_417_200;
const DAY: i64 = 86_400;

/// Fills `store` with `learners` learners; returns (completions, certificates).
pub fn fill(
    store: &dyn Store,
    learners: usize,
    tree: &LessonTree,
    areas: &AreaTree,
) -> (usize, usize) {
    let lessons: Vec<(String, String)> = tree
        .lessons()
        .map(|l| (l.id.clone(), l.topic.clone()))
        .collect();
    let groups: Vec<String> = areas
        .subtree("tinh")
        .iter()
        .filter(|a| areas.path(&a.id).len() == 3)
        .map(|a| a.id.clone())
        .collect();
    let mut rng = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = |n: usize| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng % n as u64) as usize
    };
    let (mut events, mut issued) = (0, 0);
    for n in 0..learners {
        let mut learner = Learner::new(
            LearnerId::new(format!("tg:{n}")).unwrap(),
            "telegram",
            "Bench",
            NOW - 700 * DAY,
        );
        learner.lang = Some(Lang::new("vi"));
        learner.session = Session::Menu;
        learner.area = Some(groups[next(groups.len())].clone());
        let first = next(lessons.len());
        let mut at = NOW - (next(720) as i64) * DAY;
        learner.started = Some(at);
        let mut completions = Vec::with_capacity(COMPLETIONS_PER_LEARNER);
        for k in 0..COMPLETIONS_PER_LEARNER {
            let (lesson, topic) = &lessons[(first + k) % lessons.len()];
            at += 3600;
            learner.progress.insert(
                lesson.clone(),
                LessonProgress {
                    step: 0,
                    updated: at,
                    completed: Some(CompletedLesson {
                        at,
                        score: 3,
                        total: 3,
                    }),
                },
            );
            completions.push(Completion {
                learner: learner.id.clone(),
                topic: topic.clone(),
                lesson: lesson.clone(),
                version: "bench".into(),
                score: 3,
                total: 3,
                at,
            });
        }
        let mut certificates = Vec::new();
        for topic in tree.topics() {
            if topic.lessons.iter().all(|l| learner.is_completed(l)) {
                let code = code_from(next(usize::MAX) as u64, 3);
                learner.certificates.insert(
                    topic.id.clone(),
                    CertificateStamp {
                        code: code.clone(),
                        at,
                    },
                );
                certificates.push(Certificate {
                    code,
                    learner: learner.id.clone(),
                    name: "Bench".into(),
                    topic: topic.id.clone(),
                    at,
                    lessons: Vec::new(),
                });
            }
        }
        issued += certificates.len();
        let counters = counter_deltas(&Default::default(), &contributions(&learner, areas));
        store
            .commit(&Change {
                completions: &completions,
                counters: &counters,
                certificates: &certificates,
                ..Change::of(&learner)
            })
            .unwrap();
        events += completions.len();
    }
    (events, issued)
}

pub fn generated_areas() -> AreaTree {
    let mut src =
        String::from("[[area]]\nid = \"tinh\"\nname = \"Tỉnh\"\nadults = 2000000\ntarget = 0.8\n");
    for c in 0..COMMUNES {
        write!(
            src,
            "[[area]]\nid = \"xa-{c}\"\nparent = \"tinh\"\nname = \"Xã {c}\"\nadults = 20000\ntarget = 0.8\n"
        )
        .unwrap();
        for g in 0..GROUPS_PER_COMMUNE {
            write!(
                src,
                "[[area]]\nid = \"to-{c}-{g}\"\nparent = \"xa-{c}\"\nname = \"Tổ {g}\"\nadults = 2000\ntarget = 0.8\n"
            )
            .unwrap();
        }
    }
    AreaTree::parse(Path::new("generated"), &src).unwrap()
}
