//! `hocvuso store check`: everything a store can verify about itself, and
//! the recount of the figures that a restore and the check share.
//!
//! Beyond what opening the sled store checks (its integrity facts and
//! marker), the rules here read every record through `Store::export` and
//! hold for any backend: every record decodes; each learner's first
//! completion of a lesson is in the log exactly once, at the time the
//! learner's progress says; no used invite is without the role it granted;
//! the mentee index follows the learners' mentors; and, given the area
//! tree, every counter equals a recount from the learners
//! (`core::stats::contributions`, the function the engine writes them with).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::facts::{self, Kind, Problem, thousands};
use super::{Record, SledStore, Store, StoreError};
use crate::area::AreaTree;
use crate::core::stats::{CounterKey, contributions};
use crate::core::{AuditAction, Learner, LearnerId, LinkKind};

/// What `store check` found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub path: PathBuf,
    /// Records by kind (`learner`, `logged`…).
    pub counts: BTreeMap<&'static str, u64>,
    /// What was checked and held, one line each.
    pub passed: Vec<String>,
    pub problems: Vec<Problem>,
}

impl Report {
    pub fn healthy(&self) -> bool {
        self.problems.is_empty()
    }

    /// The report as printed: a verdict, the counts, each check, and on
    /// damage what to do.
    pub fn render(&self, backup: Option<&facts::BackupNote>) -> String {
        let mut out = format!(
            "store {}: {}\n",
            self.path.display(),
            if self.healthy() { "healthy" } else { "DAMAGED" }
        );
        if !self.counts.is_empty() {
            let counts: Vec<String> = Record::KINDS
                .iter()
                .map(|k| {
                    format!(
                        "{} {k}",
                        thousands(self.counts.get(k).copied().unwrap_or(0))
                    )
                })
                .collect();
            out.push_str(&format!("  records: {}\n", counts.join(", ")));
        }
        for line in &self.passed {
            out.push_str(&format!("  ok: {line}\n"));
        }
        if !self.healthy() {
            out.push_str(&facts::refusal(&self.path, &self.problems, backup));
            out.push('\n');
        } else if let Some(b) = backup {
            out.push_str(&format!(
                "  last good backup: {} ({}, {} learners)\n",
                b.path.display(),
                facts::when_text(b.created),
                thousands(b.learners)
            ));
        }
        out
    }
}

/// Checks the sled store at `path` (which no bot may be running on): opens
/// it with every check `open` makes, then reads every record.
pub fn check(path: &Path, areas: Option<&AreaTree>) -> Report {
    let mut report = Report {
        path: path.to_path_buf(),
        ..Report::default()
    };
    if !path.join("db").exists() && !path.join(facts::MARKER_FILE).exists() {
        report.problems.push(Problem::Inconsistent(format!(
            "there is no store at {}",
            path.display()
        )));
        return report;
    }
    let store = match SledStore::open(path) {
        Ok(store) => store,
        Err(StoreError::Damaged { problems, .. }) => {
            report.problems = problems;
            return report;
        }
        Err(e) => {
            report.problems.push(Problem::Unreadable(e.to_string()));
            return report;
        }
    };
    match store.facts() {
        Ok(f) => report.passed.push(format!(
            "integrity facts match a full read (change #{}, {} learners, {} in the completion log, last #{})",
            thousands(f.generation),
            thousands(f.tally(Kind::Learners).count),
            thousands(f.tally(Kind::Log).count),
            f.last_completion.map_or("-".to_string(), |s| s.to_string())
        )),
        Err(e) => report.problems.push(Problem::Unreadable(e.to_string())),
    }
    let rules = Rules::check(&store, areas);
    report.counts = rules.counts;
    report.passed.extend(rules.passed);
    report.problems.extend(rules.problems);
    if let Ok(f) = store.facts() {
        let with_mentor = rules.with_mentor;
        let indexed = f.tally(Kind::Mentees).count;
        if with_mentor == indexed {
            report.passed.push(format!(
                "the mentee index has one entry per learner with a mentor ({})",
                thousands(indexed)
            ));
        } else {
            report.problems.push(Problem::Inconsistent(format!(
                "the mentee index has {} entries for {} learners with a mentor",
                thousands(indexed),
                thousands(with_mentor)
            )));
        }
    }
    report
}

