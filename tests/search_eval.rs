//! The search evaluation: every question of
//! `tests/fixtures/search_questions.toml` against the shipped lessons.
//! Prints top-1 and top-3 accuracy and the share of out-of-scope questions
//! correctly given no lesson, and keeps those figures from falling.

use std::fmt::Write as _;

use hocvuso::search::SearchIndex;
use serde::Deserialize;

use crate::support::{repo, shipped_lessons};

#[derive(Deserialize)]
struct Fixture {
    question: Vec<Question>,
}

#[derive(Deserialize)]
struct Question {
    text: String,
    lessons: Vec<String>,
    /// Written after the search was tuned, as a check on the rest.
    #[serde(default)]
    held_out: bool,
}

/// Counts over one part of the set.
#[derive(Default)]
struct Tally {
    asked: usize,
    top1: usize,
    top3: usize,
    outside: usize,
    declined: usize,
}

impl Tally {
    fn line(&self, name: &str) -> String {
        let share = |n: usize, of: usize| n as f64 / of.max(1) as f64;
        format!(
            "{name}: {} questions, top-1 {:.3}, top-3 {:.3}; {} out of scope, {:.3} given no lesson",
            self.asked,
            share(self.top1, self.asked),
            share(self.top3, self.asked),
            self.outside,
            share(self.declined, self.outside)
        )
    }
}

/// Floors at the figures reached when the set was written, rounded down.
const MIN_TOP1: f64 = 0.90;
const MIN_TOP3: f64 = 0.94;

#[test]
fn search_finds_the_lessons_learners_ask_for() {
    let tree = shipped_lessons();
    let fixture: Fixture = toml::from_str(
        &std::fs::read_to_string(repo("tests/fixtures/search_questions.toml")).unwrap(),
    )
    .unwrap();
    for q in &fixture.question {
        for id in &q.lessons {
            assert!(
                tree.lesson(id).is_some(),
                "{:?} names unknown lesson {id}",
                q.text
            );
        }
    }
    let index = SearchIndex::build(&tree);
    let (mut all, mut held) = (Tally::default(), Tally::default());
    let mut report = String::new();
    for q in &fixture.question {
        let hits = index.query(&q.text);
        let found: Vec<&str> = hits.iter().map(|h| h.lesson.as_str()).collect();
        let shown = hits
            .iter()
            .map(|h| format!("{} {:.2}", h.lesson, h.score))
            .collect::<Vec<_>>()
            .join(", ");
        let good = |id: &&str| q.lessons.iter().any(|l| l == id);
        let tallies = if q.held_out {
            vec![&mut all, &mut held]
        } else {
            vec![&mut all]
        };
        for tally in tallies {
            if q.lessons.is_empty() {
                tally.outside += 1;
                tally.declined += usize::from(hits.is_empty());
            } else {
                tally.asked += 1;
                tally.top1 += usize::from(found.first().is_some_and(good));
                tally.top3 += usize::from(found.iter().any(good));
            }
        }
        if q.lessons.is_empty() && !hits.is_empty() {
            writeln!(
                report,
                "  out of scope, yet answered: {:?} → {shown}",
                q.text
            )
            .unwrap();
        } else if !q.lessons.is_empty() && !found.iter().any(good) {
            writeln!(
                report,
                "  missed: {:?} (want {}) → [{shown}]",
                q.text,
                q.lessons.join("|")
            )
            .unwrap();
        }
    }
    println!("{}", all.line("search evaluation"));
    println!("{}", held.line("  of which held out"));
    print!("{report}");
    let share = |n: usize, of: usize| n as f64 / of as f64;
    assert!(
        all.asked >= 120 && all.outside >= 20,
        "the set is too small"
    );
    let (top1, top3) = (share(all.top1, all.asked), share(all.top3, all.asked));
    assert!(
        top1 >= MIN_TOP1,
        "top-1 fell to {top1:.3}, below {MIN_TOP1}"
    );
    assert!(
        top3 >= MIN_TOP3,
        "top-3 fell to {top3:.3}, below {MIN_TOP3}"
    );
    assert_eq!(
        all.declined, all.outside,
        "an out-of-scope question got a lesson"
    );
}