/// What the rules found.
#[derive(Debug, Default)]
pub struct Rules {
    pub counts: BTreeMap<&'static str, u64>,
    pub passed: Vec<String>,
    pub problems: Vec<Problem>,
    pub with_mentor: u64,
}

/// The rules that hold for any store, fed one record at a time (from
/// `Store::export`, or straight from a backup file).
pub struct RuleCheck<'a> {
    counts: BTreeMap<&'static str, u64>,
    pairing: Pairing,
    recount: Recount<'a>,
    counters: BTreeMap<CounterKey, i64>,
    used_invites: Vec<(String, LearnerId)>,
    roles: HashSet<LearnerId>,
    role_changes: HashSet<LearnerId>,
    mentors: BTreeMap<LearnerId, Vec<LearnerId>>,
}

impl<'a> RuleCheck<'a> {
    pub fn new(areas: Option<&'a AreaTree>) -> Self {
        RuleCheck {
            counts: BTreeMap::new(),
            pairing: Pairing::default(),
            recount: Recount::new(areas),
            counters: BTreeMap::new(),
            used_invites: Vec::new(),
            roles: HashSet::new(),
            role_changes: HashSet::new(),
            mentors: BTreeMap::new(),
        }
    }

    pub fn add(&mut self, record: &Record) {
        *self.counts.entry(record.kind()).or_default() += 1;
        match record {
            Record::Learner(learner) => {
                self.pairing.learner(learner);
                self.recount.add(learner);
                if let Some(m) = &learner.mentor {
                    self.mentors
                        .entry(m.id.clone())
                        .or_default()
                        .push(learner.id.clone());
                }
            }
            Record::Logged { seq, completion } => self.pairing.logged(*seq, completion),
            Record::Counter {
                scope,
                quarter,
                metric,
                value,
            } if *value != 0 && recountable(metric) => {
                self.counters.insert(
                    CounterKey {
                        scope: scope.clone(),
                        quarter: *quarter,
                        metric: metric.clone(),
                    },
                    *value,
                );
            }
            Record::Link(link) => {
                if let (LinkKind::Invite { .. }, Some(by)) = (&link.kind, &link.used_by) {
                    self.used_invites.push((link.code.clone(), by.clone()));
                }
            }
            Record::Staff { id, .. } => {
                self.roles.insert(id.clone());
            }
            Record::Audit { entry, .. } => match &entry.action {
                AuditAction::Revoke { from, .. } => {
                    self.role_changes.insert(from.clone());
                }
                AuditAction::Grant { to, .. } => {
                    self.role_changes.insert(to.clone());
                }
                _ => {}
            },
            _ => {}
        }
    }

    /// The verdict on every record added; `store`, when given, is also
    /// asked for each mentor's mentees (its index must follow the learners).
    pub fn finish(self, store: Option<&dyn Store>) -> Rules {
        let mut rules = Rules {
            counts: self.counts,
            ..Rules::default()
        };
        let total: u64 = rules.counts.values().sum();
        rules
            .passed
            .push(format!("all {} records read and decoded", thousands(total)));
        rules
            .problems
            .extend(self.pairing.finish(&mut rules.passed));

        let burned: Vec<&(String, LearnerId)> = self
            .used_invites
            .iter()
            .filter(|(_, by)| !self.roles.contains(by) && !self.role_changes.contains(by))
            .collect();
        if burned.is_empty() {
            rules.passed.push(format!(
                "each of the {} used invites gave its role (or the role was changed later)",
                thousands(self.used_invites.len() as u64)
            ));
        } else {
            for (code, by) in burned {
                rules.problems.push(Problem::Inconsistent(format!(
                    "the invite {code} is used by {} but they have no role and no role change is recorded",
                    by.as_str()
                )));
            }
        }

        rules.with_mentor = self.mentors.values().map(|l| l.len() as u64).sum();
        if let Some(store) = store {
            let mut index_ok = true;
            for (mentor, learners) in &self.mentors {
                match store.mentees(mentor) {
                    Ok(found) => {
                        let found: Vec<&LearnerId> = found.iter().map(|l| &l.id).collect();
                        for l in learners {
                            if !found.contains(&l) {
                                index_ok = false;
                                rules.problems.push(Problem::Inconsistent(format!(
                                    "{} has the mentor {} but is not among their mentees",
                                    l.as_str(),
                                    mentor.as_str()
                                )));
                            }
                        }
                    }
                    Err(e) => {
                        index_ok = false;
                        rules.problems.push(Problem::Unreadable(e.to_string()));
                    }
                }
            }
            if index_ok {
                rules.passed.push(format!(
                    "every learner with a mentor is among that mentor's mentees ({} mentors)",
                    thousands(self.mentors.len() as u64)
                ));
            }
        }

        match self.recount.finish() {
            Some(expected) => {
                let differences = compare_counters(&self.counters, &expected);
                if differences.is_empty() {
                    rules.passed.push(format!(
                        "all {} learner counters equal a recount from the learners",
                        thousands(self.counters.len() as u64)
                    ));
                } else {
                    rules.problems.push(Problem::Inconsistent(format!(
                        "{} counters differ from a recount from the learners, e.g. {}",
                        thousands(differences.len() as u64),
                        differences
                            .iter()
                            .take(3)
                            .map(|d| d.to_string())
                            .collect::<Vec<_>>()
                            .join("; ")
                    )));
                }
            }
            None => rules
                .passed
                .push("counters not recounted (no area tree given)".into()),
        }
        rules
    }
}

impl Rules {
    /// Every rule over every record of `store`.
    pub fn check(store: &dyn Store, areas: Option<&AreaTree>) -> Rules {
        let mut check = RuleCheck::new(areas);
        let exported = store.export(&mut |record| {
            check.add(&record);
            Ok(())
        });
        match exported {
            Ok(()) => check.finish(Some(store)),
            Err(StoreError::Damaged { problems, .. }) => Rules {
                problems,
                ..Rules::default()
            },
            Err(other) => Rules {
                problems: vec![Problem::Unreadable(other.to_string())],
                ..Rules::default()
            },
        }
    }
}

/// Matches each learner's completed lessons with the completion log, in
/// whatever order the records come.
#[derive(Default)]
struct Pairing {
    /// (learner, lesson) → first completion time, from progress, not yet
    /// matched by a log entry.
    progressed: HashMap<(String, String), i64>,
    /// The same from the log, not yet matched by a learner's progress.
    logged: HashMap<(String, String), i64>,
    learners: HashSet<String>,
    matched: u64,
    /// Log entries matching no finished lesson: repeats, or entries whose
    /// learner record is gone.
    unmatched: Vec<String>,
    mismatched: Vec<String>,
}

impl Pairing {
    fn learner(&mut self, learner: &Learner) {
        let who = learner.id.as_str().to_string();
        for (lesson, p) in &learner.progress {
            if let Some(done) = &p.completed {
                let k = (who.clone(), lesson.clone());
                match self.logged.remove(&k) {
                    Some(at) => self.pair(&k, done.at, at),
                    None => {
                        self.progressed.insert(k, done.at);
                    }
                }
            }
        }
        self.learners.insert(who);
    }

    fn logged(&mut self, seq: u64, c: &crate::core::Completion) {
        let k = (c.learner.as_str().to_string(), c.lesson.clone());
        if let Some(at) = self.progressed.remove(&k) {
            return self.pair(&k, at, c.at);
        }
        if self.learners.contains(&k.0) || self.logged.contains_key(&k) {
            self.unmatched.push(format!("#{seq} ({} {})", k.0, k.1));
        } else {
            self.logged.insert(k, c.at);
        }
    }

    fn pair(&mut self, k: &(String, String), progress_at: i64, logged_at: i64) {
        self.matched += 1;
        if progress_at != logged_at {
            self.mismatched.push(format!("{} {}", k.0, k.1));
        }
    }

    fn finish(mut self, passed: &mut Vec<String>) -> Vec<Problem> {
        let mut problems = Vec::new();
        let sample = |v: Vec<String>| v.into_iter().take(3).collect::<Vec<_>>().join(", ");
        if !self.progressed.is_empty() {
            let n = self.progressed.len() as u64;
            problems.push(Problem::Inconsistent(format!(
                "{} finished lessons are missing from the completion log, e.g. {}",
                thousands(n),
                sample(
                    self.progressed
                        .into_keys()
                        .map(|(a, b)| format!("{a} {b}"))
                        .collect()
                )
            )));
        }
        self.unmatched
            .extend(self.logged.into_keys().map(|(a, b)| format!("{a} {b}")));
        if !self.unmatched.is_empty() {
            problems.push(Problem::Inconsistent(format!(
                "{} completion log entries match no finished lesson in a learner's progress \
                 (a repeat, or the learner's record is missing), e.g. {}",
                thousands(self.unmatched.len() as u64),
                sample(self.unmatched)
            )));
        }
        if !self.mismatched.is_empty() {
            problems.push(Problem::Inconsistent(format!(
                "{} log entries disagree with the learner's first completion time, e.g. {}",
                thousands(self.mismatched.len() as u64),
                sample(self.mismatched)
            )));
        }
        if problems.is_empty() {
            passed.push(format!(
                "each of the {} finished lessons is in the completion log once, at the same time",
                thousands(self.matched)
            ));
        }
        problems
    }
}

/// The counters as the engine would have written them for these learners.
pub struct Recount<'a> {
    areas: Option<&'a AreaTree>,
    counts: BTreeMap<CounterKey, i64>,
}

impl<'a> Recount<'a> {
    pub fn new(areas: Option<&'a AreaTree>) -> Self {
        Recount {
            areas,
            counts: BTreeMap::new(),
        }
    }

    pub fn add(&mut self, learner: &Learner) {
        if let Some(areas) = self.areas {
            for key in contributions(learner, areas) {
                *self.counts.entry(key).or_default() += 1;
            }
        }
    }

    /// `None` without an area tree (nothing could be recounted).
    pub fn finish(self) -> Option<BTreeMap<CounterKey, i64>> {
        self.areas.map(|_| self.counts)
    }
}

/// Whether a counter's metric is a learner's contribution (started, a
/// lesson, a topic, basic skills), which a recount from the learners
/// reproduces. Event counts (questions asked, reminders sent…) are not:
/// they are kept as they are.
pub fn recountable(metric: &str) -> bool {
    crate::core::stats::Metric::from_key(metric).is_some()
}

/// One counter whose stored value is not its recount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterDifference {
    pub key: CounterKey,
    pub stored: i64,
    pub recounted: i64,
}

impl std::fmt::Display for CounterDifference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (year, q) = crate::core::stats::quarter_parts(self.key.quarter);
        write!(
            f,
            "{} {} Q{q}/{year}: stored {}, recounted {}",
            self.key.scope, self.key.metric, self.stored, self.recounted
        )
    }
}

/// Every counter that differs (zero and absent are the same).
pub fn compare_counters(
    stored: &BTreeMap<CounterKey, i64>,
    recounted: &BTreeMap<CounterKey, i64>,
) -> Vec<CounterDifference> {
    let mut out = Vec::new();
    for (key, value) in stored {
        let expected = recounted.get(key).copied().unwrap_or(0);
        if *value != expected {
            out.push(CounterDifference {
                key: key.clone(),
                stored: *value,
                recounted: expected,
            });
        }
    }
    for (key, value) in recounted {
        if !stored.contains_key(key) && *value != 0 {
            out.push(CounterDifference {
                key: key.clone(),
                stored: 0,
                recounted: *value,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{CompletedLesson, Completion, LessonProgress, Link};
    use crate::store::{Change, MemoryStore};

    fn areas() -> AreaTree {
        AreaTree::parse(
            Path::new("test"),
            "[[area]]\nid = \"tinh\"\nname = \"Tỉnh\"\nadults = 100\ntarget = 0.5\n\
             [[area]]\nid = \"xa\"\nparent = \"tinh\"\nname = \"Xã\"\nadults = 50\ntarget = 0.5\n",
        )
        .unwrap()
    }

    fn finished(store: &dyn Store, who: &str, lesson: &str, at: i64, log: bool) -> Learner {
        let mut learner = Learner::new(LearnerId::new(who).unwrap(), "console", "X", 1);
        learner.area = Some("xa".into());
        learner.started = Some(at);
        let progress = LessonProgress {
            step: 0,
            updated: at,
            completed: Some(CompletedLesson {
                at,
                score: 1,
                total: 1,
            }),
        };
        learner.progress.insert(lesson.into(), progress.clone());
        let completion = Completion {
            learner: learner.id.clone(),
            topic: "t".into(),
            lesson: lesson.into(),
            version: "v".into(),
            score: 1,
            total: 1,
            at,
        };
        let counters = crate::core::stats::counter_deltas(
            &Default::default(),
            &contributions(&learner, &areas()),
        );
        store
            .commit(&Change {
                progress: &[(lesson, &progress)],
                completions: if log {
                    std::slice::from_ref(&completion)
                } else {
                    &[]
                },
                counters: &counters,
                ..Change::of(&learner)
            })
            .unwrap();
        learner
    }

    #[test]
    fn a_consistent_store_passes_every_rule() {
        let store = MemoryStore::new();
        finished(&store, "tg:1", "a", 1_790_000_000, true);
        finished(&store, "tg:2", "b", 1_790_000_100, true);
        let rules = Rules::check(&store, Some(&areas()));
        assert_eq!(rules.problems, vec![], "{:?}", rules.passed);
        assert!(
            rules
                .passed
                .iter()
                .any(|p| p.contains("counters equal a recount"))
        );
        assert!(
            rules
                .passed
                .iter()
                .any(|p| p.contains("2 finished lessons"))
        );
    }

    #[test]
    fn a_lesson_missing_from_the_log_and_a_wrong_counter_are_found() {
        let store = MemoryStore::new();
        let learner = finished(&store, "tg:1", "a", 1_790_000_000, false);
        // A counter with no learner behind it.
        store
            .commit(&Change {
                counters: &[(
                    CounterKey {
                        scope: "a:tinh".into(),
                        quarter: 8106,
                        metric: "l:zzz".into(),
                    },
                    1,
                )],
                ..Change::of(&learner)
            })
            .unwrap();
        let rules = Rules::check(&store, Some(&areas()));
        let text: Vec<String> = rules.problems.iter().map(|p| p.to_string()).collect();
        assert!(
            text.iter()
                .any(|t| t.contains("1 finished lessons are missing from the completion log")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.contains("counters differ from a recount") && t.contains("l:zzz")),
            "{text:?}"
        );
    }

    #[test]
    fn an_invite_used_without_a_role_is_found() {
        let store = MemoryStore::new();
        let admin = Learner::new(LearnerId::new("tg:1").unwrap(), "telegram", "A", 1);
        let link = Link {
            code: "AAAA".into(),
            kind: LinkKind::Invite {
                role: crate::core::Role::Volunteer,
                area: "xa".into(),
            },
            created_by: admin.id.clone(),
            created: 1,
            expires: None,
            used_by: Some(LearnerId::new("tg:9").unwrap()),
        };
        store
            .commit(&Change {
                links: std::slice::from_ref(&link),
                ..Change::of(&admin)
            })
            .unwrap();
        let rules = Rules::check(&store, None);
        assert!(
            rules
                .problems
                .iter()
                .any(|p| p.to_string().contains("the invite AAAA is used by tg:9")),
            "{:?}",
            rules.problems
        );
        assert!(rules.passed.iter().any(|p| p.contains("not recounted")));
    }
}
